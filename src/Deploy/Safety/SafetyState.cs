namespace Robotics.Deploy.Safety;

/// <summary>The safety layer's states and what each one sends the motors.</summary>
public enum SafetyState : byte
{
    /// <summary>Waiting for a start request; motors passive (Kp = Kd = τ = 0).</summary>
    Idle,
    /// <summary>Interpolating from the measured pose to the default pose over the soft-start time, with the nominal gains.</summary>
    SoftStart,
    /// <summary>The policy drives the joints (through clamping and rate limiting).</summary>
    Running,
    /// <summary>A fault or a stop request: zero torque plus damping (Kp = 0, Kd = damping gain); left by a reset.</summary>
    Damping,
    /// <summary>The e-stop: motors passive (Kp = Kd = τ = 0), latched until the input is released and a reset is requested.</summary>
    EStop,
    /// <summary>
    /// An arm's stop (contract stop = hold) for a fault, a stop request or the e-stop: the last measured position held with the trained
    /// drive (the driver adds gravity compensation), no new targets; latched until the e-stop input is released and a reset is requested.
    /// </summary>
    Hold,
}

/// <summary>Why the safety layer changed state, or refused to.</summary>
public enum SafetyCause : byte
{
    /// <summary>No cause (the initial state).</summary>
    None,
    /// <summary>The operator asked to start.</summary>
    StartRequest,
    /// <summary>The soft-start interpolation reached the default pose.</summary>
    SoftStartDone,
    /// <summary>The operator asked to stop.</summary>
    StopRequest,
    /// <summary>The operator asked to reset to Idle.</summary>
    ResetRequest,
    /// <summary>The hardware e-stop input is pressed.</summary>
    EStopInput,
    /// <summary>The software e-stop was requested.</summary>
    EStopRequest,
    /// <summary>The sensor sequence stopped advancing for the watchdog's number of periods.</summary>
    StaleSensors,
    /// <summary>A sensor value is NaN or infinite.</summary>
    NonFiniteSensor,
    /// <summary>An observation value is NaN or infinite.</summary>
    NonFiniteObservation,
    /// <summary>An action value is NaN or infinite.</summary>
    NonFiniteAction,
    /// <summary>The base tilted beyond the limit.</summary>
    Tilt,
    /// <summary>A joint position left its limits by more than the margin.</summary>
    PositionLimit,
    /// <summary>A joint velocity exceeded its limit.</summary>
    VelocityLimit,
    /// <summary>A measured joint torque exceeded its limit times the trip ratio.</summary>
    TorqueLimit,
    /// <summary>A request that is not allowed in the current state (logged as refused).</summary>
    NotAllowed,
    /// <summary>An input with a freshness limit (the IMU, the object's pose) stopped arriving; the index is its <see cref="Contract.InputKind"/>.</summary>
    StaleInput,
    /// <summary>An input the policy reads has not arrived yet (a start is refused); the index is its <see cref="Contract.InputKind"/>.</summary>
    MissingInput,
    /// <summary>The measured end effector left the workspace box; the value is how far [m].</summary>
    WorkspaceExit,
    /// <summary>Another writer publishes on the robot's command topic: two controllers must not drive one robot.</summary>
    ForeignWriter,
}

/// <summary>
/// The allowed transitions, as one table. Every other transition is refused.
/// <code>
///   Idle      → SoftStart   start request, with every trigger clear
///   SoftStart → Running     interpolation done
///   SoftStart → Damping     a fault, or a stop request                          (stop = damp)
///   Running   → Damping     a fault, or a stop request                          (stop = damp)
///   Damping   → Idle        reset request
///   any other → EStop       e-stop input or request (from Idle, SoftStart, Running, Damping; stop = damp)
///   EStop     → Idle        reset request, only while the e-stop input is released (EStop is latched)
///   Idle      → Hold        e-stop input or request                             (stop = hold)
///   SoftStart → Hold        a fault, a stop request, the e-stop                 (stop = hold)
///   Running   → Hold        a fault, a stop request, the e-stop                 (stop = hold)
///   Hold      → Idle        reset request, only while the e-stop input is released (Hold is latched)
/// </code>
/// There is no path from Damping, EStop or Hold back to Running but through Idle and a new soft start.
/// </summary>
public static class SafetyTransitions
{
    /// <summary>True when the table allows <paramref name="from"/> → <paramref name="to"/>.</summary>
    public static bool IsAllowed(SafetyState from, SafetyState to) => (from, to) switch
    {
        (SafetyState.Idle, SafetyState.SoftStart) => true,
        (SafetyState.SoftStart, SafetyState.Running) => true,
        (SafetyState.SoftStart or SafetyState.Running, SafetyState.Damping) => true,
        (SafetyState.Damping, SafetyState.Idle) => true,
        (SafetyState.Idle or SafetyState.SoftStart or SafetyState.Running or SafetyState.Damping, SafetyState.EStop) => true,
        (SafetyState.EStop, SafetyState.Idle) => true,
        (SafetyState.Idle or SafetyState.SoftStart or SafetyState.Running, SafetyState.Hold) => true,
        (SafetyState.Hold, SafetyState.Idle) => true,
        _ => false,
    };

    /// <summary>True for the causes that are faults (they lead to Damping, or Hold for an arm). MissingInput is not: it only refuses a start.</summary>
    public static bool IsFault(SafetyCause cause) => cause is SafetyCause.StaleSensors or SafetyCause.NonFiniteSensor
        or SafetyCause.NonFiniteObservation or SafetyCause.NonFiniteAction or SafetyCause.Tilt
        or SafetyCause.PositionLimit or SafetyCause.VelocityLimit or SafetyCause.TorqueLimit
        or SafetyCause.StaleInput or SafetyCause.WorkspaceExit or SafetyCause.ForeignWriter;
}
