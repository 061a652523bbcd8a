using System.Diagnostics;
using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;

namespace Robotics.Deploy.Safety;

/// <summary>
/// The safety state machine between the policy and the motors (the transitions are listed in
/// <see cref="SafetyTransitions"/>). Each control tick the controller calls, in order:
/// <list type="number">
/// <item><see cref="Check"/> with the fresh sensor frame: operator requests, the e-stop, the watchdog and
/// every measured trigger; a trigger moves the state at once;</item>
/// <item><see cref="Trip"/> if the observation or the action it computed is not finite;</item>
/// <item><see cref="Command"/>, which writes the command of the state reached: so every trigger reaches
/// its safe state within the tick that sees it.</item>
/// </list>
/// Operator requests (<see cref="RequestStart"/> …) may come from any thread; they are applied or refused
/// at the next tick. Every transition and refusal goes into the event ring with its cause. Nothing here
/// blocks or allocates per tick.
/// </summary>
// DESIGN: EStop sends a passive command (Kp = Kd = τ = 0) rather than damping: an e-stop must not depend
// on this controller still driving the motors correctly, and the hardware stop behind it cuts power anyway.
// Faults the controller itself detects go to Damping, which lowers the robot gently and can be reset.
// Triggers are checked only while the motors are driven (SoftStart, Running); in Idle they block a start.
// Observation and action checks run on policy ticks, the only ticks that build them.
public sealed class SafetyLayer
{
    private const int StartBit = 1, StopBit = 2, ResetBit = 4, EStopBit = 8;

    private readonly ControllerConfig _c;
    private readonly SafetyConfig _s;
    private readonly EventRing _events;
    private readonly CommandLimiter _limiter;
    private readonly double[] _start;     // [n] measured pose when the soft start began
    private readonly double[] _desired;   // [n] soft-start trajectory point before limiting
    private readonly double _cosTiltLimit;

    private int _state;                   // SafetyState, read by other threads
    private int _requests;                // pending request bits, set by any thread
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

    // ---------------------------------------------------------------- operator requests (any thread)

    /// <summary>Asks Idle → SoftStart; refused unless Idle with every trigger clear.</summary>
    public void RequestStart() => Interlocked.Or(ref _requests, StartBit);

    /// <summary>Asks SoftStart or Running → Damping.</summary>
    public void RequestStop() => Interlocked.Or(ref _requests, StopBit);

    /// <summary>Asks Damping → Idle, or EStop → Idle once the e-stop input is released.</summary>
    public void RequestReset() => Interlocked.Or(ref _requests, ResetBit);

    /// <summary>Software e-stop: any state → EStop, latched.</summary>
    public void RequestEStop() => Interlocked.Or(ref _requests, EStopBit);

    // ---------------------------------------------------------------- per tick (loop thread)

    /// <summary>Step 1 of a tick: applies requests, the e-stop, the watchdog and every measured trigger.</summary>
    /// <param name="frame">This tick's measurements.</param>
    /// <param name="eStopInput">The hardware e-stop input.</param>
    /// <param name="tick">The controller's tick number, for the log.</param>
    public void Check(SensorFrame frame, bool eStopInput, long tick)
    {
        _tick = tick;
        int requests = Interlocked.Exchange(ref _requests, 0);

        // The watchdog: the sequence must advance at least every WatchdogPeriods ticks.
        if (frame.Sequence != _lastSequence) { _lastSequence = frame.Sequence; _missed = 0; }
        else if (_missed < int.MaxValue) _missed++;

        // 1. The e-stop wins over everything and is latched.
        if (State != SafetyState.EStop)
        {
            if (eStopInput) Go(SafetyState.EStop, SafetyCause.EStopInput);
            else if ((requests & EStopBit) != 0) Go(SafetyState.EStop, SafetyCause.EStopRequest);
        }

        // 2. While the motors are driven: faults, then a stop request, then the end of the soft start.
        var state = State;
        if (state is SafetyState.SoftStart or SafetyState.Running)
        {
            var fault = FindFault(frame, out int joint, out double value);
            if (fault != SafetyCause.None) Go(SafetyState.Damping, fault, joint, value);
            else if ((requests & StopBit) != 0) Go(SafetyState.Damping, SafetyCause.StopRequest);
            else if (state == SafetyState.SoftStart && _softDone) Go(SafetyState.Running, SafetyCause.SoftStartDone);
        }
        else if ((requests & StopBit) != 0) Refuse(SafetyCause.StopRequest);

        // 3. Reset to Idle: from Damping, or from EStop once the input is released.
        if ((requests & ResetBit) != 0)
        {
            state = State;
            if (state == SafetyState.Damping) Go(SafetyState.Idle, SafetyCause.ResetRequest);
            else if (state == SafetyState.EStop && !eStopInput) Go(SafetyState.Idle, SafetyCause.ResetRequest);
            else Refuse(state == SafetyState.EStop ? SafetyCause.EStopInput : SafetyCause.NotAllowed);
        }

        // 4. Start: only from Idle, with fresh data and every trigger clear.
        if ((requests & StartBit) != 0)
        {
            if (State != SafetyState.Idle) Refuse(SafetyCause.NotAllowed);
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

    /// <summary>Step 2 of a tick: a fault the controller found (non-finite observation or action); SoftStart/Running → Damping, ignored otherwise.</summary>
    /// <param name="cause">A fault cause.</param>
    /// <param name="index">Joint or vector index it concerns, or −1.</param>
    /// <param name="value">The offending value.</param>
    public void Trip(SafetyCause cause, int index = -1, double value = double.NaN)
    {
        if (!SafetyTransitions.IsFault(cause)) throw new ArgumentException($"{cause} is not a fault", nameof(cause));
        if (State is SafetyState.SoftStart or SafetyState.Running) Go(SafetyState.Damping, cause, index, value);
    }

    /// <summary>
    /// Step 3 of a tick: writes the command of the current state into <paramref name="command"/>:
    /// passive in Idle and EStop, damping in Damping, the soft-start trajectory or
    /// <paramref name="policyTargets"/> through the <see cref="Limiter"/> with the nominal gains otherwise.
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
            default:   // Idle, EStop
                Passive(frame, command, 0);
                break;
        }
    }

    // Targets through the limiter, nominal gains, no feed-forward torque.
    private void Drive(ReadOnlySpan<double> desired, SensorFrame frame, JointCommand command)
    {
        _limiter.Limit(desired, frame, command.Position);
        _c.Kp.CopyTo(command.Kp, 0);
        _c.Kd.CopyTo(command.Kd, 0);
        Array.Clear(command.Torque);
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

    /// <summary>The first trigger the frame sets off (watchdog, non-finite, tilt, position, velocity, torque), or None.</summary>
    private SafetyCause FindFault(SensorFrame f, out int joint, out double value)
    {
        joint = -1;
        value = double.NaN;
        if (SensorsStale) { value = _missed * _c.ControlPeriod; return SafetyCause.StaleSensors; }

        if (!AllFinite(f.Gyro, out joint) || !AllFinite(f.Orientation, out joint) || !AllFinite(f.Command, out joint)
            || !AllFinite(f.JointPos, out joint) || !AllFinite(f.JointVel, out joint) || !AllFinite(f.JointTorque, out joint))
            return SafetyCause.NonFiniteSensor;
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
        Volatile.Write(ref _state, (int)to);
        LastCause = cause;
        Transitions++;
        _events.TryWrite(new LoopEvent(LoopEventKind.Transition, _tick, Stopwatch.GetTimestamp(), from, to, cause, joint, value));
    }

    private void Refuse(SafetyCause cause, int joint = -1, double value = double.NaN) =>
        _events.TryWrite(new LoopEvent(LoopEventKind.Refused, _tick, Stopwatch.GetTimestamp(), State, State, cause, joint, value));
}
