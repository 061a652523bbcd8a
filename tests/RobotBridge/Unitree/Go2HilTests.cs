using System.Text.Json;
using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;
using Robotics.Deploy.Runtime;
using Robotics.Deploy.Safety;
using Robotics.RobotBridge.Cdr;
using Robotics.RobotBridge.Dds;
using Robotics.RobotBridge.Hil;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Messages.StdMsgs;
using Robotics.RobotBridge.Messages.UnitreeGo;
using Robotics.RobotBridge.Node;
using Robotics.RobotBridge.Ros2;
using Robotics.RobotBridge.Tests.Hil;
using Robotics.RobotBridge.Unitree;
using Robotics.Sim.Robots;
using Robotics.Sim.Tasks.Locomotion;
using Xunit.Abstractions;

namespace Robotics.RobotBridge.Tests.Unitree;

/// <summary>
/// Hardware-in-the-loop over the Unitree Go2's own interface: `robotics sim-robot --io unitree-go2` and
/// `robotics deploy --io unitree-go2` in two processes, rt/lowstate and rt/lowcmd between them, this test the operator
/// (cmd_vel) and observer (deploy_status, rt/lowcmd, rt/lowstate). Loopback only, one domain per test, run one at a time
/// with the other process pairs.
/// </summary>
[Collection(NodeProcesses.Name)]
public sealed class Go2HilTests(ITestOutputHelper output)
{
    private const string Policy = "models/go2_velocity.onnx";
    private const string Task = "go2_velocity";

    /// <summary>The operator/observer: status and LowCmd of every tick, the lowstate's tick on the test's side.</summary>
    private sealed class Operator : IDisposable
    {
        private readonly Ros2Node _node;
        private readonly object _lock = new();
        private readonly CdrWriter _copier = new();
        public readonly Ros2Publisher<Twist> CmdVel, Teleop;
        public readonly Ros2Publisher<LowCmd>? LowCmd;   // only where the test plays a controller: the node refuses to run beside another writer
        public readonly List<DeployStatus> Statuses = [];
        public readonly List<LowCmd> Commands = [];
        private DeployStatus _latest = new(SafetyState.Idle, SafetyCause.None, -1, 0, 0, -1, 0, 0);
        private long _tick = -1;
        private Thread? _holding;
        private volatile bool _disposed;

        public Operator(uint domain, Action<LowState>? onState = null, bool recordCommands = true, bool writeLowCmd = false)
        {
            _node = new Ros2Node("operator", Ros2NodeOptions.Loopback(domain));
            CmdVel = _node.CreatePublisher<Twist>("cmd_vel");
            Teleop = _node.CreatePublisher<Twist>("teleop/cmd_vel");
            if (writeLowCmd) LowCmd = _node.CreatePublisher<LowCmd>(Go2LowLevel.CommandTopic);
            var everything = QosProfile.Default with { Depth = 100_000 };
            _node.CreateSubscription<Float64MultiArray>("deploy_status", everything, m =>
            {
                if (!DeployStatus.TryDecode(m, out var s)) return;
                lock (_lock) { Statuses.Add(s); _latest = s; }
            });
            if (recordCommands)
                _node.CreateSubscription<LowCmd>(Go2LowLevel.CommandTopic, everything, m =>
                {
                    var copy = new LowCmd();
                    lock (_lock)
                    {
                        Assert.True(RosMessage.TryDeserialize(RosMessage.Serialize(m, _copier), copy));
                        Commands.Add(copy);
                    }
                });
            _node.CreateSubscription<LowState>(Go2LowLevel.StateTopic, QosProfile.SensorData, s =>
            {
                Volatile.Write(ref _tick, s.Tick);
                onState?.Invoke(s);
            });
        }

        public DeployStatus Latest { get { lock (_lock) return _latest; } }
        public long Tick => Volatile.Read(ref _tick);
        public T Locked<T>(Func<T> read) { lock (_lock) return read(); }

        /// <summary>A zero command every 20 ms on both cmd_vel topics until the node leaves Idle, as a joystick at rest.</summary>
        public void HoldStillUntilStarted()
        {
            var zero = new Twist();
            _holding = new Thread(() =>
            {
                while (!_disposed && Latest.State == SafetyState.Idle) { Teleop.Publish(zero); CmdVel.Publish(zero); Thread.Sleep(20); }
            }) { IsBackground = true };
            _holding.Start();
        }

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

    private void Dump(params NodeProcess?[] processes)
    {
        foreach (var p in processes) if (p is not null) output.WriteLine($"--- robotics {p.Arguments}\n{p.Output}");
    }

    private static int[] LegSlots => Enumerable.Range(0, Go2LowLevel.LegMotors).ToArray();

    [Fact]
    public void The_go2_policy_tracks_cmd_vel_over_the_unitree_interface_as_it_does_in_process()
    {
        uint domain = NodeTestDomain.Id(0);
        var schedule = CommandSchedule.Walk(2.0);
        HilResult reference;
        using (var task = LocomotionTask.Load(TestPaths.Repo($"src/Sim/Tasks/Configs/{Task}.toml")))
        using (var policy = OnnxPolicy.Load(TestPaths.Repo(Policy), task.Actuators.JointNames))
        {
            var config = ControllerConfig.FromContract(policy.Contract);
            using var robot = new SimulatedRobot(task, new SimulatedRobotOptions { ControlPeriod = config.ControlPeriod });
            reference = LockStepHil.Run(new Controller(config, policy, robot), robot, schedule);
        }

        // As the Go1's test: the operator drives the schedule by the robot's clock (the lowstate tick, ms) from the first
        // Running status on; the node reads teleop/cmd_vel, the simulated robot scores cmd_vel from its first switch on.
        long t0 = -1, states = 0;
        CommandStep? sent = null;
        Operator? op = null;
        var twist = new Twist();
        op = new Operator(domain, s =>
        {
            if (t0 < 0) { if (op!.Latest.State != SafetyState.Running) return; t0 = s.Tick; }
            var step = CommandSchedule.At(schedule, (s.Tick - t0) * 1e-3);
            if (step == sent && ++states % 10 != 0) return;
            twist.Linear.X = step.Vx; twist.Linear.Y = step.Vy; twist.Angular.Z = step.YawRate;
            op!.Teleop.Publish(twist);
            if (step != sent) op.CmdVel.Publish(twist);
            sent = step;
        }, recordCommands: false);
        string report = Path.Combine(Path.GetTempPath(), $"sim_robot_{Guid.NewGuid():N}.json");
        double seconds = 2 + CommandSchedule.Length(schedule) + 0.01;
        op.HoldStillUntilStarted();
        using (op)
        using (var sim = new NodeProcess($"sim-robot --io unitree-go2 --task {Task} --domain {domain} --loopback --lockstep --seconds {seconds} --report {report}"))
        using (var deploy = new NodeProcess($"deploy --io unitree-go2 --policy {Policy} --domain {domain} --loopback --lockstep --autostart --seconds 60 --command-timeout 5 --remap cmd_vel=teleop/cmd_vel"))
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
                output.WriteLine($"over rt/lowstate, rt/lowcmd: lin vel err {lin:0.0000} m/s, yaw err {yaw:0.0000} rad/s over {samples} samples");
                Assert.False(reference.Fell);
                Assert.False(r.GetProperty("fell").GetBoolean());
                Assert.Equal(0, r.GetProperty("commands_rejected").GetInt64());   // every LowCmd the node wrote had a valid CRC
                long expected = (long)Math.Round(CommandSchedule.Length(schedule) * 50);
                Assert.InRange(samples, expected - 10, expected + 1);
                // 5 %, plus what the operator's timing alone explains (each switch up to two policy ticks late), as for the Go1.
                double lateLin = 0, lateYaw = 0;
                var before = new CommandStep(0, 0, 0, 0);
                foreach (var step in schedule)
                {
                    lateLin += 2 * Math.Sqrt(Math.Pow(step.Vx - before.Vx, 2) + Math.Pow(step.Vy - before.Vy, 2)) / samples;
                    lateYaw += 2 * Math.Abs(step.YawRate - before.YawRate) / samples;
                    before = step;
                }
                Assert.True(Math.Abs(lin - reference.LinVelError) <= 0.05 * reference.LinVelError + lateLin,
                    $"lin vel error over the Go2 interface {lin:0.0000} vs in-process {reference.LinVelError:0.0000} m/s: more than 5% + {lateLin:0.0000} apart");
                Assert.True(Math.Abs(yaw - reference.YawRateError) <= 0.05 * reference.YawRateError + lateYaw,
                    $"yaw rate error over the Go2 interface {yaw:0.0000} vs in-process {reference.YawRateError:0.0000} rad/s: more than 5% + {lateYaw:0.0000} apart");
                Assert.Contains("final state Running", deploy.Output);
            }
            catch { Dump(sim, deploy); throw; }
            finally { File.Delete(report); }
        }
    }

    [Fact]
    public void A_lowcmd_with_a_wrong_crc_is_ignored_by_the_simulated_robot_and_counted()
    {
        uint domain = NodeTestDomain.Id(1);
        using var op = new Operator(domain, recordCommands: false, writeLowCmd: true);
        string report = Path.Combine(Path.GetTempPath(), $"sim_robot_{Guid.NewGuid():N}.json");
        const int steps = 10, bad = 3;
        using var sim = new NodeProcess($"sim-robot --io unitree-go2 --task {Task} --domain {domain} --loopback --lockstep --seconds {steps * 0.005} --report {report}");
        try
        {
            Assert.True(WaitFor(() => op.LowCmd!.MatchedSubscriptions > 0 && op.Tick == 0, 30, sim), "sim-robot did not come up");
            var cmd = new LowCmd();
            Go2LowLevel.Initialize(cmd);   // every motor without a target: exerts nothing
            for (int k = 0; k < bad; k++)
            {
                UnitreeCrc.Stamp(cmd);
                cmd.Crc ^= 1u << k;   // one bit off
                op.LowCmd!.Publish(cmd);
            }
            // In lock-step a command the robot takes advances it one period; these must not.
            Thread.Sleep(300);
            Assert.Equal(0, op.Tick);
            UnitreeCrc.Stamp(cmd);
            for (int k = 0; k < steps && !sim.HasExited; k++)
            {
                long tick = op.Tick;
                op.LowCmd!.Publish(cmd);
                WaitFor(() => op.Tick != tick, 5, sim);
            }
            Assert.True(sim.WaitForExit(20), "sim-robot did not finish");
            Dump(sim);
            using var json = JsonDocument.Parse(File.ReadAllText(report));
            var r = json.RootElement;
            Assert.Equal(bad, r.GetProperty("commands_rejected").GetInt64());
            Assert.Equal(steps, r.GetProperty("commands_applied").GetInt64());
            Assert.Equal(steps, r.GetProperty("steps").GetInt64());
            Assert.Contains("ignored, as the robot ignores it", r.GetProperty("last_command_error").GetString());
            Assert.Contains($"rejected {bad}", sim.Output);
        }
        catch { Dump(sim); throw; }
        finally { File.Delete(report); }
    }

    [Fact]
    public void A_silent_lowstate_trips_the_watchdog_into_damping_with_the_contracts_damping_gain()
    {
        uint domain = NodeTestDomain.Id(2);
        var config = ControllerConfig.FromContract(OnnxPolicy.ReadContract(TestPaths.Repo(Policy)));
        using var op = new Operator(domain);
        op.HoldStillUntilStarted();
        using var deploy = new NodeProcess($"deploy --io unitree-go2 --policy {Policy} --domain {domain} --loopback --autostart --seconds 30");
        NodeProcess? sim = null;
        try
        {
            Assert.True(WaitFor(() => deploy.Output.Contains("motor slots"), 20, deploy), "deploy node did not come up");
            sim = new NodeProcess($"sim-robot --io unitree-go2 --task {Task} --domain {domain} --loopback --seconds 4 --silence-after 1.0");
            Assert.True(WaitFor(() => op.Latest.State == SafetyState.Damping, 20, deploy), $"state {op.Latest.State}");
            Assert.True(WaitFor(() => op.Locked(() => op.Commands.Count >= op.Statuses.Count), 2));
            deploy.Terminate();
            Assert.True(deploy.WaitForExit(10));
            sim.Dispose();
            Dump(deploy);
            var (statuses, commands) = op.Locked(() => (op.Statuses.ToArray(), op.Commands.ToArray()));
            int d = Array.FindIndex(statuses, s => s.State == SafetyState.Damping);
            var damping = statuses[d];
            Assert.Equal(SafetyCause.StaleSensors, damping.LastCause);
            Assert.InRange(damping.SensorSequence, 20, 201);
            // The last new lowstate was read at the first tick showing the final count; the trip follows within the
            // watchdog's periods (and a tick of slack for a loaded machine's scheduling).
            long lastNew = statuses.First(s => s.SensorSequence == damping.SensorSequence).Tick;
            output.WriteLine($"last new lowstate read at tick {lastNew}, Damping at tick {damping.Tick} (watchdog {config.Safety.WatchdogPeriods} periods)");
            Assert.InRange(damping.Tick - lastNew, 1, config.Safety.WatchdogPeriods + 1);
            // The Damping command on the motors: Kp 0, the contract's damping Kd, no torque, CRC stamped.
            var last = commands[^1];
            Assert.True(UnitreeCrc.IsValid(last));
            foreach (int slot in LegSlots)
                Assert.Equal((0f, (float)config.Safety.DampingKd, 0f), (last.MotorCmd[slot].Kp, last.MotorCmd[slot].Kd, last.MotorCmd[slot].Tau));
            Assert.Contains("SoftStart → Damping (StaleSensors", deploy.Output);
        }
        catch { Dump(deploy, sim); throw; }
        finally { sim?.Dispose(); }
    }

    [Fact]
    public void The_remote_e_stop_chord_in_lowstate_reaches_zero_torque_in_one_tick()
    {
        uint domain = NodeTestDomain.Id(4);
        using var op = new Operator(domain);
        op.HoldStillUntilStarted();
        // Soft start takes 2 s of simulated time; the chord is held from 3 s on, walking in place.
        using var sim = new NodeProcess($"sim-robot --io unitree-go2 --task {Task} --domain {domain} --loopback --lockstep --seconds 3.5 --remote-estop-at 3.0");
        using var deploy = new NodeProcess($"deploy --io unitree-go2 --policy {Policy} --domain {domain} --loopback --lockstep --autostart --seconds 60");
        try
        {
            Assert.True(WaitFor(() => op.Locked(() => op.Statuses.Any(s => s.State == SafetyState.EStop)), 60, sim, deploy), "no EStop status");
            Assert.True(WaitFor(() => op.Locked(() => op.Statuses.Count > op.Statuses.FindIndex(s => s.State == SafetyState.EStop) + 3), 10, sim, deploy));
            deploy.Terminate();
            Assert.True(deploy.WaitForExit(10));
            Assert.True(WaitFor(() => op.Locked(() => op.Commands.Count == op.Statuses.Count), 2), "statuses and LowCmds differ in number");
            Dump(sim, deploy);
            var (statuses, commands) = op.Locked(() => (op.Statuses.ToArray(), op.Commands.ToArray()));
            int e = Array.FindIndex(statuses, s => s.State == SafetyState.EStop);
            for (int i = 0; i <= e + 3; i++) Assert.Equal(statuses[0].Tick + i, statuses[i].Tick);
            var first = statuses[e];
            output.WriteLine($"chord arrived after {first.EStopReceivedTick} ticks read; EStop at tick {first.Tick}");
            Assert.Equal(SafetyCause.EStopInput, first.LastCause);
            Assert.Equal(SafetyState.Running, statuses[e - 1].State);
            // Lock-step: the lowstate that first shows the chord is the one the very next tick reads, and that tick stops.
            Assert.Equal(first.EStopReceivedTick, first.Tick);
            // Running before: the legs driven. That tick and every one after: zero torque (Kp = Kd = τ = 0), CRC valid.
            Assert.All(LegSlots, s => Assert.True(commands[e - 1].MotorCmd[s].Kp > 0));
            Assert.All(commands[e..], c =>
            {
                Assert.True(UnitreeCrc.IsValid(c));
                Assert.All(LegSlots, s => Assert.Equal((0f, 0f, 0f), (c.MotorCmd[s].Kp, c.MotorCmd[s].Kd, c.MotorCmd[s].Tau)));
            });
            Assert.Contains("Running → EStop (EStopInput)", deploy.Output);
        }
        catch { Dump(sim, deploy); throw; }
    }
}
