using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;
using Robotics.Deploy.Safety;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Messages.StdMsgs;
using Robotics.RobotBridge.Messages.UnitreeGo;
using Robotics.RobotBridge.Node;
using Robotics.RobotBridge.Ros2;

namespace Robotics.RobotBridge.Unitree;

/// <summary>
/// The Unitree Go2 as the deploy <see cref="Controller"/> sees it, through the robot's own low-level interface
/// (unitree_sdk2: Cyclone DDS with ROS 2 types). <c>rt/lowstate</c> (<see cref="LowState"/>) supplies the joints —
/// q, dq and tau_est of each policy joint's motor slot, found by name through <see cref="Go2LowLevel.LegJoints"/> — the
/// body IMU (quaternion w, x, y, z and gyroscope: the contract's <c>imu</c> input), the foot forces and the robot's
/// millisecond <c>tick</c>; <see cref="SensorFrame.Sequence"/> advances only when the tick changes, so a stream that
/// stops or repeats itself trips the watchdog. Every <see cref="Write"/> sends a <see cref="LowCmd"/> on
/// <c>rt/lowcmd</c>: per leg slot the command's q, Kp, Kd and τ with dq = 0, servo mode, the CRC stamped
/// (<see cref="UnitreeCrc.Stamp"/>; the robot ignores a frame without it). cmd_vel stays a ROS 2 topic, as do the
/// e-stop (<c>estop</c>, std_msgs/Bool, latched until a false arrives) and the node's status (<c>deploy_status</c>).
/// </summary>
/// <remarks>
/// <para>The remote's e-stop chord: <b>L2 + B</b> held together on the Go2's wireless remote, as the robot reports it in
/// <c>LowState.wireless_remote</c> (bytes 2–3 the key bitfield: byte 2 bit 5 is L2, byte 3 bit 1 is B; see
/// <see cref="IsEStopChord"/>). Seen in any lowstate, even one the loop never takes, it latches the e-stop for the life
/// of this object: restart the node to clear it. The tick that reads a lowstate showing it is the tick that stops.</para>
/// <para>What the safety layer's command means on the motors, mapped as it is: Running and SoftStart drive the targets
/// with the contract's gains; Damping sends Kp = 0 and the contract's damping Kd (position = the measured one, which
/// Kp = 0 makes irrelevant); Idle and EStop send Kp = Kd = τ = 0, zero torque.</para>
/// <para><see cref="Read"/> and <see cref="Write"/> run on the loop thread and allocate nothing.</para>
/// </remarks>
// DESIGN: the chord latches for the object's life rather than until released, unlike the estop topic (which a false
// message releases): the remote has no "release" message, only key states, and an e-stop that lets go when the
// operator lets go of the keys would restart a falling robot. Rejected too: a release chord, which one stray
// press could send while the robot lies on its side.
// DESIGN: dq is always 0 (no velocity target): the safety layer's JointCommand carries none, and the PD law it
// assumes (τ = Kp·(q* − q) + Kd·(0 − q̇) + τff) is the motor's with dq* = 0.
public sealed class UnitreeGo2Io : IDeployIo
{
    /// <summary>Byte of <c>wireless_remote</c> holding R1 (bit 0), L1, start, select, R2, L2 (bit 5), F1, F2 (bit 7).</summary>
    public const int RemoteKeysLow = 2;
    /// <summary>Byte of <c>wireless_remote</c> holding A (bit 0), B (bit 1), X, Y, up, right, down, left (bit 7).</summary>
    public const int RemoteKeysHigh = 3;
    /// <summary>L2's bit in <see cref="RemoteKeysLow"/>.</summary>
    public const byte L2Bit = 1 << 5;
    /// <summary>B's bit in <see cref="RemoteKeysHigh"/>.</summary>
    public const byte BBit = 1 << 1;

    private readonly string[] _joints;        // [n] policy action order
    private readonly string[] _robotNames;    // [n] Go2 joint names, after JointRenames
    private readonly int[] _slot;             // [n] motor slot of policy joint i
    private readonly DdsRobotIoOptions _o;
    private readonly Ros2Node _node;
    private readonly Ros2Subscription<LowState> _stateSub;
    private readonly Ros2Subscription<Twist>? _cmdSub;
    private readonly Ros2Subscription<Bool> _estopSub;
    private readonly Ros2Publisher<LowCmd> _commandPub;
    private readonly Ros2Publisher<Float64MultiArray> _statusPub;
    private readonly InputSubscription[] _inputs;
    private readonly InputSubscription? _imuInput, _cmdInput;
    private readonly LowState _state = new();
    private readonly LowCmd _cmd = new();
    private readonly Twist _twist = new();
    private readonly Bool _estop = new();
    private readonly Float64MultiArray _statusMsg = new();
    private readonly double[] _pos, _vel, _eff;   // [n] latest, in action order
    private readonly double[] _gyro = new double[3];
    private readonly double[] _quat = { 1, 0, 0, 0 };   // w x y z
    private readonly double[] _command = new double[3];
    private readonly double[] _footForce = new double[4];   // FR, FL, RR, RL, the robot's raw units
    private readonly long[] _inputSeq = new long[PolicyInputs.KindCount];
    private readonly ManualResetEventSlim _stateArrived = new();
    private long _sequence, _reads, _lastTick = -1, _lastReadTick = -1, _commandsWritten;
    private long _stateReceived;   // [Stopwatch timestamp] when the receive thread took the lowstate used last
    private long _estopReceivedTick = -1, _estopTick = -1;
    private volatile bool _estopTopicPressed, _chordLatched;
    private volatile string? _error;

    /// <summary>Subscribes to rt/lowstate, the e-stop and (when the policy reads it) cmd_vel, and advertises rt/lowcmd and the status, on <paramref name="node"/> (owned by the caller).</summary>
    /// <param name="joints">Joint names in the policy's action order; each must be a Go2 leg joint (after <see cref="DdsRobotIoOptions.JointRenames"/>). [n]</param>
    /// <param name="inputs">The contract's inputs: imu (from lowstate) and cmd_vel (a ROS 2 topic) are what the Go2 interface supplies.</param>
    /// <param name="options">Topics of the ROS 2 side (estop, status, cmd_vel's remap), QoS, joint renames; the command format must be PD.</param>
    /// <exception cref="UserError">A policy joint with no Go2 motor slot (named), a duplicate, an input the Go2 interface cannot supply, or a bad option.</exception>
    public UnitreeGo2Io(Ros2Node node, IReadOnlyList<string> joints, IReadOnlyList<PolicyInput> inputs, DdsRobotIoOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(inputs);
        if (joints is null || joints.Count == 0) throw new UserError("UnitreeGo2Io: the joint list is empty");
        if (joints.Distinct().Count() != joints.Count) throw new UserError($"UnitreeGo2Io: a joint appears twice in [{string.Join(", ", joints)}]");
        _o = (options ?? new DdsRobotIoOptions()).Validate();
        if (_o.CommandMode != JointCommandMode.Pd)
            throw new UserError($"UnitreeGo2Io: command mode {_o.CommandMode}: the Go2's motors take PD commands (q, Kp, Kd, τ) only");
        _node = node;
        _joints = joints.ToArray();
        foreach (var from in _o.JointRenames.Keys)
            if (!_joints.Contains(from))
                throw new UserError($"DdsRobotIoOptions.JointRenames renames '{from}', which is not one of the policy's joints [{string.Join(", ", _joints)}]");
        _robotNames = _joints.Select(j => _o.JointRenames.TryGetValue(j, out var r) ? r : j).ToArray();
        _slot = new int[_joints.Length];
        var missing = new List<string>();
        for (int i = 0; i < _joints.Length; i++)
            if (!Go2LowLevel.TryGetSlot(_robotNames[i], out _slot[i]))
                missing.Add(_robotNames[i] == _joints[i] ? _joints[i] : $"{_robotNames[i]} (the policy's {_joints[i]})");
        if (missing.Count > 0)
            throw new UserError($"UnitreeGo2Io: the Unitree Go2 has no motor for the policy's joint(s) {string.Join(", ", missing.Select(j => $"'{j}'"))}; its leg joints are {string.Join(", ", Go2LowLevel.LegJoints)}");
        if (_slot.Distinct().Count() != _slot.Length) throw new UserError($"DdsRobotIoOptions.JointRenames gives two joints one motor: [{string.Join(", ", _robotNames)}]");
        int n = _joints.Length;
        _pos = new double[n]; _vel = new double[n]; _eff = new double[n];

        PolicyInput? imu = null, cmdVel = null;
        foreach (var input in inputs)
        {
            var kind = PolicyInputs.Kind(input?.Name ?? "");
            switch (kind)
            {
                case InputKind.Imu when imu is null: imu = input; break;
                case InputKind.CmdVel when cmdVel is null: cmdVel = input; break;
                case InputKind.Imu or InputKind.CmdVel: throw new UserError($"UnitreeGo2Io: input '{input!.Name}' is listed twice");
                default:
                    throw new UserError($"UnitreeGo2Io: the policy reads '{input?.Name}', which the Unitree Go2 interface does not supply (it supplies imu from rt/lowstate and cmd_vel from ROS 2)");
            }
        }
        foreach (var name in _o.Remap.Keys)
            if (name != PolicyInputs.Name(InputKind.CmdVel) || cmdVel is null)
                throw new UserError($"DdsRobotIoOptions.Remap names '{name}': on the Unitree Go2 interface only cmd_vel comes from a topic of its own");

        Go2LowLevel.Initialize(_cmd);
        _stateSub = node.CreateSubscription<LowState>(Go2LowLevel.StateTopic, _o.SensorQos, OnState);
        var subscribed = new List<InputSubscription>();
        if (imu is not null) subscribed.Add(_imuInput = new InputSubscription(InputKind.Imu, imu, _stateSub.Topic, _o.SensorQos));
        if (cmdVel is not null)
        {
            _cmdSub = node.CreateSubscription<Twist>(_o.InputTopic(cmdVel), _o.ControlQos);
            subscribed.Add(_cmdInput = new InputSubscription(InputKind.CmdVel, cmdVel, _cmdSub.Topic, _o.ControlQos));
        }
        _inputs = subscribed.ToArray();
        _estopSub = node.CreateSubscription<Bool>(_o.EStopTopic, _o.ControlQos, b => { if (b.Data) NoteEStopArrival(); });
        _commandPub = node.CreatePublisher<LowCmd>(Go2LowLevel.CommandTopic, _o.ControlQos);
        _statusPub = node.CreatePublisher<Float64MultiArray>(_o.StatusTopic, _o.ControlQos);
        DeployStatus.PrepareLayout(_statusMsg);
    }

    // Receive thread, every lowstate: the chord is looked for in each one, so a press between two loop reads is not lost.
    private void OnState(LowState s)
    {
        if (IsEStopChord(s.WirelessRemote))
        {
            if (!_chordLatched) NoteEStopArrival();
            _chordLatched = true;
        }
        _stateArrived.Set();
    }

    private void NoteEStopArrival() => Interlocked.CompareExchange(ref _estopReceivedTick, Volatile.Read(ref _reads), -1);

    /// <summary>
    /// True when <paramref name="wirelessRemote"/> (<c>LowState.wireless_remote</c>, 40 bytes; the SDK's
    /// <c>xRockerBtnDataStruct</c>: head[2], then the 16-bit key field, then the sticks) shows L2 and B held: byte 2 bit 5
    /// and byte 3 bit 1. Other keys held at the same time do not matter.
    /// </summary>
    public static bool IsEStopChord(ReadOnlySpan<byte> wirelessRemote) =>
        wirelessRemote.Length > RemoteKeysHigh && (wirelessRemote[RemoteKeysLow] & L2Bit) != 0 && (wirelessRemote[RemoteKeysHigh] & BBit) != 0;

    /// <summary>Sets the e-stop chord (L2 + B) in <paramref name="wirelessRemote"/>'s key bytes, leaving the other keys as they are: what a remote sends while it is held.</summary>
    public static void PressEStopChord(Span<byte> wirelessRemote)
    {
        wirelessRemote[RemoteKeysLow] |= L2Bit;
        wirelessRemote[RemoteKeysHigh] |= BBit;
    }

    /// <inheritdoc/>
    public int Joints => _joints.Length;

    /// <summary>The policy's joints in action order.</summary>
    public IReadOnlyList<string> JointNames => _joints;

    /// <inheritdoc/>
    public IReadOnlyList<string> RobotJointNames => _robotNames;

    /// <summary>The motor slot of each policy joint, in action order. [n]</summary>
    public IReadOnlyList<int> Slots => _slot;

    /// <inheritdoc/>
    public string JointStatesTopic => _stateSub.Topic;

    /// <inheritdoc/>
    public string JointStatesType => LowState.RosTypeName;

    /// <inheritdoc/>
    public string JointCommandsTopic => _commandPub.Topic;

    /// <inheritdoc/>
    public IReadOnlyList<InputSubscription> Inputs => _inputs;

    /// <inheritdoc/>
    public long InputsReceived(InputKind kind) => Volatile.Read(ref _inputSeq[(int)kind]);

    /// <inheritdoc/>
    /// <remarks>The IMU comes with the joints in one message and cmd_vel carries nothing to check: never an error of its own.</remarks>
    public string? InputError(InputKind kind) => null;

    /// <inheritdoc/>
    public IReadOnlyList<InputSubscription> MissingInputs => _inputs.Where(s => InputsReceived(s.Kind) == 0 && !PolicyInputs.HasNeutral(s.Kind)).ToArray();

    /// <inheritdoc/>
    public string? JointStateError => _error;

    /// <inheritdoc/>
    public bool SensorsLive => Volatile.Read(ref _sequence) > 0;

    /// <inheritdoc/>
    public long Sequence => Volatile.Read(ref _sequence);

    /// <summary>The robot's <c>tick</c> [ms] of the lowstate used last, or −1.</summary>
    public long Tick => Volatile.Read(ref _lastTick);

    /// <summary>The foot forces of the lowstate used last, FR, FL, RR, RL (the robot's raw <c>foot_force</c> units). [4]</summary>
    public ReadOnlySpan<double> FootForce => _footForce;

    /// <summary>LowCmd frames written.</summary>
    public long CommandsWritten => Interlocked.Read(ref _commandsWritten);

    /// <summary>The LowCmd sent last (its CRC stamped). Loop thread's; read it only between ticks.</summary>
    public LowCmd LastCommand => _cmd;

    /// <inheritdoc/>
    /// <remarks>The estop topic (latched until a false arrives) or the remote's L2 + B chord (latched for good).</remarks>
    public bool EStopPressed => _estopTopicPressed || _chordLatched;

    /// <summary>True once the remote's e-stop chord was seen in a lowstate.</summary>
    public bool EStopChordSeen => _chordLatched;

    /// <inheritdoc/>
    public long EStopReceivedTick => Interlocked.Read(ref _estopReceivedTick);

    /// <inheritdoc/>
    public long EStopTick => Interlocked.Read(ref _estopTick);

    /// <inheritdoc/>
    public Controller? StatusSource { get; set; }

    /// <summary>Subscriptions matched on rt/lowcmd (the robot listening).</summary>
    public int CommandSubscribers => _commandPub.MatchedSubscriptions;

    /// <inheritdoc/>
    public IReadOnlyList<RemoteWriter> ForeignCommandWriters => _node.ForeignWriters(_commandPub.Topic);

    /// <summary>Takes whatever arrived since the last call into the latest values. Loop thread only; allocation-free.</summary>
    public void Poll()
    {
        if (_stateSub.TryTakeLatest(_state, out _, out long received)) TakeState(received);
        if (_cmdSub is not null && _cmdSub.TryTakeLatest(_twist))
        {
            _command[0] = _twist.Linear.X; _command[1] = _twist.Linear.Y; _command[2] = _twist.Angular.Z;
            Volatile.Write(ref _inputSeq[(int)InputKind.CmdVel], _inputSeq[(int)InputKind.CmdVel] + 1);
        }
        if (_estopSub.TryTakeLatest(_estop)) _estopTopicPressed = _estop.Data;
    }

    // A lowstate with a new tick: the policy's joints from their slots, the IMU, the feet. A repeated tick is the same
    // sample again (or a robot whose control board stalled): not new data.
    private void TakeState(long received)
    {
        // Also here: the receive thread hands the state over before its callback runs, and the tick that reads a chord
        // must stop whichever thread saw it first.
        if (!_chordLatched && IsEStopChord(_state.WirelessRemote)) { NoteEStopArrival(); _chordLatched = true; }
        long tick = _state.Tick;
        if (tick == _lastTick) return;
        var motors = _state.MotorState;
        for (int i = 0; i < _slot.Length; i++)
        {
            var m = motors[_slot[i]];
            if (!float.IsFinite(m.Q) || !float.IsFinite(m.Dq) || !float.IsFinite(m.TauEst))
            {
                if (_error is null) _error = $"{_stateSub.Topic}: motor {_slot[i]} ({_robotNames[i]}) reports a value that is not finite; state not used";
                return;
            }
        }
        var imu = _state.ImuState;
        for (int k = 0; k < 4; k++) if (!float.IsFinite(imu.Quaternion[k])) { _error ??= $"{_stateSub.Topic}: the IMU quaternion is not finite; state not used"; return; }
        for (int k = 0; k < 3; k++) if (!float.IsFinite(imu.Gyroscope[k])) { _error ??= $"{_stateSub.Topic}: the IMU gyroscope is not finite; state not used"; return; }
        for (int i = 0; i < _slot.Length; i++)
        {
            var m = motors[_slot[i]];
            _pos[i] = m.Q; _vel[i] = m.Dq; _eff[i] = m.TauEst;
        }
        // Unitree orders the quaternion w, x, y, z, as the sensor frame does.
        for (int k = 0; k < 4; k++) _quat[k] = imu.Quaternion[k];
        for (int k = 0; k < 3; k++) _gyro[k] = imu.Gyroscope[k];
        for (int k = 0; k < 4; k++) _footForce[k] = _state.FootForce[k];
        Volatile.Write(ref _lastTick, tick);
        _stateReceived = received;
        Volatile.Write(ref _sequence, _sequence + 1);
        if (_imuInput is not null) Volatile.Write(ref _inputSeq[(int)InputKind.Imu], _inputSeq[(int)InputKind.Imu] + 1);
        _error = null;
    }

    /// <inheritdoc/>
    public void Read(SensorFrame frame)
    {
        Poll();
        _gyro.CopyTo(frame.Gyro, 0);
        _quat.CopyTo(frame.Orientation, 0);
        _pos.CopyTo(frame.JointPos, 0);
        _vel.CopyTo(frame.JointVel, 0);
        _eff.CopyTo(frame.JointTorque, 0);
        _command.CopyTo(frame.Command, 0);
        _inputSeq.CopyTo(frame.InputSequence, 0);
        frame.Sequence = _sequence;
        // The tick counts the robot's own milliseconds from its boot, on no clock this computer shares: the state's age is
        // measured from its receipt.
        frame.JointStateStamp = -1;
        frame.JointStateReceived = _sequence > 0 ? _stateReceived : 0;
        _lastReadTick = _lastTick;
        Interlocked.Increment(ref _reads);
    }

    /// <inheritdoc/>
    /// <remarks>Publishes the status first, then the LowCmd, so a listener that sees a command has that tick's status.</remarks>
    public void Write(JointCommand command)
    {
        if (command.Joints != _slot.Length) throw new ArgumentException($"command for {command.Joints} joints; the policy has {_slot.Length}");
        if (StatusSource is { } c)
        {
            var status = DeployStatus.Of(c, _sequence, EStopReceivedTick, out bool estop);
            if (estop && _estopTick < 0) Volatile.Write(ref _estopTick, c.Ticks - 1);
            status.Encode(_statusMsg);
            _statusPub.Publish(_statusMsg);
        }
        var motors = _cmd.MotorCmd;
        for (int i = 0; i < _slot.Length; i++)
        {
            var m = motors[_slot[i]];
            m.Mode = Go2LowLevel.ServoMode;
            m.Q = (float)command.Position[i];
            m.Dq = 0f;
            m.Kp = (float)command.Kp[i];
            m.Kd = (float)command.Kd[i];
            m.Tau = (float)command.Torque[i];
        }
        UnitreeCrc.Stamp(_cmd);
        _commandPub.Publish(_cmd);
        Interlocked.Increment(ref _commandsWritten);
    }

    /// <inheritdoc/>
    /// <remarks>New = a lowstate whose <c>tick</c> differs from the one read last; the IMU comes in the same message, so there is no stream to wait for.</remarks>
    public bool WaitForNewState(TimeSpan timeout, TimeSpan streamGrace)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            _stateArrived.Reset();
            Poll();
            if (_sequence > 0 && _lastTick != _lastReadTick) return true;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return false;
            _stateArrived.Wait(left);
        }
    }
}
