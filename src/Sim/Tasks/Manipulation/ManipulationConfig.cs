using Robotics.Deploy.Contract;
using Robotics.Sim.Randomization;

namespace Robotics.Sim.Tasks.Manipulation;

/// <summary>
/// An arm task (reach or push) read from a TOML task file: the arm's URDF on the table scene, PD joint
/// control with gravity compensation, target sampling, success thresholds, rewards, observation groups
/// and randomization. Validated on load; errors name the file, the field and what is allowed.
/// </summary>
public sealed record ManipulationConfig : IRandomizedConfig<ManipulationConfig>
{
    /// <summary>Task name.</summary>
    public required string Name { get; init; }
    /// <summary>Reach or push.</summary>
    public required TaskKind Kind { get; init; }
    /// <summary>The arm's URDF (absolute path).</summary>
    public required string Urdf { get; init; }
    /// <summary>The link at the tool centre point.</summary>
    public required string EeLink { get; init; }
    /// <summary>Where the arm's base stands in the world [m], x y z.</summary>
    public double[] BasePosition { get; init; } = { 0, 0, 0.4 };
    /// <summary>Rotor armature [kg·m²].</summary>
    public double Armature { get; init; }
    /// <summary>Add the gravity and Coriolis torques to the PD law, as arm drivers do.</summary>
    public bool GravityCompensation { get; init; } = true;
    /// <summary>Default joint positions [rad], in the URDF's actuated order. [n]</summary>
    public required double[] DefaultJointPos { get; init; }
    /// <summary>Half-width of the uniform noise on joint positions at reset [rad].</summary>
    public double ResetJointNoise { get; init; } = 0.1;

    /// <summary>Physics time step [s].</summary>
    public double PhysicsDt { get; init; } = 0.002;
    /// <summary>Physics steps per policy step.</summary>
    public int Decimation { get; init; } = 10;
    /// <summary>Kp per joint [N·m/rad]. [n]</summary>
    public required double[] Kp { get; init; }
    /// <summary>Kd per joint [N·m·s/rad]. [n]</summary>
    public required double[] Kd { get; init; }
    /// <summary>Joint target offset from the measured position per unit action [rad] (clamped to the joint range).</summary>
    public double ActionScale { get; init; } = 0.05;
    /// <summary>Symmetric clip of each action before the map [action units], in training and on the robot.</summary>
    public double ActionClip { get; init; } = ActionSpec.DefaultClip;
    /// <summary>
    /// Rate limit of the joint targets on their way to the PD law [rad/s], as <c>SafetyConfig.RateLimit</c> on the robot; 0 = off
    /// (the target of each policy step applies at once). When set, the targets pass the robot's command limiter every physics step:
    /// position limits, the drive's torque window, then at most min(this, the joint's rated speed) · dt from the last.
    /// </summary>
    public double TargetRateLimit { get; init; }

    /// <summary>Reach: lower corner of the target box in the world [m]. [3]</summary>
    public double[] TargetMin { get; init; } = { 0.3, -0.25, 0.55 };
    /// <summary>Reach: upper corner of the target box in the world [m]. [3]</summary>
    public double[] TargetMax { get; init; } = { 0.6, 0.25, 0.85 };
    /// <summary>Reach: yaw range of the target orientation about the downward tool axis [rad].</summary>
    public (double Low, double High) TargetYaw { get; init; } = (-0.785, 0.785);
    /// <summary>Reach: success position tolerance [m].</summary>
    public double SuccessPosition { get; init; } = 0.02;
    /// <summary>Reach: success orientation tolerance [rad].</summary>
    public double SuccessOrientation { get; init; } = 0.1;
    /// <summary>Push: cube start region on the table, x y [m]. [2] each</summary>
    public double[] CubeMin { get; init; } = { 0.35, -0.15 };
    /// <summary>Push: upper corner of the cube start region [m]. [2]</summary>
    public double[] CubeMax { get; init; } = { 0.55, 0.15 };
    /// <summary>Push: target region on the table, x y [m]. [2]</summary>
    public double[] PushTargetMin { get; init; } = { 0.35, -0.2 };
    /// <summary>Push: upper corner of the target region [m]. [2]</summary>
    public double[] PushTargetMax { get; init; } = { 0.6, 0.2 };
    /// <summary>Push: smallest start distance between cube and target [m].</summary>
    public double MinPushDistance { get; init; } = 0.1;
    /// <summary>Push: success distance between cube and target [m].</summary>
    public double SuccessDistance { get; init; } = 0.03;

    /// <summary>
    /// Margin around the sampled workspace (the target or cube and target regions, and the tool at the default pose) that
    /// makes the contract's workspace box for the end effector [m]: on the robot, a target leaving it is held at its
    /// boundary and a measured pose outside it holds the arm.
    /// </summary>
    public double WorkspaceMargin { get; init; } = 0.1;

    /// <summary>Push: width of RewardEeToCube's kernel 1 − tanh(d / w) [m]; wider reaches further from the cube.</summary>
    public double EeToCubeStd { get; init; } = 0.1;
    /// <summary>Push: width of RewardCubeToTarget's kernel 1 − tanh(d / w) [m]; wider pulls from further away.</summary>
    public double CubeToTargetStd { get; init; } = 0.1;

    /// <summary>Episode length [s].</summary>
    public double EpisodeSeconds { get; init; } = 5;
    /// <summary>
    /// An episode ends when a joint moves faster than this × its rated speed, where the robot's safety layer trips and stops the
    /// arm (<c>SafetyConfig.VelocityTripRatio</c>); 0 = off.
    /// </summary>
    public double VelocityTrip { get; init; }
    /// <summary>
    /// An episode ends when the tool gets more than this far outside the contract's workspace box [m], where the robot's safety
    /// layer holds the arm (<c>SafetyConfig.WorkspaceTripMargin</c>); null = off.
    /// </summary>
    public double? WorkspaceTrip { get; init; }
    /// <summary>Reward scales (Reward* add, Cost* subtract), per second of policy time.</summary>
    public required IReadOnlyDictionary<string, double> RewardScales { get; init; }

    /// <summary>Observation groups: term lists, scales, noise, clip.</summary>
    public required ObservationSettings Observations { get; init; }
    /// <summary>Domain randomization (friction applies to the table and the cube).</summary>
    public RandomizationConfig Randomization { get; init; } = new();

    /// <summary>
    /// The contract an exported policy is evaluated under (<c>eval --policy FILE</c>; set by <see cref="UnderContract"/>), or null: the task
    /// file's own, as in training. Its drive, action map and policy observation layout replace the task file's.
    /// </summary>
    public PolicyContract? Contract { get; init; }

    /// <summary>
    /// This task under <paramref name="contract"/>: its timing (physics step = policy period / decimation) and default pose replace the
    /// file's, and the task built from the result runs its drive, action map and observation layout (<see cref="Contract"/>).
    /// </summary>
    public ManipulationConfig UnderContract(PolicyContract contract) => this with
    {
        PhysicsDt = contract.Control.PolicyPeriod / contract.Control.Decimation, Decimation = contract.Control.Decimation,
        DefaultJointPos = contract.DefaultJointPos.ToArray(), Contract = contract,
    };

    /// <inheritdoc/>
    public ManipulationConfig WithRandomization(RandomizationConfig randomization) => this with { Randomization = randomization };

    /// <summary>Episode length in policy steps (derived).</summary>
    public int MaxEpisodeSteps => (int)Math.Round(EpisodeSeconds / (PhysicsDt * Decimation));

    /// <summary>Reads and validates a task file of kind "reach" or "push".</summary>
    /// <exception cref="UserError">Anything wrong, with the file and field named.</exception>
    /// <param name="path">The task file.</param>
    /// <param name="overrides"><c>dotted.key=value</c> settings applied over the file (<c>train --set</c>).</param>
    public static ManipulationConfig Load(string path, IReadOnlyList<string>? overrides = null)
    {
        var file = Path.GetFullPath(path);
        if (!File.Exists(file)) throw new UserError($"task file not found: {file}");
        var root = TomlSection.Parse(File.ReadAllText(file), file, overrides);
        var name = root.String("name");
        var kind = TaskKinds.TryParse(root.String("kind")) is { } parsed and (TaskKind.Reach or TaskKind.Push)
            ? parsed : throw root.Error("kind", $"'{root.String("kind")}' is not 'reach' or 'push'");

        var robot = root.RequiredSection("robot");
        var urdf = TaskFileParts.Urdf(robot);
        var ee = TaskFileParts.Link(robot, "ee_link", robot.String("ee_link"), urdf);
        var defaults = TaskFileParts.JointValues(robot.RequiredSection("default_joint_pos"), urdf, -10, 10, "rad", withinRange: true);
        var config = new ManipulationConfig
        {
            Name = name, Kind = kind, Urdf = urdf.Source, EeLink = ee, DefaultJointPos = defaults,
            Kp = Array.Empty<double>(), Kd = Array.Empty<double>(),
            RewardScales = new Dictionary<string, double>(),
            Observations = new ObservationSettings { PolicyTerms = Array.Empty<string>(), CriticTerms = Array.Empty<string>() },
        };
        // Absent keys keep the record's defaults: each default is written once, on the record.
        config = config with
        {
            BasePosition = Vector(robot, "base_position", 3, config.BasePosition, -10, 10),
            Armature = robot.Double("armature", config.Armature, 0, 10, "kg·m²"),
            GravityCompensation = robot.Bool("gravity_compensation", config.GravityCompensation),
            ResetJointNoise = robot.Double("reset_joint_noise", config.ResetJointNoise, 0, 1, "rad"),
        };
        robot.EnsureAllRead();

        // [control]: kp and kd are one number for all joints or a table of joint patterns.
        var control = root.RequiredSection("control");
        double[] Gains(string key, double max, string unit) => control.Section(key) is { } table
            ? TaskFileParts.JointValues(table, urdf, 0, max, unit, withinRange: false)
            : Enumerable.Repeat(control.Double(key, null, 0, max, unit), urdf.Actuated.Count).ToArray();
        config = config with
        {
            PhysicsDt = control.Double("physics_dt", config.PhysicsDt, 0.0002, 0.02, "s"),
            Decimation = control.Int("decimation", config.Decimation, 1, 100),
            Kp = Gains("kp", 10_000, "N·m/rad"),
            Kd = Gains("kd", 1_000, "N·m·s/rad"),
            ActionScale = control.Double("action_scale", config.ActionScale, 1e-4, 1, "rad"),
            ActionClip = TaskFileParts.ActionClip(control),
            TargetRateLimit = control.Double("target_rate_limit", config.TargetRateLimit, 0, 1000, "rad/s"),
        };
        control.EnsureAllRead();

        var target = root.RequiredSection("target");
        if (kind == TaskKind.Reach)
        {
            var lo = Vector(target, "position_min", 3, null, -5, 5);
            var hi = Vector(target, "position_max", 3, null, -5, 5);
            for (int k = 0; k < 3; k++) if (lo[k] > hi[k]) throw target.Error("position_max", $"component {k} is below position_min's");
            config = config with
            {
                TargetMin = lo, TargetMax = hi,
                TargetYaw = target.Range("yaw_range", config.TargetYaw, -Math.PI, Math.PI, "rad"),
                SuccessPosition = target.Double("success_position", config.SuccessPosition, 1e-4, 1, "m"),
                SuccessOrientation = target.Double("success_orientation", config.SuccessOrientation, 1e-3, Math.PI, "rad"),
            };
        }
        else
        {
            var cLo = Vector(target, "cube_min", 2, null, -5, 5);
            var cHi = Vector(target, "cube_max", 2, null, -5, 5);
            var tLo = Vector(target, "target_min", 2, null, -5, 5);
            var tHi = Vector(target, "target_max", 2, null, -5, 5);
            for (int k = 0; k < 2; k++)
            {
                if (cLo[k] > cHi[k]) throw target.Error("cube_max", $"component {k} is below cube_min's");
                if (tLo[k] > tHi[k]) throw target.Error("target_max", $"component {k} is below target_min's");
            }
            config = config with
            {
                CubeMin = cLo, CubeMax = cHi, PushTargetMin = tLo, PushTargetMax = tHi,
                MinPushDistance = target.Double("min_distance", config.MinPushDistance, 0, 1, "m"),
                SuccessDistance = target.Double("success_distance", config.SuccessDistance, 1e-3, 1, "m"),
            };
        }
        config = config with { WorkspaceMargin = target.Double("workspace_margin", config.WorkspaceMargin, 0, 1, "m") };
        target.EnsureAllRead();

        if (root.Section("episode") is { } episode)
        {
            config = config with
            {
                EpisodeSeconds = episode.Double("length_s", config.EpisodeSeconds, 0.1, 3600, "s"),
                VelocityTrip = episode.Double("velocity_trip", config.VelocityTrip, 0, 100, "× rated speed"),
                WorkspaceTrip = episode.Has("workspace_trip") ? episode.Double("workspace_trip", null, 0, 1, "m") : config.WorkspaceTrip,
            };
            if (config.VelocityTrip is > 0 and < 1) throw episode.Error("velocity_trip", $"{config.VelocityTrip}: 0 (off) or at least 1 (a trip below the rated speed stops every motion)");
            episode.EnsureAllRead();
        }

        var rewards = root.RequiredSection("rewards");
        if (kind == TaskKind.Push)
            config = config with
            {
                EeToCubeStd = rewards.Double("ee_to_cube_std", config.EeToCubeStd, 0.01, 2, "m"),
                CubeToTargetStd = rewards.Double("cube_to_target_std", config.CubeToTargetStd, 0.01, 2, "m"),
            };
        config = config with
        {
            RewardScales = TaskFileParts.RewardScales(rewards, ManipulationTask.RewardTable, kind,
                kind == TaskKind.Push ? new[] { "ee_to_cube_std", "cube_to_target_std" } : Array.Empty<string>()),
            Observations = TaskFileParts.Observations(root.RequiredSection("observations"), ManipulationTask.ObservationTable, kind),
        };

        if (root.Section("randomization") is { } dr)
            config = config with { Randomization = TaskFileParts.Randomization(dr, config.Decimation, floatingBase: false) };
        TaskFileParts.RequireEpisodeStep(root, config.MaxEpisodeSteps, config.EpisodeSeconds, config.PhysicsDt * config.Decimation);
        root.EnsureAllRead();
        return config;
    }

    private static double[] Vector(TomlSection s, string key, int n, double[]? fallback, double min, double max)
    {
        var values = s.Numbers(key, fallback);
        if (values.Length != n) throw s.Error(key, $"expected {n} numbers, found {values.Length}");
        foreach (var v in values) if (!(v >= min && v <= max)) throw s.Error(key, $"{v} is outside [{min}, {max}]");   // nan too
        return values;
    }
}
