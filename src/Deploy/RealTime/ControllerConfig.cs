using Robotics.Deploy.Contract;
using Robotics.Deploy.Kinematics;
using Robotics.Deploy.Safety;

namespace Robotics.Deploy.RealTime;

/// <summary>
/// Settings of the deploy <see cref="Controller"/>: the robot's joints, how an action becomes joint
/// targets, the PD gains, the loop's timing, the policy's observation group, the inputs it reads and
/// their trained ranges, an arm's kinematic chain and workspace, how it stops, and the safety limits.
/// Per-joint arrays are in action order, one value per entry of <see cref="JointNames"/>.
/// <see cref="FromContract"/> builds it from the policy contract.
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

    /// <summary>
    /// The inputs beyond joint states the policy reads (the contract's list): the safety layer refuses a start until each
    /// has arrived once and trips when one with a <see cref="PolicyInput.MaxAge"/> goes stale. Empty = none watched.
    /// </summary>
    public PolicyInput[] Inputs { get; init; } = [];

    /// <summary>
    /// The operator commands and goals with their trained ranges (vx, vy, yaw_rate; target_x, target_y, target_z [m, base frame],
    /// target_yaw [rad]); <see cref="InputLimiter"/> clamps each input to them every tick. Empty = nothing clamped.
    /// </summary>
    public CommandRange[] Commands { get; init; } = [];

    /// <summary>The chain from the base to the end effector (arms): the controller computes the end-effector pose from it every tick; null for a legged robot.</summary>
    public KinematicsSpec? Kinematics { get; init; }

    /// <summary>The box [m, base frame] the end effector must stay in (arms; needs <see cref="Kinematics"/>); null = unchecked.</summary>
    public WorkspaceBox? Workspace { get; init; }

    /// <summary>What a fault, a stop request or the e-stop does: damp and go passive (legged) or hold the measured position (arms).</summary>
    public StopBehavior Stop { get; init; } = StopBehavior.Damp;

    /// <summary>
    /// The action latency range the policy was trained with [s] (the contract's); the controller warns when the measured age of the
    /// states it acts on exceeds it (<see cref="StateAgeMeter"/>). Null = not recorded: measured, not judged.
    /// </summary>
    public LatencyRange? TrainedActionLatency { get; init; }

    /// <summary>Joint count.</summary>
    public int Joints => JointNames.Length;

    /// <summary>Period of the policy [s]: <see cref="ControlPeriod"/> × <see cref="PolicyDecimation"/>.</summary>
    public double PolicyPeriod => ControlPeriod * PolicyDecimation;

    /// <summary>The robot's forward kinematics (joint positions in action order), or null without <see cref="Kinematics"/>.</summary>
    public KinematicChain? BuildKinematics() => Kinematics is { } k ? new KinematicChain(k.Joints, JointNames) : null;

    /// <summary>The range of the command named <paramref name="name"/>, or null.</summary>
    public CommandRange? Command(string name)
    {
        foreach (var c in Commands) if (c.Name == name) return c;
        return null;
    }

    /// <summary>Throws <see cref="UserError"/> naming the first field that is missing, out of range or of the wrong length.</summary>
    public ControllerConfig Validate()
    {
        if (JointNames is null || JointNames.Length == 0) throw Bad($"{nameof(JointNames)} is missing or empty");
        int n = JointNames.Length;
        if (TrainedActionLatency is { } latency && !(latency.Low >= 0 && latency.Low <= latency.High && latency.High < 10))
            throw Bad($"{nameof(TrainedActionLatency)} = [{latency.Low}, {latency.High}] s: must satisfy 0 ≤ low ≤ high < 10");
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
        if (!Enum.IsDefined(Action.Reference)) throw Bad($"{nameof(Action)}.{nameof(ActionSpec.Reference)} = {Action.Reference}: use Offset or MeasuredPosition");
        Finite(Kp, nameof(Kp), n, min: 0);
        Finite(Kd, nameof(Kd), n, min: 0);
        if (!(ControlPeriod >= 1e-4 && ControlPeriod <= 1)) throw Bad($"{nameof(ControlPeriod)} = {ControlPeriod} s: allowed [0.0001, 1] (10 kHz to 1 Hz)");
        if (PolicyDecimation < 1) throw Bad($"{nameof(PolicyDecimation)} = {PolicyDecimation}: must be ≥ 1");
        if (Observation is null) throw Bad($"{nameof(Observation)} is missing");
        if (Safety is null) throw Bad($"{nameof(Safety)} is missing");
        Safety.Validate();
        if (Safety.PositionLower.Length != n) throw Bad($"{nameof(Safety)}.{nameof(SafetyConfig.PositionLower)} has {Safety.PositionLower.Length} values for {n} joints");
        for (int i = 0; i < n && Action.Reference == ActionReference.Offset; i++)
        {
            // The targets of action 0 must be reachable (a MeasuredPosition offset is a step, not a pose).
            double target = Action.Offset[i];
            if (target < Safety.PositionLower[i] || target > Safety.PositionUpper[i])
                throw Bad($"{nameof(Action)}.{nameof(ActionSpec.Offset)}[{i}] ('{JointNames[i]}') = {target} rad lies outside the position limits [{Safety.PositionLower[i]}, {Safety.PositionUpper[i]}]");
        }
        ValidateInputs();
        ValidateKinematics();
        if (!Enum.IsDefined(Stop)) throw Bad($"{nameof(Stop)} = {Stop}: use Damp or Hold");
        return this;
    }

    private void ValidateInputs()
    {
        if (Inputs is null) throw Bad($"{nameof(Inputs)} is missing (empty = none)");
        var seen = new bool[PolicyInputs.KindCount];
        for (int i = 0; i < Inputs.Length; i++)
        {
            var input = Inputs[i] ?? throw Bad($"{nameof(Inputs)}[{i}] is null");
            if (PolicyInputs.Kind(input.Name ?? "") is not { } kind) throw Bad($"{nameof(Inputs)}[{i}].{nameof(PolicyInput.Name)} = '{input.Name}' is not a known input");
            if (seen[(int)kind]) throw Bad($"{nameof(Inputs)}[{i}].{nameof(PolicyInput.Name)} = '{input.Name}' appears twice");
            seen[(int)kind] = true;
            if (input.MaxAge is { } age && !(age > 0 && double.IsFinite(age)))
                throw Bad($"{nameof(Inputs)}[{i}].{nameof(PolicyInput.MaxAge)} = {age} s ('{input.Name}'): must be positive and finite (null = a setpoint held until replaced)");
        }
        if (Commands is null) throw Bad($"{nameof(Commands)} is missing (empty = none)");
        var names = new HashSet<string>();
        for (int i = 0; i < Commands.Length; i++)
        {
            var c = Commands[i] ?? throw Bad($"{nameof(Commands)}[{i}] is null");
            if (string.IsNullOrWhiteSpace(c.Name)) throw Bad($"{nameof(Commands)}[{i}] has no name");
            if (!names.Add(c.Name)) throw Bad($"{nameof(Commands)}[{i}] = '{c.Name}' appears twice");
            if (!(double.IsFinite(c.Low) && double.IsFinite(c.High) && c.Low <= c.High))
                throw Bad($"{nameof(Commands)}[{i}] ('{c.Name}') = [{c.Low}, {c.High}] {c.Unit}: must be finite with low ≤ high");
        }
    }

    private void ValidateKinematics()
    {
        foreach (var term in Observation.Terms)
            if (Kinematics is null && ObservationWriter.NeedsKinematics(ObservationWriter.Resolve(term.Name)))
                throw Bad($"{nameof(Kinematics)} is missing; observation term '{term.Name}' reads the end effector's pose, which the controller computes from the kinematic chain");
        if (Kinematics is null)
        {
            if (Workspace is not null) throw Bad($"{nameof(Workspace)} needs {nameof(Kinematics)} (the end effector's pose) to be checked");
            if (Command(InputLimiter.TargetYaw) is not null) throw Bad($"{nameof(Commands)} has '{InputLimiter.TargetYaw}', which is relative to the tool's rest orientation: it needs {nameof(Kinematics)}");
            return;
        }
        if (Kinematics.Joints is null) throw Bad($"{nameof(Kinematics)}.{nameof(KinematicsSpec.Joints)} is missing");
        try { BuildKinematics(); }
        catch (UserError e) { throw Bad($"{nameof(Kinematics)}: {e.Message}"); }
        if (Workspace is { } w)
        {
            if (w.Min is not { Length: 3 } || w.Max is not { Length: 3 }) throw Bad($"{nameof(Workspace)}.Min and Max must be 3 numbers each (x y z, m)");
            for (int k = 0; k < 3; k++)
                if (!double.IsFinite(w.Min[k]) || !double.IsFinite(w.Max[k]) || !(w.Min[k] < w.Max[k]))
                    throw Bad($"{nameof(Workspace)} axis {"xyz"[k]} = [{w.Min[k]}, {w.Max[k]}] m: must be finite with min < max");
        }
    }

    /// <summary>
    /// The controller for a policy contract: its joints, default pose, action mapping (an arm's targets clamped to its joint
    /// limits, as <see cref="PolicyContract.BuildActionMap"/> does), gains and observation layout; the command loop at the
    /// training's physics rate (policy period / decimation) so that targets are held exactly as in training; its inputs,
    /// command ranges, kinematic chain, workspace and stop behaviour; safety limits from the contract's joint limits and
    /// torque limits, other safety settings from <paramref name="safety"/> (defaults otherwise).
    /// </summary>
    /// <exception cref="UserError">The contract fails <see cref="PolicyContract.Validate"/>, or it is an arm's (actions relative to
    /// the measured position, stop = hold, or end-effector terms) without the kinematic chain (exported before contract 1.2).</exception>
    public static ControllerConfig FromContract(PolicyContract contract, SafetyConfig? safety = null)
    {
        ArgumentNullException.ThrowIfNull(contract);
        contract.Validate();   // the one check inspect, eval, hil and deploy share; what follows only refuses contracts older than 1.2
        var limits = contract.Limits!;
        bool arm = contract.Action.Reference == ActionReference.MeasuredPosition || contract.Stop == StopBehavior.Hold
            || contract.Observation.Any(t => ObservationWriter.NeedsKinematics(ObservationWriter.Resolve(t.Name)));
        if (arm && contract.Kinematics is null)
            throw new UserError($"policy contract of '{contract.Task}' (version {contract.ContractVersion}) is an arm's but has no kinematic chain; the robot computes the end effector's pose " +
                $"and checks the workspace with it: export the policy again, or rewrite its contract from its task with robotics export --policy FILE --restamp (contract {PolicyContract.CurrentVersion} carries kinematics, workspace and stop)");
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
            Inputs = contract.Inputs,
            Commands = contract.Commands,
            Kinematics = contract.Kinematics,
            Workspace = contract.Workspace,
            Stop = contract.Stop,
            TrainedActionLatency = contract.ActionLatency,
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
