using System.Diagnostics;
using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;
using Robotics.RobotBridge.Dds;
using Robotics.RobotBridge.Hil;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Messages.UnitreeGo;
using Robotics.RobotBridge.Ros2;
using Robotics.RobotBridge.Unitree;
using Robotics.Sim.Robots;
using Robotics.Sim.Tasks.Locomotion;

namespace Robotics.RobotBridge.SimRobot;

/// <summary>
/// <c>robotics sim-robot --io unitree-go2</c>: a legged task's <see cref="SimulatedRobot"/> behind the Unitree Go2's
/// low-level interface, as the robot's firmware presents it. Publishes <see cref="LowState"/> on <c>rt/lowstate</c> — the
/// motors of the leg slots (<see cref="Go2LowLevel.LegJoints"/>, by name) with q, dq, tau_est; the body IMU (quaternion
/// w, x, y, z, gyroscope, roll/pitch/yaw; no accelerometer); the ground normal force on each foot [N]; <c>tick</c>, the
/// simulated time in ms — at the control rate on the wall clock, or once per command in lock-step. Applies a
/// <see cref="LowCmd"/> from <c>rt/lowcmd</c> only when its CRC is valid (<see cref="UnitreeCrc.IsValid"/>), as the
/// robot does; the others are counted and reported. A motor in servo mode follows τ = Kp·(q* − q) + Kd·(dq* − dq) + τff
/// through the simulated robot's PD path (the one <c>joint_commands</c> PD commands take: torque clamped to each motor's
/// limit), the SDK's "no target" values (PosStopF, VelStopF) switching off their term; a motor in another mode is passive.
/// cmd_vel (ROS 2) is scored as <see cref="SimRobotNode"/> scores it.
/// </summary>
// DESIGN: a class of its own beside SimRobotNode rather than a mode inside it: the two share the simulated robot and the
// scoring, but not one message, topic or acceptance rule, and a flag in every method of SimRobotNode would make both
// harder to read. The stepping loops are the same shape on purpose.
// DESIGN: a velocity target dq* is applied as the feed-forward torque Kd·dq* on top of the PD law with dq* = 0 (which is
// the law SimulatedRobot runs): the same torque, without a second actuator model.
public sealed class UnitreeGo2SimRobot : IDisposable
{
    private readonly SimRobotNodeOptions _o;
    private readonly double? _remoteEStopAt;
    private readonly SimulatedRobot _robot;
    private readonly Ros2Node _node;
    private readonly Ros2Publisher<LowState> _statePub;
    private readonly Ros2Subscription<LowCmd> _commandSub;
    private readonly Ros2Subscription<Twist> _cmdVelSub;
    private readonly ManualResetEventSlim _commandArrived = new();
    private readonly LowState _state = new();
    private readonly LowCmd _cmd = new();
    private readonly Twist _twist = new();
    private readonly JointCommand _command;
    private readonly SensorFrame _frame;
    private readonly int[] _slot;             // [n] motor slot of the robot's joint i
    private readonly int[] _footOfBody;       // [nbody] foot index (FR, FL, RR, RL as the task lists them) or −1
    private readonly TrackingScore _score = new();
    private readonly int _decimation;
    private long _steps, _applied, _rejected, _sinceCmdVel = -1;
    private bool _haveCmdVel;
    private volatile string? _lastError;

    /// <summary>Builds the robot of <paramref name="task"/> (owned by the caller) and joins the DDS domain.</summary>
    /// <param name="remoteEStopAt">Simulated time [s] from which the lowstate's wireless_remote shows the e-stop chord (L2 + B) held; null = never.</param>
    /// <exception cref="UserError">A bad option, a robot joint with no Go2 motor slot, or a control period under the tick's 1 ms.</exception>
    public UnitreeGo2SimRobot(LocomotionTask task, SimRobotNodeOptions options, double? remoteEStopAt = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        _o = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        if (remoteEStopAt is { } at && !(at >= 0 && double.IsFinite(at))) throw new UserError($"--remote-estop-at {at} s: must be ≥ 0");
        _remoteEStopAt = remoteEStopAt;
        double period = task.Config.PhysicsDt;
        if (period < 1e-3) throw new UserError($"task {task.Config.Name}: control period {period * 1e3:0.###} ms is under the Go2 tick's 1 ms");
        _decimation = task.Decimation;
        _robot = new SimulatedRobot(task, _o.Robot(period));
        try
        {
            _slot = _robot.JointNames.Select(Go2LowLevel.SlotOf).ToArray();
            var model = _robot.Data.Model;
            _footOfBody = Enumerable.Repeat(-1, model.Nbody).ToArray();
            for (int f = 0; f < Math.Min(4, task.Config.Feet.Count); f++) _footOfBody[model.BodyId(task.Config.Feet[f])] = f;
            _node = new Ros2Node("sim_robot", (_o.Loopback ? Ros2NodeOptions.Loopback(_o.DomainId) : new Ros2NodeOptions { DomainId = _o.DomainId }) with
            {
                Security = _o.Security,
                ReceivePriority = _o.FifoPriority > 1 && !_o.LockStep ? _o.FifoPriority - 1 : 0,
            });
            _statePub = _node.CreatePublisher<LowState>(Go2LowLevel.StateTopic, QosProfile.Default);
            // Every frame's CRC is checked on the receive thread, so a rejected one is counted even when a valid one follows before the loop looks.
            _commandSub = _node.CreateSubscription<LowCmd>(Go2LowLevel.CommandTopic, _o.Topics.ControlQos, OnCommand);
            _cmdVelSub = _node.CreateSubscription<Twist>(PolicyInputs.Name(InputKind.CmdVel), _o.Topics.ControlQos);
        }
        catch
        {
            _node?.Dispose();
            _robot.Dispose();
            throw;
        }
        _command = new JointCommand(_robot.Joints);
        _frame = new SensorFrame(_robot.Joints, _robot.Joints);
        _state.Head[0] = Go2LowLevel.Head0; _state.Head[1] = Go2LowLevel.Head1;
        _state.LevelFlag = Go2LowLevel.LowLevelFlag;
        foreach (int s in _slot) _state.MotorState[s].Mode = Go2LowLevel.ServoMode;
    }

    private void OnCommand(LowCmd m)
    {
        if (UnitreeCrc.IsValid(m)) { _commandArrived.Set(); return; }
        Interlocked.Increment(ref _rejected);
        _lastError = $"LowCmd with crc 0x{m.Crc:X8}, computed 0x{UnitreeCrc.Compute(m):X8}: ignored, as the robot ignores it";
    }

    /// <summary>The simulated robot.</summary>
    public SimulatedRobot Robot => _robot;

    /// <summary>Control period [s].</summary>
    public double ControlPeriod => _robot.ControlPeriod;

    /// <summary>LowCmd frames rejected for their CRC so far.</summary>
    public long CommandsRejected => Interlocked.Read(ref _rejected);

    /// <summary>Runs until <see cref="SimRobotNodeOptions.Seconds"/> of simulated time or <paramref name="cancel"/>.</summary>
    public SimRobotResult Run(Action<string> log, CancellationToken cancel = default)
    {
        PublishState();
        new SimClock(_robot, _o).Run(new SimClock.Hooks(_commandArrived, () => _commandSub.TryTakeLatest(_cmd) && UnitreeCrc.IsValid(_cmd), Apply, Step,
            PublishState, "valid LowCmd"), () => _node.ReceiveScheduler, log, cancel);
        return new SimRobotResult(_score.LinVelError, _score.YawRateError, _score.Samples, _score.Fell, _robot.Time, _steps, _applied, CommandsRejected, _lastError);
    }

    // Called with a CRC-valid frame only.
    private void Apply()
    {
        MotorLaw(_cmd, _slot, _command);
        try
        {
            _robot.Write(_command);
            _applied++;
        }
        catch (ArgumentException e) { Interlocked.Increment(ref _rejected); _lastError = e.Message; }
    }

    /// <summary>
    /// The motor law of <paramref name="cmd"/>'s slots <paramref name="slots"/> (joint i ↔ slot slots[i]) as a PD command
    /// τ = Kp·(q* − q) + Kd·(0 − q̇) + τff: servo mode takes q*, Kp, Kd and τ, with a velocity target folded into
    /// τff as Kd·dq*; PosStopF switches the position term off, VelStopF the velocity term; any other mode is passive.
    /// </summary>
    internal static void MotorLaw(LowCmd cmd, ReadOnlySpan<int> slots, JointCommand into)
    {
        for (int i = 0; i < slots.Length; i++)
        {
            var m = cmd.MotorCmd[slots[i]];
            if (m.Mode != Go2LowLevel.ServoMode)
            {
                into.Position[i] = 0; into.Kp[i] = 0; into.Kd[i] = 0; into.Torque[i] = 0;
                continue;
            }
            bool position = Math.Abs(m.Q) < Go2LowLevel.PositionStop / 2;
            bool velocity = Math.Abs(m.Dq) < Go2LowLevel.VelocityStop / 2;
            into.Position[i] = position ? m.Q : 0;
            into.Kp[i] = position ? m.Kp : 0;
            into.Kd[i] = velocity ? m.Kd : 0;
            into.Torque[i] = m.Tau + (velocity ? (double)m.Kd * m.Dq : 0);
        }
    }

    private void Step()
    {
        _robot.Advance();
        _steps++;
        if (_cmdVelSub.TryTakeLatest(_twist) && (_twist.Linear.X != 0 || _twist.Linear.Y != 0 || _twist.Angular.Z != 0)) _haveCmdVel = true;
        if (_haveCmdVel && ++_sinceCmdVel % _decimation == 0)
            _score.Sample(_robot, new CommandStep(0, _twist.Linear.X, _twist.Linear.Y, _twist.Angular.Z));
        PublishState();
    }

    private void PublishState()
    {
        double t = _robot.Time;
        if (_o.SilenceAfter is { } s && t >= s - 1e-9) return;
        _robot.Read(_frame);
        _state.Tick = (uint)Math.Round(t * 1e3);
        for (int i = 0; i < _slot.Length; i++)
        {
            var m = _state.MotorState[_slot[i]];
            m.Q = (float)_frame.JointPos[i];
            m.Dq = (float)_frame.JointVel[i];
            m.TauEst = (float)_frame.JointTorque[i];
            m.QRaw = m.Q; m.DqRaw = m.Dq;
        }
        var imu = _state.ImuState;
        var q = _frame.Orientation;   // w, x, y, z, as Unitree orders it
        for (int k = 0; k < 4; k++) imu.Quaternion[k] = (float)q[k];
        for (int k = 0; k < 3; k++) imu.Gyroscope[k] = (float)_frame.Gyro[k];
        double w = q[0], x = q[1], y = q[2], z = q[3];
        imu.Rpy[0] = (float)Math.Atan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y));
        imu.Rpy[1] = (float)Math.Asin(Math.Clamp(2 * (w * y - z * x), -1, 1));
        imu.Rpy[2] = (float)Math.Atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z));
        FootForces();
        if (_remoteEStopAt is { } at && t >= at - 1e-9) UnitreeGo2Io.PressEStopChord(_state.WirelessRemote);
        _statePub.Publish(_state);
    }

    // Ground normal force on each foot [N], rounded to the message's int16.
    private void FootForces()
    {
        Span<double> total = stackalloc double[4];
        Span<double> force = stackalloc double[6];
        var data = _robot.Data;
        var geomBody = data.Model.GeomBodyid;
        var contacts = data.Contacts;
        for (int c = 0; c < contacts.Length; c++)
        {
            int b1 = geomBody[contacts[c].geom1], b2 = geomBody[contacts[c].geom2];
            if (b1 != 0 && b2 != 0) continue;
            int foot = _footOfBody[b1 == 0 ? b2 : b1];
            if (foot < 0) continue;
            data.ContactForce(c, force);
            total[foot] += Math.Abs(force[0]);
        }
        for (int f = 0; f < 4; f++) _state.FootForce[f] = (short)Math.Clamp(Math.Round(total[f]), short.MinValue, short.MaxValue);
    }

    /// <summary>Leaves the DDS domain and frees the simulation.</summary>
    public void Dispose()
    {
        _node?.Dispose();
        _robot.Dispose();
    }
}
