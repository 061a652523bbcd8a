using Robotics.Deploy.Contract;
using Robotics.Deploy.Kinematics;
using Robotics.Deploy.RealTime;
using Robotics.Deploy.Safety;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Messages.SensorMsgs;
using Robotics.RobotBridge.Messages.StdMsgs;
using Robotics.RobotBridge.Ros2;

namespace Robotics.RobotBridge.Node;

/// <summary>
/// The robot as the deploy <see cref="Controller"/> sees it, over ROS 2: joint states, the e-stop and exactly the inputs
/// the policy's contract lists (imu, cmd_vel, target_pose, object_pose, each on its topic) come in through wait-free
/// latest-value subscriptions; joint commands and the node's status go out as std_msgs/Float64MultiArray. Joint states
/// are matched to the policy's joints by name (extra joints ignored; a missing one is reported in
/// <see cref="JointStateError"/> and the data is not used, so the watchdog keeps the controller from starting). A pose
/// or IMU message whose <c>header.frame_id</c> is not the contract's frame is not used either, and reported in
/// <see cref="InputError"/>; each used message advances <see cref="SensorFrame.InputSequence"/> of its input.
/// <see cref="Read"/> and <see cref="Write"/> run on the loop thread and allocate nothing once the first messages have set the sizes.
/// </summary>
// DESIGN: the e-stop topic is latched in this class (true until a false arrives) rather than read as "the latest
// message": a best-effort or lost release would otherwise be indistinguishable from no news, and a stop button
// that un-presses itself when messages stop is not a stop button.
// DESIGN: the node subscribes to the contract's inputs only. Subscribing to every known topic would let a stray
// publisher (a teleop node left running beside an arm) look like an input the policy reads, and the start check
// ("each input arrived once") could not tell which inputs matter.
public sealed class DdsRobotIo : IDeployIo
{
    private readonly string[] _joints;            // [n] policy action order
    private readonly string[] _robotNames;        // [n] the driver's name of each, after JointRenames
    private readonly DdsRobotIoOptions _o;
    private readonly Ros2Node _node;
    private readonly InputSubscription[] _inputs;
    private readonly InputSubscription?[] _byKind = new InputSubscription?[PolicyInputs.KindCount];
    private readonly Ros2Subscription<JointState> _jointSub;
    private readonly Ros2Subscription<Imu>? _imuSub;
    private readonly Ros2Subscription<Twist>? _cmdSub;
    private readonly Ros2Subscription<PoseStamped>? _targetSub, _objectSub;
    private readonly Ros2Subscription<Bool> _estopSub;
    private readonly Ros2Publisher<Float64MultiArray> _commandPub, _statusPub;
    private readonly JointState _js = new();
    private readonly Imu _imu = new();
    private readonly Twist _twist = new();
    private readonly PoseStamped _targetMsg = new(), _objectMsg = new();
    private readonly Bool _estop = new();
    private readonly Float64MultiArray _commandMsg = new(), _statusMsg = new();
    private readonly int[] _index;                // [n] position of policy joint i in the JointState arrays
    private string[] _mappedNames = [];           // the JointState names _index was built for
    private string[] _refusedNames = [];
    private (int Names, int Positions, int Velocities, int Efforts) _badShape;   // the shape _error describes          // the JointState names that lacked a policy joint (reported once)
    private bool _mapped;                         // _index is valid for _mappedNames
    private readonly double[] _pos, _vel, _eff;   // [n] latest, in action order
    private readonly double[] _gyro = new double[3];
    private readonly double[] _quat = { 1, 0, 0, 0 };   // w x y z
    private readonly double[] _command = new double[3];
    private readonly double[] _target = new double[3], _object = new double[3];
    private readonly double[] _targetRot = { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, _rotScratch = new double[9];
    private readonly long[] _inputSeq = new long[PolicyInputs.KindCount];     // used messages per input
    private readonly long[] _inputStamp = new long[PolicyInputs.KindCount];   // header stamp of the one used last [ns], −1 none
    private readonly int[] _outOfStep = new int[PolicyInputs.KindCount];     // lock-step: joint states in a row a stream missed
    private readonly string?[] _inputError = new string?[PolicyInputs.KindCount];
    private readonly InputProblem[] _problem = new InputProblem[PolicyInputs.KindCount];
    private readonly string?[] _problemFrame = new string?[PolicyInputs.KindCount];   // the frame_id _inputError was written for
    private readonly ManualResetEventSlim _jointArrived = new();
    private long _sequence, _reads, _jointStamp = -1, _lastReadStamp = -3;
    private long _jointReceived;   // [Stopwatch timestamp] when the receive thread took the joint state read last
    private long _estopReceivedTick = -1, _estopTick = -1;
    private volatile bool _estopPressed;
    private volatile string? _error;

    private enum InputProblem : byte { None, WrongFrame, NotFinite, NoRotation }

    /// <summary>Subscribes to joint states, the e-stop and <paramref name="inputs"/>, and advertises the outputs, on <paramref name="node"/> (owned by the caller).</summary>
    /// <param name="joints">Joint names in the policy's action order. [n]</param>
    /// <param name="inputs">The contract's inputs (<see cref="PolicyContract.Inputs"/>): the only ones subscribed to.</param>
    /// <exception cref="UserError">No joints, a duplicate, an unknown or repeated input, a remap of an input the policy does not read, or a bad option (named).</exception>
    public DdsRobotIo(Ros2Node node, IReadOnlyList<string> joints, IReadOnlyList<PolicyInput> inputs, DdsRobotIoOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (joints is null || joints.Count == 0) throw new UserError("DdsRobotIo: the joint list is empty");
        if (joints.Distinct().Count() != joints.Count) throw new UserError($"DdsRobotIo: a joint appears twice in [{string.Join(", ", joints)}]");
        ArgumentNullException.ThrowIfNull(inputs);
        _o = (options ?? new DdsRobotIoOptions()).Validate();
        _node = node;
        _joints = joints.ToArray();
        foreach (var from in _o.JointRenames.Keys)
            if (!_joints.Contains(from))
                throw new UserError($"DdsRobotIoOptions.JointRenames renames '{from}', which is not one of the policy's joints [{string.Join(", ", _joints)}]");
        _robotNames = _joints.Select(j => _o.JointRenames.TryGetValue(j, out var r) ? r : j).ToArray();
        if (_robotNames.Distinct().Count() != _robotNames.Length)
            throw new UserError($"DdsRobotIoOptions.JointRenames gives two joints one name: [{string.Join(", ", _robotNames)}]");
        var kinds = CheckInputs(inputs, _o);
        int n = _joints.Length;
        _index = new int[n];
        _pos = new double[n]; _vel = new double[n]; _eff = new double[n];
        Array.Fill(_inputStamp, -1);
        JointCommandCodec.PrepareLayout(_commandMsg, _o.CommandMode, n);
        DeployStatus.PrepareLayout(_statusMsg);

        _jointSub = node.CreateSubscription<JointState>(_o.JointStatesTopic, _o.SensorQos, _ => _jointArrived.Set());
        var subscribed = new List<InputSubscription>();
        foreach (var (kind, input) in kinds)
        {
            string topic = _o.InputTopic(input);
            var qos = _o.InputQos(kind);
            string fq = kind switch
            {
                InputKind.Imu => (_imuSub = node.CreateSubscription<Imu>(topic, qos)).Topic,
                InputKind.CmdVel => (_cmdSub = node.CreateSubscription<Twist>(topic, qos)).Topic,
                InputKind.TargetPose => (_targetSub = node.CreateSubscription<PoseStamped>(topic, qos)).Topic,
                _ => (_objectSub = node.CreateSubscription<PoseStamped>(topic, qos)).Topic,
            };
            var s = new InputSubscription(kind, input, fq, qos);
            subscribed.Add(s);
            _byKind[(int)kind] = s;
        }
        // The reader keeps a string whose bytes are unchanged: with the frame the contract requires already in place,
        // the first pose taken on the loop thread allocates nothing.
        _targetMsg.Header.FrameId = Input(InputKind.TargetPose)?.Input.Frame ?? "";
        _objectMsg.Header.FrameId = Input(InputKind.ObjectPose)?.Input.Frame ?? "";
        _inputs = subscribed.ToArray();
        // The receive thread notes when a press arrives (in ticks read so far) to measure the e-stop's latency.
        _estopSub = node.CreateSubscription<Bool>(_o.EStopTopic, _o.ControlQos, b =>
        {
            if (b.Data) Interlocked.CompareExchange(ref _estopReceivedTick, Volatile.Read(ref _reads), -1);
        });
        _commandPub = node.CreatePublisher<Float64MultiArray>(_o.JointCommandsTopic, _o.ControlQos);
        _statusPub = node.CreatePublisher<Float64MultiArray>(_o.StatusTopic, _o.ControlQos);
    }

    // The inputs in InputKind order, each known, listed once, of its kind's type; every remap names one of them.
    private static List<(InputKind Kind, PolicyInput Input)> CheckInputs(IReadOnlyList<PolicyInput> inputs, DdsRobotIoOptions o)
    {
        var byKind = new PolicyInput?[PolicyInputs.KindCount];
        foreach (var input in inputs)
        {
            if (input is null) throw new UserError("DdsRobotIo: the input list has a null entry");
            var kind = PolicyInputs.Kind(input.Name ?? "")
                ?? throw new UserError($"DdsRobotIo: input '{input.Name}' is not known; known inputs: {string.Join(", ", Enumerable.Range(0, PolicyInputs.KindCount).Select(k => PolicyInputs.Name((InputKind)k)))}");
            if (byKind[(int)kind] is not null) throw new UserError($"DdsRobotIo: input '{input.Name}' is listed twice");
            if (input.Type != PolicyInputs.MessageType(kind)) throw new UserError($"DdsRobotIo: input '{input.Name}' has type '{input.Type}'; it is carried by {PolicyInputs.MessageType(kind)}");
            if (string.IsNullOrWhiteSpace(o.InputTopic(input))) throw new UserError($"DdsRobotIo: input '{input.Name}' has no topic");
            if (kind == InputKind.CmdVel && !string.IsNullOrEmpty(input.Frame))
                throw new UserError($"DdsRobotIo: input '{input.Name}' requires frame '{input.Frame}', but a {input.Type} carries no frame to check");
            byKind[(int)kind] = input;
        }
        foreach (var name in o.Remap.Keys)
            if (byKind[(int)PolicyInputs.Kind(name)!.Value] is null)
                throw new UserError($"DdsRobotIoOptions.Remap names '{name}', which the policy does not read (its inputs: {string.Join(", ", ["joint_states", .. byKind.Where(i => i is not null).Select(i => i!.Name)])})");
        return Enumerable.Range(0, PolicyInputs.KindCount).Where(k => byKind[k] is not null).Select(k => ((InputKind)k, byKind[k]!)).ToList();
    }

    /// <inheritdoc/>
    public int Joints => _joints.Length;

    /// <summary>The policy's joints in action order.</summary>
    public IReadOnlyList<string> JointNames => _joints;

    /// <summary>The driver's names of the policy's joints, in action order (<see cref="DdsRobotIoOptions.JointRenames"/> applied).</summary>
    public IReadOnlyList<string> RobotJointNames => _robotNames;

    /// <summary>The options in force.</summary>
    public DdsRobotIoOptions Options => _o;

    /// <summary>The fully qualified joint-state topic.</summary>
    public string JointStatesTopic => _jointSub.Topic;

    /// <inheritdoc/>
    public string JointStatesType => JointState.RosTypeName;

    /// <summary>The inputs subscribed to, beyond joint states and the e-stop, in <see cref="InputKind"/> order: exactly the contract's.</summary>
    public IReadOnlyList<InputSubscription> Inputs => _inputs;

    /// <summary>The subscription to input <paramref name="kind"/>, or null when the policy does not read it.</summary>
    public InputSubscription? Input(InputKind kind) => _byKind[(int)kind];

    /// <summary>Messages of input <paramref name="kind"/> used so far (0: none yet, or not subscribed).</summary>
    public long InputsReceived(InputKind kind) => Volatile.Read(ref _inputSeq[(int)kind]);

    /// <summary>Why the last message of input <paramref name="kind"/> was not used (its frame_id is not the contract's, a non-finite value), or null.</summary>
    public string? InputError(InputKind kind) => Volatile.Read(ref _inputError[(int)kind]);

    /// <summary>The inputs a start waits for that have not arrived once yet (allocates; for the supervisor, not the loop). cmd_vel is not one: none means zero.</summary>
    public IReadOnlyList<InputSubscription> MissingInputs => _inputs.Where(s => InputsReceived(s.Kind) == 0 && !PolicyInputs.HasNeutral(s.Kind)).ToArray();

    /// <inheritdoc/>
    public bool EStopPressed => _estopPressed;

    /// <summary>Why the last joint state could not be used (a missing joint, inconsistent lengths), or null.</summary>
    public string? JointStateError => _error;

    /// <summary>True once a usable joint state and one message of every input a start waits for have been read (all but cmd_vel): the controller may start.</summary>
    public bool SensorsLive
    {
        get
        {
            if (Volatile.Read(ref _sequence) == 0) return false;
            foreach (var s in _inputs) if (InputsReceived(s.Kind) == 0 && !PolicyInputs.HasNeutral(s.Kind)) return false;
            return true;
        }
    }

    /// <summary>Usable joint states read (the <see cref="SensorFrame.Sequence"/> the watchdog watches).</summary>
    public long Sequence => _sequence;

    /// <summary>Joint-state header stamp of the data read last [ns], or −1.</summary>
    public long JointStateStamp => _jointStamp;

    /// <summary>Ticks (calls of <see cref="Read"/>) done before the first e-stop press arrived; −1 when none did.</summary>
    public long EStopReceivedTick => Interlocked.Read(ref _estopReceivedTick);

    /// <summary>The first tick whose status was the stop of an e-stop (EStop, or Hold for an arm), or −1.</summary>
    public long EStopTick => Interlocked.Read(ref _estopTick);

    /// <summary>The controller whose state <see cref="Write"/> publishes on the status topic (set after building it).</summary>
    public Controller? StatusSource { get; set; }

    /// <summary>Subscriptions matched on the joint-command topic (a driver listening).</summary>
    public int CommandSubscribers => _commandPub.MatchedSubscriptions;

    /// <summary>The fully qualified joint-command topic.</summary>
    public string JointCommandsTopic => _commandPub.Topic;

    /// <summary>
    /// Writers of other participants on the joint-command topic: another controller driving the same robot (allocates;
    /// for the supervisor, not the loop).
    /// </summary>
    public IReadOnlyList<RemoteWriter> ForeignCommandWriters => _node.ForeignWriters(_commandPub.Topic);

    /// <summary>Takes whatever arrived since the last call into the latest values. Loop thread only; allocation-free once sizes are set.</summary>
    public void Poll()
    {
        if (_jointSub.TryTakeLatest(_js, out _, out long received)) TakeJointState(received);
        if (_imuSub is not null && _imuSub.TryTakeLatest(_imu) && FrameIs(InputKind.Imu, _imu.Header))
        {
            // ROS orders a quaternion x, y, z, w; the sensor frame w, x, y, z.
            var q = _imu.Orientation;
            _quat[0] = q.W; _quat[1] = q.X; _quat[2] = q.Y; _quat[3] = q.Z;
            var w = _imu.AngularVelocity;
            _gyro[0] = w.X; _gyro[1] = w.Y; _gyro[2] = w.Z;
            Used(InputKind.Imu, Stamp(_imu.Header));
        }
        if (_cmdSub is not null && _cmdSub.TryTakeLatest(_twist))
        {
            _command[0] = _twist.Linear.X; _command[1] = _twist.Linear.Y; _command[2] = _twist.Angular.Z;
            Used(InputKind.CmdVel, -1);
        }
        if (_targetSub is not null && _targetSub.TryTakeLatest(_targetMsg)) TakePose(InputKind.TargetPose, _targetMsg, _target, _targetRot);
        if (_objectSub is not null && _objectSub.TryTakeLatest(_objectMsg)) TakePose(InputKind.ObjectPose, _objectMsg, _object, null);
        if (_estopSub.TryTakeLatest(_estop)) _estopPressed = _estop.Data;
    }

    // A pose in the contract's frame: position [3] and, when wanted, the rotation [9]; anything else is reported and not used.
    private void TakePose(InputKind kind, PoseStamped m, double[] position, double[]? rotation)
    {
        if (!FrameIs(kind, m.Header)) return;
        var p = m.Pose.Position;
        if (!double.IsFinite(p.X) || !double.IsFinite(p.Y) || !double.IsFinite(p.Z)) { Report(kind, InputProblem.NotFinite, m.Header.FrameId); return; }
        if (rotation is not null)
        {
            var q = m.Pose.Orientation;
            if (!Rotation.FromQuaternion(q.W, q.X, q.Y, q.Z, _rotScratch)) { Report(kind, InputProblem.NoRotation, m.Header.FrameId); return; }
            _rotScratch.CopyTo(rotation, 0);
        }
        position[0] = p.X; position[1] = p.Y; position[2] = p.Z;
        Used(kind, Stamp(m.Header));
    }

    private bool FrameIs(InputKind kind, Header header)
    {
        string required = _byKind[(int)kind]!.Input.Frame;
        if (string.IsNullOrEmpty(required) || string.Equals(header.FrameId, required, StringComparison.Ordinal)) return true;
        Report(kind, InputProblem.WrongFrame, header.FrameId);
        return false;
    }

    private void Used(InputKind kind, long stamp)
    {
        int k = (int)kind;
        _inputStamp[k] = stamp;
        Volatile.Write(ref _inputSeq[k], _inputSeq[k] + 1);
        if (_problem[k] != InputProblem.None) { _problem[k] = InputProblem.None; _problemFrame[k] = null; Volatile.Write(ref _inputError[k], null); }
    }

    // Formats the report only when the problem or the offending frame_id changed (the deserializer keeps an equal string's
    // instance), so a stream of bad messages allocates once, not per message.
    private void Report(InputKind kind, InputProblem problem, string frameId)
    {
        int k = (int)kind;
        if (_problem[k] == problem && ReferenceEquals(_problemFrame[k], frameId)) return;
        _problem[k] = problem;
        _problemFrame[k] = frameId;
        var s = _byKind[k]!;
        Volatile.Write(ref _inputError[k], problem switch
        {
            InputProblem.WrongFrame => $"{s.Topic}: frame_id '{frameId}', but {s.Input.Name} must be in '{s.Input.Frame}'; message not used",
            InputProblem.NotFinite => $"{s.Topic}: the position is not finite; message not used",
            _ => $"{s.Topic}: the orientation quaternion has no length or is not finite; message not used",
        });
    }

    // A joint state: (re)build the name map when the names changed, check lengths, copy in action order.
    private void TakeJointState(long received)
    {
        var names = _js.Name.AsSpan();
        int m = names.Length;
        if ((!_mapped || !SameNames(names, _mappedNames)) && (SameNames(names, _refusedNames) || !BuildIndex(names))) return;
        if (_js.Position.Count != m || (_js.Velocity.Count != 0 && _js.Velocity.Count != m) || (_js.Effort.Count != 0 && _js.Effort.Count != m))
        {
            // Formatted once per shape, so a driver that keeps sending the bad one costs the loop nothing.
            var shape = (m, _js.Position.Count, _js.Velocity.Count, _js.Effort.Count);
            if (_error is null || shape != _badShape)
                _error = $"{_jointSub.Topic}: {m} names but {_js.Position.Count} positions, {_js.Velocity.Count} velocities, {_js.Effort.Count} efforts";
            _badShape = shape;
            return;
        }
        var p = _js.Position.AsSpan();
        var v = _js.Velocity.AsSpan();
        var e = _js.Effort.AsSpan();
        for (int i = 0; i < _index.Length; i++)
        {
            int k = _index[i];
            _pos[i] = p[k];
            _vel[i] = v.IsEmpty ? 0 : v[k];
            _eff[i] = e.IsEmpty ? 0 : e[k];
        }
        _jointStamp = Stamp(_js.Header);
        _jointReceived = received;
        _sequence++;
        _error = null;
        _badShape = default;
    }

    private static bool SameNames(ReadOnlySpan<string> names, string[] known)
    {
        if (names.Length != known.Length) return false;
        for (int i = 0; i < names.Length; i++) if (!string.Equals(names[i], known[i], StringComparison.Ordinal)) return false;
        return true;
    }

    // Allocates: runs only when the driver's joint list changes (normally once; a list that lacked a joint is not looked at again).
    private bool BuildIndex(ReadOnlySpan<string> names)
    {
        var missing = new List<string>();
        for (int i = 0; i < _joints.Length; i++)
        {
            _index[i] = names.IndexOf(_robotNames[i]);
            if (_index[i] < 0) missing.Add(_robotNames[i] == _joints[i] ? _joints[i] : $"{_robotNames[i]} (the policy's {_joints[i]})");
        }
        if (missing.Count > 0)
        {
            _mapped = false;
            _refusedNames = names.ToArray();
            _badShape = default;
            _error = $"{_jointSub.Topic} lacks the policy's joint(s) {string.Join(", ", missing.Select(j => $"'{j}'"))} (it lists {string.Join(", ", names.ToArray())})";
            return false;
        }
        _mappedNames = names.ToArray();
        _refusedNames = [];
        _mapped = true;
        return true;
    }

    private static long Stamp(Header h) => h.Stamp.Sec * 1_000_000_000L + h.Stamp.Nanosec;

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
        _target.CopyTo(frame.TargetPosition, 0);
        _targetRot.CopyTo(frame.TargetRotation, 0);
        _object.CopyTo(frame.ObjectPosition, 0);
        _inputSeq.CopyTo(frame.InputSequence, 0);
        frame.Sequence = _sequence;
        frame.JointStateStamp = _sequence > 0 ? _jointStamp : -1;
        frame.JointStateReceived = _sequence > 0 ? _jointReceived : 0;
        _lastReadStamp = _jointStamp;
        Interlocked.Increment(ref _reads);
    }

    /// <inheritdoc/>
    /// <remarks>Publishes the status first, then the command, so a listener that sees a command has that tick's status.</remarks>
    public void Write(JointCommand command)
    {
        if (StatusSource is { } c)
        {
            var status = DeployStatus.Of(c, _sequence, EStopReceivedTick, out bool estop);
            if (estop && _estopTick < 0) Volatile.Write(ref _estopTick, c.Ticks - 1);
            status.Encode(_statusMsg);
            _statusPub.Publish(_statusMsg);
        }
        JointCommandCodec.Encode(command, _o.CommandMode, _commandMsg);
        _commandPub.Publish(_commandMsg);
    }

    /// <summary>
    /// Lock-step: waits up to <paramref name="timeout"/> for a joint state whose stamp differs from the one read last
    /// (duplicates of the same instant are ignored), with the messages of the same stamp of the policy's streamed inputs
    /// (imu, object_pose) when they come within <paramref name="streamGrace"/>. True when such a state is ready for the
    /// next <see cref="Read"/>.
    /// </summary>
    public bool WaitForNewState(TimeSpan timeout, TimeSpan streamGrace)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            _jointArrived.Reset();
            Poll();
            if (_sequence > 0 && _jointStamp != _lastReadStamp)
            {
                var graceDeadline = DateTime.UtcNow + streamGrace;
                while (!StreamsInStep() && DateTime.UtcNow < graceDeadline) { Thread.Sleep(0); Poll(); }
                // A stream that missed a few instants in a row is not waited for until it catches up: a silenced one (the
                // watchdog's business) or one at its own rate (a camera) must not slow every tick by the grace.
                // A camera that missed an instant runs at its own rate: it is not waited for again.
                foreach (var s in _inputs)
                {
                    if (!IsStream(s)) continue;
                    int k = (int)s.Kind;
                    bool inStep = _inputStamp[k] == _jointStamp;
                    _outOfStep[k] = s.Kind == InputKind.ObjectPose && (!inStep || _outOfStep[k] >= StreamMisses)
                        ? StreamMisses : inStep ? 0 : Math.Min(_outOfStep[k] + 1, StreamMisses);
                }
                return true;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return false;
            _jointArrived.Wait(left);
        }
    }

    private const int StreamMisses = 3;   // instants a stream may miss before it is no longer waited for

    // Streams a lock-step run waits for at each joint state: the IMU, and object_pose while it has come with every joint
    // state (a perception stream at the control rate, stamped with the instant it saw); a camera at its own rate is not.
    private static bool IsStream(InputSubscription s) => s.Kind is InputKind.Imu or InputKind.ObjectPose && s.Input.MaxAge is not null;

    private bool StreamsInStep()
    {
        foreach (var s in _inputs)
            if (IsStream(s) && _outOfStep[(int)s.Kind] < StreamMisses && _inputStamp[(int)s.Kind] != _jointStamp) return false;
        return true;
    }
}
