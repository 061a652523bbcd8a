using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;

namespace Robotics.Deploy.Safety;

/// <summary>
/// The always-on part of the safety layer: bounds every position target the controller sends in
/// SoftStart and Running, per joint and per tick, by three windows applied in this order:
/// <list type="number">
/// <item>position limits [lower, upper];</item>
/// <item>the torque window: targets whose PD torque at the measured state, Kp·(target − q) − Kd·q̇,
/// stays within ±τ_max, i.e. target ∈ q + (Kd·q̇ ± τ_max) / Kp;</item>
/// <item>the rate limit: within ±min(RateLimit, the joint's rated speed)·dt of the target sent the tick before (a target that
/// moves faster than the motor can is one the driver refuses or the joint overshoots).</item>
/// </list>
/// The rate window comes last, so it always holds: targets never jump. When the torque window lies
/// outside the rate window the target moves towards it at the rate limit.
/// </summary>
public sealed class CommandLimiter
{
    private readonly double[] _lower, _upper, _torque, _kp, _kd;   // [n]
    private readonly double[] _previous;                          // [n] targets sent last tick
    private readonly double _maxStep;                             // [rad] per tick
    private readonly double[] _jointStep;                         // [n] rad per tick: the rate limit or the joint's rated speed, the lower

    /// <summary>Prepares the limiter for a validated configuration.</summary>
    public CommandLimiter(ControllerConfig config)
    {
        var s = config.Safety;
        _lower = s.PositionLower;
        _upper = s.PositionUpper;
        _torque = s.TorqueLimits;
        _kp = config.Kp;
        _kd = config.Kd;
        _previous = new double[config.Joints];
        _maxStep = s.RateLimit * config.ControlPeriod;
        _jointStep = s.VelocityLimits.Select(v => Math.Min(s.RateLimit, v) * config.ControlPeriod).ToArray();
    }

    /// <summary>Largest change of a target in one tick [rad]: RateLimit × ControlPeriod.</summary>
    public double MaxStep => _maxStep;

    /// <summary>Largest change of joint <paramref name="joint"/>'s target in one tick [rad]: min(RateLimit, its rated speed) × ControlPeriod.</summary>
    public double StepOf(int joint) => _jointStep[joint];

    /// <summary>The targets sent last. [n]</summary>
    public ReadOnlySpan<double> Previous => _previous;

    /// <summary>Restarts rate limiting from <paramref name="positions"/> (the measured pose); non-finite entries become the middle of the limits. [n]</summary>
    public void ResetTo(ReadOnlySpan<double> positions)
    {
        for (int i = 0; i < _previous.Length; i++)
            _previous[i] = double.IsFinite(positions[i]) ? positions[i] : 0.5 * (_lower[i] + _upper[i]);
    }

    /// <summary>Bounds <paramref name="desired"/> into <paramref name="target"/> given the measured state, and remembers it. desired, target: [n].</summary>
    public void Limit(ReadOnlySpan<double> desired, SensorFrame frame, Span<double> target)
    {
        for (int i = 0; i < _previous.Length; i++)
            target[i] = _previous[i] = Bound(desired[i], _previous[i], frame.JointPos[i], frame.JointVel[i], _lower[i], _upper[i], _kp[i], _kd[i], _torque[i], _jointStep[i]);
    }

    /// <summary>
    /// One joint's target through the three windows (the class summary): <paramref name="desired"/> [rad] clamped to
    /// [<paramref name="lower"/>, <paramref name="upper"/>], to the torque window around the measured <paramref name="q"/> [rad] and
    /// <paramref name="qd"/> [rad/s] for gains <paramref name="kp"/> [N·m/rad], <paramref name="kd"/> [N·m·s/rad] and limit
    /// <paramref name="torqueLimit"/> [N·m] (only with kp &gt; 0), then to ±<paramref name="step"/> [rad] around <paramref name="previous"/>.
    /// The simulator bounds its targets with it when a task trains under the robot's limits.
    /// </summary>
    public static double Bound(double desired, double previous, double q, double qd, double lower, double upper, double kp, double kd, double torqueLimit, double step)
    {
        // 1. Position limits.
        double t = Math.Clamp(desired, lower, upper);

        // 2. Torque window around the measured position (only with a position gain).
        if (kp > 0)
        {
            double center = q + kd * qd / kp;
            double half = torqueLimit / kp;
            if (double.IsFinite(center)) t = Math.Clamp(t, center - half, center + half);
        }

        // 3. Rate limit around the previous target.
        return Math.Clamp(t, previous - step, previous + step);
    }
}
