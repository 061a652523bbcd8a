using Robotics.Deploy.Contract;
using Robotics.Deploy.Safety;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Messages.SensorMsgs;
using Robotics.RobotBridge.Messages.StdMsgs;
using Robotics.RobotBridge.Node;
using Robotics.RobotBridge.Ros2;
using Robotics.RobotBridge.Tests.Hil;
using Robotics.RobotBridge.Tests.Ros2;

namespace Robotics.RobotBridge.Tests.Node;

/// <summary>The deploy node in process, against a "driver" of this test that publishes joint states (and what else each test needs).</summary>
public sealed class DeployNodeTests
{
    // Unique topic names for everything the node uses: tests of one run share the domain.
    private static DdsRobotIoOptions Topics(params InputKind[] inputs) => new()
    {
        JointStatesTopic = TestDomain.Topic("joint_states"), EStopTopic = TestDomain.Topic("estop"),
        JointCommandsTopic = TestDomain.Topic("joint_commands"), StatusTopic = TestDomain.Topic("deploy_status"),
        Remap = inputs.ToDictionary(PolicyInputs.Name, k => TestDomain.Topic(PolicyInputs.Name(k))),
    };

    /// <summary>Runs the node on a thread of its own, collecting its log; disposing cancels and joins it.</summary>
    private sealed class Running : IDisposable
    {
        private readonly CancellationTokenSource _cancel = new();
        private readonly Thread _thread;
        private readonly List<string> _log = [];
        public DeployRunResult? Result;

        public Running(DeployNode node)
        {
            _thread = new Thread(() => Result = node.Run(line => { lock (_log) _log.Add(line); }, _cancel.Token));
            _thread.Start();
        }

        public string[] Log { get { lock (_log) return _log.ToArray(); } }

        public bool Logged(Func<string, bool> match, double seconds = 20) => TestDomain.WaitUntil(() => Log.Any(match), seconds);

        public void Dispose()
        {
            _cancel.Cancel();
            _thread.Join();
        }
    }

    /// <summary>Publishes joint states of <paramref name="names"/> at <paramref name="positions"/> every 5 ms with advancing stamps (lock-step ticks on each).</summary>
    private sealed class Feeder : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _thread;

        public Feeder(Ros2Publisher<JointState> joints, string[] names, double[] positions, Action? alsoEachTick = null)
        {
            var js = new JointState();
            js.Name.Set(names);
            js.Position.Set(positions);
            js.Velocity.Set(new double[names.Length]);
            _thread = new Thread(() =>
            {
                for (long ns = 5_000_000; !_stop.IsCancellationRequested; ns += 5_000_000)
                {
                    js.Header.Stamp.Sec = (int)(ns / 1_000_000_000); js.Header.Stamp.Nanosec = (uint)(ns % 1_000_000_000);
                    alsoEachTick?.Invoke();
                    joints.Publish(js);
                    Thread.Sleep(5);
                }
            });
            _thread.Start();
        }

        public void Dispose()
        {
            _stop.Cancel();
            _thread.Join();
        }
    }

    private static PoseStamped Target(string frame, double x, double y, double z)
    {
        var m = new PoseStamped();
        m.Header.FrameId = frame;
        m.Pose.Position.X = x; m.Pose.Position.Y = y; m.Pose.Position.Z = z;
        m.Pose.Orientation.W = 1;
        return m;
    }

    [Fact]
    public void A_driver_missing_a_policy_joint_is_named_and_the_node_never_starts()
    {
        var io = Topics(InputKind.Imu, InputKind.CmdVel);
        using var node = new DeployNode(new DeployNodeOptions
        {
            PolicyPath = TestPaths.Repo("models/go1_velocity.onnx"), DomainId = NodeTestDomain.Id(3), Loopback = true, Io = io,
            LockStep = true, AutoStart = true, Seconds = 1.0,
        });
        using var driver = new Ros2Node("driver", NodeTestDomain.Options);
        var joints = driver.CreatePublisher<JointState>(io.JointStatesTopic);
        var imu = driver.CreatePublisher<Imu>(io.Remap["imu"]);
        // Every Go1 joint but the front-right calf.
        var js = new JointState();
        var names = node.Config.JointNames.Where(j => j != "FR_calf_joint").ToArray();
        js.Name.Set(names);
        js.Position.Set(new double[names.Length]);

        var log = new List<string>();
        using var feeding = new CancellationTokenSource();
        var feeder = new Thread(() =>
        {
            while (!feeding.IsCancellationRequested) { imu.Publish(new Imu()); joints.Publish(js); Thread.Sleep(10); }
        });
        feeder.Start();
        var r = node.Run(line => { lock (log) log.Add(line); });
        feeding.Cancel();
        feeder.Join();

        Assert.Contains(log, l => l.Contains("refusing to start") && l.Contains("'FR_calf_joint'"));
        Assert.DoesNotContain(log, l => l.Contains("start requested"));
        Assert.Equal(SafetyState.Idle, r.FinalState);
        Assert.Equal(0, r.Ticks);    // lock-step ticks only on usable joint states
        Assert.Contains("'FR_calf_joint'", r.Refusal);   // what `robotics deploy` exits non-zero with
    }

    [Fact]
    public void A_refused_real_time_loop_allocates_nothing_and_reports_why()
    {
        var io = Topics(InputKind.TargetPose);
        using var node = new DeployNode(new DeployNodeOptions
        {
            PolicyPath = ArmPolicies.Path("panda_reach"), DomainId = NodeTestDomain.Id(3), Loopback = true, Io = io, AutoStart = true, Seconds = 2.5,
        });
        using var driver = new Ros2Node("driver", NodeTestDomain.Options);
        var joints = driver.CreatePublisher<JointState>(io.JointStatesTopic);
        var targets = driver.CreatePublisher<PoseStamped>(io.Remap["target_pose"], io.SetpointQos);
        targets.Publish(Target(node.Contract.Kinematics!.BaseLink, 0.45, 0, 0.3));
        var names = node.Config.JointNames.Where(j => j != "joint4").ToArray();
        // 200 joint states a second lacking one joint, through the 1 s warm-up and the 1.5 s measured after it.
        using var feeder = new Feeder(joints, names, new double[names.Length]);
        var r = node.Run(_ => { });
        Assert.Equal(SafetyState.Idle, r.FinalState);
        Assert.True(r.Ticks > 300, $"{r.Ticks} ticks");
        Assert.Contains("'joint4'", r.Refusal);
        Assert.Equal(0, r.AllocatedBytes);
    }

    [Fact]
    public void A_lock_step_node_whose_robot_goes_silent_trips_on_the_wall_clock_and_holds()
    {
        var io = Topics(InputKind.TargetPose);
        using var node = new DeployNode(new DeployNodeOptions
        {
            PolicyPath = ArmPolicies.Path("panda_reach"), DomainId = NodeTestDomain.Id(3), Loopback = true, Io = io, LockStep = true, AutoStart = true,
            LockStepTimeout = 0.3,
        });
        using var driver = new Ros2Node("driver", NodeTestDomain.Options);
        var joints = driver.CreatePublisher<JointState>(io.JointStatesTopic);
        var targets = driver.CreatePublisher<PoseStamped>(io.Remap["target_pose"], io.SetpointQos);
        targets.Publish(Target(node.Contract.Kinematics!.BaseLink, 0.45, 0, 0.3));
        using var run = new Running(node);
        var feeder = new Feeder(joints, node.Config.JointNames, node.Contract.DefaultJointPos);
        var safety = node.Controller.Safety;
        Assert.True(TestDomain.WaitUntil(() => safety.State == SafetyState.SoftStart), $"state {safety.State}; log:\n{string.Join("\n", run.Log)}");

        // The robot dies: no joint state comes again, so lock-step would never tick again.
        feeder.Dispose();
        // A state still in flight when the feeder stopped is ticked within milliseconds; the trip comes 0.3 s after the last one.
        Thread.Sleep(100);
        long ticks = node.Controller.Ticks;
        Assert.True(TestDomain.WaitUntil(() => safety.State == SafetyState.Hold, 5), $"state {safety.State}; log:\n{string.Join("\n", run.Log)}");
        Assert.Equal(SafetyCause.StaleSensors, safety.LastCause);
        Assert.Equal(ticks + 1, node.Controller.Ticks);   // one tick, on the stale data, wrote the stop's command
        Assert.Equal(safety.HoldPositions.ToArray(), node.Controller.Command.Position);
        Assert.True(run.Logged(l => l.StartsWith("lock-step: no new joint state") && l.Contains("limit 0.3 s")), string.Join("\n", run.Log));
        run.Dispose();
        Assert.Equal((SafetyState.Hold, SafetyCause.StaleSensors), (run.Result!.FinalState, run.Result.LastCause));
        Assert.Null(run.Result.Refusal);
        // Every tick acted on a state; lock-step measures its age since receipt (the stamps are the feeder's simulated time).
        Assert.StartsWith("state age at command (since receipt (lock-step: the stamps are simulated time)): ", run.Result.StateAge);
        Assert.Contains($": {node.Controller.Ticks} ticks,", run.Result.StateAge);
        Assert.True(run.Result.StateAgeP99 > 0 && run.Result.StateAgeP99 < 1, run.Result.StateAge);
        Assert.Null(run.Result.LatencyWarning);
    }

    [Fact]
    public void A_second_writer_on_the_command_topic_stops_a_running_node_and_keeps_another_from_starting()
    {
        var io = Topics(InputKind.TargetPose);
        var options = new DeployNodeOptions
        {
            PolicyPath = ArmPolicies.Path("panda_reach"), DomainId = NodeTestDomain.Id(3), Loopback = true, Io = io, LockStep = true, AutoStart = true,
        };
        using var node = new DeployNode(options);
        using var driver = new Ros2Node("driver", NodeTestDomain.Options);
        var joints = driver.CreatePublisher<JointState>(io.JointStatesTopic);
        var targets = driver.CreatePublisher<PoseStamped>(io.Remap["target_pose"], io.SetpointQos);
        targets.Publish(Target(node.Contract.Kinematics!.BaseLink, 0.45, 0, 0.3));
        using var feeder = new Feeder(joints, node.Config.JointNames, node.Contract.DefaultJointPos);
        var safety = node.Controller.Safety;
        using (var run = new Running(node))
        {
            Assert.True(TestDomain.WaitUntil(() => safety.State == SafetyState.SoftStart), $"state {safety.State}; log:\n{string.Join("\n", run.Log)}");
            // Another controller appears on the robot's command topic: this one stops at once (an arm holds).
            using var intruder = new Ros2Node("other_controller", NodeTestDomain.Options);
            intruder.CreatePublisher<Float64MultiArray>(io.JointCommandsTopic);
            Assert.True(TestDomain.WaitUntil(() => safety.State == SafetyState.Hold, 10), $"state {safety.State}; log:\n{string.Join("\n", run.Log)}");
            Assert.Equal(SafetyCause.ForeignWriter, safety.LastCause);
            Assert.True(run.Logged(l => l.StartsWith($"another writer on /{io.JointCommandsTopic}") && l.EndsWith("; stopping")), string.Join("\n", run.Log));
        }

        // A node that finds a writer there already never starts, and says whose it is.
        using var first = new Ros2Node("first_controller", NodeTestDomain.Options);
        first.CreatePublisher<Float64MultiArray>(io.JointCommandsTopic);
        using var second = new DeployNode(options with { Seconds = 2 });
        var log = new List<string>();
        var r = second.Run(line => { lock (log) log.Add(line); });
        Assert.Equal(SafetyState.Idle, r.FinalState);
        Assert.DoesNotContain(log, l => l.Contains("start requested"));
        Assert.Contains("node /first_controller", r.Refusal);
    }

    [Fact]
    public void A_velocity_command_is_clamped_and_times_out_to_zero_when_the_operator_goes_quiet()
    {
        var io = Topics(InputKind.Imu, InputKind.CmdVel);
        using var node = new DeployNode(new DeployNodeOptions
        {
            PolicyPath = TestPaths.Repo("models/go1_velocity.onnx"), DomainId = NodeTestDomain.Id(3), Loopback = true, Io = io, LockStep = true,
        });
        Assert.Equal(0.5, node.Config.Safety.CommandTimeout);   // the default
        using var driver = new Ros2Node("driver", NodeTestDomain.Options);
        var joints = driver.CreatePublisher<JointState>(io.JointStatesTopic);
        var imuPub = driver.CreatePublisher<Imu>(io.Remap["imu"]);
        var cmdVel = driver.CreatePublisher<Twist>(io.Remap["cmd_vel"]);
        var imu = new Imu();
        imu.Orientation.W = 1;
        using var run = new Running(node);
        using var feeder = new Feeder(joints, node.Config.JointNames, node.Contract.DefaultJointPos, () => imuPub.Publish(imu));
        Assert.True(TestDomain.WaitUntil(() => node.Controller.Ticks > 20), "the node does not tick");

        // 50 m/s from another process: the policy sees the top of its trained range, and the clamp is counted.
        double vxMax = node.Contract.Command("vx")!.High;
        var twist = new Twist();
        twist.Linear.X = 50;
        cmdVel.Publish(twist);
        Assert.True(TestDomain.WaitUntil(() => node.Controller.Frame.Command[0] == vxMax), $"command {node.Controller.Frame.Command[0]}");
        Assert.Equal(1, node.Controller.Safety.InputClamps);
        long at = node.Controller.Ticks;

        // No new message: 0.5 s later (100 ticks of 5 ms), the command is zero: stand still.
        Assert.True(TestDomain.WaitUntil(() => node.Controller.Frame.Command[0] == 0, 20), $"command {node.Controller.Frame.Command[0]}");
        Assert.InRange(node.Controller.Ticks - at, 90, 110);
        Assert.True(run.Logged(l => l.Contains("cmd_vel timed out (no new message for 0.5 s)")), string.Join("\n", run.Log));
    }

    [Fact]
    public void An_arm_node_waits_for_target_pose_refuses_one_in_another_frame_and_starts_once_one_arrives()
    {
        var io = Topics(InputKind.TargetPose);
        using var node = new DeployNode(new DeployNodeOptions
        {
            PolicyPath = ArmPolicies.Path("panda_reach"), DomainId = NodeTestDomain.Id(3), Loopback = true, Io = io, LockStep = true, AutoStart = true,
        });
        Assert.Equal([InputKind.TargetPose], node.Io.Inputs.Select(s => s.Kind));
        string baseLink = node.Contract.Kinematics!.BaseLink;
        using var driver = new Ros2Node("driver", NodeTestDomain.Options);
        var joints = driver.CreatePublisher<JointState>(io.JointStatesTopic);
        var targets = driver.CreatePublisher<PoseStamped>(io.Remap["target_pose"], io.SetpointQos);
        using var run = new Running(node);
        using var feeder = new Feeder(joints, node.Config.JointNames, node.Contract.DefaultJointPos);

        // Joint states flow and the node ticks, but without a target it does not start, and says what it waits for.
        Assert.True(run.Logged(l => l == $"waiting for target_pose (geometry_msgs/msg/PoseStamped on /{io.Remap["target_pose"]})"), string.Join("\n", run.Log));
        Assert.True(TestDomain.WaitUntil(() => node.Controller.Ticks > 100), "the node does not tick on joint states");
        Assert.Equal(SafetyState.Idle, node.Controller.Safety.State);
        Assert.DoesNotContain(run.Log, l => l.Contains("start requested"));

        // A target in the world frame is not the base frame the policy reads: refused, named, still no start.
        Assert.True(TestDomain.WaitUntil(() => targets.MatchedSubscriptions == 1));
        targets.Publish(Target("world", 0.45, 0, 0.3));
        Assert.True(run.Logged(l => l.StartsWith("refusing to start: ") && l.Contains("frame_id 'world'") && l.Contains($"must be in '{baseLink}'")), string.Join("\n", run.Log));
        long ticks = node.Controller.Ticks;
        Assert.True(TestDomain.WaitUntil(() => node.Controller.Ticks > ticks + 50));
        Assert.Equal(SafetyState.Idle, node.Controller.Safety.State);
        Assert.Equal(0, node.Io.InputsReceived(InputKind.TargetPose));

        // One in the base frame: the node starts.
        targets.Publish(Target(baseLink, 0.45, 0, 0.3));
        Assert.True(run.Logged(l => l.Contains("start requested") && l.Contains("target_pose #1")), string.Join("\n", run.Log));
        Assert.True(TestDomain.WaitUntil(() => node.Controller.Safety.State == SafetyState.SoftStart), $"state {node.Controller.Safety.State}");
    }

    [Fact]
    public void Deploy_status_carries_the_input_and_workspace_clamp_counters()
    {
        var io = Topics(InputKind.TargetPose);
        using var node = new DeployNode(new DeployNodeOptions
        {
            PolicyPath = ArmPolicies.Path("panda_reach"), DomainId = NodeTestDomain.Id(3), Loopback = true, Io = io, LockStep = true, AutoStart = true,
        });
        using var driver = new Ros2Node("driver", NodeTestDomain.Options);
        var joints = driver.CreatePublisher<JointState>(io.JointStatesTopic);
        var targets = driver.CreatePublisher<PoseStamped>(io.Remap["target_pose"], io.SetpointQos);
        DeployStatus? latest = null;
        string? label = null;
        driver.CreateSubscription<Float64MultiArray>(io.StatusTopic, onMessage: m =>
        {
            label = m.Layout.Dim[0].Label;
            if (DeployStatus.TryDecode(m, out var s)) latest = s;
        });
        // x = 2 m lies far outside the trained target_x range: clamped once (once per message, not per tick).
        var range = node.Contract.Command("target_x")!;
        Assert.True(range.High < 2);
        targets.Publish(Target(node.Contract.Kinematics!.BaseLink, 2, 0, 0.3));
        using var run = new Running(node);
        using var feeder = new Feeder(joints, node.Config.JointNames, node.Contract.DefaultJointPos);
        Assert.True(TestDomain.WaitUntil(() => latest is { State: SafetyState.SoftStart, Tick: > 50 }), $"status {latest}; log:\n{string.Join("\n", run.Log)}");
        Assert.Equal(DeployStatus.Label, label);
        Assert.Equal(1, latest!.Value.InputClamps);
        Assert.Equal(node.Controller.Safety.WorkspaceClamps, latest.Value.WorkspaceClamps);
        Assert.Equal(range.High, node.Controller.Frame.TargetPosition[0], 12);   // what the policy will see
    }

    [Fact]
    public void A_status_message_round_trips_every_field()
    {
        var message = new Float64MultiArray();
        DeployStatus.PrepareLayout(message);
        var status = new DeployStatus(SafetyState.Hold, SafetyCause.WorkspaceExit, 1234, 123, 1235, 1200, 7, 3);
        status.Encode(message);
        Assert.Equal(DeployStatus.Fields, message.Data.Count);
        Assert.Equal(DeployStatus.Fields, DeployStatus.Label.Split(',').Length);
        Assert.EndsWith("input_clamps,workspace_clamps", DeployStatus.Label);
        Assert.True(DeployStatus.TryDecode(message, out var back));
        Assert.Equal(status, back);
        message.Data.Resize(6);   // an older node's status
        Assert.False(DeployStatus.TryDecode(message, out _));
    }
}
