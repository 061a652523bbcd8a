using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Messages.SensorMsgs;
using Robotics.RobotBridge.Messages.StdMsgs;
using Robotics.RobotBridge.Ros2;

namespace Robotics.RobotBridge.Node;

/// <summary>
/// The robot as the deploy <see cref="Controller"/> sees it, over ROS 2: joint states, IMU, the operator's
/// <c>cmd_vel</c> and the e-stop come in through wait-free latest-value subscriptions; joint commands and the
/// node's status go out as std_msgs/Float64MultiArray. Joint states are matched to the policy's joints by name
/// (extra joints ignored; a missing one is reported in <see cref="JointStateError"/> and the data is not used,
/// so the watchdog keeps the controller from starting). <see cref="Read"/> and <see cref="Write"/> run on the
/// loop thread and allocate nothing once the first messages have set the sizes.
/// </summary>
// DESIGN: the e-stop topic is latched in this class (true until a false arrives) rather than read as "the latest
// message": a best-effort or lost release would otherwise be indistinguishable from no news, and a stop button
// that un-presses itself when messages stop is not a stop button.
public sealed class DdsRobotIo : IRobotIo
{
    private readonly string[] _joints;            // [n] policy action order
    private readonly string[] _robotNames;        // [n] the driver's name of each, after JointRenames
    private readonly DdsRobotIoOptions _o;
    private readonly Ros2Subscription<JointState> _jointSub;
    private readonly Ros2Subscription<Imu> _imuSub;
    private readonly Ros2Subscription<Twist> _cmdSub;
    private readonly Ros2Subscription<Bool> _estopSub;
    private readonly Ros2Publisher<Float64MultiArray> _commandPub, _statusPub;
    private readonly JointState _js = new();
    private readonly Imu _imu = new();
    private readonly Twist _twist = new();
    private readonly Bool _estop = new();
    private readonly Float64MultiArray _commandMsg = new(), _statusMsg = new();
    private readonly int[] _index;                // [n] position of policy joint i in the JointState arrays
    private string[] _mappedNames = [];           // the JointState names _index was built for
    private bool _mapped;                         // _index is valid for _mappedNames
    private readonly double[] _pos, _vel, _eff;   // [n] latest, in action order
    private readonly double[] _gyro = new double[3];
    private readonly double[] _quat = { 1, 0, 0, 0 };   // w x y z
    private readonly double[] _command = new double[3];
    private readonly ManualResetEventSlim _jointArrived = new();
    private long _sequence, _reads, _jointStamp = -1, _imuStamp = -2, _lastReadStamp = -3;
    private long _estopReceivedTick = -1, _estopTick = -1;
    private volatile bool _estopPressed;
    private volatile string? _error;

    /// <summary>Subscribes and advertises the topics on <paramref name="node"/> (owned by the caller).</summary>
    /// <param name="joints">Joint names in the policy's action order. [n]</param>
    /// <exception cref="UserError">No joints, a duplicate, or a bad option (named).</exception>
    public DdsRobotIo(Ros2Node node, IReadOnlyList<string> joints, DdsRobotIoOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (joints is null || joints.Count == 0) throw new UserError("DdsRobotIo: the joint list is empty");
        if (joints.Distinct().Count() != joints.Count) throw new UserError($"DdsRobotIo: a joint appears twice in [{string.Join(", ", joints)}]");
        _o = (options ?? new DdsRobotIoOptions()).Validate();
        _joints = joints.ToArray();
        foreach (var from in _o.JointRenames.Keys)
            if (!_joints.Contains(from))
                throw new UserError($"DdsRobotIoOptions.JointRenames renames '{from}', which is not one of the policy's joints [{string.Join(", ", _joints)}]");
        _robotNames = _joints.Select(j => _o.JointRenames.TryGetValue(j, out var r) ? r : j).ToArray();
        if (_robotNames.Distinct().Count() != _robotNames.Length)
            throw new UserError($"DdsRobotIoOptions.JointRenames gives two joints one name: [{string.Join(", ", _robotNames)}]");
        int n = _joints.Length;
        _index = new int[n];
        _pos = new double[n]; _vel = new double[n]; _eff = new double[n];
        JointCommandCodec.PrepareLayout(_commandMsg, _o.CommandMode, n);
        DeployStatus.PrepareLayout(_statusMsg);

        _jointSub = node.CreateSubscription<JointState>(_o.JointStatesTopic, _o.SensorQos, _ => _jointArrived.Set());
        _imuSub = node.CreateSubscription<Imu>(_o.ImuTopic, _o.SensorQos);
        _cmdSub = node.CreateSubscription<Twist>(_o.CmdVelTopic, _o.ControlQos);
        // The receive thread notes when a press arrives (in ticks read so far) to measure the e-stop's latency.
        _estopSub = node.CreateSubscription<Bool>(_o.EStopTopic, _o.ControlQos, b =>
        {
            if (b.Data) Interlocked.CompareExchange(ref _estopReceivedTick, Volatile.Read(ref _reads), -1);
        });
        _commandPub = node.CreatePublisher<Float64MultiArray>(_o.JointCommandsTopic, _o.ControlQos);
        _statusPub = node.CreatePublisher<Float64MultiArray>(_o.StatusTopic, _o.ControlQos);
    }

    /// <inheritdoc/>
    public int Joints => _joints.Length;

    /// <summary>The policy's joints in action order.</summary>
    public IReadOnlyList<string> JointNames => _joints;

    /// <summary>The driver's names of the policy's joints, in action order (<see cref="DdsRobotIoOptions.JointRenames"/> applied).</summary>
    public IReadOnlyList<string> RobotJointNames => _robotNames;

    /// <summary>The options in force.</summary>
    public DdsRobotIoOptions Options => _o;

    /// <inheritdoc/>
    public bool EStopPressed => _estopPressed;

    /// <summary>Why the last joint state could not be used (a missing joint, inconsistent lengths), or null.</summary>
    public string? JointStateError => _error;

    /// <summary>True once a usable joint state and an IMU message have been read: the controller may start.</summary>
    public bool SensorsLive => _sequence > 0 && _imuStamp != -2;

    /// <summary>Usable joint states read (the <see cref="SensorFrame.Sequence"/> the watchdog watches).</summary>
    public long Sequence => _sequence;

    /// <summary>Joint-state header stamp of the data read last [ns], or −1.</summary>
    public long JointStateStamp => _jointStamp;

    /// <summary>Ticks (calls of <see cref="Read"/>) done before the first e-stop press arrived; −1 when none did.</summary>
    public long EStopReceivedTick => Interlocked.Read(ref _estopReceivedTick);

    /// <summary>The first tick whose status was EStop (the tick that wrote the passive command), or −1.</summary>
    public long EStopTick => Interlocked.Read(ref _estopTick);

    /// <summary>The controller whose state <see cref="Write"/> publishes on the status topic (set after building it).</summary>
    public Controller? StatusSource { get; set; }

    /// <summary>Publishers matched on the joint-command topic (a driver listening).</summary>
    public int CommandSubscribers => _commandPub.MatchedSubscriptions;

    /// <summary>Takes whatever arrived since the last call into the latest values. Loop thread only; allocation-free once sizes are set.</summary>
    public void Poll()
    {
        if (_jointSub.TryTakeLatest(_js)) TakeJointState();
        if (_imuSub.TryTakeLatest(_imu))
        {
            // ROS orders a quaternion x, y, z, w; the sensor frame w, x, y, z.
            var q = _imu.Orientation;
            _quat[0] = q.W; _quat[1] = q.X; _quat[2] = q.Y; _quat[3] = q.Z;
            var w = _imu.AngularVelocity;
            _gyro[0] = w.X; _gyro[1] = w.Y; _gyro[2] = w.Z;
            _imuStamp = Stamp(_imu.Header);
        }
        if (_cmdSub.TryTakeLatest(_twist))
        {
            _command[0] = _twist.Linear.X; _command[1] = _twist.Linear.Y; _command[2] = _twist.Angular.Z;
        }
        if (_estopSub.TryTakeLatest(_estop)) _estopPressed = _estop.Data;
    }

    // A joint state: (re)build the name map when the names changed, check lengths, copy in action order.
    private void TakeJointState()
    {
        var names = _js.Name.AsSpan();
        int m = names.Length;
        if ((!_mapped || !SameNames(names)) && !BuildIndex(names)) return;
        if (_js.Position.Count != m || (_js.Velocity.Count != 0 && _js.Velocity.Count != m) || (_js.Effort.Count != 0 && _js.Effort.Count != m))
        {
            _error = $"{_jointSub.Topic}: {m} names but {_js.Position.Count} positions, {_js.Velocity.Count} velocities, {_js.Effort.Count} efforts";
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
        _sequence++;
        _error = null;
    }

    private bool SameNames(ReadOnlySpan<string> names)
    {
        if (names.Length != _mappedNames.Length) return false;
        for (int i = 0; i < names.Length; i++) if (!string.Equals(names[i], _mappedNames[i], StringComparison.Ordinal)) return false;
        return true;
    }

    // Allocates: runs only when the driver's joint list changes (normally once).
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
            _error = $"{_jointSub.Topic} lacks the policy's joint(s) {string.Join(", ", missing.Select(j => $"'{j}'"))} (it lists {string.Join(", ", names.ToArray())})";
            return false;
        }
        _mappedNames = names.ToArray();
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
        frame.Sequence = _sequence;
        _lastReadStamp = _jointStamp;
        Interlocked.Increment(ref _reads);
    }

    /// <inheritdoc/>
    /// <remarks>Publishes the status first, then the command, so a listener that sees a command has that tick's status.</remarks>
    public void Write(JointCommand command)
    {
        if (StatusSource is { } c)
        {
            var state = c.Safety.State;
            if (state == Deploy.Safety.SafetyState.EStop && _estopTick < 0) Volatile.Write(ref _estopTick, c.Ticks - 1);
            new DeployStatus(state, c.Safety.LastCause, c.Ticks - 1, c.PolicyRuns, _sequence, EStopReceivedTick).Encode(_statusMsg);
            _statusPub.Publish(_statusMsg);
        }
        JointCommandCodec.Encode(command, _o.CommandMode, _commandMsg);
        _commandPub.Publish(_commandMsg);
    }

    /// <summary>
    /// Lock-step: waits up to <paramref name="timeout"/> for a joint state whose stamp differs from the one read last
    /// (duplicates of the same instant are ignored), with the IMU message of the same stamp when one comes within
    /// <paramref name="imuGrace"/>. True when such a state is ready for the next <see cref="Read"/>.
    /// </summary>
    public bool WaitForNewState(TimeSpan timeout, TimeSpan imuGrace)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            _jointArrived.Reset();
            Poll();
            if (_sequence > 0 && _jointStamp != _lastReadStamp)
            {
                var imuDeadline = DateTime.UtcNow + imuGrace;
                while (_imuStamp != _jointStamp && DateTime.UtcNow < imuDeadline) { Thread.Sleep(0); Poll(); }
                return true;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return false;
            _jointArrived.Wait(left);
        }
    }
}
