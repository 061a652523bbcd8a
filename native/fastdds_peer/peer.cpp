// A Fast DDS peer for the interop test (tests/RobotBridge/Ros2/FastDdsInteropTests.cs): a stand-in for a
// ROS 2 node on rmw_fastrtps, ROS 2's default RMW.
//   fastdds_peer <domain> <joint_states DDS topic> <cmd_vel DDS topic> <seconds> [<pose in DDS topic> <pose out DDS topic>]
// Subscribes to sensor_msgs/JointState; for each one received prints "joint_state <n> <first name> <position[0]>"
// and publishes a geometry_msgs/Twist with linear.x = n (number of joints) and angular.z = position[0].
// With the pose topics: subscribes to geometry_msgs/PoseStamped; for each one prints
// "pose <frame_id> <sec> <nanosec> <x> <y> <z> <qx> <qy> <qz> <qw>" and publishes it back on the out topic with the
// position doubled and frame_id prefixed "peer/". Both pose endpoints are reliable, transient-local, keep-last 1
// (the deploy node's target_pose QoS).
// Loopback only: builtin transports off, one UDPv4 transport whitelisted to 127.0.0.1, initial peer 127.0.0.1.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include <fastdds/dds/domain/DomainParticipant.hpp>
#include <fastdds/dds/domain/DomainParticipantFactory.hpp>
#include <fastdds/dds/publisher/DataWriter.hpp>
#include <fastdds/dds/publisher/Publisher.hpp>
#include <fastdds/dds/subscriber/DataReader.hpp>
#include <fastdds/dds/subscriber/DataReaderListener.hpp>
#include <fastdds/dds/subscriber/SampleInfo.hpp>
#include <fastdds/dds/subscriber/Subscriber.hpp>
#include <fastdds/dds/topic/TypeSupport.hpp>
#include <fastdds/rtps/transport/UDPv4TransportDescriptor.h>
#include <fastrtps/utils/IPLocator.h>

#include "Ros2TypesPubSubTypes.h"

using namespace eprosima::fastdds::dds;
using eprosima::fastdds::rtps::UDPv4TransportDescriptor;
using eprosima::fastrtps::rtps::IPLocator;
using eprosima::fastrtps::rtps::Locator_t;

class Echo : public DataReaderListener
{
public:
    explicit Echo(DataWriter* writer) : writer_(writer) {}

    void on_data_available(DataReader* reader) override
    {
        sensor_msgs::msg::dds_::JointState_ js;
        SampleInfo info;
        while (reader->take_next_sample(&js, &info) == ReturnCode_t::RETCODE_OK)
        {
            if (!info.valid_data) continue;
            double p0 = js.position().empty() ? 0.0 : js.position()[0];
            std::printf("joint_state %zu %s %.6f\n", js.name().size(), js.name().empty() ? "-" : js.name()[0].c_str(), p0);
            std::fflush(stdout);
            geometry_msgs::msg::dds_::Twist_ t;
            t.linear().x(static_cast<double>(js.name().size()));
            t.angular().z(p0);
            writer_->write(&t);
        }
    }

private:
    DataWriter* writer_;
};

class PoseEcho : public DataReaderListener
{
public:
    explicit PoseEcho(DataWriter* writer) : writer_(writer) {}

    void on_data_available(DataReader* reader) override
    {
        geometry_msgs::msg::dds_::PoseStamped_ m;
        SampleInfo info;
        while (reader->take_next_sample(&m, &info) == ReturnCode_t::RETCODE_OK)
        {
            if (!info.valid_data) continue;
            auto& p = m.pose().position();
            auto& q = m.pose().orientation();
            std::printf("pose %s %d %u %.6f %.6f %.6f %.6f %.6f %.6f %.6f\n", m.header().frame_id().c_str(), m.header().stamp().sec(),
                m.header().stamp().nanosec(), p.x(), p.y(), p.z(), q.x(), q.y(), q.z(), q.w());
            std::fflush(stdout);
            m.header().frame_id("peer/" + m.header().frame_id());
            m.pose().position().x(2 * p.x());
            m.pose().position().y(2 * p.y());
            m.pose().position().z(2 * p.z());
            writer_->write(&m);
        }
    }

private:
    DataWriter* writer_;
};

int main(int argc, char** argv)
{
    if (argc != 5 && argc != 7) { std::fprintf(stderr, "usage: fastdds_peer <domain> <joint_states topic> <cmd_vel topic> <seconds> [<pose in topic> <pose out topic>]\n"); return 2; }
    int domain = std::atoi(argv[1]);
    int seconds = std::atoi(argv[4]);

    DomainParticipantQos pqos;
    pqos.name("fastdds_peer");
    pqos.transport().use_builtin_transports = false;
    auto udp = std::make_shared<UDPv4TransportDescriptor>();
    udp->interfaceWhiteList.emplace_back("127.0.0.1");
    pqos.transport().user_transports.push_back(udp);
    Locator_t peer;
    peer.kind = LOCATOR_KIND_UDPv4;
    IPLocator::setIPv4(peer, 127, 0, 0, 1);
    pqos.wire_protocol().builtin.initialPeersList.push_back(peer);

    DomainParticipant* participant = DomainParticipantFactory::get_instance()->create_participant(domain, pqos);
    if (participant == nullptr) { std::fprintf(stderr, "fastdds_peer: participant failed\n"); return 3; }
    TypeSupport jsType(new sensor_msgs::msg::dds_::JointState_PubSubType());
    TypeSupport twistType(new geometry_msgs::msg::dds_::Twist_PubSubType());
    jsType.register_type(participant);
    twistType.register_type(participant);
    Topic* jsTopic = participant->create_topic(argv[2], jsType.get_type_name(), TOPIC_QOS_DEFAULT);
    Topic* cmdTopic = participant->create_topic(argv[3], twistType.get_type_name(), TOPIC_QOS_DEFAULT);

    // ROS 2 default QoS: reliable, volatile, keep-last 10 (set explicitly: Fast DDS readers default to best effort).
    Publisher* publisher = participant->create_publisher(PUBLISHER_QOS_DEFAULT);
    DataWriterQos wqos = DATAWRITER_QOS_DEFAULT;
    wqos.reliability().kind = RELIABLE_RELIABILITY_QOS;
    wqos.durability().kind = VOLATILE_DURABILITY_QOS;
    wqos.history().kind = KEEP_LAST_HISTORY_QOS;
    wqos.history().depth = 10;
    DataWriter* writer = publisher->create_datawriter(cmdTopic, wqos);

    Subscriber* subscriber = participant->create_subscriber(SUBSCRIBER_QOS_DEFAULT);
    DataReaderQos rqos = DATAREADER_QOS_DEFAULT;
    rqos.reliability().kind = RELIABLE_RELIABILITY_QOS;
    rqos.durability().kind = VOLATILE_DURABILITY_QOS;
    rqos.history().kind = KEEP_LAST_HISTORY_QOS;
    rqos.history().depth = 10;
    Echo echo(writer);
    DataReader* reader = subscriber->create_datareader(jsTopic, rqos, &echo);
    if (writer == nullptr || reader == nullptr) { std::fprintf(stderr, "fastdds_peer: endpoints failed\n"); return 3; }

    TypeSupport poseType(new geometry_msgs::msg::dds_::PoseStamped_PubSubType());
    DataWriter* poseWriter = nullptr;
    DataReader* poseReader = nullptr;
    std::unique_ptr<PoseEcho> poseEcho;
    if (argc == 7)
    {
        poseType.register_type(participant);
        Topic* poseIn = participant->create_topic(argv[5], poseType.get_type_name(), TOPIC_QOS_DEFAULT);
        Topic* poseOut = participant->create_topic(argv[6], poseType.get_type_name(), TOPIC_QOS_DEFAULT);
        DataWriterQos pwqos = DATAWRITER_QOS_DEFAULT;
        pwqos.reliability().kind = RELIABLE_RELIABILITY_QOS;
        pwqos.durability().kind = TRANSIENT_LOCAL_DURABILITY_QOS;
        pwqos.history().kind = KEEP_LAST_HISTORY_QOS;
        pwqos.history().depth = 1;
        poseWriter = publisher->create_datawriter(poseOut, pwqos);
        DataReaderQos prqos = DATAREADER_QOS_DEFAULT;
        prqos.reliability().kind = RELIABLE_RELIABILITY_QOS;
        prqos.durability().kind = TRANSIENT_LOCAL_DURABILITY_QOS;
        prqos.history().kind = KEEP_LAST_HISTORY_QOS;
        prqos.history().depth = 1;
        poseEcho = std::make_unique<PoseEcho>(poseWriter);
        poseReader = subscriber->create_datareader(poseIn, prqos, poseEcho.get());
        if (poseWriter == nullptr || poseReader == nullptr) { std::fprintf(stderr, "fastdds_peer: pose endpoints failed\n"); return 3; }
    }
    std::printf("ready\n");
    std::fflush(stdout);

    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    if (poseReader != nullptr) subscriber->delete_datareader(poseReader);
    if (poseWriter != nullptr) publisher->delete_datawriter(poseWriter);
    subscriber->delete_datareader(reader);
    publisher->delete_datawriter(writer);
    participant->delete_contained_entities();
    DomainParticipantFactory::get_instance()->delete_participant(participant);
    return 0;
}
