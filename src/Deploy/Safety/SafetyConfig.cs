namespace Robotics.Deploy.Safety;

/// <summary>
/// Limits and timings of the safety layer. Per-joint arrays are in action order and all have the same
/// length as the controller's joint list. Limits that clamp act every tick; limits that trip send the
/// layer to its stop state (Damping, or Hold for an arm) within the tick that sees them.
/// </summary>
public sealed record SafetyConfig
{
    /// <summary>Lower joint position limits [rad]; position targets are clamped to them. [n]</summary>
    public required double[] PositionLower { get; init; }

    /// <summary>Upper joint position limits [rad]; position targets are clamped to them. [n]</summary>
    public required double[] PositionUpper { get; init; }

    /// <summary>How far [rad] a measured position may leave its limits before the layer trips (PD tracking overshoots a little).</summary>
    public double PositionTripMargin { get; init; } = 0.1;

    /// <summary>Joint velocity limits [rad/s] (the motors' rated speed); a measured |q̇| above limit × <see cref="VelocityTripRatio"/> trips. [n]</summary>
    public required double[] VelocityLimits { get; init; }

    /// <summary>
    /// Measured velocity trips at this multiple of <see cref="VelocityLimits"/> (≥ 1). A swing leg touching down
    /// overshoots its rated speed for a few milliseconds (seen here: the Go1 calves past 20 rad/s while trotting);
    /// the trip is for a runaway joint, not for those.
    /// </summary>
    public double VelocityTripRatio { get; init; } = 1.5;

    /// <summary>
    /// Joint torque limits [N·m]. Position targets are clamped so that the PD torque at the measured state,
    /// Kp·(target − q) − Kd·q̇, stays within them; a measured |τ| above limit × <see cref="TorqueTripRatio"/> trips. [n]
    /// </summary>
    public required double[] TorqueLimits { get; init; }

    /// <summary>Measured torque trips at this multiple of <see cref="TorqueLimits"/> (≥ 1: the commanded torque already stays within 1×).</summary>
    public double TorqueTripRatio { get; init; } = 1.25;

    /// <summary>Largest tilt of the base from upright [rad] (angle between its z axis and the world's), in (0, π].</summary>
    public double TiltLimit { get; init; } = 1.0;

    /// <summary>Duration of the soft start from the measured pose to the default pose [s].</summary>
    public double SoftStartTime { get; init; } = 2.0;

    /// <summary>Consecutive control periods without a new sensor sequence after which data counts as stale.</summary>
    public int WatchdogPeriods { get; init; } = 5;

    /// <summary>Largest change of a position target per second [rad/s], always on (SoftStart and Running); a joint whose rated speed (<see cref="VelocityLimits"/>) is lower moves its target at most that fast.</summary>
    public double RateLimit { get; init; } = 20;

    /// <summary>
    /// How far [m] the measured end effector may leave the workspace box before the layer trips (arms). Targets are held
    /// inside the box; the margin is for the PD tracking error at the boundary, not for a runaway.
    /// </summary>
    public double WorkspaceTripMargin { get; init; } = 0.01;

    /// <summary>
    /// A velocity command (cmd_vel) that no new message replaced for this long [s] counts as gone and is replaced by zero
    /// (stand still) until the next one arrives, as ROS 2 teleop expects of a command stream: a joystick republishes well
    /// within it, and an operator process that died leaves the robot standing, not walking on.
    /// </summary>
    public double CommandTimeout { get; init; } = DefaultCommandTimeout;

    /// <summary>The default of <see cref="CommandTimeout"/> [s].</summary>
    public const double DefaultCommandTimeout = 0.5;

    /// <summary>Damping gain in the Damping state [N·m·s/rad] (with Kp = 0 and zero feed-forward torque).</summary>
    public double DampingKd { get; init; } = 1.0;

    /// <summary>Throws <see cref="UserError"/> naming the first field that is missing or out of range.</summary>
    public SafetyConfig Validate()
    {
        int n = Require(PositionLower, nameof(PositionLower));
        Require(PositionUpper, nameof(PositionUpper), n);
        Require(VelocityLimits, nameof(VelocityLimits), n);
        Require(TorqueLimits, nameof(TorqueLimits), n);
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(PositionLower[i])) throw Bad($"{nameof(PositionLower)}[{i}] = {PositionLower[i]}: must be finite");
            if (!double.IsFinite(PositionUpper[i])) throw Bad($"{nameof(PositionUpper)}[{i}] = {PositionUpper[i]}: must be finite");
            if (!(PositionLower[i] < PositionUpper[i])) throw Bad($"{nameof(PositionLower)}[{i}] = {PositionLower[i]} is not below {nameof(PositionUpper)}[{i}] = {PositionUpper[i]}");
            if (!(VelocityLimits[i] > 0 && double.IsFinite(VelocityLimits[i]))) throw Bad($"{nameof(VelocityLimits)}[{i}] = {VelocityLimits[i]} rad/s: must be positive and finite");
            if (!(TorqueLimits[i] > 0 && double.IsFinite(TorqueLimits[i]))) throw Bad($"{nameof(TorqueLimits)}[{i}] = {TorqueLimits[i]} N·m: must be positive and finite");
        }
        if (!(PositionTripMargin >= 0 && double.IsFinite(PositionTripMargin))) throw Bad($"{nameof(PositionTripMargin)} = {PositionTripMargin} rad: must be ≥ 0 and finite");
        if (!(VelocityTripRatio >= 1 && double.IsFinite(VelocityTripRatio))) throw Bad($"{nameof(VelocityTripRatio)} = {VelocityTripRatio}: must be ≥ 1 and finite");
        if (!(TorqueTripRatio >= 1 && double.IsFinite(TorqueTripRatio))) throw Bad($"{nameof(TorqueTripRatio)} = {TorqueTripRatio}: must be ≥ 1 and finite");
        if (!(TiltLimit > 0 && TiltLimit <= Math.PI)) throw Bad($"{nameof(TiltLimit)} = {TiltLimit} rad: allowed (0, π]");
        if (!(SoftStartTime > 0 && SoftStartTime <= 60)) throw Bad($"{nameof(SoftStartTime)} = {SoftStartTime} s: allowed (0, 60]");
        if (WatchdogPeriods < 1) throw Bad($"{nameof(WatchdogPeriods)} = {WatchdogPeriods}: must be ≥ 1");
        if (!(RateLimit > 0 && double.IsFinite(RateLimit))) throw Bad($"{nameof(RateLimit)} = {RateLimit} rad/s: must be positive and finite");
        if (!(WorkspaceTripMargin >= 0 && double.IsFinite(WorkspaceTripMargin))) throw Bad($"{nameof(WorkspaceTripMargin)} = {WorkspaceTripMargin} m: must be ≥ 0 and finite");
        if (!(CommandTimeout > 0 && double.IsFinite(CommandTimeout))) throw Bad($"{nameof(CommandTimeout)} = {CommandTimeout} s: must be positive and finite");
        if (!(DampingKd >= 0 && double.IsFinite(DampingKd))) throw Bad($"{nameof(DampingKd)} = {DampingKd} N·m·s/rad: must be ≥ 0 and finite");
        return this;
    }

    // The array's length; it must be non-empty and, when expected ≥ 0, equal to expected.
    private static int Require(double[]? values, string field, int expected = -1)
    {
        if (values is null || values.Length == 0) throw Bad($"{field} is missing or empty");
        if (expected >= 0 && values.Length != expected) throw Bad($"{field} has {values.Length} values; {nameof(PositionLower)} has {expected}");
        return values.Length;
    }

    private static UserError Bad(string message) => new($"SafetyConfig.{message}");
}
