using System.Text.Json;
using System.Text.Json.Serialization;

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

/// <summary>Timing: the policy runs every <see cref="PolicyPeriod"/>; the PD law <see cref="Decimation"/> times per policy step.</summary>
public sealed record ControlTiming
{
    /// <summary>Policy period [s] (e.g. 0.02 for 50 Hz).</summary>
    public required double PolicyPeriod { get; init; }
    /// <summary>PD steps per policy step; the PD period is PolicyPeriod / Decimation.</summary>
    public required int Decimation { get; init; }
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
/// exactly as in training), the commands and their ranges, and where it came from. The observation
/// normalizer is not here: it is inside the ONNX graph.
/// </summary>
public sealed record PolicyContract
{
    /// <summary>The metadata key of the contract in an ONNX file.</summary>
    public const string MetadataKey = "robotics.policy_contract";

    /// <summary>The version this code writes. A reader accepts the same major version (newer minors add optional fields only).</summary>
    public const string CurrentVersion = "1.1";   // 1.1: action.clip

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
    /// <summary>Commands the policy observes, with their training ranges (may be empty).</summary>
    public required CommandRange[] Commands { get; init; }
    /// <summary>Training run and source commit.</summary>
    public required Provenance Provenance { get; init; }

    /// <summary>The observation layout as an <see cref="ObservationGroup"/> named <c>policy</c>.</summary>
    public ObservationGroup PolicyGroup() => new(ObservationGroup.Policy, Observation);

    /// <summary>The map that turns this contract's actions into joint targets.</summary>
    public ActionMap BuildActionMap() => new(Action, Limits);

    /// <summary>Number of joints (= action width).</summary>
    [JsonIgnore]
    public int JointCount => JointNames.Length;

    /// <summary>Width of the observation.</summary>
    [JsonIgnore]
    public int ObservationDim => Observation.Sum(t => t.Width);

    /// <summary>Throws <see cref="UserError"/> naming the first field that does not fit.</summary>
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
        Width("default_joint_pos", DefaultJointPos);
        Width("action.scale", Action.Scale);
        Width("action.offset", Action.Offset);
        if (!(Action.Clip > 0 && double.IsFinite(Action.Clip))) throw Bad("action.clip", $"= {Action.Clip}: must be positive and finite");
        Width("drive.kp", Drive.Kp);
        Width("drive.kd", Drive.Kd);
        Width("drive.torque_limit", Drive.TorqueLimit);
        if (Drive.TorqueLimit.Any(t => !(t > 0))) throw Bad("drive.torque_limit", "must be > 0 N·m");
        if (Limits is { } l)
        {
            Width("limits.position_lower", l.PositionLower);
            Width("limits.position_upper", l.PositionUpper);
            Width("limits.velocity", l.Velocity);
        }
        if (!(Control.PolicyPeriod > 0 && Control.PolicyPeriod < 10)) throw Bad("control.policy_period", $"= {Control.PolicyPeriod} s: must be in (0, 10)");
        if (Control.Decimation < 1) throw Bad("control.decimation", $"= {Control.Decimation}: must be ≥ 1");
        if (Observation.Length == 0) throw Bad("observation", "has no terms");
        if (Observation.Any(t => t is null || string.IsNullOrWhiteSpace(t.Name))) throw Bad("observation", "has a term without a name");
        if (Commands.Any(c => c is null)) throw Bad("commands", "has a null entry");
        try { PolicyGroup(); }
        catch (ArgumentException e) { throw Bad("observation", e.Message); }
        foreach (var c in Commands)
            if (!(c.Low <= c.High)) throw Bad("commands", $"'{c.Name}' has range [{c.Low}, {c.High}]");
        return this;
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
            try { return contract.Validate(); }
            catch (UserError e) { throw new UserError($"{source}: {e.Message}", e); }
        }
        catch (JsonException e)
        {
            throw new UserError($"{source}: policy contract: {e.Message}{(e.Path is { } p ? $" (at {p})" : "")}", e);
        }
    }

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
