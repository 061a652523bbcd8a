using System.Runtime.InteropServices;
using System.Text;
using Robotics.RobotBridge.Dds;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Messages.SensorMsgs;
using Robotics.RobotBridge.Messages.StdMsgs;
using Robotics.RobotBridge.Ros2;

namespace Robotics.RobotBridge.Tests.Ros2;

/// <summary>What ROS 2 tools see of a node: ros_discovery_info, USER_DATA, and wrong-type reports.</summary>
public class GraphTests
{
    [Theory]
    [InlineData(16)]    // Iron and later
    [InlineData(24)]    // Humble
    public void The_node_announces_itself_on_ros_discovery_info(int gidSize)
    {
        string name = "graph_" + Guid.NewGuid().ToString("N")[..8];
        using var node = new Ros2Node(name, TestDomain.Options with { Namespace = "/robot", GidSize = gidSize });
        var pub = node.CreatePublisher<JointState>(TestDomain.Topic("joint_states"));
        var sub = node.CreateSubscription<Twist>(TestDomain.Topic("cmd_vel"));

        // A plain DDS reader, as rmw_cyclonedds has one: reliable, transient-local, so the latest entry arrives late.
        // Keyless topic: all participants' entries share one instance, so keep more than 1 (other tests publish too).
        using var observer = new Ros2Node("observer", TestDomain.Options with { PublishGraphInfo = false });
        var reader = new RawReader(ObserverParticipant(observer), ParticipantEntitiesInfo.DdsTopicName, ParticipantEntitiesInfo.DdsTypeName,
            QosProfile.Discovery with { Depth = 1000 });
        var buffer = new byte[4096];
        ParticipantEntitiesInfo? ours = null;
        Assert.True(TestDomain.WaitUntil(() =>
        {
            while (reader.TryTake(buffer, out int size) == RawReader.Take.Data)
            {
                // Other tests' nodes share the domain, some with the other Gid size: those do not decode here
                // (or decode into something else); only our node's entry is looked for.
                ParticipantEntitiesInfo info;
                try { info = ParticipantEntitiesInfo.Deserialize(buffer.AsSpan(0, size), gidSize); }
                catch (Exception e) when (e is not OutOfMemoryException) { continue; }
                if (info.Nodes.Count == 1 && info.Nodes[0].Name == name && info.Nodes[0].Readers.Count == 1 && info.Nodes[0].Writers.Count == 1)
                    ours = info;
            }
            return ours is not null;
        }), "no ParticipantEntitiesInfo naming the node with its reader and writer");

        Assert.Equal("/robot", ours!.Nodes[0].Namespace);
        Assert.Equal(node.ParticipantGuid, ours.ParticipantGuid);
        // Gids are the entities' GUIDs: the participant's 12-byte prefix, then the entity id.
        Assert.Equal(node.ParticipantGuid[..12], ours.Nodes[0].Writers[0][..12]);
        Assert.Equal(node.ParticipantGuid[..12], ours.Nodes[0].Readers[0][..12]);
        Assert.NotEqual(ours.Nodes[0].Writers[0], ours.Nodes[0].Readers[0]);
        _ = pub; _ = sub;
    }

    [Fact]
    public unsafe void The_participant_carries_the_enclave_in_USER_DATA()
    {
        using var node = new Ros2Node("enclave_check", TestDomain.Options);
        var guid = node.ParticipantGuid;
        // Read the participant's own discovery data from the built-in DCPSParticipant topic.
        int reader = CycloneDdsNative.dds_create_reader(ObserverParticipant(node), 0x7fff0000 + 1, null, null);
        Assert.True(reader > 0);
        string? userData = null;
        Assert.True(TestDomain.WaitUntil(() =>
        {
            void* buf = null;
            dds_sample_info_t info;
            while (CycloneDdsNative.dds_take(reader, &buf, &info, 1, 1) == 1)
            {
                var p = (dds_builtintopic_participant_t*)buf;
                if (info.valid_data != 0 && new ReadOnlySpan<byte>(p->key.v, 16).SequenceEqual(guid))
                {
                    void* value; nuint size;
                    if (CycloneDdsNative.dds_qget_userdata(p->qos, &value, &size) != 0 && value != null)
                    {
                        userData = Encoding.ASCII.GetString((byte*)value, (int)size);
                        CycloneDdsNative.dds_free(value);
                    }
                }
                CycloneDdsNative.dds_return_loan(reader, &buf, 1);
                buf = null;
            }
            return userData is not null;
        }), "participant not seen");
        Assert.Equal("enclave=/;", userData);
    }

    [Fact]
    public void A_topic_with_the_right_name_and_a_wrong_type_is_reported()
    {
        string topic = TestDomain.Topic("cmd_vel");
        using var policy = new Ros2Node("policy", TestDomain.Options);
        var reports = new List<WrongTypeReport>();
        policy.WrongTypeDetected += r => { lock (reports) reports.Add(r); };
        var sub = policy.CreateSubscription<Twist>(topic);

        using var wrong = new Ros2Node("wrong_teleop", TestDomain.Options);
        var pub = wrong.CreatePublisher<Bool>(topic);
        pub.Publish(new Bool { Data = true });

        Assert.True(TestDomain.WaitUntil(() => sub.WrongTypeReported == 1), "wrong type not reported");
        var report = Assert.Single(policy.WrongTypeReports, r => r.IsWriter);
        Assert.Equal("rt/" + topic, report.DdsTopic);
        Assert.Equal("geometry_msgs::msg::dds_::Twist_", report.ExpectedType);
        Assert.Equal("std_msgs::msg::dds_::Bool_", report.FoundType);
        lock (reports) Assert.Contains(reports, r => r.FoundType == "std_msgs::msg::dds_::Bool_");
        Assert.Equal(0, sub.Received);           // and nothing of the wrong type was delivered as a Twist
    }

    private static int ObserverParticipant(Ros2Node node) => node.Participant;
}
