using System.Diagnostics;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Kinematics;
using Robotics.Deploy.RealTime;

namespace Robotics.Deploy.Safety;

/// <summary>
/// The safety state machine between the policy and the motors (the transitions are listed in
/// <see cref="SafetyTransitions"/>). Each control tick the controller calls, in order:
/// <list type="number">
/// <item><see cref="InputLimiter.Limit"/> of <see cref="Inputs"/> on the fresh sensor frame (after its forward
/// kinematics): operator inputs clamped to their trained ranges;</item>
/// <item><see cref="Check"/>: operator requests, the e-stop, the watchdogs (sensors and each input with a
/// freshness limit) and every measured trigger, the end effector's workspace included; a trigger moves the state at once;</item>
/// <item><see cref="Trip"/> if the observation or the action it computed is not finite;</item>
/// <item><see cref="Command"/>, which writes the command of the state reached: so every trigger reaches
/// its safe state within the tick that sees it. Targets the end effector would leave the workspace for are held at its boundary.</item>
/// </list>
/// The stop state follows the configuration's <see cref="StopBehavior"/>: Damp (legged) sends faults and stop requests to
/// Damping and the e-stop to EStop; Hold (arms) sends all of them, and the e-stop in Idle, to Hold.
/// Operator requests (<see cref="RequestStart"/> …) may come from any thread; they are applied or refused
/// at the next tick. Every transition and refusal goes into the event ring with its cause. Nothing here
/// blocks or allocates per tick.
/// </summary>
// DESIGN: EStop sends a passive command (Kp = Kd = τ = 0) rather than damping: an e-stop must not depend
// on this controller still driving the motors correctly, and the hardware stop behind it cuts power anyway.
// Faults the controller itself detects go to Damping, which lowers the robot gently and can be reset.
// Triggers are checked only while the motors are driven (SoftStart, Running); in Idle they block a start.
// Observation and action checks run on policy ticks, the only ticks that build them.
// An arm holds instead: with Kp = 0 it would fall onto the table or the operator; the driver's gravity
// compensation plus the nominal PD keep it where it was, and the hardware stop behind it still cuts power.
// DESIGN: a target that would leave the workspace is held at the boundary rather than tripping, as joint targets are
// clamped at their limits: the policy keeps running; only a measured end effector outside the box trips.
public sealed class SafetyLayer
{
    private const int StartBit = 1, StopBit = 2, ResetBit = 4, EStopBit = 8;
    private const int BisectionSteps = 12;   // the boundary to 1/4096 of one tick's step

    private readonly ControllerConfig _c;
    private readonly SafetyConfig _s;
    private readonly EventRing _events;
    private readonly CommandLimiter _limiter;
    private readonly double[] _start;     // [n] measured pose when the soft start began
    private readonly double[] _desired;   // [n] soft-start trajectory point before limiting
    private readonly double _cosTiltLimit;
    private readonly SafetyState _faultState;   // Damping, or Hold
    private readonly SafetyState _eStopState;   // EStop, or Hold
    private readonly KinematicChain? _chain;
    private readonly WorkspaceBox? _workspace;
    private readonly int[] _listed;             // InputKind of each listed input
    private readonly int[] _maxAgeTicks;        // [KindCount] ticks without a new message that count as stale; 0 = no limit
    private readonly long[] _inputLast;         // [KindCount] input sequence seen last tick
    private readonly int[] _inputMissed;        // [KindCount] consecutive ticks without a new message
    private readonly double[] _lastFinite;      // [n] last finite measured position per joint (NaN until one)
    private readonly double[] _hold;            // [n] positions Hold keeps
    private readonly double[] _before;          // [n] targets of the tick before, for the workspace bisection
    private readonly double[] _trial;           // [n]
    private readonly double[] _eePosition = new double[3], _eeRotation = new double[9];
    private long _workspaceClamps;

    private int _state;                   // SafetyState, read by other threads
    private int _requests;                // pending request bits, set by any thread
    private int _external;                // SafetyCause of a condition found outside the loop (another command writer), set by any thread
    private int _lastRefused;             // SafetyCause of the last refusal, read by other threads
    private bool _commandTimedOut;
    private long _tick;
    private long _lastSequence = long.MinValue;
    private int _missed;                  // consecutive ticks without a new sensor sequence
    private long _softTicks;              // ticks spent in SoftStart
    private bool _softDone;

    /// <summary>Creates the layer in <see cref="SafetyState.Idle"/>; <paramref name="config"/> is validated here.</summary>
    public SafetyLayer(ControllerConfig config, EventRing events)
    {
        _c = config.Validate();
        _s = config.Safety;
        _events = events ?? throw new ArgumentNullException(nameof(events));
        _limiter = new CommandLimiter(config);
        _start = new double[config.Joints];
        _desired = new double[config.Joints];
        _cosTiltLimit = Math.Cos(_s.TiltLimit);
        bool hold = config.Stop == StopBehavior.Hold;
        _faultState = hold ? SafetyState.Hold : SafetyState.Damping;
        _eStopState = hold ? SafetyState.Hold : SafetyState.EStop;
        _chain = config.BuildKinematics();
        _workspace = config.Workspace;
        Inputs = new InputLimiter(config, _chain);
        _listed = config.Inputs.Select(i => (int)PolicyInputs.Kind(i.Name)!.Value).ToArray();
        _maxAgeTicks = new int[PolicyInputs.KindCount];
        foreach (var input in config.Inputs)
            if (input.MaxAge is { } age)   // the tolerance keeps 0.05 / 0.002 = 25.000000000000004 at 25 ticks
                _maxAgeTicks[(int)PolicyInputs.Kind(input.Name)!.Value] = Math.Max(1, (int)Math.Ceiling(age / config.ControlPeriod - 1e-9));
        _inputLast = new long[PolicyInputs.KindCount];
        _inputMissed = new int[PolicyInputs.KindCount];
        _lastFinite = new double[config.Joints];
        Array.Fill(_lastFinite, double.NaN);
        _hold = new double[config.Joints];
        _before = new double[config.Joints];
        _trial = new double[config.Joints];
    }

    /// <summary>The current state (safe to read from any thread).</summary>
    public SafetyState State => (SafetyState)Volatile.Read(ref _state);

    /// <summary>The cause of the last transition.</summary>
    public SafetyCause LastCause { get; private set; }

    /// <summary>Transitions so far.</summary>
    public long Transitions { get; private set; }

    /// <summary>The always-on target limiter (clamping and rate limiting).</summary>
    public CommandLimiter Limiter => _limiter;

    /// <summary>True while the watchdog counts the sensor data as stale.</summary>
    public bool SensorsStale => _missed >= _s.WatchdogPeriods;

    /// <summary>The input clamp the controller runs every tick before <see cref="Check"/>.</summary>
    public InputLimiter Inputs { get; }

    /// <summary>The robot's forward kinematics (arms), or null: the controller fills the frame's end-effector pose with it.</summary>
    public KinematicChain? Kinematics => _chain;

    /// <summary>Inputs changed by the input clamp, once per new message (safe to read from any thread).</summary>
    public long InputClamps => Inputs.Clamps;

    /// <summary>Ticks whose target was held at the workspace boundary (safe to read from any thread).</summary>
    public long WorkspaceClamps => Interlocked.Read(ref _workspaceClamps);

    /// <summary>The positions [rad] Hold keeps, latched on entering it. [n]</summary>
    public ReadOnlySpan<double> HoldPositions => _hold;

    // ---------------------------------------------------------------- operator requests (any thread)

    /// <summary>Asks Idle → SoftStart; refused unless Idle with every trigger clear.</summary>
    public void RequestStart() => Interlocked.Or(ref _requests, StartBit);

    /// <summary>Asks SoftStart or Running → Damping (Hold for an arm).</summary>
    public void RequestStop() => Interlocked.Or(ref _requests, StopBit);

    /// <summary>Asks Damping → Idle, or EStop or Hold → Idle once the e-stop input is released.</summary>
    public void RequestReset() => Interlocked.Or(ref _requests, ResetBit);

    /// <summary>Software e-stop: any state → EStop (Hold for an arm), latched.</summary>
    public void RequestEStop() => Interlocked.Or(ref _requests, EStopBit);

    /// <summary>
    /// Sets (or, with <see cref="SafetyCause.None"/>, clears) a fault condition found outside the loop — another writer on
    /// the command topic, a lock-step robot gone silent. While set it is a trigger like a measured one: the next tick sends
    /// SoftStart or Running to Damping (Hold for an arm), and a start is refused.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="cause"/> is neither None nor a fault.</exception>
    public void SetExternalFault(SafetyCause cause)
    {
        if (cause != SafetyCause.None && !SafetyTransitions.IsFault(cause)) throw new ArgumentException($"{cause} is not a fault", nameof(cause));
        Volatile.Write(ref _external, (int)cause);
    }

    /// <summary>The fault condition set by <see cref="SetExternalFault"/>, or None.</summary>
    public SafetyCause ExternalFault => (SafetyCause)Volatile.Read(ref _external);

    /// <summary>Why the last request was refused (a start refused by a trigger, a missing input …), or None (safe to read from any thread).</summary>
    public SafetyCause LastRefused => (SafetyCause)Volatile.Read(ref _lastRefused);

    /// <summary>The joint, vector index or input kind of <see cref="LastRefused"/>, or −1.</summary>
    public int LastRefusedIndex { get; private set; } = -1;

    // ---------------------------------------------------------------- per tick (loop thread)

    /// <summary>Step 1 of a tick: applies requests, the e-stop, the watchdogs and every measured trigger.</summary>
    /// <param name="frame">This tick's measurements, with the end-effector pose of its joint positions (arms).</param>
    /// <param name="eStopInput">The hardware e-stop input.</param>
    /// <param name="tick">The controller's tick number, for the log.</param>
    public void Check(SensorFrame frame, bool eStopInput, long tick)
    {
        _tick = tick;
        int requests = Interlocked.Exchange(ref _requests, 0);

        // The watchdog: the sequence must advance at least every WatchdogPeriods ticks.
        if (frame.Sequence != _lastSequence) { _lastSequence = frame.Sequence; _missed = 0; }
        else if (_missed < int.MaxValue) _missed++;
        foreach (int k in _listed)
        {
            long sequence = frame.InputSequence[k];
            if (sequence != _inputLast[k]) { _inputLast[k] = sequence; _inputMissed[k] = 0; }
            else if (_inputMissed[k] < int.MaxValue) _inputMissed[k]++;
        }
        for (int i = 0; i < _lastFinite.Length; i++)
            if (double.IsFinite(frame.JointPos[i])) _lastFinite[i] = frame.JointPos[i];
        bool timedOut = Inputs.CommandTimedOut;
        if (timedOut != _commandTimedOut)
            _events.TryWrite(new LoopEvent(timedOut ? LoopEventKind.CommandTimedOut : LoopEventKind.CommandResumed, tick, Stopwatch.GetTimestamp(), State, State,
                SafetyCause.None, (int)InputKind.CmdVel, timedOut ? _s.CommandTimeout : double.NaN));
        _commandTimedOut = timedOut;

        // 1. The e-stop wins over everything and is latched.
        if (State != _eStopState)
        {
            if (eStopInput) Go(_eStopState, SafetyCause.EStopInput);
            else if ((requests & EStopBit) != 0) Go(_eStopState, SafetyCause.EStopRequest);
        }

        // 2. While the motors are driven: faults, then a stop request, then the end of the soft start.
        var state = State;
        if (state is SafetyState.SoftStart or SafetyState.Running)
        {
            var fault = FindFault(frame, out int joint, out double value);
            if (fault != SafetyCause.None) Go(_faultState, fault, joint, value);
            else if ((requests & StopBit) != 0) Go(_faultState, SafetyCause.StopRequest);
            else if (state == SafetyState.SoftStart && _softDone) Go(SafetyState.Running, SafetyCause.SoftStartDone);
        }
        else if ((requests & StopBit) != 0) Refuse(SafetyCause.StopRequest);

        // 3. Reset to Idle: from Damping, or from EStop or Hold once the input is released.
        if ((requests & ResetBit) != 0)
        {
            state = State;
            bool latched = state is SafetyState.EStop or SafetyState.Hold;
            if (state == SafetyState.Damping) Go(SafetyState.Idle, SafetyCause.ResetRequest);
            else if (latched && !eStopInput) Go(SafetyState.Idle, SafetyCause.ResetRequest);
            else Refuse(latched ? SafetyCause.EStopInput : SafetyCause.NotAllowed);
        }

        // 4. Start: only from Idle, with every input received, fresh data and every trigger clear.
        if ((requests & StartBit) != 0)
        {
            if (State != SafetyState.Idle) Refuse(SafetyCause.NotAllowed);
            else if (FindMissing(frame) is var missing && missing >= 0) Refuse(SafetyCause.MissingInput, missing);
            else if (FindFault(frame, out int joint, out double value) is var fault && fault != SafetyCause.None) Refuse(fault, joint, value);
            else
            {
                frame.JointPos.CopyTo(_start, 0);
                _limiter.ResetTo(_start);
                _softTicks = 0;
                _softDone = false;
                Go(SafetyState.SoftStart, SafetyCause.StartRequest);
            }
        }
    }

    /// <summary>Step 2 of a tick: a fault the controller found (non-finite observation or action); SoftStart/Running → Damping (Hold for an arm), ignored otherwise.</summary>
    /// <param name="cause">A fault cause.</param>
    /// <param name="index">Joint or vector index it concerns, or −1.</param>
    /// <param name="value">The offending value.</param>
    public void Trip(SafetyCause cause, int index = -1, double value = double.NaN)
    {
        if (!SafetyTransitions.IsFault(cause)) throw new ArgumentException($"{cause} is not a fault", nameof(cause));
        if (State is SafetyState.SoftStart or SafetyState.Running) Go(_faultState, cause, index, value);
    }

    /// <summary>
    /// Step 3 of a tick: writes the command of the current state into <paramref name="command"/>:
    /// passive in Idle and EStop, damping in Damping, the latched <see cref="HoldPositions"/> with the nominal gains in Hold,
    /// the soft-start trajectory or <paramref name="policyTargets"/> through the <see cref="Limiter"/> (and held inside the
    /// workspace) with the nominal gains otherwise.
    /// </summary>
    /// <param name="frame">This tick's measurements.</param>
    /// <param name="policyTargets">The policy's joint targets [rad], read in Running. [n]</param>
    /// <param name="command">Overwritten.</param>
    public void Command(SensorFrame frame, ReadOnlySpan<double> policyTargets, JointCommand command)
    {
        switch (State)
        {
            case SafetyState.SoftStart:
                // Smoothstep from the measured pose to the default pose: zero velocity at both ends,
                // peak 1.5·|default − start| / T, then the limiter.
                double u = Math.Min(1.0, _softTicks * _c.ControlPeriod / _s.SoftStartTime);
                double s = u * u * (3 - 2 * u);
                for (int i = 0; i < _desired.Length; i++) _desired[i] = _start[i] + s * (_c.DefaultJointPos[i] - _start[i]);
                _softTicks++;
                _softDone = u >= 1;
                Drive(_desired, frame, command);
                break;
            case SafetyState.Running:
                Drive(policyTargets, frame, command);
                break;
            case SafetyState.Damping:
                Passive(frame, command, _s.DampingKd);
                break;
            case SafetyState.Hold:
                _hold.CopyTo(command.Position, 0);
                _c.Kp.CopyTo(command.Kp, 0);
                _c.Kd.CopyTo(command.Kd, 0);
                Array.Clear(command.Torque);
                break;
            default:   // Idle, EStop
                Passive(frame, command, 0);
                break;
        }
    }

    // Targets through the limiter and the workspace, nominal gains, no feed-forward torque.
    private void Drive(ReadOnlySpan<double> desired, SensorFrame frame, JointCommand command)
    {
        if (_workspace is not null) _limiter.Previous.CopyTo(_before);
        _limiter.Limit(desired, frame, command.Position);
        if (_workspace is not null) HoldAtBoundary(command.Position);
        _c.Kp.CopyTo(command.Kp, 0);
        _c.Kd.CopyTo(command.Kd, 0);
        Array.Clear(command.Torque);
    }

    // When the end effector at the targets would leave the workspace: the last point inside on the way from the targets
    // of the tick before (inside), found by bisection, is sent instead and becomes the limiter's previous targets.
    private void HoldAtBoundary(double[] target)
    {
        _chain!.Pose(target, _eePosition, _eeRotation);
        if (_workspace!.Contains(_eePosition)) return;
        double inside = 0, outside = 1;
        for (int step = 0; step < BisectionSteps; step++)
        {
            double mid = 0.5 * (inside + outside);
            for (int i = 0; i < _trial.Length; i++) _trial[i] = _before[i] + mid * (target[i] - _before[i]);
            _chain.Pose(_trial, _eePosition, _eeRotation);
            if (_workspace.Contains(_eePosition)) inside = mid; else outside = mid;
        }
        for (int i = 0; i < target.Length; i++) target[i] = _before[i] + inside * (target[i] - _before[i]);
        _limiter.ResetTo(target);
        Interlocked.Increment(ref _workspaceClamps);
    }

    // Kp = 0, Kd = kd, τ = 0; the target is the measured pose (finite, so no NaN reaches a driver).
    private void Passive(SensorFrame frame, JointCommand command, double kd)
    {
        _limiter.ResetTo(frame.JointPos);
        _limiter.Previous.CopyTo(command.Position);
        Array.Clear(command.Kp);
        Array.Fill(command.Kd, kd);
        Array.Clear(command.Torque);
    }

    // ---------------------------------------------------------------- triggers

    // The first listed input that has never arrived (its InputKind), or −1; cmd_vel's absence means zero.
    private int FindMissing(SensorFrame f)
    {
        foreach (int k in _listed) if (f.InputSequence[k] == 0 && !PolicyInputs.HasNeutral((InputKind)k)) return k;
        return -1;
    }

    /// <summary>
    /// The first trigger the frame sets off (sensor watchdog, input watchdogs, non-finite, tilt, position, velocity, torque,
    /// workspace), or None. Joint is the joint, vector index or <see cref="InputKind"/> it concerns.
    /// </summary>
    private SafetyCause FindFault(SensorFrame f, out int joint, out double value)
    {
        joint = -1;
        value = double.NaN;
        if (ExternalFault is var external && external != SafetyCause.None) return external;
        if (SensorsStale) { value = _missed * _c.ControlPeriod; return SafetyCause.StaleSensors; }
        foreach (int k in _listed)
            if (_maxAgeTicks[k] > 0 && _inputMissed[k] >= _maxAgeTicks[k]) { joint = k; value = _inputMissed[k] * _c.ControlPeriod; return SafetyCause.StaleInput; }

        if (!AllFinite(f.Gyro, out joint) || !AllFinite(f.Orientation, out joint) || !AllFinite(f.Command, out joint)
            || !AllFinite(f.JointPos, out joint) || !AllFinite(f.JointVel, out joint) || !AllFinite(f.JointTorque, out joint))
            return SafetyCause.NonFiniteSensor;
        foreach (int k in _listed)
        {
            bool finite = (InputKind)k switch
            {
                InputKind.TargetPose => AllFinite(f.TargetPosition, out joint) && AllFinite(f.TargetRotation, out joint),
                InputKind.ObjectPose => AllFinite(f.ObjectPosition, out joint),
                _ => true,
            };
            if (!finite) return SafetyCause.NonFiniteSensor;
        }
        joint = -1;

        // Tilt: the angle between the base's z axis and the world's, from q = (w, x, y, z):
        // cos θ = (w² − x² − y² + z²) / |q|² (no unit norm assumed).
        var q = f.Orientation;
        double norm2 = q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3];
        if (!(norm2 > 1e-12)) return SafetyCause.NonFiniteSensor;
        double cos = (q[0] * q[0] - q[1] * q[1] - q[2] * q[2] + q[3] * q[3]) / norm2;
        if (cos < _cosTiltLimit) { value = Math.Acos(Math.Clamp(cos, -1, 1)); return SafetyCause.Tilt; }

        for (int i = 0; i < f.JointPos.Length; i++)
        {
            double p = f.JointPos[i];
            if (p < _s.PositionLower[i] - _s.PositionTripMargin || p > _s.PositionUpper[i] + _s.PositionTripMargin)
            { joint = i; value = p; return SafetyCause.PositionLimit; }
            if (Math.Abs(f.JointVel[i]) > _s.VelocityLimits[i] * _s.VelocityTripRatio) { joint = i; value = f.JointVel[i]; return SafetyCause.VelocityLimit; }
            if (Math.Abs(f.JointTorque[i]) > _s.TorqueLimits[i] * _s.TorqueTripRatio) { joint = i; value = f.JointTorque[i]; return SafetyCause.TorqueLimit; }
        }
        if (_workspace is not null)
        {
            double outside = _workspace.Outside(f.EePosition);
            if (outside > _s.WorkspaceTripMargin) { value = outside; return SafetyCause.WorkspaceExit; }
        }
        return SafetyCause.None;
    }

    private static bool AllFinite(double[] values, out int index)
    {
        for (index = 0; index < values.Length; index++) if (!double.IsFinite(values[index])) return false;
        index = -1;
        return true;
    }

    // ---------------------------------------------------------------- transitions and the log

    private void Go(SafetyState to, SafetyCause cause, int joint = -1, double value = double.NaN)
    {
        var from = State;
        Debug.Assert(SafetyTransitions.IsAllowed(from, to), $"{from} → {to} is not in the table");
        if (to == SafetyState.Hold)
        {
            var previous = _limiter.Previous;
            for (int i = 0; i < _hold.Length; i++) _hold[i] = double.IsFinite(_lastFinite[i]) ? _lastFinite[i] : previous[i];
        }
        Volatile.Write(ref _state, (int)to);
        LastCause = cause;
        Transitions++;
        _events.TryWrite(new LoopEvent(LoopEventKind.Transition, _tick, Stopwatch.GetTimestamp(), from, to, cause, joint, value));
    }

    private void Refuse(SafetyCause cause, int joint = -1, double value = double.NaN)
    {
        LastRefusedIndex = joint;
        Volatile.Write(ref _lastRefused, (int)cause);
        _events.TryWrite(new LoopEvent(LoopEventKind.Refused, _tick, Stopwatch.GetTimestamp(), State, State, cause, joint, value));
    }
}
