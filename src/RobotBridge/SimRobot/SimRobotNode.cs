using System.Diagnostics;
using System.Text.Json;
using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;
using Robotics.RobotBridge.Dds;
using Robotics.RobotBridge.Hil;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Messages.SensorMsgs;
using Robotics.RobotBridge.Messages.StdMsgs;
using Robotics.RobotBridge.Node;
using Robotics.RobotBridge.Ros2;
using Robotics.Sim.Robots;
using Robotics.Sim.Tasks.Locomotion;

namespace Robotics.RobotBridge.SimRobot;

/// <summary>Settings of a <see cref="SimRobotNode"/>.</summary>
public sealed record SimRobotNodeOptions
{
    /// <summary>ROS_DOMAIN_ID, 0–232.</summary>
    public uint DomainId { get; init; }
    /// <summary>Keep all DDS traffic on the loopback interface.</summary>
    public bool Loopback { get; init; }
    /// <summary>Delay between a command's arrival and the motors applying it [s].</summary>
    public double Latency { get; init; }
    /// <summary>Lock-step: advance one control period per joint command received (deterministic tests); otherwise wall-clock paced.</summary>
    public bool LockStep { get; init; }
    /// <summary>Simulated time to run [s].</summary>
    public double Seconds { get; init; } = 10;
    /// <summary>Simulated time after which joint states and IMU stop being published [s] (a failed sensor link); null = never.</summary>
    public double? SilenceAfter { get; init; }
    /// <summary>Lock-step: give up when no joint command arrived for this long [s of wall clock] (the deploy node is gone).</summary>
    public double IdleTimeout { get; init; } = 5;
    /// <summary>Topics: joint_states, imu, cmd_vel, joint_commands (the deploy node's defaults).</summary>
    public DdsRobotIoOptions Topics { get; init; } = new();

    /// <summary>Throws <see cref="UserError"/> naming the first bad field; returns this.</summary>
    public SimRobotNodeOptions Validate()
    {
        if (DomainId > 232) throw new UserError($"SimRobotNodeOptions.DomainId = {DomainId}: allowed 0–232");
        if (!(Latency >= 0 && Latency <= 1)) throw new UserError($"SimRobotNodeOptions.Latency = {Latency} s: allowed [0, 1]");
        if (!(Seconds > 0 && double.IsFinite(Seconds))) throw new UserError($"SimRobotNodeOptions.Seconds = {Seconds} s: must be positive");
        if (SilenceAfter is { } s && !(s >= 0 && double.IsFinite(s))) throw new UserError($"SimRobotNodeOptions.SilenceAfter = {s} s: must be ≥ 0");
        if (!(IdleTimeout > 0)) throw new UserError($"SimRobotNodeOptions.IdleTimeout = {IdleTimeout} s: must be positive");
        (Topics ?? throw new UserError("SimRobotNodeOptions.Topics is missing")).Validate();
        return this;
    }
}

/// <summary>What a sim-robot run measured from ground truth.</summary>
/// <param name="LinVelError">Mean |v*xy − vxy| over the samples [m/s] (NaN without samples).</param>
/// <param name="YawRateError">Mean |ω*z − ωz| [rad/s].</param>
/// <param name="Samples">Tracking samples: one per policy period from the first cmd_vel on.</param>
/// <param name="Fell">The base went below the fall height at a sample.</param>
/// <param name="SimSeconds">Simulated time at the end [s].</param>
/// <param name="Steps">Control periods advanced.</param>
/// <param name="CommandsApplied">Joint commands applied.</param>
/// <param name="CommandsRejected">Joint commands refused (wrong size, non-finite).</param>
/// <param name="LastCommandError">Why the last one was refused, or null.</param>
public sealed record SimRobotResult(double LinVelError, double YawRateError, long Samples, bool Fell, double SimSeconds, long Steps,
    long CommandsApplied, long CommandsRejected, string? LastCommandError)
{
    /// <summary>The result as indented JSON (NaN written as null).</summary>
    public string ToJson() => JsonSerializer.Serialize(new
    {
        lin_vel_error = Finite(LinVelError), yaw_rate_error = Finite(YawRateError), samples = Samples, fell = Fell,
        sim_seconds = SimSeconds, steps = Steps, commands_applied = CommandsApplied, commands_rejected = CommandsRejected, last_command_error = LastCommandError,
    }, new JsonSerializerOptions { WriteIndented = true });

    private static double? Finite(double x) => double.IsFinite(x) ? x : null;
}

/// <summary>
/// <c>robotics sim-robot</c>: the hardware stand-in behind ROS 2. A legged task's <see cref="SimulatedRobot"/>
/// publishes what a robot driver publishes — sensor_msgs/JointState on <c>joint_states</c> and sensor_msgs/Imu on
/// <c>imu</c> (reliable, stamped with simulated time) — and applies std_msgs/Float64MultiArray PD commands from
/// <c>joint_commands</c> through its actuator model. Paced by the wall clock, or in lock-step: one control period
/// per command received, then the new state is published. It also listens to <c>cmd_vel</c> to score velocity
/// tracking from ground truth (<see cref="TrackingScore"/>), once per policy period from the first command on.
/// </summary>
// DESIGN: tracking is sampled from the first cmd_vel on rather than from the controller's Running state (its
// status topic): a robot driver knows nothing of the controller, and the operator, like one with a joystick,
// starts commanding once the robot stands. In lock-step the state is republished when no command came for
// 50 ms, so a state published before the deploy node matched (or lost) does not stall the pair; the deploy
// node ignores a repeated stamp, so a repeat never makes it tick twice on one state.
public sealed class SimRobotNode : IDisposable
{
    private readonly SimRobotNodeOptions _o;
    private readonly LocomotionTask _task;
    private readonly SimulatedRobot _robot;
    private readonly Ros2Node _node;
    private readonly Ros2Publisher<JointState> _jointPub;
    private readonly Ros2Publisher<Imu> _imuPub;
    private readonly Ros2Subscription<Float64MultiArray> _commandSub;
    private readonly Ros2Subscription<Twist> _cmdVelSub;
    private readonly ManualResetEventSlim _commandArrived = new();
    private readonly JointState _js = new();
    private readonly Imu _imu = new();
    private readonly Float64MultiArray _commandMsg = new();
    private readonly Twist _twist = new();
    private readonly JointCommand _command;
    private readonly SensorFrame _frame;
    private readonly TrackingScore _score = new();
    private long _steps, _applied, _rejected, _sinceCmdVel = -1;
    private bool _haveCmdVel;
    private string? _lastError;

    /// <summary>Builds the robot of <paramref name="task"/> (owned by the caller) and joins the DDS domain.</summary>
    /// <exception cref="UserError">A bad option (named).</exception>
    public SimRobotNode(LocomotionTask task, SimRobotNodeOptions options)
    {
        _o = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        _task = task ?? throw new ArgumentNullException(nameof(task));
        _robot = new SimulatedRobot(task, new SimulatedRobotOptions { ControlPeriod = task.Config.PhysicsDt, Latency = _o.Latency });
        try
        {
            _node = new Ros2Node("sim_robot", _o.Loopback ? Ros2NodeOptions.Loopback(_o.DomainId) : new Ros2NodeOptions { DomainId = _o.DomainId });
            var t = _o.Topics;
            // Reliable, as ros2_control's joint_state_broadcaster publishes; best-effort subscribers match too.
            _jointPub = _node.CreatePublisher<JointState>(t.JointStatesTopic, QosProfile.Default);
            _imuPub = _node.CreatePublisher<Imu>(t.InputTopic(InputKind.Imu), QosProfile.Default);
            _commandSub = _node.CreateSubscription<Float64MultiArray>(t.JointCommandsTopic, t.ControlQos, _ => _commandArrived.Set());
            _cmdVelSub = _node.CreateSubscription<Twist>(t.InputTopic(InputKind.CmdVel), t.ControlQos);
        }
        catch
        {
            _node?.Dispose();
            _robot.Dispose();
            throw;
        }
        int n = _robot.Joints;
        _command = new JointCommand(n);
        _frame = new SensorFrame(n, n);
        _js.Name.Set(_robot.JointNames.ToArray());
        _js.Position.Resize(n); _js.Velocity.Resize(n); _js.Effort.Resize(n);
        _js.Header.FrameId = "base";
        _imu.Header.FrameId = "imu";
        _imu.OrientationCovariance[0] = 0;   // all three quantities present
    }

    /// <summary>The simulated robot.</summary>
    public SimulatedRobot Robot => _robot;

    /// <summary>Control period [s] (the task's physics step: one PD update per period, as the deploy loop runs).</summary>
    public double ControlPeriod => _task.Config.PhysicsDt;

    /// <summary>Control periods per policy period: tracking is sampled at this interval.</summary>
    public int Decimation => _task.Decimation;

    /// <summary>Runs until <see cref="SimRobotNodeOptions.Seconds"/> of simulated time or <paramref name="cancel"/>.</summary>
    public SimRobotResult Run(Action<string> log, CancellationToken cancel = default)
    {
        PublishState();
        if (_o.LockStep) RunLockStep(log, cancel);
        else RunRealTime(cancel);
        return new SimRobotResult(_score.LinVelError, _score.YawRateError, _score.Samples, _score.Fell, _robot.Time, _steps, _applied, _rejected, _lastError);
    }

    // One command → one control period → the new state. Silence on the command side: republish the state
    // (it may have been published before the deploy node matched), give up after the idle timeout.
    private void RunLockStep(Action<string> log, CancellationToken cancel)
    {
        var idle = Stopwatch.StartNew();
        while (_robot.Time < _o.Seconds - 1e-9 && !cancel.IsCancellationRequested)
        {
            if (!_commandArrived.Wait(50))
            {
                if (idle.Elapsed.TotalSeconds > _o.IdleTimeout) { log($"no joint command for {_o.IdleTimeout:0.#} s: stopping"); return; }
                PublishState();
                continue;
            }
            _commandArrived.Reset();
            if (!_commandSub.TryTakeLatest(_commandMsg)) continue;
            idle.Restart();
            Apply();
            Step();
        }
    }

    // Wall-clock pacing against absolute deadlines: the latest command, one period, the new state.
    private void RunRealTime(CancellationToken cancel)
    {
        long period = (long)Math.Round(ControlPeriod * Stopwatch.Frequency);
        long next = Stopwatch.GetTimestamp() + period;
        while (_robot.Time < _o.Seconds - 1e-9 && !cancel.IsCancellationRequested)
        {
            long wait = next - Stopwatch.GetTimestamp();
            if (wait > 0) LinuxRealTime.Sleep((long)(wait * 1e9 / Stopwatch.Frequency));
            next += period;
            if (_commandSub.TryTakeLatest(_commandMsg)) Apply();
            Step();
        }
    }

    private void Apply()
    {
        try
        {
            if (!JointCommandCodec.TryDecodePd(_commandMsg, _command, out var error)) throw new ArgumentException(error);
            _robot.Write(_command);
            _applied++;
        }
        catch (ArgumentException e) { _rejected++; _lastError = e.Message; }
    }

    // Advance, score (once per policy period from the first cmd_vel on), publish.
    private void Step()
    {
        _robot.Advance();
        _steps++;
        if (_cmdVelSub.TryTakeLatest(_twist)) _haveCmdVel = true;
        if (_haveCmdVel && ++_sinceCmdVel % Decimation == 0)
            _score.Sample(_robot, new CommandStep(0, _twist.Linear.X, _twist.Linear.Y, _twist.Angular.Z));
        PublishState();
    }

    private void PublishState()
    {
        if (_o.SilenceAfter is { } s && _robot.Time >= s - 1e-9) return;
        _robot.Read(_frame);
        double t = _robot.Time;
        int sec = (int)Math.Floor(t);
        uint ns = (uint)Math.Round((t - sec) * 1e9);
        if (ns >= 1_000_000_000) { sec++; ns -= 1_000_000_000; }
        _js.Header.Stamp.Sec = sec; _js.Header.Stamp.Nanosec = ns;
        _imu.Header.Stamp.Sec = sec; _imu.Header.Stamp.Nanosec = ns;
        _frame.JointPos.CopyTo(_js.Position.AsSpan());
        _frame.JointVel.CopyTo(_js.Velocity.AsSpan());
        _frame.JointTorque.CopyTo(_js.Effort.AsSpan());
        // The frame's orientation is w, x, y, z; ROS orders x, y, z, w.
        var q = _frame.Orientation;
        _imu.Orientation.W = q[0]; _imu.Orientation.X = q[1]; _imu.Orientation.Y = q[2]; _imu.Orientation.Z = q[3];
        _imu.AngularVelocity.X = _frame.Gyro[0]; _imu.AngularVelocity.Y = _frame.Gyro[1]; _imu.AngularVelocity.Z = _frame.Gyro[2];
        _imu.LinearAccelerationCovariance[0] = -1;   // not measured by the stand-in
        // IMU first: a lock-step deploy node ticks on the joint state and then finds the IMU of the same instant.
        _imuPub.Publish(_imu);
        _jointPub.Publish(_js);
    }

    /// <summary>Leaves the DDS domain and frees the simulation.</summary>
    public void Dispose()
    {
        _node.Dispose();
        _robot.Dispose();
    }
}
