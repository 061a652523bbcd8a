using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;
using Robotics.RobotBridge.Dds;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Messages.SensorMsgs;
using Robotics.RobotBridge.Messages.StdMsgs;
using Robotics.RobotBridge.Node;
using Robotics.RobotBridge.Ros2;
using Robotics.RobotBridge.Tests.Hil;
using Robotics.RobotBridge.Tests.Ros2;

namespace Robotics.RobotBridge.Tests.Node;

/// <summary>The deploy node's robot I/O against a loopback "driver" node publishing what a robot does.</summary>
public sealed class DdsRobotIoTests : IDisposable
{
    private static readonly string[] PolicyJoints = ["hip", "thigh", "calf"];

    private readonly Ros2Node _driver = new("driver", NodeTestDomain.Options);
    private readonly Ros2Node _deploy = new("deploy", NodeTestDomain.Options);
    private readonly DdsRobotIoOptions _topics;
    private readonly PolicyInput[] _legged;          // a Go1's inputs: cmd_vel and imu
    private readonly Ros2Publisher<JointState> _joints;
    private readonly Ros2Publisher<Imu> _imu;
    private readonly Ros2Publisher<Twist> _cmdVel;
    private readonly Ros2Publisher<Bool> _estop;

    public DdsRobotIoTests()
    {
        // Unique topic names: tests of one run share the domain.
        _topics = new DdsRobotIoOptions
        {
            JointStatesTopic = TestDomain.Topic("joint_states"), EStopTopic = TestDomain.Topic("estop"),
            JointCommandsTopic = TestDomain.Topic("joint_commands"), StatusTopic = TestDomain.Topic("deploy_status"),
        };
        _legged = [Input(InputKind.CmdVel), Input(InputKind.Imu)];
        _joints = _driver.CreatePublisher<JointState>(_topics.JointStatesTopic);
        _imu = _driver.CreatePublisher<Imu>(_legged[1].Topic, QosProfile.SensorData);
        _cmdVel = _driver.CreatePublisher<Twist>(_legged[0].Topic);
        _estop = _driver.CreatePublisher<Bool>(_topics.EStopTopic);
    }

    private const string Base = "panda_link0";

    // The contract's default entry for the input, on a topic of this test's own.
    private static PolicyInput Input(InputKind kind) =>
        PolicyInputs.Default(kind, Base) with { Topic = TestDomain.Topic(PolicyInputs.Name(kind)) };

    private DdsRobotIo Io(JointCommandMode mode = JointCommandMode.Pd)
    {
        var io = new DdsRobotIo(_deploy, PolicyJoints, _legged, _topics with { CommandMode = mode });
        Assert.True(TestDomain.WaitUntil(() => _joints.MatchedSubscriptions == 1 && _imu.MatchedSubscriptions == 1 && _estop.MatchedSubscriptions == 1 && _cmdVel.MatchedSubscriptions == 1), "no match");
        return io;
    }

    private static PoseStamped Pose(string frame, double x, double y, double z, double qw = 1, double qx = 0, double qy = 0, double qz = 0)
    {
        var m = new PoseStamped();
        m.Header.FrameId = frame;
        m.Pose.Position.X = x; m.Pose.Position.Y = y; m.Pose.Position.Z = z;
        m.Pose.Orientation.W = qw; m.Pose.Orientation.X = qx; m.Pose.Orientation.Y = qy; m.Pose.Orientation.Z = qz;
        return m;
    }

    // The driver lists its joints in its own order, with one the policy does not use.
    private static JointState DriverState(double scale = 1)
    {
        var js = new JointState();
        js.Name.Set(["calf", "extra", "hip", "thigh"]);
        js.Position.Set([3 * scale, 99, 1 * scale, 2 * scale]);
        js.Velocity.Set([30 * scale, 99, 10 * scale, 20 * scale]);
        js.Effort.Set([300, 99, 100, 200]);
        return js;
    }

    [Fact]
    public void A_driver_that_names_joints_differently_is_mapped_through_explicit_renames()
    {
        // The driver says "knee" for the policy's "calf"; without the rename the joint is missing, with it the data maps.
        var renamed = _topics with { JointRenames = new Dictionary<string, string> { ["calf"] = "knee" } };
        var io = new DdsRobotIo(_deploy, PolicyJoints, _legged, renamed);
        Assert.Equal(["hip", "thigh", "knee"], io.RobotJointNames);
        Assert.Equal(PolicyJoints, io.JointNames);
        Assert.True(TestDomain.WaitUntil(() => _joints.MatchedSubscriptions == 1), "no match");
        var js = DriverState();
        js.Name.Set(["knee", "extra", "hip", "thigh"]);
        _joints.Publish(js);
        var frame = new SensorFrame(3, 3);
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return frame.Sequence > 0 || io.JointStateError is not null; }), "nothing arrived");
        Assert.Null(io.JointStateError);
        Assert.Equal([1.0, 2.0, 3.0], frame.JointPos);

        // Bad renames are refused by name before anything runs.
        Assert.Contains("'ankle'", Assert.Throws<UserError>(() => new DdsRobotIo(_deploy, PolicyJoints, _legged, _topics with { JointRenames = new Dictionary<string, string> { ["ankle"] = "x" } })).Message);
        Assert.Contains("two joints one name", Assert.Throws<UserError>(() => new DdsRobotIo(_deploy, PolicyJoints, _legged, _topics with { JointRenames = new Dictionary<string, string> { ["calf"] = "hip" } })).Message);
    }

    [Fact]
    public void Joint_states_are_mapped_by_name_and_the_imu_quaternion_is_reordered()
    {
        var io = Io();
        var frame = new SensorFrame(3, 3);
        var imu = new Imu();
        imu.Orientation.X = 0.1; imu.Orientation.Y = 0.2; imu.Orientation.Z = 0.3; imu.Orientation.W = 0.9;
        imu.AngularVelocity.X = 4; imu.AngularVelocity.Y = 5; imu.AngularVelocity.Z = 6;
        _imu.Publish(imu);
        var twist = new Twist();
        twist.Linear.X = 0.5; twist.Linear.Y = -0.25; twist.Angular.Z = 0.75; twist.Linear.Z = 9;   // linear.z is not a command
        _cmdVel.Publish(twist);
        _joints.Publish(DriverState());

        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return io.SensorsLive && frame.Command[0] != 0; }), "nothing arrived");
        Assert.Equal([1.0, 2.0, 3.0], frame.JointPos);     // hip, thigh, calf: policy order, "extra" ignored
        Assert.Equal([10.0, 20.0, 30.0], frame.JointVel);
        Assert.Equal([100.0, 200.0, 300.0], frame.JointTorque);
        Assert.Equal([0.9, 0.1, 0.2, 0.3], frame.Orientation);   // w x y z from ROS's x y z w
        Assert.Equal([4.0, 5.0, 6.0], frame.Gyro);
        Assert.Equal([0.5, -0.25, 0.75], frame.Command);
        Assert.Equal(1, frame.Sequence);
        Assert.Null(io.JointStateError);

        // No new joint state: the sequence stands still (the watchdog's signal); a new one advances it.
        io.Read(frame);
        Assert.Equal(1, frame.Sequence);
        _joints.Publish(DriverState(2));
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return frame.Sequence == 2; }));
        Assert.Equal([2.0, 4.0, 6.0], frame.JointPos);
    }

    [Fact]
    public void A_missing_joint_is_named_and_its_data_never_reaches_the_controller()
    {
        var io = Io();
        var frame = new SensorFrame(3, 3);
        var js = new JointState();
        js.Name.Set(["hip", "calf"]);            // no thigh
        js.Position.Set([1, 3]);
        _imu.Publish(new Imu());
        _joints.Publish(js);
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return io.JointStateError is not null; }), "no error reported");
        Assert.Contains("'thigh'", io.JointStateError);
        Assert.Equal(0, frame.Sequence);         // the watchdog sees no data: a start is refused, a running controller trips
        Assert.False(io.SensorsLive);
        Assert.Equal([0.0, 0.0, 0.0], frame.JointPos);

        // Inconsistent lengths are refused the same way.
        js.Name.Set(["hip", "thigh", "calf"]);
        _joints.Publish(js);
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return io.JointStateError?.Contains("3 names but 2 positions") == true; }), io.JointStateError);
        Assert.Equal(0, frame.Sequence);
    }

    [Fact]
    public void An_arm_subscribes_to_joint_states_and_target_pose_only_and_a_legged_robot_to_imu_and_cmd_vel()
    {
        // Reach: joint states, the e-stop and target_pose are the node's only readers; nobody listens on imu or cmd_vel.
        var target = Input(InputKind.TargetPose);
        var arm = new DdsRobotIo(_deploy, PolicyJoints, [target], _topics);
        Assert.Equal([InputKind.TargetPose], arm.Inputs.Select(s => s.Kind));
        Assert.Equal("/" + target.Topic, arm.Inputs[0].Topic);
        Assert.Equal((Reliability.Reliable, Durability.TransientLocal, 1), (arm.Inputs[0].Qos.Reliability, arm.Inputs[0].Qos.Durability, arm.Inputs[0].Qos.Depth));
        Assert.Equal(3, _deploy.GraphInfo().Nodes[0].Readers.Count);   // joint_states, target_pose, estop
        var targets = _driver.CreatePublisher<PoseStamped>(target.Topic, _topics.SetpointQos);
        Assert.True(TestDomain.WaitUntil(() => targets.MatchedSubscriptions == 1 && _joints.MatchedSubscriptions == 1), "no match");
        Thread.Sleep(200);   // discovery has had its time: the imu and cmd_vel publishers would have matched by now
        Assert.Equal(0, _imu.MatchedSubscriptions);
        Assert.Equal(0, _cmdVel.MatchedSubscriptions);
        Assert.Null(arm.Input(InputKind.Imu));

        // The Go1: imu and cmd_vel, in InputKind order, on the contract's topics.
        using var legged = new Ros2Node("deploy_legged", NodeTestDomain.Options);
        var go1 = new DdsRobotIo(legged, PolicyJoints, [_legged[1], _legged[0]], _topics);
        Assert.Equal([InputKind.CmdVel, InputKind.Imu], go1.Inputs.Select(s => s.Kind));
        Assert.Equal(4, legged.GraphInfo().Nodes[0].Readers.Count);   // joint_states, cmd_vel, imu, estop
        Assert.True(TestDomain.WaitUntil(() => _imu.MatchedSubscriptions == 1 && _cmdVel.MatchedSubscriptions == 1), "the Go1's inputs did not match");
        Assert.Equal(1, targets.MatchedSubscriptions);   // still the arm's only
    }

    [Fact]
    public void A_remap_moves_an_input_to_another_topic_and_one_the_policy_does_not_read_is_refused()
    {
        var goal = TestDomain.Topic("goal");
        var io = new DdsRobotIo(_deploy, PolicyJoints, [Input(InputKind.TargetPose)], _topics with { Remap = new Dictionary<string, string> { ["target_pose"] = "/" + goal } });
        Assert.Equal("/" + goal, io.Inputs[0].Topic);
        Assert.Equal($"target_pose (geometry_msgs/msg/PoseStamped on /{goal})", io.Inputs[0].Describe());
        var e = Assert.Throws<UserError>(() => new DdsRobotIo(_deploy, PolicyJoints, [Input(InputKind.TargetPose)], _topics with { Remap = new Dictionary<string, string> { ["imu"] = "/x" } }));
        Assert.Contains("'imu', which the policy does not read", e.Message);
        Assert.Contains("'gripper' is not an input", Assert.Throws<UserError>(() => new DdsRobotIo(_deploy, PolicyJoints, [], _topics with { Remap = new Dictionary<string, string> { ["gripper"] = "/x" } })).Message);
        Assert.Contains("listed twice", Assert.Throws<UserError>(() => new DdsRobotIo(_deploy, PolicyJoints, [_legged[1], _legged[1]], _topics)).Message);
    }

    [Fact]
    public void Poses_fill_the_target_and_object_and_advance_their_input_sequences()
    {
        var target = Input(InputKind.TargetPose);
        var obj = Input(InputKind.ObjectPose);
        var io = new DdsRobotIo(_deploy, PolicyJoints, [target, obj], _topics);
        var targets = _driver.CreatePublisher<PoseStamped>(target.Topic, _topics.SetpointQos);
        var objects = _driver.CreatePublisher<PoseStamped>(obj.Topic, QosProfile.SensorData);
        Assert.True(TestDomain.WaitUntil(() => targets.MatchedSubscriptions == 1 && objects.MatchedSubscriptions == 1 && _joints.MatchedSubscriptions == 1), "no match");
        var frame = new SensorFrame(3, 3);
        _joints.Publish(DriverState());
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return frame.Sequence == 1; }));
        Assert.False(io.SensorsLive);                   // joint states alone: the poses have not arrived
        Assert.Equal(2, io.MissingInputs.Count);

        // 90° about z: (w, z) = (cos 45°, sin 45°), not normalized on the wire (×2): the node normalizes.
        double c = Math.Sqrt(0.5);
        targets.Publish(Pose(Base, 0.4, -0.1, 0.6, qw: 2 * c, qz: 2 * c));
        objects.Publish(Pose(Base, 0.5, 0.05, 0.02));
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return io.SensorsLive; }), "the poses did not arrive");
        Assert.Equal([0.4, -0.1, 0.6], frame.TargetPosition);
        double[] rz90 = [0, -1, 0, 1, 0, 0, 0, 0, 1];
        for (int i = 0; i < 9; i++) Assert.Equal(rz90[i], frame.TargetRotation[i], 12);
        Assert.Equal([0.5, 0.05, 0.02], frame.ObjectPosition);
        Assert.Equal([0L, 0, 1, 1], frame.InputSequence);   // cmd_vel, imu, target_pose, object_pose
        Assert.Empty(io.MissingInputs);

        objects.Publish(Pose(Base, 0.51, 0.05, 0.02));
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return frame.InputSequence[(int)InputKind.ObjectPose] == 2; }));
        Assert.Equal(0.51, frame.ObjectPosition[0]);
        Assert.Equal(1, frame.InputSequence[(int)InputKind.TargetPose]);   // a setpoint: held, not re-counted

        // A quaternion of zero length has no rotation: refused, the target held.
        targets.Publish(Pose(Base, 0.3, 0, 0.6, qw: 0));
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return io.InputError(InputKind.TargetPose) is not null; }));
        Assert.Contains("quaternion", io.InputError(InputKind.TargetPose));
        Assert.Equal(0.4, frame.TargetPosition[0]);
    }

    [Fact]
    public void A_target_published_before_the_node_started_is_received()
    {
        var target = Input(InputKind.TargetPose);
        var targets = _driver.CreatePublisher<PoseStamped>(target.Topic, new DdsRobotIoOptions().SetpointQos);
        targets.Publish(Pose(Base, 0.45, 0.1, 0.7));
        Thread.Sleep(100);
        var io = new DdsRobotIo(_deploy, PolicyJoints, [target], _topics);   // joins afterwards
        var frame = new SensorFrame(3, 3);
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return frame.InputSequence[(int)InputKind.TargetPose] == 1; }), "the latched target was not delivered");
        Assert.Equal([0.45, 0.1, 0.7], frame.TargetPosition);
    }

    [Fact]
    public void A_pose_in_another_frame_is_refused_and_reported_and_never_counts_as_arrived()
    {
        var target = Input(InputKind.TargetPose);
        var io = new DdsRobotIo(_deploy, PolicyJoints, [target], _topics);
        var targets = _driver.CreatePublisher<PoseStamped>(target.Topic, _topics.SetpointQos);
        Assert.True(TestDomain.WaitUntil(() => targets.MatchedSubscriptions == 1 && _joints.MatchedSubscriptions == 1), "no match");
        var frame = new SensorFrame(3, 3);
        _joints.Publish(DriverState());
        targets.Publish(Pose("world", 0.4, 0, 0.6));
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return io.InputError(InputKind.TargetPose) is not null; }), "no report");
        Assert.Equal($"/{target.Topic}: frame_id 'world', but target_pose must be in '{Base}'; message not used", io.InputError(InputKind.TargetPose));
        Assert.Equal(0, frame.InputSequence[(int)InputKind.TargetPose]);
        Assert.Equal([0.0, 0, 0], frame.TargetPosition);
        Assert.False(io.SensorsLive);

        // The right frame is used and clears the report.
        targets.Publish(Pose(Base, 0.4, 0, 0.6));
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return io.SensorsLive; }));
        Assert.Null(io.InputError(InputKind.TargetPose));
        Assert.Equal(0.4, frame.TargetPosition[0]);
    }

    [Fact]
    public void The_e_stop_is_latched_until_a_release_arrives()
    {
        var io = Io();
        var frame = new SensorFrame(3, 3);
        _estop.Publish(new Bool { Data = true });
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return io.EStopPressed; }));
        Thread.Sleep(50);
        io.Read(frame);
        Assert.True(io.EStopPressed);            // no news is not a release
        Assert.True(io.EStopReceivedTick >= 0);
        _estop.Publish(new Bool { Data = false });
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return !io.EStopPressed; }));
    }

    [Theory]
    [InlineData(JointCommandMode.Pd)]
    [InlineData(JointCommandMode.Position)]
    public void Commands_go_out_in_the_policy_order_with_a_labelled_layout(JointCommandMode mode)
    {
        var io = Io(mode);
        var got = new List<Float64MultiArray>();
        _driver.CreateSubscription<Float64MultiArray>(_topics.JointCommandsTopic, onMessage: m =>
        {
            var copy = new Float64MultiArray();
            copy.Data.Set(m.Data.AsSpan());
            foreach (var d in m.Layout.Dim.AsSpan()) copy.Layout.Dim.Set([.. copy.Layout.Dim.AsSpan(), new MultiArrayDimension { Label = d.Label, Size = d.Size, Stride = d.Stride }]);
            lock (got) got.Add(copy);
        });
        Assert.True(TestDomain.WaitUntil(() => io.CommandSubscribers == 1));
        var c = new JointCommand(3);
        c.Position[0] = 0.1; c.Position[1] = 0.2; c.Position[2] = 0.3;
        c.Kp[0] = 20; c.Kp[1] = 21; c.Kp[2] = 22;
        c.Kd[0] = 0.5; c.Kd[1] = 0.6; c.Kd[2] = 0.7;
        c.Torque[0] = -1; c.Torque[1] = 0; c.Torque[2] = 1;
        io.Write(c);
        Assert.True(TestDomain.WaitUntil(() => { lock (got) return got.Count == 1; }));
        var m = got[0];
        if (mode == JointCommandMode.Pd)
        {
            Assert.Equal([0.1, 0.2, 0.3, 20, 21, 22, 0.5, 0.6, 0.7, -1, 0, 1], m.Data.ToArray());
            Assert.Equal(2, m.Layout.Dim.Count);
            Assert.Equal((JointCommandCodec.FieldLabel, 4u, 12u), (m.Layout.Dim[0].Label, m.Layout.Dim[0].Size, m.Layout.Dim[0].Stride));
            Assert.Equal(("joint", 3u, 3u), (m.Layout.Dim[1].Label, m.Layout.Dim[1].Size, m.Layout.Dim[1].Stride));
            // And back, as the simulated robot reads it.
            var back = new JointCommand(3);
            Assert.True(JointCommandCodec.TryDecodePd(m, back, out _));
            Assert.Equal(c.Kd, back.Kd);
            Assert.False(JointCommandCodec.TryDecodePd(m, new JointCommand(4), out var error));
            Assert.Contains("4 × 4 joints = 16", error);
        }
        else
        {
            Assert.Equal([0.1, 0.2, 0.3], m.Data.ToArray());
            Assert.Equal(("joint", 3u, 3u), (m.Layout.Dim[0].Label, m.Layout.Dim[0].Size, m.Layout.Dim[0].Stride));
        }
    }

    [Fact]
    public void Read_and_write_allocate_nothing_after_the_first_message()
    {
        // Every input kind at once, each message of every tick taken.
        PolicyInput target = Input(InputKind.TargetPose), obj = Input(InputKind.ObjectPose);
        var io = new DdsRobotIo(_deploy, PolicyJoints, [.. _legged, target, obj], _topics);
        var targets = _driver.CreatePublisher<PoseStamped>(target.Topic, _topics.SetpointQos);
        var objects = _driver.CreatePublisher<PoseStamped>(obj.Topic);
        Assert.True(TestDomain.WaitUntil(() => _joints.MatchedSubscriptions == 1 && _imu.MatchedSubscriptions == 1 && _cmdVel.MatchedSubscriptions == 1
            && targets.MatchedSubscriptions == 1 && objects.MatchedSubscriptions == 1), "no match");
        var frame = new SensorFrame(3, 3);
        var command = new JointCommand(3);
        var js = DriverState();
        var imu = new Imu();
        var twist = new Twist();
        PoseStamped targetPose = Pose(Base, 0.4, 0, 0.6), objectPose = Pose(Base, 0.5, 0, 0.02);
        void PublishAll()
        {
            _imu.Publish(imu); _cmdVel.Publish(twist); targets.Publish(targetPose); objects.Publish(objectPose);
            _joints.Publish(js);
        }
        PublishAll();
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return frame.Sequence == 1 && io.SensorsLive; }));
        io.Write(command);

        // 300 ticks, each with fresh messages of every input: bytes allocated inside Read and Write only.
        long allocated = 0;
        for (int tick = 0; tick < 300; tick++)
        {
            js.Position[0] = tick; imu.AngularVelocity.X = tick; twist.Linear.X = tick;
            targetPose.Pose.Position.X = tick; objectPose.Pose.Position.X = tick;
            PublishAll();
            long expected = frame.Sequence + 1;
            var deadline = DateTime.UtcNow.AddSeconds(5);
            do
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                io.Read(frame);
                command.Position[0] = frame.JointPos[0];
                io.Write(command);
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            } while (frame.Sequence < expected && DateTime.UtcNow < deadline);
            Assert.Equal(expected, frame.Sequence);
        }
        Assert.Equal(299.0, frame.JointPos[2]);   // the driver's position 0 is "calf", the policy's joint 2
        Assert.True(frame.InputSequence.All(n => n > 1), $"inputs taken: [{string.Join(", ", frame.InputSequence)}]");
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void The_first_goal_arriving_on_a_running_loop_allocates_nothing()
    {
        // An arm's node runs (joint states flowing) before its first goal: taking that goal is on the loop thread too.
        PolicyInput target = Input(InputKind.TargetPose);
        var io = new DdsRobotIo(_deploy, PolicyJoints, [target], _topics);
        var targets = _driver.CreatePublisher<PoseStamped>(target.Topic, _topics.SetpointQos);
        Assert.True(TestDomain.WaitUntil(() => _joints.MatchedSubscriptions == 1 && targets.MatchedSubscriptions == 1), "no match");
        var frame = new SensorFrame(3, 3);
        _joints.Publish(DriverState());
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return frame.Sequence == 1; }));

        targets.Publish(Pose(Base, 0.4, 0, 0.6));
        long allocated = 0;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (frame.InputSequence[(int)InputKind.TargetPose] == 0 && DateTime.UtcNow < deadline)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            io.Read(frame);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.Equal(1, frame.InputSequence[(int)InputKind.TargetPose]);
        Assert.Equal(0.4, frame.TargetPosition[0]);
        Assert.Equal(0, allocated);
    }

    public void Dispose()
    {
        _deploy.Dispose();
        _driver.Dispose();
    }
}
