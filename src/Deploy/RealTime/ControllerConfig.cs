using Robotics.Deploy.Contract;
using Robotics.Deploy.Safety;

namespace Robotics.Deploy.RealTime;

/// <summary>
/// Settings of the deploy <see cref="Controller"/>: the robot's joints, how an action becomes joint
/// targets, the PD gains, the loop's timing, the policy's observation group and the safety limits.
/// Per-joint arrays are in action order, one value per entry of <see cref="JointNames"/>. The lead
/// builds it from the policy contract.
/// </summary>
public sealed record ControllerConfig
{
    /// <summary>Joint names in action order. [n]</summary>
    public required string[] JointNames { get; init; }

    /// <summary>Default joint positions [rad]: the soft start's goal and the zero of the action. [n]</summary>
    public required double[] DefaultJointPos { get; init; }

    /// <summary>Action scale [rad per action unit]: target = default + offset + scale · action. [n]</summary>
    public required double[] ActionScale { get; init; }

    /// <summary>Action offset [rad] added to the default pose; null = zeros. [n]</summary>
    public double[]? ActionOffset { get; init; }

    /// <summary>Position gains Kp [N·m/rad] in SoftStart and Running. [n]</summary>
    public required double[] Kp { get; init; }

    /// <summary>Velocity gains Kd [N·m·s/rad] in SoftStart and Running. [n]</summary>
    public required double[] Kd { get; init; }

    /// <summary>Period of the command loop [s]: one Read → Update → Write per period (0.002 = 500 Hz).</summary>
    public double ControlPeriod { get; init; } = 0.002;

    /// <summary>The policy runs every this many control periods (10 at 500 Hz = a 50 Hz policy); targets are held between.</summary>
    public int PolicyDecimation { get; init; } = 10;

    /// <summary>The policy's observation group (terms, widths, scales, clip), exactly as in training.</summary>
    public required ObservationGroup Observation { get; init; }

    /// <summary>Limits and timings of the safety layer.</summary>
    public required SafetyConfig Safety { get; init; }

    /// <summary>Joint count.</summary>
    public int Joints => JointNames.Length;

    /// <summary>Period of the policy [s]: <see cref="ControlPeriod"/> × <see cref="PolicyDecimation"/>.</summary>
    public double PolicyPeriod => ControlPeriod * PolicyDecimation;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field that is missing, out of range or of the wrong length.</summary>
    public ControllerConfig Validate()
    {
        if (JointNames is null || JointNames.Length == 0) throw Bad($"{nameof(JointNames)} is missing or empty");
        int n = JointNames.Length;
        var seen = new HashSet<string>();
        for (int i = 0; i < n; i++)
        {
            if (string.IsNullOrWhiteSpace(JointNames[i])) throw Bad($"{nameof(JointNames)}[{i}] is empty");
            if (!seen.Add(JointNames[i])) throw Bad($"{nameof(JointNames)}[{i}] = '{JointNames[i]}' appears twice");
        }
        Finite(DefaultJointPos, nameof(DefaultJointPos), n, min: double.NegativeInfinity);
        Finite(ActionScale, nameof(ActionScale), n, min: 0, strict: true);
        if (ActionOffset is not null) Finite(ActionOffset, nameof(ActionOffset), n, min: double.NegativeInfinity);
        Finite(Kp, nameof(Kp), n, min: 0);
        Finite(Kd, nameof(Kd), n, min: 0);
        if (!(ControlPeriod >= 1e-4 && ControlPeriod <= 1)) throw Bad($"{nameof(ControlPeriod)} = {ControlPeriod} s: allowed [0.0001, 1] (10 kHz to 1 Hz)");
        if (PolicyDecimation < 1) throw Bad($"{nameof(PolicyDecimation)} = {PolicyDecimation}: must be ≥ 1");
        if (Observation is null) throw Bad($"{nameof(Observation)} is missing");
        if (Safety is null) throw Bad($"{nameof(Safety)} is missing");
        Safety.Validate();
        if (Safety.PositionLower.Length != n) throw Bad($"{nameof(Safety)}.{nameof(SafetyConfig.PositionLower)} has {Safety.PositionLower.Length} values for {n} joints");
        for (int i = 0; i < n; i++)
        {
            double target = DefaultJointPos[i] + (ActionOffset?[i] ?? 0);
            if (target < Safety.PositionLower[i] || target > Safety.PositionUpper[i])
                throw Bad($"{nameof(DefaultJointPos)}[{i}] ('{JointNames[i]}') + offset = {target} rad lies outside the position limits [{Safety.PositionLower[i]}, {Safety.PositionUpper[i]}]");
        }
        return this;
    }

    // Checks length n, finite values and value ≥ min (> min when strict).
    private static void Finite(double[]? values, string field, int n, double min, bool strict = false)
    {
        if (values is null) throw Bad($"{field} is missing");
        if (values.Length != n) throw Bad($"{field} has {values.Length} values for {n} joints");
        for (int i = 0; i < n; i++)
        {
            double v = values[i];
            if (!double.IsFinite(v) || v < min || (strict && v == min))
                throw Bad($"{field}[{i}] = {v}: must be finite{(double.IsNegativeInfinity(min) ? "" : strict ? $" and > {min}" : $" and ≥ {min}")}");
        }
    }

    private static ArgumentException Bad(string message) => new($"ControllerConfig.{message}");
}
