using System.Text.Json;
using System.Text.Json.Serialization;
using Robotics.Deploy.Kinematics;

namespace Robotics.Deploy.Contract;

/// <summary>How an action becomes a joint position target.</summary>
public enum ActionReference
{
    /// <summary>target = offset + scale · action (legged robots: offset = default pose).</summary>
    Offset,
    /// <summary>target = clamp(measured position + offset + scale · action, position limits) (arms: relative moves).</summary>
    MeasuredPosition,
}

/// <summary>One operator command the policy observes, e.g. forward velocity, and the range it was trained on.</summary>
/// <param name="Name">snake_case name, e.g. <c>vx</c>.</param>
/// <param name="Unit">SI unit, e.g. <c>m/s</c>.</param>
/// <param name="Low">Smallest value seen in training [Unit].</param>
/// <param name="High">Largest value seen in training [Unit].</param>
public sealed record CommandRange(string Name, string Unit, double Low, double High);

/// <summary>
/// The PD drive the policy was trained against, per joint in action order: τ = Kp (q* − q) − Kd q̇,
/// clamped to ±TorqueLimit, at the physics rate.
/// </summary>
public sealed record DriveSpec
{
    /// <summary>Kp [N·m/rad]. [n]</summary>
    public required double[] Kp { get; init; }
    /// <summary>Kd [N·m·s/rad]. [n]</summary>
    public required double[] Kd { get; init; }
    /// <summary>Torque limit [N·m]. [n]</summary>
    public required double[] TorqueLimit { get; init; }
    /// <summary>Whether the driver adds gravity (bias) torques before the clamp, as arm drivers do.</summary>
    public bool GravityCompensation { get; init; }
}

/// <summary>Joint limits the task knows (from the URDF), per joint in action order.</summary>
public sealed record JointLimits
{
    /// <summary>Lower position limit [rad]. [n]</summary>
    public required double[] PositionLower { get; init; }
    /// <summary>Upper position limit [rad]. [n]</summary>
    public required double[] PositionUpper { get; init; }
    /// <summary>Speed limit [rad/s]. [n]</summary>
    public required double[] Velocity { get; init; }
}

/// <summary>How actions become joint targets: see <see cref="ActionReference"/>; <see cref="ActionMap"/> runs it.</summary>
public sealed record ActionSpec
{
    /// <summary>The clip of contracts that predate <see cref="Clip"/>, and of task files that do not set one.</summary>
    public const double DefaultClip = 10;


    /// <summary>Scale [rad per unit action]. [n]</summary>
    public required double[] Scale { get; init; }
    /// <summary>Offset [rad]. [n]</summary>
    public required double[] Offset { get; init; }
    /// <summary>What the scaled action is added to.</summary>
    public required ActionReference Reference { get; init; }
    /// <summary>Symmetric clip of each action before the map [action units], in training and on the robot alike.</summary>
    public double Clip { get; init; } = DefaultClip;
}

/// <summary>What the safety layer does when it stops the motors for a fault, a stop request or the e-stop.</summary>
public enum StopBehavior
{
    /// <summary>Legged robots: faults and stop requests damp (Kp = 0, damping gain), the e-stop goes passive.</summary>
    Damp,
    /// <summary>Arms: every stop holds the last measured position with the trained drive (and the driver's gravity compensation); an arm must not drop.</summary>
    Hold,
}

/// <summary>The serial chain from the robot's base link to its end effector, from the URDF: the robot's forward kinematics.</summary>
public sealed record KinematicsSpec
{
    /// <summary>The base link: the frame of every pose the policy observes and receives.</summary>
    public required string BaseLink { get; init; }
    /// <summary>The end-effector link (the tool centre point).</summary>
    public required string EeLink { get; init; }
    /// <summary>The joints from the base link to the end effector, in order (fixed ones included).</summary>
    public required KinematicJoint[] Joints { get; init; }
}

/// <summary>An axis-aligned box in the base frame that the end effector must stay in [m].</summary>
public sealed record WorkspaceBox
{
    /// <summary>Lower corner x y z [m]. [3]</summary>
    public required double[] Min { get; init; }
    /// <summary>Upper corner x y z [m]. [3]</summary>
    public required double[] Max { get; init; }

    /// <summary>True when <paramref name="p"/> [3] lies inside (boundary included).</summary>
    public bool Contains(ReadOnlySpan<double> p) =>
        p[0] >= Min[0] && p[0] <= Max[0] && p[1] >= Min[1] && p[1] <= Max[1] && p[2] >= Min[2] && p[2] <= Max[2];

    /// <summary>How far <paramref name="p"/> [3] lies outside the box [m]; 0 inside.</summary>
    public double Outside(ReadOnlySpan<double> p)
    {
        double s = 0;
        for (int k = 0; k < 3; k++)
        {
            double d = Math.Max(Min[k] - p[k], p[k] - Max[k]);
            if (d > 0) s += d * d;
        }
        return Math.Sqrt(s);
    }
}

/// <summary>Timing: the policy runs every <see cref="PolicyPeriod"/>; the PD law <see cref="Decimation"/> times per policy step.</summary>
public sealed record ControlTiming
{
    /// <summary>Policy period [s] (e.g. 0.02 for 50 Hz).</summary>
    public required double PolicyPeriod { get; init; }
    /// <summary>PD steps per policy step; the PD period is PolicyPeriod / Decimation.</summary>
    public required int Decimation { get; init; }
}

/// <summary>
/// The action latency the policy was trained with [s]: the delay between the observed state and the first physics step
/// that applies the action computed from it, drawn per episode by domain randomization (0 to 0 when the task does not randomize it).
/// </summary>
public sealed record LatencyRange
{
    /// <summary>Smallest latency drawn in training [s].</summary>
    public required double Low { get; init; }
    /// <summary>Largest latency drawn in training [s].</summary>
    public required double High { get; init; }
}

/// <summary>Where the policy came from.</summary>
public sealed record Provenance
{
    /// <summary>The training run's id (its folder name), or empty when unknown.</summary>
    public required string RunId { get; init; }
    /// <summary>The source commit the policy was exported from (git hash), or empty when unknown.</summary>
    public required string SourceCommit { get; init; }
}

/// <summary>
/// Everything a robot needs to run a policy the way it was trained, stored as versioned JSON in the
/// ONNX file's <c>metadata_props</c> under <see cref="MetadataKey"/>: the robot, its joints in action
/// order, how actions become PD targets, the PD gains and limits, timing, the observation layout
/// (built on the robot by <see cref="ObservationWriter"/> and <see cref="ObservationGroup.ScaleAndClip"/>,
/// exactly as in training), the inputs from the world it reads (topics, frames, freshness), the commands and
/// their ranges, an arm's kinematic chain and workspace, how the robot stops, the action latency it was trained with, and where it came from. The observation
/// normalizer is not here: it is inside the ONNX graph.
/// </summary>
public sealed record PolicyContract
{
    /// <summary>The metadata key of the contract in an ONNX file.</summary>
    public const string MetadataKey = "robotics.policy_contract";

    /// <summary>The version this code writes. A reader accepts the same major version (newer minors add optional fields only).</summary>
    public const string CurrentVersion = "1.4";   // 1.1: action.clip; 1.2: inputs, kinematics, workspace, stop; 1.3: weights_sha256; 1.4: action_latency

    /// <summary>"major.minor" of the contract's format.</summary>
    public string ContractVersion { get; init; } = CurrentVersion;
    /// <summary>Robot name (the URDF's).</summary>
    public required string Robot { get; init; }
    /// <summary>Task the policy was trained on.</summary>
    public required string Task { get; init; }
    /// <summary>Joint names in action order. [n]</summary>
    public required string[] JointNames { get; init; }
    /// <summary>Default joint positions [rad], subtracted from joint_pos observations. [n]</summary>
    public required double[] DefaultJointPos { get; init; }
    /// <summary>Action → target mapping (run by <see cref="ActionMap"/>).</summary>
    public required ActionSpec Action { get; init; }
    /// <summary>PD gains and torque limits.</summary>
    public required DriveSpec Drive { get; init; }
    /// <summary>Joint limits, when the task knows them.</summary>
    public JointLimits? Limits { get; init; }
    /// <summary>Policy period and decimation.</summary>
    public required ControlTiming Control { get; init; }
    /// <summary>The policy observation layout: the <c>policy</c> group's terms in order (names, widths, scales, clip; noise is training-only).</summary>
    public required ObservationTerm[] Observation { get; init; }
    /// <summary>
    /// Commands the policy observes, with their training ranges (may be empty): a legged robot's vx, vy, yaw_rate; an arm's
    /// target_x, target_y, target_z [m, base frame] and target_yaw [rad, about the base's vertical from the tool's orientation at
    /// the default pose]. The robot clamps every input to them. A range with Low = High is a constant the target always has.
    /// </summary>
    public required CommandRange[] Commands { get; init; }
    /// <summary>The inputs beyond joint states (topic, type, frame, freshness); a contract before 1.2 gets the defaults of its terms.</summary>
    public PolicyInput[] Inputs { get; init; } = [];
    /// <summary>The chain from the base to the end effector (arms); required when a term reads the end-effector pose.</summary>
    public KinematicsSpec? Kinematics { get; init; }
    /// <summary>The box the end effector must stay in (arms), base frame; needs <see cref="Kinematics"/>.</summary>
    public WorkspaceBox? Workspace { get; init; }
    /// <summary>What a fault, a stop request or the e-stop does to the motors.</summary>
    public StopBehavior Stop { get; init; } = StopBehavior.Damp;
    /// <summary>The action latency range the policy was trained with [s]; null when not recorded (contracts before 1.4).</summary>
    public LatencyRange? ActionLatency { get; init; }
    /// <summary>Training run and source commit.</summary>
    public required Provenance Provenance { get; init; }
    /// <summary>
    /// SHA-256 (lowercase hex) of the graph's initializers and this contract's observation layout (<see cref="Runtime.WeightsHash"/>),
    /// written at export; a file whose weights or layout do not match it is refused at load. Null in a contract not yet in a file
    /// (a task's) and in files before 1.3, which the runtime refuses until restamped.
    /// </summary>
    public string? WeightsSha256 { get; init; }

    /// <summary>The observation layout as an <see cref="ObservationGroup"/> named <c>policy</c>.</summary>
    public ObservationGroup PolicyGroup() => new(ObservationGroup.Policy, Observation);

    /// <summary>The map that turns this contract's actions into joint targets.</summary>
    public ActionMap BuildActionMap() => new(Action, Limits);

    /// <summary>The robot's forward kinematics (joint positions in action order), or null without a chain.</summary>
    public KinematicChain? BuildKinematics() => Kinematics is { } k ? new KinematicChain(k.Joints, JointNames) : null;

    /// <summary>The listed input of a kind, or null when the policy does not read it.</summary>
    public PolicyInput? Input(InputKind kind)
    {
        string name = PolicyInputs.Name(kind);
        foreach (var input in Inputs) if (input.Name == name) return input;
        return null;
    }

    /// <summary>The command range of that name, or null.</summary>
    public CommandRange? Command(string name) => Commands.FirstOrDefault(c => c.Name == name);

    /// <summary>Number of joints (= action width).</summary>
    [JsonIgnore]
    public int JointCount => JointNames.Length;

    /// <summary>Width of the observation.</summary>
    [JsonIgnore]
    public int ObservationDim => Observation.Sum(t => t.Width);

    /// <summary>
    /// The one check of a contract, everything the robot needs before it moves (inspect, eval, hil and deploy all load
    /// through it): unique joint names; finite per-joint values of the right length; Kp &gt; 0, Kd ≥ 0, torque limits &gt; 0;
    /// position limits with lower &lt; upper and speed limits &gt; 0; the default pose and an offset map's action-0 targets inside
    /// them; an action scale &gt; 0 and at most the joint's range; a positive, finite clip; timing whose PD period
    /// (policy period / decimation) is 0.1 ms to 1 s; observation terms a robot measures, each of its width; finite command
    /// ranges with unique names; the inputs the terms read; an arm's kinematic chain and workspace; the stop behaviour; an action
    /// latency range with 0 ≤ low ≤ high &lt; 10 s.
    /// Throws <see cref="UserError"/> naming the first field that does not fit.
    /// </summary>
    public PolicyContract Validate()
    {
        if (JointNames is null || Action is null || Drive is null || Control is null || Observation is null || Commands is null || Provenance is null)
            throw Bad("(a required section)", "is null");
        int n = JointNames.Length;
        if (n == 0) throw Bad("joint_names", "is empty");
        if (JointNames.Any(string.IsNullOrWhiteSpace)) throw Bad("joint_names", "has an empty name");
        if (JointNames.Distinct().Count() != n) throw Bad("joint_names", $"repeats a name: {string.Join(", ", JointNames.GroupBy(j => j).Where(g => g.Count() > 1).Select(g => g.Key))}");
        void Width(string field, double[]? values)
        {
            if (values is null) throw Bad(field, "is missing");
            if (values.Length != n) throw Bad(field, $"has {values.Length} values for {n} joints");
            if (values.Any(v => !double.IsFinite(v))) throw Bad(field, "has a value that is not finite");
        }
        void Each(string field, double[] values, Func<double, bool> ok, string rule)
        {
            for (int i = 0; i < n; i++)
                if (!ok(values[i])) throw Bad($"{field}[{i}] ('{JointNames[i]}')", $"= {values[i]}: {rule}");
        }
        Width("default_joint_pos", DefaultJointPos);
        Width("action.scale", Action.Scale);
        Width("action.offset", Action.Offset);
        if (!Enum.IsDefined(Action.Reference)) throw Bad("action.reference", $"= {Action.Reference}: use offset or measured_position");
        if (!(Action.Clip > 0 && double.IsFinite(Action.Clip))) throw Bad("action.clip", $"= {Action.Clip}: must be positive and finite");
        Width("drive.kp", Drive.Kp);
        Width("drive.kd", Drive.Kd);
        Width("drive.torque_limit", Drive.TorqueLimit);
        Each("drive.kp", Drive.Kp, v => v > 0, "must be > 0 N·m/rad");
        Each("drive.kd", Drive.Kd, v => v >= 0, "must be ≥ 0 N·m·s/rad");
        Each("drive.torque_limit", Drive.TorqueLimit, v => v > 0, "must be > 0 N·m");
        var l = Limits ?? throw Bad("limits", "is missing; the robot's safety layer needs position and speed limits");
        Width("limits.position_lower", l.PositionLower);
        Width("limits.position_upper", l.PositionUpper);
        Width("limits.velocity", l.Velocity);
        Each("limits.velocity", l.Velocity, v => v > 0, "must be > 0 rad/s");
        for (int i = 0; i < n; i++)
        {
            string joint = $"[{i}] ('{JointNames[i]}')";
            double lo = l.PositionLower[i], hi = l.PositionUpper[i], range = hi - lo;
            if (!(lo < hi)) throw Bad($"limits{joint}", $"= [{lo}, {hi}] rad: lower must be below upper");
            if (DefaultJointPos[i] < lo || DefaultJointPos[i] > hi) throw Bad($"default_joint_pos{joint}", $"= {DefaultJointPos[i]} rad lies outside the position limits [{lo}, {hi}]");
            // One unit of action crossing a joint's whole range is a mistake (a scale of 100 for 0.25), not a tuning.
            if (!(Action.Scale[i] > 0 && Action.Scale[i] <= range)) throw Bad($"action.scale{joint}", $"= {Action.Scale[i]} rad: must be > 0 and at most the joint's range, {range:0.###} rad");
            // The targets of action 0 must be reachable (a measured-position offset is a step, not a pose).
            if (Action.Reference == ActionReference.Offset && (Action.Offset[i] < lo || Action.Offset[i] > hi))
                throw Bad($"action.offset{joint}", $"= {Action.Offset[i]} rad lies outside the position limits [{lo}, {hi}]");
        }
        if (!(Control.PolicyPeriod > 0 && Control.PolicyPeriod < 10)) throw Bad("control.policy_period", $"= {Control.PolicyPeriod} s: must be in (0, 10)");
        if (Control.Decimation < 1) throw Bad("control.decimation", $"= {Control.Decimation}: must be ≥ 1");
        double pdPeriod = Control.PolicyPeriod / Control.Decimation;
        if (!(pdPeriod >= MinPdPeriod && pdPeriod <= MaxPdPeriod))
            throw Bad("control", $"policy_period / decimation = {pdPeriod} s (the PD period): allowed [{MinPdPeriod}, {MaxPdPeriod}] (10 kHz to 1 Hz)");
        ValidateObservation(n);
        ValidateCommands();
        ValidateInputs();
        ValidateKinematics();
        if (!Enum.IsDefined(Stop)) throw Bad("stop", $"= {Stop}: use damp or hold");
        if (ActionLatency is { } latency && !(latency.Low >= 0 && latency.Low <= latency.High && latency.High < 10))
            throw Bad("action_latency", $"= [{latency.Low}, {latency.High}] s: must satisfy 0 ≤ low ≤ high < 10");
        if (WeightsSha256 is { } hash && (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower)))
            throw Bad("weights_sha256", $"= '{hash}': must be 64 lowercase hex digits");
        return this;
    }

    /// <summary>The shortest PD period a contract may ask for [s] (10 kHz).</summary>
    public const double MinPdPeriod = 1e-4;
    /// <summary>The longest PD period a contract may ask for [s] (1 Hz).</summary>
    public const double MaxPdPeriod = 1;

    // Terms a robot measures, each of the width it measures for n joints, named once.
    private void ValidateObservation(int n)
    {
        if (Observation.Length == 0) throw Bad("observation", "has no terms");
        if (Observation.Any(t => t is null || string.IsNullOrWhiteSpace(t.Name))) throw Bad("observation", "has a term without a name");
        try { PolicyGroup(); }
        catch (ArgumentException e) { throw Bad("observation", e.Message); }
        for (int i = 0; i < Observation.Length; i++)
        {
            var t = Observation[i];
            var kind = ObservationWriter.Resolve(t.Name);
            if (kind == MeasuredTerm.None && ObservationWriter.InputTerms.Contains(t.Name))
            {
                if (t.Width < 1) throw Bad($"observation[{i}] ('{t.Name}').width", $"= {t.Width}: at least 1");
                continue;   // the controller refuses it with a message naming the input it lacks
            }
            if (kind == MeasuredTerm.None)
                throw Bad($"observation[{i}]", $"= '{t.Name}' is not a term a robot measures; known: {string.Join(", ", ObservationWriter.Names.Concat(ObservationWriter.InputTerms))}");
            int width = ObservationWriter.Width(kind, n);
            if (t.Width != width) throw Bad($"observation[{i}] ('{t.Name}').width", $"= {t.Width}: a robot with {n} joints measures {width}");
        }
    }

    private void ValidateCommands()
    {
        var names = new HashSet<string>();
        foreach (var c in Commands)
        {
            if (c is null) throw Bad("commands", "has a null entry");
            if (string.IsNullOrWhiteSpace(c.Name)) throw Bad("commands", "has a command without a name");
            if (!names.Add(c.Name)) throw Bad("commands", $"lists '{c.Name}' twice");
            if (!(double.IsFinite(c.Low) && double.IsFinite(c.High) && c.Low <= c.High))
                throw Bad($"commands.{c.Name}", $"has range [{c.Low}, {c.High}] {c.Unit}: must be finite with low ≤ high");
        }
    }

    private void ValidateInputs()
    {
        if (Inputs is null || Inputs.Any(i => i is null)) throw Bad("inputs", "has a null entry");
        var seen = new HashSet<string>();
        foreach (var input in Inputs)
        {
            var kind = PolicyInputs.Kind(input.Name ?? "")
                ?? throw Bad("inputs", $"has '{input.Name}'; known inputs: {string.Join(", ", Enumerable.Range(0, PolicyInputs.KindCount).Select(k => PolicyInputs.Name((InputKind)k)))}");
            if (!seen.Add(input.Name!)) throw Bad("inputs", $"lists '{input.Name}' twice");
            if (string.IsNullOrWhiteSpace(input.Topic)) throw Bad($"inputs.{input.Name}.topic", "is empty");
            if (input.Type != PolicyInputs.MessageType(kind)) throw Bad($"inputs.{input.Name}.type", $"= '{input.Type}': '{input.Name}' is carried by {PolicyInputs.MessageType(kind)}");
            if (input.Frame is null) throw Bad($"inputs.{input.Name}.frame", "is missing (empty = not checked)");
            if (input.MaxAge is { } age && !(age > 0 && double.IsFinite(age))) throw Bad($"inputs.{input.Name}.max_age", $"= {age} s: must be positive (null = a setpoint held until replaced)");
        }
        foreach (var term in Observation)
            foreach (var kind in ObservationWriter.Inputs(ObservationWriter.Resolve(term.Name)))
                if (Input(kind) is null) throw Bad("inputs", $"lacks '{PolicyInputs.Name(kind)}', which observation term '{term.Name}' reads");
    }

    private void ValidateKinematics()
    {
        var needs = Observation.FirstOrDefault(t => ObservationWriter.NeedsKinematics(ObservationWriter.Resolve(t.Name)));
        if (Kinematics is null)
        {
            // Before 1.2 no contract carried a chain: such a file still evaluates in simulation, and the robot refuses it.
            if (needs is not null && MinorVersion(ContractVersion) >= 2) throw Bad("kinematics", $"is missing; observation term '{needs.Name}' reads the end effector's pose, which the robot computes from its kinematic chain (export the policy again)");
            if ((Action.Reference == ActionReference.MeasuredPosition || Stop == StopBehavior.Hold) && MinorVersion(ContractVersion) >= 2)
                throw Bad("kinematics", "is missing; an arm's contract (actions relative to the measured position, or stop = hold) carries its kinematic chain, which the robot checks its workspace with");
            if (Workspace is not null) throw Bad("workspace", "needs kinematics (the end effector's pose) to be checked");
            return;
        }
        if (string.IsNullOrWhiteSpace(Kinematics.BaseLink)) throw Bad("kinematics.base_link", "is empty");
        if (string.IsNullOrWhiteSpace(Kinematics.EeLink)) throw Bad("kinematics.ee_link", "is empty");
        if (Kinematics.Joints is null || Kinematics.Joints.Any(j => j is null)) throw Bad("kinematics.joints", "is missing or has a null entry");
        try { BuildKinematics(); }
        catch (UserError e) { throw Bad("kinematics", e.Message); }
        if (Workspace is { } w)
        {
            if (w.Min is not { Length: 3 } || w.Max is not { Length: 3 }) throw Bad("workspace", "min and max must be 3 numbers each (x y z, m)");
            for (int k = 0; k < 3; k++)
                if (!double.IsFinite(w.Min[k]) || !double.IsFinite(w.Max[k]) || !(w.Min[k] < w.Max[k]))
                    throw Bad("workspace", $"axis {"xyz"[k]}: [{w.Min[k]}, {w.Max[k]}] must be finite with min < max");
        }
    }

    private static UserError Bad(string field, string problem) => new($"policy contract: {field} {problem}");

    // ---------------------------------------------------------------- JSON

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        // A missing required field or constructor parameter, or a null where none is allowed, is an error.
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };

    /// <summary>The contract as JSON (snake_case field names).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>
    /// Reads a contract. The version is checked first, so that a newer major version reports itself
    /// rather than a field this reader does not know; then every required field must be present.
    /// </summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="source">Where it came from (a file name), for the error message.</param>
    /// <exception cref="UserError">Not JSON, a newer major version, a missing or malformed field, or values that do not fit together.</exception>
    public static PolicyContract FromJson(string json, string source)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new UserError($"{source}: policy contract is not JSON: {e.Message}", e); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new UserError($"{source}: policy contract is not a JSON object");
            if (!doc.RootElement.TryGetProperty("contract_version", out var v) || v.ValueKind != JsonValueKind.String)
                throw new UserError($"{source}: policy contract has no contract_version (a string like \"{CurrentVersion}\")");
            CheckVersion(v.GetString()!, source);
        }
        try
        {
            var contract = JsonSerializer.Deserialize<PolicyContract>(json, Json)
                ?? throw new UserError($"{source}: policy contract is null");
            // Contracts before 1.2 do not list their inputs: they read the defaults of their terms.
            if (contract.Inputs is { Length: 0 } && MinorVersion(contract.ContractVersion) < 2 && contract.Observation is not null)
                contract = contract with { Inputs = PolicyInputs.Defaults(contract.Observation.Where(t => t is not null).Select(t => t.Name), contract.Kinematics?.BaseLink ?? "") };
            try { return contract.Validate(); }
            catch (UserError e) { throw new UserError($"{source}: {e.Message}", e); }
        }
        catch (JsonException e)
        {
            throw new UserError($"{source}: policy contract: {e.Message}{(e.Path is { } p ? $" (at {p})" : "")}", e);
        }
    }

    private static int MinorVersion(string version) => int.TryParse(version.Split('.').ElementAtOrDefault(1), out int minor) ? minor : 0;

    private static void CheckVersion(string version, string source)
    {
        var parts = version.Split('.');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int major) || !int.TryParse(parts[1], out _))
            throw new UserError($"{source}: policy contract has contract_version \"{version}\"; expected \"major.minor\"");
        int ours = int.Parse(CurrentVersion.Split('.')[0]);
        if (major > ours)
            throw new UserError($"{source}: policy contract version {version} is newer than this runtime reads ({ours}.x); update the deploy runtime");
        if (major < ours)
            throw new UserError($"{source}: policy contract version {version} is older than this runtime reads ({ours}.x); export the policy again");
    }
}
