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

    /// <summary>Default joint positions [rad]: the soft start's goal. [n]</summary>
    public required double[] DefaultJointPos { get; init; }

    /// <summary>How an action becomes joint targets: the contract's action section, run by <see cref="ActionMap"/> as in training.</summary>
    public required ActionSpec Action { get; init; }

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

    /// <summary>Throws <see cref="UserError"/> naming the first field that is missing, out of range or of the wrong length.</summary>
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
        if (Action is null) throw Bad($"{nameof(Action)} is missing");
        Finite(Action.Scale, $"{nameof(Action)}.{nameof(ActionSpec.Scale)}", n, min: 0, strict: true);
        Finite(Action.Offset, $"{nameof(Action)}.{nameof(ActionSpec.Offset)}", n, min: double.NegativeInfinity);
        if (!(Action.Clip > 0 && double.IsFinite(Action.Clip))) throw Bad($"{nameof(Action)}.{nameof(ActionSpec.Clip)} = {Action.Clip}: must be positive and finite");
        if (Action.Reference != ActionReference.Offset)
            throw Bad($"{nameof(Action)}.{nameof(ActionSpec.Reference)} = {Action.Reference}: the real-time controller maps actions about a fixed offset (reference Offset)");
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
            // The targets of action 0 must be reachable.
            double target = Action.Offset[i];
            if (target < Safety.PositionLower[i] || target > Safety.PositionUpper[i])
                throw Bad($"{nameof(Action)}.{nameof(ActionSpec.Offset)}[{i}] ('{JointNames[i]}') = {target} rad lies outside the position limits [{Safety.PositionLower[i]}, {Safety.PositionUpper[i]}]");
        }
        return this;
    }

    /// <summary>
    /// The controller for a policy contract: its joints, default pose, action mapping, gains and observation
    /// layout; the command loop at the training's physics rate (policy period / decimation) so that targets are
    /// held exactly as in training; safety limits from the contract's joint limits and torque limits, other
    /// safety settings from <paramref name="safety"/> (defaults otherwise).
    /// </summary>
    /// <exception cref="UserError">The contract's actions are relative to the measured position (arm policies run through
    /// <see cref="ActionMap"/> with their own measured positions, not this controller), or it has no joint limits for the safety layer.</exception>
    public static ControllerConfig FromContract(PolicyContract contract, SafetyConfig? safety = null)
    {
        ArgumentNullException.ThrowIfNull(contract);
        if (contract.Action.Reference != ActionReference.Offset)
            throw new UserError($"policy contract of '{contract.Task}': action.reference = {contract.Action.Reference}; the real-time controller maps actions about the default pose (reference Offset)");
        var limits = contract.Limits ?? throw new UserError($"policy contract of '{contract.Task}' has no joint limits; the safety layer needs position and velocity limits");
        var template = safety ?? new SafetyConfig { PositionLower = limits.PositionLower, PositionUpper = limits.PositionUpper, VelocityLimits = limits.Velocity, TorqueLimits = contract.Drive.TorqueLimit };
        return new ControllerConfig
        {
            JointNames = contract.JointNames,
            DefaultJointPos = contract.DefaultJointPos,
            Action = contract.Action,
            Kp = contract.Drive.Kp,
            Kd = contract.Drive.Kd,
            ControlPeriod = contract.Control.PolicyPeriod / contract.Control.Decimation,
            PolicyDecimation = contract.Control.Decimation,
            Observation = contract.PolicyGroup(),
            Safety = template with { PositionLower = limits.PositionLower, PositionUpper = limits.PositionUpper, VelocityLimits = limits.Velocity, TorqueLimits = contract.Drive.TorqueLimit },
        }.Validate();
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

    private static UserError Bad(string message) => new($"ControllerConfig.{message}");
}
