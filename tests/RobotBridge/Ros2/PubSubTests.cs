using Robotics.RobotBridge.Cdr;
using Robotics.RobotBridge.Dds;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Messages.SensorMsgs;
using Robotics.RobotBridge.Messages.StdMsgs;
using Robotics.RobotBridge.Ros2;

namespace Robotics.RobotBridge.Tests.Ros2;

/// <summary>Publish/subscribe between two nodes (two DDS participants) on loopback.</summary>
public class PubSubTests
{
    [Fact]
    public void JointState_travels_between_two_participants()
    {
        string topic = TestDomain.Topic("joint_states");
        using var robot = new Ros2Node("robot", TestDomain.Options);
        using var policy = new Ros2Node("policy", TestDomain.Options);
        var pub = robot.CreatePublisher<JointState>(topic);
        var sub = policy.CreateSubscription<JointState>(topic);
        Assert.Equal("/" + topic, sub.Topic);
        Assert.True(TestDomain.WaitUntil(() => pub.MatchedSubscriptions == 1 && sub.MatchedPublishers == 1), "no match");

        var js = new JointState();
        js.Header.FrameId = "base";
        js.Name.Set(["hip", "knee"]);
        js.Position.Set([0.5, -1.0]);
        Assert.True(pub.Publish(js));

        var got = new JointState();
        Assert.True(TestDomain.WaitUntil(() => sub.TryTakeLatest(got)), "nothing received");
        Assert.Equal(["hip", "knee"], got.Name.ToArray());
        Assert.Equal([0.5, -1.0], got.Position.ToArray());
        Assert.Equal("base", got.Header.FrameId);
        Assert.Equal(1, sub.Received);
        Assert.False(sub.TryTakeLatest(got));      // nothing new since
    }

    [Fact]
    public void The_loop_sees_only_the_latest_value_and_its_sequence_number()
    {
        string topic = TestDomain.Topic("cmd_vel");
        using var a = new Ros2Node("teleop", TestDomain.Options);
        using var b = new Ros2Node("policy", TestDomain.Options);
        var pub = a.CreatePublisher<Twist>(topic);
        int callbacks = 0;
        var sub = b.CreateSubscription<Twist>(topic, onMessage: _ => Interlocked.Increment(ref callbacks));
        Assert.True(TestDomain.WaitUntil(() => pub.MatchedSubscriptions == 1));

        var t = new Twist();
        for (int i = 1; i <= 5; i++) { t.Linear.X = i; pub.Publish(t); }
        Assert.True(TestDomain.WaitUntil(() => sub.Received == 5), $"received {sub.Received}");
        Assert.True(TestDomain.WaitUntil(() => Volatile.Read(ref callbacks) == 5), "callback not called for each message");

        var got = new Twist();
        Assert.True(sub.TryTakeLatest(got, out long sequence));
        Assert.Equal(5.0, got.Linear.X);            // the newest one
        Assert.Equal(5, sequence);                  // four were overwritten: the loop can tell from the jump
        Assert.False(sub.TryTakeLatest(got));

        // Taking the latest value allocates nothing.
        t.Linear.X = 6; pub.Publish(t);
        Assert.True(TestDomain.WaitUntil(() => sub.Received == 6));
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(sub.TryTakeLatest(got));
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(6.0, got.Linear.X);
    }

    [Fact]
    public void Malformed_samples_on_the_wire_are_dropped_and_counted()
    {
        string topic = TestDomain.Topic("joint_states");
        using var a = new Ros2Node("bad_driver", TestDomain.Options);
        using var b = new Ros2Node("policy", TestDomain.Options);
        var pub = a.CreatePublisher<JointState>(topic);
        var sub = b.CreateSubscription<JointState>(topic);
        Assert.True(TestDomain.WaitUntil(() => pub.MatchedSubscriptions == 1));

        var js = new JointState();
        js.Name.Set(["a", "b"]); js.Position.Set([1, 2]);
        var good = RosMessage.Serialize(js, new CdrWriter()).ToArray();
        var hugeCount = (byte[])good.Clone();
        BitConverter.TryWriteBytes(hugeCount.AsSpan(4 + 16), 0x8000_0000u);   // name count (after stamp 8 + frame_id 5 → 16)
        pub.PublishSerialized(good[..10]);        // truncated
        pub.PublishSerialized(hugeCount);         // sequence length 2^31
        pub.PublishSerialized([0x00, 0x00, 0x00, 0x00, 1, 2, 3, 4]);     // big-endian encapsulation
        pub.PublishSerialized(good);

        Assert.True(TestDomain.WaitUntil(() => sub.DroppedMalformed == 3 && sub.Received == 1),
            $"malformed {sub.DroppedMalformed}, received {sub.Received}");
        var got = new JointState();
        Assert.True(sub.TryTakeLatest(got));
        Assert.Equal([1.0, 2.0], got.Position.ToArray());
    }

    [Fact]
    public void Reliable_subscription_does_not_match_a_best_effort_publisher()
    {
        // DDS request/offer: a reader asking for reliable cannot match a best-effort writer; the reverse matches.
        string topic = TestDomain.Topic("imu");
        using var a = new Ros2Node("imu_driver", TestDomain.Options);
        using var b = new Ros2Node("policy", TestDomain.Options);
        var pub = a.CreatePublisher<Imu>(topic, QosProfile.SensorData);
        var reliable = b.CreateSubscription<Imu>(topic, QosProfile.Default);
        var bestEffort = b.CreateSubscription<Imu>(topic, QosProfile.SensorData);
        Assert.True(TestDomain.WaitUntil(() => bestEffort.MatchedPublishers == 1));
        Thread.Sleep(200);
        Assert.Equal(0, reliable.MatchedPublishers);
        Assert.Equal(1, pub.MatchedSubscriptions);
    }

    [Fact]
    public void Transient_local_delivers_the_last_sample_to_a_late_subscriber_and_volatile_does_not()
    {
        string topic = TestDomain.Topic("estop");
        var latched = QosProfile.Default with { Durability = Durability.TransientLocal, Depth = 1 };
        using var a = new Ros2Node("safety", TestDomain.Options);
        var pubLatched = a.CreatePublisher<Bool>(topic + "_latched", latched);
        var pubVolatile = a.CreatePublisher<Bool>(topic + "_volatile");
        pubLatched.Publish(new Bool { Data = true });
        pubVolatile.Publish(new Bool { Data = true });

        using var b = new Ros2Node("late", TestDomain.Options);
        var subLatched = b.CreateSubscription<Bool>(topic + "_latched", latched);
        var subVolatile = b.CreateSubscription<Bool>(topic + "_volatile");
        Assert.True(TestDomain.WaitUntil(() => subLatched.Received == 1), "transient-local sample not delivered");
        Assert.True(TestDomain.WaitUntil(() => subVolatile.MatchedPublishers == 1));
        Thread.Sleep(200);
        Assert.Equal(0, subVolatile.Received);
        var got = new Bool();
        Assert.True(subLatched.TryTakeLatest(got));
        Assert.True(got.Data);
    }

    [Fact]
    public void Bad_names_and_options_are_refused_with_the_field_named()
    {
        Assert.Contains("GidSize", Assert.Throws<UserError>(() => new Ros2NodeOptions { GidSize = 20 }.Validate()).Message);
        Assert.Contains("DomainId", Assert.Throws<UserError>(() => new Ros2NodeOptions { DomainId = 300 }.Validate()).Message);
        Assert.Contains("Depth", Assert.Throws<UserError>(() => (QosProfile.Default with { Depth = 0 }).Validate()).Message);
        Assert.Throws<UserError>(() => new Ros2Node("1bad", TestDomain.Options));
        Assert.Equal("/robot/joint_states", RosNames.Resolve("joint_states", "/robot"));
        Assert.Equal("/cmd_vel", RosNames.Resolve("/cmd_vel", "/robot"));
        Assert.Equal("rt/robot/joint_states", RosNames.ToDds("/robot/joint_states"));
        Assert.Throws<UserError>(() => RosNames.Resolve("a//b", "/"));
    }
}
