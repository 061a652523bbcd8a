using System.Text.Json;
using Robotics.Deploy.Runtime;
using Robotics.Deploy.RealTime;
using Robotics.Deploy.Safety;
using Robotics.RobotBridge.Dds;
using Robotics.RobotBridge.Hil;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Messages.SensorMsgs;
using Robotics.RobotBridge.Messages.StdMsgs;
using Robotics.RobotBridge.Node;
using Robotics.RobotBridge.Ros2;
using Robotics.Sim.Robots;
using Robotics.Sim.Tasks.Locomotion;
using Xunit.Abstractions;

namespace Robotics.RobotBridge.Tests.Hil;

/// <summary>
/// Hardware-in-the-loop over DDS: `robotics sim-robot` and `robotics deploy` in two processes, this test as the
/// operator (cmd_vel, estop) and observer (deploy_status, joint_commands). Loopback only, one domain per test.
/// </summary>
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
        public readonly Ros2Publisher<Bool> EStop;
        public readonly List<DeployStatus> Statuses = [];
        public readonly List<double[]> Commands = [];   // in arrival order: one per tick, as the statuses
        private DeployStatus _latest = new(SafetyState.Idle, SafetyCause.None, -1, 0, 0, -1, 0, 0);

        public Operator(uint domain, Action<JointState>? onJointState = null)
        {
            _node = new Ros2Node("operator", Ros2NodeOptions.Loopback(domain));
            CmdVel = _node.CreatePublisher<Twist>("cmd_vel");
            EStop = _node.CreatePublisher<Bool>("estop");
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
                while (!_disposed && Latest.State == SafetyState.Idle) { CmdVel.Publish(zero); Thread.Sleep(20); }
            }) { IsBackground = true };
            _holding.Start();
        }

        private Thread? _holding;
        private volatile bool _disposed;

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

    private void Dump(params NodeProcess[] processes)
    {
        foreach (var p in processes) output.WriteLine($"--- robotics {p.Arguments}\n{p.Output}");
    }

    [Fact]
    public void The_policy_tracks_cmd_vel_over_DDS_as_it_does_in_process()
    {
        const double Segment = 2.0;   // forward, turning, sideways, backward: 8 s
        var schedule = CommandSchedule.Walk(Segment);

        // The in-process reference: the same policy, controller and simulated robot in one loop.
        HilResult reference;
        using (var task = LocomotionTask.Load(TestPaths.Repo("src/Sim/Tasks/Configs/go1_velocity.toml")))
        using (var policy = OnnxPolicy.Load(TestPaths.Repo(Policy), task.Actuators.JointNames))
        {
            var config = ControllerConfig.FromContract(policy.Contract);
            using var robot = new SimulatedRobot(task, new SimulatedRobotOptions { ControlPeriod = config.ControlPeriod });
            reference = LockStepHil.Run(new Controller(config, policy, robot), robot, schedule);
        }

        // Over DDS: the operator drives the schedule by the simulated clock (joint-state stamps) from the first
        // Running status on, publishing each new command from its receive thread as soon as a state shows it due.
        uint domain = Domain(0);
        long t0 = -1;
        CommandStep? sent = null;
        Operator? op = null;
        var twist = new Twist();
        op = new Operator(domain, js =>
        {
            long stamp = js.Header.Stamp.Sec * 1_000_000_000L + js.Header.Stamp.Nanosec;
            if (t0 < 0) { if (op!.Latest.State != SafetyState.Running) return; t0 = stamp; }
            var step = CommandSchedule.At(schedule, (stamp - t0) * 1e-9);
            if (step == sent) return;
            twist.Linear.X = step.Vx; twist.Linear.Y = step.Vy; twist.Angular.Z = step.YawRate;
            op!.CmdVel.Publish(twist);
            sent = step;
        });
        string report = Path.Combine(Path.GetTempPath(), $"sim_robot_{Guid.NewGuid():N}.json");
        // Soft start 2 s, then the 8 s schedule (and one tick: Running begins one period after 2 s).
        double seconds = 2 + CommandSchedule.Length(schedule) + 0.01;
        op.HoldStillUntilStarted();
        using (op)
        using (var sim = new NodeProcess($"sim-robot --task go1_velocity --domain {domain} --loopback --lockstep --seconds {seconds} --report {report}"))
        using (var deploy = new NodeProcess($"deploy --policy {Policy} --domain {domain} --loopback --lockstep --autostart --seconds 60"))
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
                // 8 s at the 50 Hz policy rate is 400 samples; the operator's first command lands a tick or two late.
                Assert.InRange(samples, 390, 401);
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
            Assert.True(WaitFor(() => op.Latest is { State: SafetyState.Running, Tick: > 500 }, 40, sim, deploy), "never reached Running");
            op.EStop.Publish(new Bool { Data = true });
            Assert.True(WaitFor(() => op.Locked(() => op.Statuses.Any(s => s.State == SafetyState.EStop)), 10, sim, deploy), "no EStop status");
            Assert.True(WaitFor(() => op.Locked(() => op.Statuses.Count > op.Statuses.FindIndex(x => x.State == SafetyState.EStop) + 3), 10, sim, deploy));
            deploy.Terminate();
            Assert.True(deploy.WaitForExit(10));
            // Both topics are reliable and both are published once per tick: wait until the last ones are in.
            Assert.True(WaitFor(() => op.Locked(() => op.Commands.Count == op.Statuses.Count), 2), "statuses and commands differ in number");
            Dump(sim, deploy);

            var (statuses, commands) = op.Locked(() => (op.Statuses.ToArray(), op.Commands.ToArray()));
            // Every tick in order, none lost (the operator matched before the first tick): index i is tick i.
            for (int i = 0; i < statuses.Length; i++) Assert.Equal(statuses[0].Tick + i, statuses[i].Tick);
            int e = Array.FindIndex(statuses, x => x.State == SafetyState.EStop);
            var first = statuses[e];
            long arrived = first.EStopReceivedTick;   // ticks read before the message arrived: the next tick is number `arrived`
            output.WriteLine($"e-stop arrived after {arrived} ticks read; EStop at tick {first.Tick} (cause {first.LastCause}): {first.Tick - arrived + 1} tick(s)");
            Assert.Equal(SafetyCause.EStopInput, first.LastCause);
            Assert.True(arrived >= 0);
            // Within one control tick: the first tick read after it arrived (or the one before, if the message raced that tick's read).
            Assert.InRange(first.Tick - arrived, -1, 1);
            // The command of that very tick and every one after is passive (Kp = Kd = τ = 0: the e-stop's command);
            // the one before still drove the joints (Kp > 0, Running).
            const int n = 12;
            Assert.All(commands[e..], c => Assert.All(c[n..], v => Assert.Equal(0, v)));
            Assert.All(commands[e - 1][n..(2 * n)], kp => Assert.True(kp > 0));
            Assert.Equal(SafetyState.Running, statuses[e - 1].State);
            Assert.Contains("Running → EStop (EStopInput)", deploy.Output);
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
        }
        catch { Dump(deploy); if (sim is not null) Dump(sim); throw; }
        finally { sim?.Dispose(); }
    }
}
