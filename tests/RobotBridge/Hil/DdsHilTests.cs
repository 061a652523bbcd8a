using System.Text.Json;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Kinematics;
using Robotics.Deploy.Runtime;
using Robotics.Deploy.RealTime;
using Robotics.Deploy.Safety;
using Robotics.RobotBridge.Dds;
using Robotics.RobotBridge.Hil;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Messages.SensorMsgs;
using Robotics.RobotBridge.Messages.StdMsgs;
using Robotics.RobotBridge.Node;
using Robotics.RobotBridge.Cdr;
using Robotics.RobotBridge.Ros2;
using Robotics.RobotBridge.Tests.Node;
using Robotics.Sim.Robots;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Tasks.Manipulation;
using Xunit.Abstractions;

namespace Robotics.RobotBridge.Tests.Hil;

/// <summary>
/// Hardware-in-the-loop over DDS: `robotics sim-robot` and `robotics deploy` in two processes, this test as the
/// operator (cmd_vel or target_pose, estop) and observer (deploy_status, joint_commands, joint_states). Loopback only,
/// one domain per test.
/// </summary>
[Collection(NodeProcesses.Name)]
public sealed class DdsHilTests(ITestOutputHelper output)
{
    private const string Policy = "models/go1_velocity.onnx";

    private static uint Domain(int k) => NodeTestDomain.Id(k);

    /// <summary>The operator/observer: a ROS 2 node of the test process watching the deploy node's status and commands.</summary>
    private sealed class Operator : IDisposable
    {
        private readonly Ros2Node _node;
        private readonly object _lock = new();
        public readonly Ros2Publisher<Twist> CmdVel;
        public readonly Ros2Publisher<Twist> Teleop;          // the deploy node's cmd_vel input (cmd_vel itself unless remapped)
        public readonly Ros2Publisher<Bool> EStop;
        public readonly Ros2Publisher<PoseStamped> Targets;   // target_pose, latched as send-target publishes it
        public readonly List<DeployStatus> Statuses = [];
        public readonly List<double[]> Commands = [];   // in arrival order: one per tick, as the statuses
        private DeployStatus _latest = new(SafetyState.Idle, SafetyCause.None, -1, 0, 0, -1, 0, 0);

        public Operator(uint domain, Action<JointState>? onJointState = null, string teleop = "cmd_vel", Robotics.RobotBridge.Security.Ros2SecurityOptions? security = null)
        {
            _node = new Ros2Node("operator", Ros2NodeOptions.Loopback(domain) with { Security = security });
            CmdVel = _node.CreatePublisher<Twist>("cmd_vel");
            Teleop = teleop == "cmd_vel" ? CmdVel : _node.CreatePublisher<Twist>(teleop);
            EStop = _node.CreatePublisher<Bool>("estop");
            Targets = _node.CreatePublisher<PoseStamped>("target_pose", new DdsRobotIoOptions().SetpointQos);
            // Deep reader histories: lock-step runs thousands of ticks a second, and a test process that falls behind
            // on a loaded machine must not lose statuses or commands from a keep-last 10 history.
            var everything = QosProfile.Default with { Depth = 100_000 };
            _node.CreateSubscription<Float64MultiArray>("deploy_status", everything, m =>
            {
                if (!DeployStatus.TryDecode(m, out var s)) return;
                lock (_lock) { Statuses.Add(s); _latest = s; }
            });
            _node.CreateSubscription<Float64MultiArray>("joint_commands", everything, m =>
            {
                lock (_lock) Commands.Add(m.Data.ToArray());
            });
            if (onJointState is not null) _node.CreateSubscription<JointState>("joint_states", QosProfile.SensorData, onJointState);
        }

        /// <summary>
        /// A zero cmd_vel every 20 ms until the node leaves Idle: it starts only once every input of its policy has
        /// arrived, as a joystick held at rest would send (the in-process reference holds a zero command likewise).
        /// </summary>
        public void HoldStillUntilStarted()
        {
            var zero = new Twist();
            _holding = new Thread(() =>
            {
                while (!_disposed && Latest.State == SafetyState.Idle) { Teleop.Publish(zero); Thread.Sleep(20); }
            }) { IsBackground = true };
            _holding.Start();
        }

        private Thread? _holding;
        private volatile bool _disposed;

        /// <summary>A publisher of this operator's node (a stand-in for another node of the robot, e.g. perception).</summary>
        public Ros2Publisher<T> Publisher<T>(string topic, QosProfile? qos = null) where T : class, IRosMessage<T>, new() => _node.CreatePublisher<T>(topic, qos);

        /// <summary>Publishes an arm's goal in the base frame: position [3], rotation base from target, row-major [9].</summary>
        public void SendTarget(string frame, ReadOnlySpan<double> position, ReadOnlySpan<double> rotation)
        {
            Span<double> q = stackalloc double[4];
            Rotation.ToQuaternion(rotation, q);
            var m = new PoseStamped();
            m.Header.FrameId = frame;
            m.Pose.Position.X = position[0]; m.Pose.Position.Y = position[1]; m.Pose.Position.Z = position[2];
            m.Pose.Orientation.W = q[0]; m.Pose.Orientation.X = q[1]; m.Pose.Orientation.Y = q[2]; m.Pose.Orientation.Z = q[3];
            Targets.Publish(m);
        }

        public DeployStatus Latest { get { lock (_lock) return _latest; } }

        public T Locked<T>(Func<T> read) { lock (_lock) return read(); }

        public void Dispose()
        {
            _disposed = true;
            _holding?.Join();
            _node.Dispose();
        }
    }

    private static bool WaitFor(Func<bool> condition, double seconds, params NodeProcess[] alive)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (condition()) return true;
            if (alive.Any(p => p.HasExited)) return condition();
            Thread.Sleep(5);
        }
        return condition();
    }

    /// <summary>
    /// Lets the node run past <paramref name="runningTicks"/>, presses the e-stop, waits for <paramref name="stop"/> and
    /// <paramref name="after"/> ticks more, stops the node; checks that every tick's status arrived in order and that the
    /// stop came within one control tick of the message (the tick read after it arrived, or the one before if the message
    /// raced that read), from Running. Returns the statuses, the commands (one per tick) and the index of the first stop.
    /// </summary>
    private (DeployStatus[] Statuses, double[][] Commands, int First) PressEStop(Operator op, NodeProcess sim, NodeProcess deploy, SafetyState stop, long runningTicks, int after)
    {
        Assert.True(WaitFor(() => op.Latest.State == SafetyState.Running && op.Latest.Tick > runningTicks, 40, sim, deploy), "never reached Running");
        op.EStop.Publish(new Bool { Data = true });
        Assert.True(WaitFor(() => op.Locked(() => op.Statuses.Any(s => s.State == stop)), 10, sim, deploy), $"no {stop} status");
        Assert.True(WaitFor(() => op.Locked(() => op.Statuses.Count > op.Statuses.FindIndex(x => x.State == stop) + after), 10, sim, deploy));
        deploy.Terminate();
        Assert.True(deploy.WaitForExit(10));
        // Both topics are reliable and both are published once per tick: wait until the last ones are in.
        Assert.True(WaitFor(() => op.Locked(() => op.Commands.Count == op.Statuses.Count), 2), "statuses and commands differ in number");
        Dump(sim, deploy);

        var (statuses, commands) = op.Locked(() => (op.Statuses.ToArray(), op.Commands.ToArray()));
        int e = Array.FindIndex(statuses, x => x.State == stop);
        // Every tick in order up to the ones the checks read, none lost (the operator matched before the first tick): index i
        // is tick i. Later ones may be: lock-step runs the robot as fast as the machine allows, and on a loaded machine a
        // keep-last writer overwrites what a slow reader has not acknowledged yet.
        for (int i = 0; i <= Math.Min(statuses.Length - 1, e + after); i++) Assert.Equal(statuses[0].Tick + i, statuses[i].Tick);
        var first = statuses[e];
        long arrived = first.EStopReceivedTick;   // ticks read before the message arrived: the next tick is number `arrived`
        output.WriteLine($"e-stop arrived after {arrived} ticks read; {stop} at tick {first.Tick} (cause {first.LastCause}): {first.Tick - arrived + 1} tick(s)");
        Assert.Equal(SafetyCause.EStopInput, first.LastCause);
        Assert.True(arrived >= 0);
        Assert.InRange(first.Tick - arrived, -1, 1);
        Assert.Equal(SafetyState.Running, statuses[e - 1].State);
        return (statuses, commands, e);
    }

    private void Dump(params NodeProcess[] processes)
    {
        foreach (var p in processes) output.WriteLine($"--- robotics {p.Arguments}\n{p.Output}");
    }

    [Fact]
    public void The_policy_tracks_cmd_vel_over_DDS_as_it_does_in_process() =>
        TrackCmdVel(Domain(0), segment: 2.0, operatorSecurity: null, childArguments: "");   // forward, turning, sideways, backward: 8 s

    /// <summary>The blind rough-terrain policy needs nothing the flat one does not: the same node and robot, the same figures.</summary>
    [Fact]
    public void The_rough_terrain_policy_tracks_cmd_vel_over_DDS_as_it_does_in_process() =>
        TrackCmdVel(Domain(0), segment: 2.0, operatorSecurity: null, childArguments: "", policy: "models/go1_rough.onnx");

    /// <summary>
    /// The Go1 tracking comparison over DDS on <paramref name="domain"/>: <paramref name="segment"/> seconds per command,
    /// this process the operator (with <paramref name="operatorSecurity"/>), both children given <paramref name="childArguments"/> too.
    /// </summary>
    internal void TrackCmdVel(uint domain, double segment, Robotics.RobotBridge.Security.Ros2SecurityOptions? operatorSecurity, string childArguments,
        string policy = Policy)
    {
        var schedule = CommandSchedule.Walk(segment);

        // The in-process reference: the same policy, controller and simulated robot in one loop.
        HilResult reference;
        using (var task = LocomotionTask.Load(TestPaths.Repo("src/Sim/Tasks/Configs/go1_velocity.toml")))
        using (var onnx = OnnxPolicy.Load(TestPaths.Repo(policy), task.Actuators.JointNames))
        {
            var config = ControllerConfig.FromContract(onnx.Contract);
            using var robot = new SimulatedRobot(task, new SimulatedRobotOptions { ControlPeriod = config.ControlPeriod });
            reference = LockStepHil.Run(new Controller(config, onnx, robot), robot, schedule);
        }

        // Over DDS: the operator drives the schedule by the simulated clock (joint-state stamps) from the first
        // Running status on, publishing each new command from its receive thread as soon as a state shows it due.
        // The node takes its commands from teleop/cmd_vel (--remap), where the operator holds still until it runs: the
        // node starts only once a command arrived. The simulated robot scores from its first cmd_vel on, so cmd_vel
        // itself carries the schedule from Running on, as the in-process reference scores it. As a joystick does, the
        // operator repeats the command (every 10 states, 50 ms simulated): the node zeroes one older than 0.5 s.
        long t0 = -1, states = 0;
        CommandStep? sent = null;
        Operator? op = null;
        var twist = new Twist();
        op = new Operator(domain, js =>
        {
            long stamp = js.Header.Stamp.Sec * 1_000_000_000L + js.Header.Stamp.Nanosec;
            if (t0 < 0) { if (op!.Latest.State != SafetyState.Running) return; t0 = stamp; }
            var step = CommandSchedule.At(schedule, (stamp - t0) * 1e-9);
            if (step == sent && ++states % 10 != 0) return;
            twist.Linear.X = step.Vx; twist.Linear.Y = step.Vy; twist.Angular.Z = step.YawRate;
            op!.Teleop.Publish(twist);
            if (step != sent) op.CmdVel.Publish(twist);   // the simulated robot scores each switch
            sent = step;
        }, teleop: "teleop/cmd_vel", security: operatorSecurity);
        string report = Path.Combine(Path.GetTempPath(), $"sim_robot_{Guid.NewGuid():N}.json");
        // Soft start 2 s, then the 8 s schedule (and one tick: Running begins one period after 2 s).
        double seconds = 2 + CommandSchedule.Length(schedule) + 0.01;
        op.HoldStillUntilStarted();
        using (op)
        using (var sim = new NodeProcess($"sim-robot --task go1_velocity --domain {domain} --loopback --lockstep --seconds {seconds} --report {report}{childArguments}"))
        // The operator republishes every 50 ms of wall clock while lock-step runs faster than real time, and the command
        // timeout counts simulated ticks: a long timeout keeps this a tracking test (DeployNodeTests tests the timeout).
        using (var deploy = new NodeProcess($"deploy --policy {policy} --domain {domain} --loopback --lockstep --autostart --seconds 60 --command-timeout 5 --remap cmd_vel=teleop/cmd_vel{childArguments}"))
        {
            try
            {
                Assert.True(sim.WaitForExit(50), "sim-robot did not finish");
                deploy.Terminate();
                Assert.True(deploy.WaitForExit(10), "deploy did not stop on SIGTERM");
                Dump(sim, deploy);
                Assert.Equal(0, sim.ExitCode);
                using var json = JsonDocument.Parse(File.ReadAllText(report));
                var r = json.RootElement;
                double lin = r.GetProperty("lin_vel_error").GetDouble(), yaw = r.GetProperty("yaw_rate_error").GetDouble();
                long samples = r.GetProperty("samples").GetInt64();
                output.WriteLine($"in-process: lin vel err {reference.LinVelError:0.0000} m/s, yaw err {reference.YawRateError:0.0000} rad/s, fell {reference.Fell}");
                output.WriteLine($"over DDS:   lin vel err {lin:0.0000} m/s, yaw err {yaw:0.0000} rad/s over {samples} samples, fell {r.GetProperty("fell").GetBoolean()}");
                output.WriteLine($"ratio lin {lin / reference.LinVelError:0.0000}, yaw {yaw / reference.YawRateError:0.0000}");

                Assert.False(reference.Fell);
                Assert.False(r.GetProperty("fell").GetBoolean());
                Assert.Equal(0, r.GetProperty("commands_rejected").GetInt64());
                // At the 50 Hz policy rate (400 samples in 8 s); the operator's first command lands a tick or two late.
                long expected = (long)Math.Round(CommandSchedule.Length(schedule) * 50);
                Assert.InRange(samples, expected - 10, expected + 1);
                // A policy that ignores the command scores ≈ 0.5 m/s; the in-process run ≈ 0.08–0.10. Allowed: 5 %, plus
                // what the operator's timing alone explains: each command switch landing up to two policy ticks off
                // the in-process schedule adds |Δcommand| to those samples' error.
                double lateLin = 0, lateYaw = 0;
                var before = new CommandStep(0, 0, 0, 0);   // the node holds a zero command until the first arrives
                foreach (var step in schedule)
                {
                    lateLin += 2 * Math.Sqrt(Math.Pow(step.Vx - before.Vx, 2) + Math.Pow(step.Vy - before.Vy, 2)) / samples;
                    lateYaw += 2 * Math.Abs(step.YawRate - before.YawRate) / samples;
                    before = step;
                }
                Assert.True(Math.Abs(lin - reference.LinVelError) <= 0.05 * reference.LinVelError + lateLin,
                    $"lin vel error over DDS {lin:0.0000} vs in-process {reference.LinVelError:0.0000} m/s: more than 5% + {lateLin:0.0000} apart");
                Assert.True(Math.Abs(yaw - reference.YawRateError) <= 0.05 * reference.YawRateError + lateYaw,
                    $"yaw rate error over DDS {yaw:0.0000} vs in-process {reference.YawRateError:0.0000} rad/s: more than 5% + {lateYaw:0.0000} apart");
                Assert.Contains("final state Running", deploy.Output);
            }
            catch { Dump(sim, deploy); throw; }
            finally { File.Delete(report); }
        }
    }

    [Fact]
    public void An_e_stop_message_makes_the_next_command_passive()
    {
        uint domain = Domain(1);
        using var op = new Operator(domain);
        op.HoldStillUntilStarted();
        using var sim = new NodeProcess($"sim-robot --task go1_velocity --domain {domain} --loopback --lockstep --seconds 4");
        using var deploy = new NodeProcess($"deploy --policy {Policy} --domain {domain} --loopback --lockstep --autostart --seconds 60");
        try
        {
            // Walking in place for a while, then the button.
            var (_, commands, e) = PressEStop(op, sim, deploy, SafetyState.EStop, runningTicks: 500, after: 3);
            // The command of that very tick and every one after is passive (Kp = Kd = τ = 0: the e-stop's command);
            // the one before still drove the joints (Kp > 0, Running).
            const int n = 12;
            Assert.All(commands[e..], c => Assert.All(c[n..], v => Assert.Equal(0, v)));
            Assert.All(commands[e - 1][n..(2 * n)], kp => Assert.True(kp > 0));
            Assert.Contains("Running → EStop (EStopInput)", deploy.Output);
            // Lock-step stamps are simulated time: the age of each state is measured since its receipt, and said so.
            Assert.Contains("state age at command (since receipt (lock-step: the stamps are simulated time)): ", deploy.Output);
            Assert.Matches(@"state age at command [^\n]*: [1-9]\d* ticks, p50 \d+\.\d\d ms, p90 [^\n]*, p99 [^\n]*, max [^\n]*; bins [^\n]*\d+ ms \d+", deploy.Output);
            Assert.Contains("trained action latency: not recorded in the policy contract", deploy.Output);   // the shipped file predates 1.4
            Assert.DoesNotContain("warning: state age", deploy.Output);
        }
        catch { Dump(sim, deploy); throw; }
    }

    [Fact]
    public void Silencing_the_sensor_publisher_trips_the_watchdog_into_damping()
    {
        // Real time (wall clock) on both sides: the deploy loop keeps ticking at 200 Hz when joint states stop.
        uint domain = Domain(2);
        using var op = new Operator(domain);
        op.HoldStillUntilStarted();
        using var deploy = new NodeProcess($"deploy --policy {Policy} --domain {domain} --loopback --autostart --seconds 30");
        NodeProcess? sim = null;
        try
        {
            Assert.True(WaitFor(() => deploy.Output.Contains("joint order"), 20, deploy), "deploy node did not come up");
            sim = new NodeProcess($"sim-robot --task go1_velocity --domain {domain} --loopback --seconds 4 --silence-after 1.0");
            // Sensors live → SoftStart (2 s); the silence at 1 s of simulated time falls inside it.
            Assert.True(WaitFor(() => op.Latest.State == SafetyState.Damping, 20, deploy), $"state {op.Latest.State}");
            var s = op.Latest;
            deploy.Terminate();
            Assert.True(deploy.WaitForExit(10));
            sim.Dispose();
            Dump(deploy);
            Assert.Equal(SafetyCause.StaleSensors, s.LastCause);
            // Joint states flowed, then stopped: at most the 1 + 200 of the first simulated second (1 s at 200 Hz) were
            // read; fewer when the wall-clock-paced simulator fell behind on a loaded machine and caught up in bursts.
            Assert.InRange(s.SensorSequence, 20, 201);
            Assert.Contains("SoftStart → Damping (StaleSensors", deploy.Output);
            Assert.Contains("loop period error", deploy.Output);
            // The simulator stamps simulated time, far from the node's wall clock: the age since receipt, with the reason.
            Assert.Contains("state age at command (since receipt (the first stamp was ", deploy.Output);
            Assert.Contains("trained action latency: not recorded in the policy contract", deploy.Output);
        }
        catch { Dump(deploy); if (sim is not null) Dump(sim); throw; }
        finally { sim?.Dispose(); }
    }

    // ---------------------------------------------------------------- arms

    private static double Seconds(JointState js) => js.Header.Stamp.Sec + js.Header.Stamp.Nanosec * 1e-9;

    private static JsonElement[] ReportTargets(string report)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        return json.RootElement.GetProperty("targets").EnumerateArray().Select(t => t.Clone()).ToArray();
    }

    // Reach: six goals of 3 s. Push: four of 8 s (the task's episode), the cube pushed on from where the last push left it
    // (seen: 4 of 4 in both runs, the same final distances); held to the Panda's rated joint speeds the push policy fails
    // more episodes from the rest pose than in its training simulation (ArmLockStepHilTests), hence the lower floor.
    [Theory]
    [InlineData("panda_reach", 6, 3.0, 0.75)]
    [InlineData("panda_push", 4, 8.0, 0.5)]
    public void An_arm_over_DDS_succeeds_as_in_process_on_the_same_continuous_targets(string name, int goals, double secondsPerGoal, double minSuccess)
    {
        string policyPath = ArmPolicies.Path(name);

        // The in-process reference: the same policy, controller and simulated arm in one loop, goal after goal.
        ArmHilResult reference;
        ArmSchedule schedule;
        using (var task = ManipulationTask.Load(TestPaths.Repo($"src/Sim/Tasks/Configs/{name}.toml")))
        using (var policy = OnnxPolicy.Load(policyPath, task.Actuators.JointNames))
        {
            var config = ControllerConfig.FromContract(policy.Contract);
            // Perception at the control rate (push), so that lock-step over DDS sees each pose with its joint state, as here.
            using var robot = new SimulatedRobot(task, new SimulatedRobotOptions { ControlPeriod = config.ControlPeriod, ObjectRate = 1 / config.ControlPeriod });
            schedule = ArmSchedule.Sample(task.Config, goals, seed: 2);
            reference = LockStepHil.RunContinuous(new Controller(config, policy, robot), robot, schedule, secondsPerGoal);
        }
        string frame = OnnxPolicy.ReadContract(policyPath).Kinematics!.BaseLink;

        // Over DDS: the first goal latched before either process starts (the node waits for it), each next one published
        // by the simulated clock once the node has run secondsPerGoal on the one before.
        uint domain = Domain(4);
        double t0 = -1;
        int sent = 1;
        Operator? op = null;
        op = new Operator(domain, js =>
        {
            if (t0 < 0) { if (op!.Latest.State != SafetyState.Running) return; t0 = Seconds(js); }
            int due = Math.Min(goals - 1, (int)Math.Floor((Seconds(js) - t0) / secondsPerGoal + 1e-9));
            for (; sent <= due; sent++) op!.SendTarget(frame, schedule.Episodes[sent].TargetPosition, schedule.Episodes[sent].TargetRotation);
        });
        op.SendTarget(frame, schedule.Episodes[0].TargetPosition, schedule.Episodes[0].TargetRotation);
        string report = Path.Combine(Path.GetTempPath(), $"sim_robot_{Guid.NewGuid():N}.json");
        // Soft start 2 s, then the goals (and a tick: Running begins one period after 2 s).
        double seconds = 2 + goals * secondsPerGoal + 0.01;
        var cube = schedule.Episodes[0].Cube;   // push: where the in-process run placed it (RunContinuous: the first episode's)
        string placed = name == "panda_push" ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $" --cube {cube[0]:R},{cube[1]:R} --object-rate 500") : "";
        using (op)
        // Paced at real time: the operator acts on wall-clock arrival, and an unpaced lock-step run on a loaded 2-core
        // machine ran ~10 simulated seconds ahead of it (3 of 6 goals sent before the end).
        using (var sim = new NodeProcess($"sim-robot --task {name}{placed} --domain {domain} --loopback --lockstep --pace 1 --seconds {seconds} --report {report}"))
        using (var deploy = new NodeProcess($"deploy --policy {policyPath} --domain {domain} --loopback --lockstep --autostart --seconds 60"))
        {
            try
            {
                Assert.True(sim.WaitForExit(20 + 2 * seconds), "sim-robot did not finish");
                deploy.Terminate();
                Assert.True(deploy.WaitForExit(10), "deploy did not stop on SIGTERM");
                Dump(sim, deploy);
                Assert.Equal(0, sim.ExitCode);
                var targets = ReportTargets(report);
                for (int k = 0; k < Math.Max(targets.Length, reference.Targets.Count); k++)
                {
                    var r = k < reference.Targets.Count ? reference.Targets[k] : null;
                    string dds = k < targets.Length
                        ? $"{(targets[k].GetProperty("success").GetBoolean() ? "success" : "failure")} {targets[k].GetProperty("position_error").GetDouble() * 1000:0.0} mm {targets[k].GetProperty("orientation_error").GetDouble():0.000} rad"
                        : "-";
                    output.WriteLine($"goal {k}: in-process {(r is null ? "-" : $"{(r.Success ? "success" : "failure")} {r.PositionError * 1000:0.0} mm {r.OrientationError:0.000} rad")}; over DDS {dds}");
                }
                double ddsRate = targets.Count(t => t.GetProperty("success").GetBoolean()) / (double)targets.Length;
                output.WriteLine($"success in-process {reference.SuccessRate:P1}, over DDS {ddsRate:P1}");

                Assert.Equal(SafetyState.Running, reference.FinalState);
                Assert.True(reference.SuccessRate >= minSuccess, $"in-process success {reference.SuccessRate:P1}");
                Assert.Equal(goals, targets.Length);
                // Each goal but the last held for its share (the first also through the 2 s soft start), give or take the
                // operator's reaction: 0.3 s, a tenth of a goal.
                for (int k = 0; k < goals - 1; k++)
                    Assert.InRange(targets[k].GetProperty("seconds").GetDouble(), (k == 0 ? 2 : 0) + secondsPerGoal - 0.3, (k == 0 ? 2 : 0) + secondsPerGoal + 0.3);
                for (int k = 0; k < goals; k++)
                    Assert.Equal(schedule.Episodes[k].TargetPosition, targets[k].GetProperty("position").EnumerateArray().Select(v => v.GetDouble()).ToArray());
                Assert.True(Math.Abs(ddsRate - reference.SuccessRate) <= 0.05 + 1e-9, $"success over DDS {ddsRate:P1} vs in-process {reference.SuccessRate:P1}");
                Assert.Contains("final state Running", deploy.Output);
                Assert.Contains($"inputs: joint_states on /joint_states, target_pose (geometry_msgs/msg/PoseStamped on /target_pose, frame {frame})", deploy.Output);
            }
            catch { Dump(sim, deploy); throw; }
            finally { File.Delete(report); }
        }
    }

    [Fact]
    public void An_e_stop_message_makes_the_arm_hold_within_one_tick()
    {
        string policyPath = ArmPolicies.Path("panda_reach");
        var contract = OnnxPolicy.ReadContract(policyPath);
        uint domain = Domain(5);
        using var op = new Operator(domain);
        Span<double> rest = stackalloc double[9], p = stackalloc double[3];
        contract.BuildKinematics()!.Pose(contract.DefaultJointPos, p, rest);
        op.SendTarget(contract.Kinematics!.BaseLink, [0.45, 0.1, 0.3], rest);
        using var sim = new NodeProcess($"sim-robot --task panda_reach --domain {domain} --loopback --lockstep --seconds 6");
        using var deploy = new NodeProcess($"deploy --policy {policyPath} --domain {domain} --loopback --lockstep --autostart --seconds 60");
        try
        {
            // Reaching for a while (soft start 2 s = 1000 ticks at 500 Hz, then 1 s), then the button.
            var (_, commands, e) = PressEStop(op, sim, deploy, SafetyState.Hold, runningTicks: 1500, after: 50);
            // From that tick on the arm holds where it was with the trained drive: the same positions every tick, Kp > 0
            // (an arm does not go limp), no feed-forward torque; the driver's gravity compensation carries the weight.
            int n = contract.JointCount;
            Assert.All(commands[e..], c =>
            {
                Assert.Equal(commands[e][..n], c[..n]);
                Assert.Equal(contract.Drive.Kp, c[n..(2 * n)]);
                Assert.All(c[(3 * n)..], tau => Assert.Equal(0, tau));
            });
            Assert.Contains("Running → Hold (EStopInput)", deploy.Output);
        }
        catch { Dump(sim, deploy); throw; }
    }

    [Fact]
    public void A_silent_object_pose_stream_trips_the_push_watchdog_into_hold()
    {
        // Perception is a node of its own: here the test, on the topic the deploy node is remapped to, stamped as the joint
        // states it sees (the simulated robot's camera publishes on object_pose, which the node does not read), silent from
        // 1 s of simulated time on, within the 2 s soft start.
        string policyPath = ArmPolicies.Path("panda_push");
        var contract = OnnxPolicy.ReadContract(policyPath);
        string frame = contract.Kinematics!.BaseLink;
        double[] cube = [0.45, 0.05, contract.Command("target_z")!.Low];
        double maxAge = contract.Input(InputKind.ObjectPose)!.MaxAge!.Value;
        const double Silence = 1.0;
        uint domain = Domain(6);
        Ros2Publisher<PoseStamped>? perception = null;
        var seen = new PoseStamped();
        seen.Header.FrameId = frame;
        seen.Pose.Position.X = cube[0]; seen.Pose.Position.Y = cube[1]; seen.Pose.Position.Z = cube[2];
        seen.Pose.Orientation.W = 1;
        using var op = new Operator(domain, js =>
        {
            if (perception is null || Seconds(js) >= Silence - 1e-9) return;
            seen.Header.Stamp.Sec = js.Header.Stamp.Sec; seen.Header.Stamp.Nanosec = js.Header.Stamp.Nanosec;
            perception.Publish(seen);
        });
        perception = op.Publisher<PoseStamped>("perception/object_pose");
        Span<double> identity = stackalloc double[9];
        Rotation.Identity(identity);
        op.SendTarget(frame, [0.5, -0.1, cube[2]], identity);
        using var sim = new NodeProcess($"sim-robot --task panda_push --cube {cube[0]},{cube[1]} --domain {domain} --loopback --lockstep --seconds 4");
        using var deploy = new NodeProcess($"deploy --policy {policyPath} --domain {domain} --loopback --lockstep --autostart --seconds 60 --remap object_pose=perception/object_pose");
        try
        {
            Assert.True(WaitFor(() => op.Latest.State == SafetyState.Hold, 40, sim, deploy), $"state {op.Latest.State}");
            var s = op.Latest;
            deploy.Terminate();
            Assert.True(deploy.WaitForExit(10));
            Dump(sim, deploy);
            var statuses = op.Locked(() => op.Statuses.ToArray());
            var hold = statuses.First(x => x.State == SafetyState.Hold);
            double tripAt = hold.Tick * contract.Control.PolicyPeriod / contract.Control.Decimation;   // simulated time of that tick [s]
            output.WriteLine($"object_pose silent from {Silence} s; Hold at tick {hold.Tick} ({tripAt:0.000} s), cause {hold.LastCause}");
            Assert.Equal(SafetyCause.StaleInput, hold.LastCause);
            Assert.Equal(SafetyState.SoftStart, statuses[Array.IndexOf(statuses, hold) - 1].State);
            // Stale once no new pose came for the contract's max age (0.25 s), a tick or two of DDS hand-over aside.
            Assert.InRange(tripAt, Silence + maxAge - 0.01, Silence + maxAge + 0.02);
            // The layer names the input the index stands for.
            Assert.Contains("SoftStart → Hold (StaleInput, input object_pose", deploy.Output);
            Assert.Contains($"object_pose (geometry_msgs/msg/PoseStamped on /perception/object_pose, frame {frame}, stale after 250 ms)", deploy.Output);
        }
        catch { Dump(sim, deploy); throw; }
    }

    [Fact]
    public void A_target_outside_the_workspace_is_clamped_and_not_followed_in_position_command_mode()
    {
        string policyPath = ArmPolicies.Path("panda_reach");
        var contract = OnnxPolicy.ReadContract(policyPath);
        var chain = contract.BuildKinematics()!;
        var range = contract.Command("target_x")!;
        double[] goal = [contract.Workspace!.Max[0] + 0.2, 0, 0.3];   // beyond the workspace box, far beyond the trained target_x
        double[] clamped = [range.High, goal[1], goal[2]];
        uint domain = Domain(7);
        // Ground truth from the simulated arm's joint states: the end effector by the URDF's kinematics.
        double maxX = double.NegativeInfinity;
        var ee = new double[3];
        var q = new double[contract.JointCount];
        var eeLock = new object();
        using var op = new Operator(domain, js =>
        {
            for (int i = 0; i < q.Length; i++) q[i] = js.Position[js.Name.AsSpan().IndexOf(contract.JointNames[i])];
            Span<double> r = stackalloc double[9];
            lock (eeLock) { chain.Pose(q, ee, r); maxX = Math.Max(maxX, ee[0]); }
        });
        Span<double> rest = stackalloc double[9], p = stackalloc double[3];
        chain.Pose(contract.DefaultJointPos, p, rest);
        op.SendTarget(contract.Kinematics!.BaseLink, goal, rest);
        string report = Path.Combine(Path.GetTempPath(), $"sim_robot_{Guid.NewGuid():N}.json");
        using var sim = new NodeProcess($"sim-robot --task panda_reach --domain {domain} --loopback --lockstep --seconds 6 --report {report}");
        // Position targets only, as ros2_control's forward_command_controller takes them (the simulated driver applies the trained gains).
        using var deploy = new NodeProcess($"deploy --policy {policyPath} --domain {domain} --loopback --lockstep --autostart --seconds 60 --command-mode position");
        try
        {
            Assert.True(sim.WaitForExit(55), "sim-robot did not finish");
            deploy.Terminate();
            Assert.True(deploy.WaitForExit(10));
            Dump(sim, deploy);
            var s = op.Latest;
            Assert.All(op.Locked(() => op.Commands.ToArray()), c => Assert.Equal(contract.JointCount, c.Length));
            var target = Assert.Single(ReportTargets(report));
            double error = target.GetProperty("position_error").GetDouble();
            double[] last;
            lock (eeLock) last = ee.ToArray();
            double toClamped = Math.Sqrt(Enumerable.Range(0, 3).Sum(k => Math.Pow(last[k] - clamped[k], 2)));
            output.WriteLine($"goal x {goal[0]:0.000} m (trained up to {range.High} m): end effector at most x {maxX:0.000} m, finally " +
                $"({last[0]:0.000}, {last[1]:0.000}, {last[2]:0.000}), {toClamped * 1000:0.0} mm from the clamped goal; sim error to the goal {error * 1000:0.0} mm; " +
                $"input clamps {s.InputClamps}, workspace clamps {s.WorkspaceClamps}, state {s.State}");
            Assert.Equal(SafetyState.Running, s.State);
            Assert.True(s.InputClamps > 0, "the target was not clamped");
            Assert.False(target.GetProperty("success").GetBoolean());
            Assert.InRange(maxX, double.NegativeInfinity, range.High + 0.02);   // never past the trained range towards the goal
            Assert.True(toClamped < 0.03, $"the arm did not go to the clamped goal: {toClamped * 1000:0.0} mm from it");
            Assert.True(error > goal[0] - range.High - 0.03, $"the arm followed the goal outside the workspace: {error * 1000:0.0} mm from it");
        }
        catch { Dump(sim, deploy); throw; }
        finally { File.Delete(report); }
    }
}
