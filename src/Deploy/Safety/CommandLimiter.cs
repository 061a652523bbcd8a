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
        {
            // 1. Position limits.
            double t = Math.Clamp(desired[i], _lower[i], _upper[i]);

            // 2. Torque window around the measured position (only with a position gain).
            if (_kp[i] > 0)
            {
                double center = frame.JointPos[i] + _kd[i] * frame.JointVel[i] / _kp[i];
                double half = _torque[i] / _kp[i];
                if (double.IsFinite(center)) t = Math.Clamp(t, center - half, center + half);
            }

            // 3. Rate limit around the previous target.
            double p = _previous[i];
            t = Math.Clamp(t, p - _jointStep[i], p + _jointStep[i]);
            target[i] = t;
            _previous[i] = t;
        }
    }
}
