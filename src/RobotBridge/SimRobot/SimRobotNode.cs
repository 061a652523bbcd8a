using System.Diagnostics;
using System.Text.Json;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Kinematics;
using Robotics.Deploy.RealTime;
using Robotics.RobotBridge.Dds;
using Robotics.RobotBridge.Hil;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Messages.SensorMsgs;
using Robotics.RobotBridge.Messages.StdMsgs;
using Robotics.RobotBridge.Node;
using Robotics.RobotBridge.Ros2;
using Robotics.Sim.Robots;
using Robotics.Sim.Tasks;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Tasks.Manipulation;

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
    /// <summary>
    /// Lock-step: the most simulated seconds per wall-clock second (1 = no faster than real time); 0 = as fast as the
    /// node answers. A cap keeps other nodes that act on wall-clock time (an operator, perception) in step with the run.
    /// </summary>
    public double Pace { get; init; }
    /// <summary>
    /// Wall-clock runs: SCHED_FIFO priority 1–99 of the stepping thread where the OS grants it, 0 = normal priority.
    /// Below the deploy node's 80: the simulated robot stands in for hardware with its own CPU, whose state stream does not
    /// stall when the computer is busy (an arm's watchdog allows 10 ms), but the controller still comes first.
    /// </summary>
    public int FifoPriority { get; init; } = 70;
    /// <summary>Simulated time to run [s].</summary>
    public double Seconds { get; init; } = 10;
    /// <summary>Simulated time after which joint states, IMU and object poses stop being published [s] (a failed sensor link); null = never.</summary>
    public double? SilenceAfter { get; init; }
    /// <summary>Lock-step: give up when no joint command arrived for this long [s of wall clock] (the deploy node is gone).</summary>
    public double IdleTimeout { get; init; } = 5;
    /// <summary>Arms: time from a camera frame of the cube being taken to its object_pose being published [s].</summary>
    public double ObjectLatency { get; init; }
    /// <summary>Arms: half-width of the uniform noise on each axis of the published cube position [m].</summary>
    public double ObjectNoise { get; init; }
    /// <summary>Arms: camera frames per second, the object_pose rate [Hz].</summary>
    public double ObjectRate { get; init; } = 30;
    /// <summary>Seed of the perception noise.</summary>
    public ulong Seed { get; init; }
    /// <summary>Push: where the cube starts, x y in the base frame [m]; null = the middle of the task's cube region.</summary>
    public double[]? Cube { get; init; }
    /// <summary>Legged robots on a terrain grid: the tile (level, column) to stand on; null = level 0, column 0.</summary>
    public (int Level, int Column)? Tile { get; init; }
    /// <summary>Topics: joint_states and joint_commands, QoS (the deploy node's defaults). The inputs (imu, cmd_vel, target_pose, object_pose) keep their contract names.</summary>
    public DdsRobotIoOptions Topics { get; init; } = new();
    /// <summary>DDS Security from an SROS2 keystore enclave (normally <c>/sim_robot</c>); null = none.</summary>
    public Security.Ros2SecurityOptions? Security { get; init; }

    /// <summary>Throws <see cref="UserError"/> naming the first bad field; returns this.</summary>
    public SimRobotNodeOptions Validate()
    {
        if (DomainId > 232) throw new UserError($"SimRobotNodeOptions.DomainId = {DomainId}: allowed 0–232");
        if (!(Latency >= 0 && Latency <= 1)) throw new UserError($"SimRobotNodeOptions.Latency = {Latency} s: allowed [0, 1]");
        if (!(Seconds > 0 && double.IsFinite(Seconds))) throw new UserError($"SimRobotNodeOptions.Seconds = {Seconds} s: must be positive");
        if (SilenceAfter is { } s && !(s >= 0 && double.IsFinite(s))) throw new UserError($"SimRobotNodeOptions.SilenceAfter = {s} s: must be ≥ 0");
        if (!(Pace >= 0 && double.IsFinite(Pace))) throw new UserError($"SimRobotNodeOptions.Pace = {Pace}: must be ≥ 0 (0: unpaced)");
        if (Pace > 0 && !LockStep) throw new UserError($"SimRobotNodeOptions.Pace = {Pace}: applies to lock-step only");
        if (FifoPriority is < 0 or > 99) throw new UserError($"SimRobotNodeOptions.FifoPriority = {FifoPriority}: allowed 0 (none) or 1–99");
        if (!(IdleTimeout > 0)) throw new UserError($"SimRobotNodeOptions.IdleTimeout = {IdleTimeout} s: must be positive");
        if (Cube is { } c && (c.Length != 2 || !double.IsFinite(c[0]) || !double.IsFinite(c[1])))
            throw new UserError($"SimRobotNodeOptions.Cube = [{string.Join(", ", c)}]: x and y [m], finite");
        (Topics ?? throw new UserError("SimRobotNodeOptions.Topics is missing")).Validate();
        return this;
    }

    /// <summary>The simulated robot's options these give, at control period <paramref name="controlPeriod"/> [s].</summary>
    internal SimulatedRobotOptions Robot(double controlPeriod) => new()
    {
        ControlPeriod = controlPeriod, Latency = Latency, ObjectLatency = ObjectLatency, ObjectNoise = ObjectNoise, ObjectRate = ObjectRate, Seed = Seed, Tile = Tile,
    };
}

/// <summary>One operator target an arm's sim-robot run scored, from ground truth (<see cref="ArmScore"/>).</summary>
/// <param name="Arrived">Simulated time it arrived [s].</param>
/// <param name="Position">The goal position, base frame [m]. [3]</param>
/// <param name="Seconds">How long it was held before the next one arrived or the run ended [s].</param>
/// <param name="Score">Success and errors at that moment.</param>
public sealed record SimRobotTarget(double Arrived, double[] Position, double Seconds, ArmScore Score);

/// <summary>What a sim-robot run measured from ground truth.</summary>
/// <param name="LinVelError">Legged: mean |v*xy − vxy| over the samples [m/s] (NaN without samples).</param>
/// <param name="YawRateError">Legged: mean |ω*z − ωz| [rad/s].</param>
/// <param name="Samples">Legged: tracking samples, one per policy period from the first non-zero cmd_vel on.</param>
/// <param name="Fell">Legged: the base went below the fall height at a sample.</param>
/// <param name="SimSeconds">Simulated time at the end [s].</param>
/// <param name="Steps">Control periods advanced.</param>
/// <param name="CommandsApplied">Joint commands applied.</param>
/// <param name="CommandsRejected">Joint commands refused (wrong size, non-finite).</param>
/// <param name="LastCommandError">Why the last one was refused, or null.</param>
public sealed record SimRobotResult(double LinVelError, double YawRateError, long Samples, bool Fell, double SimSeconds, long Steps,
    long CommandsApplied, long CommandsRejected, string? LastCommandError)
{
    /// <summary>The task kind of the robot.</summary>
    public TaskKind Kind { get; init; } = TaskKind.Locomotion;
    /// <summary>Arms: every target received, scored when the next one arrived or at the end, in arrival order.</summary>
    public IReadOnlyList<SimRobotTarget> Targets { get; init; } = [];
    /// <summary>Arms: target_pose messages refused (another frame, a value that is not finite).</summary>
    public long TargetsRejected { get; init; }
    /// <summary>Arms: why the last one was refused, or null.</summary>
    public string? LastTargetError { get; init; }
    /// <summary>Arms: fraction of the targets scored a success (NaN without targets).</summary>
    public double SuccessRate => Targets.Count == 0 ? double.NaN : (double)Targets.Count(t => t.Score.Success) / Targets.Count;

    /// <summary>The result as indented JSON (NaN written as null): tracking for a legged robot, the targets and the success rate for an arm.</summary>
    public string ToJson() => Kind == TaskKind.Locomotion
        ? JsonSerializer.Serialize(new
        {
            lin_vel_error = Finite(LinVelError), yaw_rate_error = Finite(YawRateError), samples = Samples, fell = Fell,
            sim_seconds = SimSeconds, steps = Steps, commands_applied = CommandsApplied, commands_rejected = CommandsRejected, last_command_error = LastCommandError,
        }, Indented)
        : JsonSerializer.Serialize(new
        {
            kind = Kind.Name(),
            success_rate = Finite(SuccessRate),
            targets = Targets.Select(t => new
            {
                arrived = t.Arrived, position = t.Position, seconds = t.Seconds, success = t.Score.Success,
                position_error = t.Score.PositionError, orientation_error = t.Score.OrientationError,
            }),
            targets_rejected = TargetsRejected, last_target_error = LastTargetError,
            sim_seconds = SimSeconds, steps = Steps, commands_applied = CommandsApplied, commands_rejected = CommandsRejected, last_command_error = LastCommandError,
        }, Indented);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private static double? Finite(double x) => double.IsFinite(x) ? x : null;
}

/// <summary>
/// <c>robotics sim-robot</c>: the hardware stand-in behind ROS 2. A task's <see cref="SimulatedRobot"/> publishes what its
/// drivers publish — sensor_msgs/JointState on <c>joint_states</c> (reliable, stamped with simulated time); a legged robot's
/// sensor_msgs/Imu on <c>imu</c>; for push, the cube as a camera measures it, geometry_msgs/PoseStamped on <c>object_pose</c>
/// in the arm's base link, stamped when the frame was taken — and applies std_msgs/Float64MultiArray commands from
/// <c>joint_commands</c> through its actuator model: PD commands (4·n values) or position targets (n values, the trained
/// gains). Paced by the wall clock, or in lock-step: one control period per command received, then the new state is
/// published. It scores from ground truth what the operator asked: a legged robot's cmd_vel tracking
/// (<see cref="TrackingScore"/>, once per policy period from the first command on); an arm's target_pose goals
/// (geometry_msgs/PoseStamped in the base link; the marker follows), each when the next arrives and at the end (<see cref="ArmScore"/>).
/// </summary>
// DESIGN: tracking is sampled from the first non-zero cmd_vel on rather than from the controller's Running state (its
// status topic): a robot driver knows nothing of the controller, and the operator, like one with a joystick, holds
// zero while the node starts (it starts only once cmd_vel arrived) and commands motion once the robot stands. In lock-step the state is republished when no command came for
// 50 ms, so a state published before the deploy node matched (or lost) does not stall the pair; the deploy
// node ignores a repeated stamp, so a repeat never makes it tick twice on one state.
// DESIGN: an arm's target is scored when the next one arrives, not at a fixed time after it: the operator decides how
// long a goal is held, as the one with RViz's goal tool does. A message repeating the current goal is not a new one.
public sealed class SimRobotNode : IDisposable
{
    private readonly SimRobotNodeOptions _o;
    private readonly double _controlPeriod;
    private readonly int _decimation;
    private readonly SimulatedRobot _robot;
    private readonly Ros2Node _node;
    private readonly Ros2Publisher<JointState> _jointPub;
    private readonly Ros2Subscription<Float64MultiArray> _commandSub;
    private readonly ManualResetEventSlim _commandArrived = new();
    private readonly JointState _js = new();
    private readonly Float64MultiArray _commandMsg = new();
    private readonly JointCommand _command;
    private readonly double[] _positions;
    private readonly SensorFrame _frame;
    private long _steps, _applied, _rejected;
    private string? _lastError;

    // Legged: IMU out, cmd_vel in, tracking.
    private readonly Ros2Publisher<Imu>? _imuPub;
    private readonly Ros2Subscription<Twist>? _cmdVelSub;
    private readonly Imu _imu = new();
    private readonly Twist _twist = new();
    private readonly TrackingScore _score = new();
    private long _sinceCmdVel = -1;
    private bool _haveCmdVel;

    // Arm: object_pose out (push), target_pose in, per-target scores.
    private readonly ManipulationConfig? _arm;
    private readonly string _baseLink = "base";
    private readonly Ros2Publisher<PoseStamped>? _objectPub;
    private readonly Ros2Subscription<PoseStamped>? _targetSub;
    private readonly PoseStamped _object = new(), _target = new();
    private readonly double[] _targetPosition = new double[3], _targetRotation = new double[9];
    private readonly List<SimRobotTarget> _targets = [];
    private double _targetArrived;
    private bool _haveTarget;
    private long _objectPublished, _targetsRejected;
    private string? _lastTargetError;

    /// <summary>Builds the robot of a legged <paramref name="task"/> (owned by the caller) and joins the DDS domain.</summary>
    /// <exception cref="UserError">A bad option (named).</exception>
    public SimRobotNode(LocomotionTask task, SimRobotNodeOptions options)
        : this(options, Required(task).Config.PhysicsDt, task.Decimation, o => new SimulatedRobot(task, o))
    {
        try
        {
            // Reliable, as an IMU driver publishes; best-effort subscribers match too.
            _imuPub = _node.CreatePublisher<Imu>(PolicyInputs.Name(InputKind.Imu), QosProfile.Default);
            _cmdVelSub = _node.CreateSubscription<Twist>(PolicyInputs.Name(InputKind.CmdVel), _o.Topics.ControlQos);
        }
        catch { Dispose(); throw; }
        _js.Header.FrameId = "base";
        _imu.Header.FrameId = "imu";
        _imu.OrientationCovariance[0] = 0;   // all three quantities present
    }

    /// <summary>
    /// Builds the arm of <paramref name="task"/> (owned by the caller) on its table, the cube at <see cref="SimRobotNodeOptions.Cube"/>
    /// for push, and joins the DDS domain.
    /// </summary>
    /// <exception cref="UserError">A bad option (named).</exception>
    public SimRobotNode(ManipulationTask task, SimRobotNodeOptions options)
        : this(options, Required(task).Config.PhysicsDt, task.Decimation, o => new SimulatedRobot(task, o))
    {
        _arm = task.Config;
        _baseLink = task.Robot.RootLink;
        if (_o.Cube is { } cube && task.Config.Kind == TaskKind.Push) _robot.PlaceCube(cube[0], cube[1]);
        try
        {
            if (task.Config.Kind == TaskKind.Push)
                _objectPub = _node.CreatePublisher<PoseStamped>(PolicyInputs.Name(InputKind.ObjectPose), QosProfile.Default);
            // As the deploy node takes setpoints: reliable, transient-local, the latest one, so a goal sent before this node started arrives.
            _targetSub = _node.CreateSubscription<PoseStamped>(PolicyInputs.Name(InputKind.TargetPose),
                QosProfile.Default with { Durability = Durability.TransientLocal, Depth = 1 });
        }
        catch { Dispose(); throw; }
        _js.Header.FrameId = _baseLink;
        _object.Header.FrameId = _baseLink;
        _object.Pose.Orientation.W = 1;   // the cube's position only; its orientation is not measured
    }

    private SimRobotNode(SimRobotNodeOptions options, double controlPeriod, int decimation, Func<SimulatedRobotOptions, SimulatedRobot> robot)
    {
        _o = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        _controlPeriod = controlPeriod;
        _decimation = decimation;
        _robot = robot(_o.Robot(controlPeriod));
        try
        {
            _node = new Ros2Node("sim_robot", (_o.Loopback ? Ros2NodeOptions.Loopback(_o.DomainId) : new Ros2NodeOptions { DomainId = _o.DomainId }) with
            {
                Security = _o.Security,
                ReceivePriority = _o.FifoPriority > 1 && !_o.LockStep ? _o.FifoPriority - 1 : 0,
            });
            var t = _o.Topics;
            // Reliable, as ros2_control's joint_state_broadcaster publishes; best-effort subscribers match too.
            _jointPub = _node.CreatePublisher<JointState>(t.JointStatesTopic, QosProfile.Default);
            _commandSub = _node.CreateSubscription<Float64MultiArray>(t.JointCommandsTopic, t.ControlQos, _ => _commandArrived.Set());
        }
        catch
        {
            _node?.Dispose();
            _robot.Dispose();
            throw;
        }
        int n = _robot.Joints;
        _command = new JointCommand(n);
        _positions = new double[n];
        _frame = new SensorFrame(n, n);
        _js.Name.Set(_robot.JointNames.ToArray());
        _js.Position.Resize(n); _js.Velocity.Resize(n); _js.Effort.Resize(n);
    }

    private static T Required<T>(T task) where T : class => task ?? throw new ArgumentNullException(nameof(task));

    /// <summary>The simulated robot.</summary>
    public SimulatedRobot Robot => _robot;

    /// <summary>Control period [s] (the task's physics step: one PD update per period, as the deploy loop runs).</summary>
    public double ControlPeriod => _controlPeriod;

    /// <summary>Control periods per policy period: tracking is sampled at this interval.</summary>
    public int Decimation => _decimation;

    /// <summary>Runs until <see cref="SimRobotNodeOptions.Seconds"/> of simulated time or <paramref name="cancel"/>.</summary>
    public SimRobotResult Run(Action<string> log, CancellationToken cancel = default)
    {
        PublishState();
        new SimClock(_robot, _o).Run(new SimClock.Hooks(_commandArrived, () => _commandSub.TryTakeLatest(_commandMsg), Apply, Step,
            () => { TakeTarget(); PublishState(repeat: true); }, "joint command"), () => _node.ReceiveScheduler, log, cancel);
        if (_arm is null)
            return new SimRobotResult(_score.LinVelError, _score.YawRateError, _score.Samples, _score.Fell, _robot.Time, _steps, _applied, _rejected, _lastError);
        TakeTarget();
        if (_haveTarget) ScoreTarget();   // the goal held at the end
        return new SimRobotResult(double.NaN, double.NaN, 0, false, _robot.Time, _steps, _applied, _rejected, _lastError)
        {
            Kind = _robot.Kind, Targets = _targets.ToArray(), TargetsRejected = _targetsRejected, LastTargetError = _lastTargetError,
        };
    }

    // PD commands (4·n values) or, for a driver with a position interface, position targets (n values).
    private void Apply()
    {
        try
        {
            int n = _robot.Joints;
            if (_commandMsg.Data.AsSpan().Length == n)
            {
                _commandMsg.Data.AsSpan().CopyTo(_positions);
                _robot.WritePositions(_positions);
            }
            else
            {
                if (!JointCommandCodec.TryDecodePd(_commandMsg, _command, out var error)) throw new ArgumentException($"{error}, or {n} position targets");
                _robot.Write(_command);
            }
            _applied++;
        }
        catch (ArgumentException e) { _rejected++; _lastError = e.Message; }
    }

    // Advance, score (legged: once per policy period from the first non-zero cmd_vel on; arm: a new target scores the one before), publish.
    private void Step()
    {
        _robot.Advance();
        _steps++;
        if (_cmdVelSub is not null)
        {
            // Scoring starts with the first command that asks for motion: an operator holds zero while the robot starts.
            if (_cmdVelSub.TryTakeLatest(_twist) && (_twist.Linear.X != 0 || _twist.Linear.Y != 0 || _twist.Angular.Z != 0)) _haveCmdVel = true;
            if (_haveCmdVel && ++_sinceCmdVel % Decimation == 0)
                _score.Sample(_robot, new CommandStep(0, _twist.Linear.X, _twist.Linear.Y, _twist.Angular.Z));
        }
        TakeTarget();
        PublishState();
    }

    // A new goal on target_pose: score the one held so far, then place the marker and report the new one.
    private void TakeTarget()
    {
        if (_targetSub is null || !_targetSub.TryTakeLatest(_target)) return;
        var p = _target.Pose.Position;
        var q = _target.Pose.Orientation;
        if (_target.Header.FrameId != _baseLink)
        {
            Refuse($"target_pose in frame '{_target.Header.FrameId}'; the arm takes goals in its base link '{_baseLink}'");
            return;
        }
        Span<double> position = stackalloc double[3], rotation = stackalloc double[9];
        position[0] = p.X; position[1] = p.Y; position[2] = p.Z;
        // Push reads the position only: a pose without orientation (all zeros) is a goal there.
        bool oriented = Rotation.FromQuaternion(q.W, q.X, q.Y, q.Z, rotation);
        if (!double.IsFinite(p.X) || !double.IsFinite(p.Y) || !double.IsFinite(p.Z) || (!oriented && _arm!.Kind == TaskKind.Reach))
        {
            Refuse($"target_pose ({p.X}, {p.Y}, {p.Z}), orientation ({q.W}, {q.X}, {q.Y}, {q.Z}) (w x y z) is not a pose");
            return;
        }
        if (_haveTarget && Same(position, rotation)) return;
        if (_haveTarget) ScoreTarget();
        _robot.SetTarget(position, rotation);
        position.CopyTo(_targetPosition);
        rotation.CopyTo(_targetRotation);
        _targetArrived = _robot.Time;
        _haveTarget = true;
    }

    private bool Same(ReadOnlySpan<double> position, ReadOnlySpan<double> rotation)
    {
        for (int k = 0; k < 3; k++) if (Math.Abs(position[k] - _targetPosition[k]) > 1e-9) return false;
        for (int k = 0; k < 9; k++) if (Math.Abs(rotation[k] - _targetRotation[k]) > 1e-9) return false;
        return true;
    }

    private void ScoreTarget() =>
        _targets.Add(new SimRobotTarget(_targetArrived, _targetPosition.ToArray(), _robot.Time - _targetArrived, ArmScore.Of(_robot, _arm!)));

    private void Refuse(string why)
    {
        _targetsRejected++;
        _lastTargetError = why;
    }

    private void PublishState(bool repeat = false)
    {
        if (_o.SilenceAfter is { } s && _robot.Time >= s - 1e-9) return;
        _robot.Read(_frame);
        double t = _robot.Time;
        Stamp(_js.Header, t);
        _frame.JointPos.CopyTo(_js.Position.AsSpan());
        _frame.JointVel.CopyTo(_js.Velocity.AsSpan());
        _frame.JointTorque.CopyTo(_js.Effort.AsSpan());
        if (_imuPub is not null)
        {
            Stamp(_imu.Header, t);
            // The frame's orientation is w, x, y, z; ROS orders x, y, z, w.
            var q = _frame.Orientation;
            _imu.Orientation.W = q[0]; _imu.Orientation.X = q[1]; _imu.Orientation.Y = q[2]; _imu.Orientation.Z = q[3];
            _imu.AngularVelocity.X = _frame.Gyro[0]; _imu.AngularVelocity.Y = _frame.Gyro[1]; _imu.AngularVelocity.Z = _frame.Gyro[2];
            _imu.LinearAccelerationCovariance[0] = -1;   // not measured by the stand-in
            // IMU first: a lock-step deploy node ticks on the joint state and then finds the IMU of the same instant.
            _imuPub.Publish(_imu);
        }
        // A new camera frame (or, when stalled, the last one again), before the joint state for the same reason as the IMU.
        long frames = _frame.InputSequence[(int)InputKind.ObjectPose];
        if (_objectPub is not null && frames > 0 && (frames != _objectPublished || repeat))
        {
            Stamp(_object.Header, _robot.ObjectMeasuredAt);
            _object.Pose.Position.X = _frame.ObjectPosition[0]; _object.Pose.Position.Y = _frame.ObjectPosition[1]; _object.Pose.Position.Z = _frame.ObjectPosition[2];
            _objectPub.Publish(_object);
            _objectPublished = frames;
        }
        _jointPub.Publish(_js);
    }

    private static void Stamp(Header header, double time)
    {
        int sec = (int)Math.Floor(time);
        uint ns = (uint)Math.Round((time - sec) * 1e9);
        if (ns >= 1_000_000_000) { sec++; ns -= 1_000_000_000; }
        header.Stamp.Sec = sec; header.Stamp.Nanosec = ns;
    }

    /// <summary>Leaves the DDS domain and frees the simulation.</summary>
    public void Dispose()
    {
        _node?.Dispose();
        _robot.Dispose();
    }
}
