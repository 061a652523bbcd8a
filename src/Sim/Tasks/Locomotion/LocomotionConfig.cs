using Robotics.Sim.Randomization;
using Robotics.Sim.Robots;

namespace Robotics.Sim.Tasks.Locomotion;

/// <summary>Reward terms of velocity tracking, named like their scales in the task file.</summary>
public static class LocomotionTerms
{
    /// <summary>exp(−|v*xy − vxy|² / σ): planar velocity tracking in the base frame.</summary>
    public const string RewardTrackLinVel = nameof(RewardTrackLinVel);
    /// <summary>exp(−(ω*z − ωz)² / σ): yaw-rate tracking.</summary>
    public const string RewardTrackAngVel = nameof(RewardTrackAngVel);
    /// <summary>vz² [m²/s²]: vertical base velocity.</summary>
    public const string CostLinVelZ = nameof(CostLinVelZ);
    /// <summary>ωx² + ωy² [rad²/s²]: roll and pitch rates.</summary>
    public const string CostAngVelXY = nameof(CostAngVelXY);
    /// <summary>gx² + gy²: tilt, from the projected gravity.</summary>
    public const string CostOrientation = nameof(CostOrientation);
    /// <summary>Σ τ² [N²·m²]: joint torques.</summary>
    public const string CostTorques = nameof(CostTorques);
    /// <summary>Σ (aₜ − aₜ₋₁)²: action rate.</summary>
    public const string CostActionRate = nameof(CostActionRate);
    /// <summary>Σ (air time − target) at touchdown [s], while commanded to move.</summary>
    public const string RewardFeetAirTime = nameof(RewardFeetAirTime);
    /// <summary>Number of penalized links (thighs, calves) touching the ground.</summary>
    public const string CostCollision = nameof(CostCollision);
    /// <summary>Σ distance beyond the soft joint limits [rad].</summary>
    public const string CostJointLimits = nameof(CostJointLimits);

    /// <summary>
    /// 1 on the step an episode terminates (a fall), else 0. Added after the only_positive_rewards clip, as
    /// legged_gym does, so a fall costs its full scale even when the step's other terms clip to zero.
    /// </summary>
    public const string CostTermination = nameof(CostTermination);

    /// <summary>All terms in a fixed order.</summary>
    public static readonly string[] All =
    {
        RewardTrackLinVel, RewardTrackAngVel, CostLinVelZ, CostAngVelXY, CostOrientation, CostTorques,
        CostActionRate, RewardFeetAirTime, CostCollision, CostJointLimits, CostTermination,
    };
}

/// <summary>
/// A legged robot's velocity-tracking task, read from a TOML task file. A new legged robot needs
/// only its URDF and such a file. Sizes derived from the robot (joint count, observation widths) are
/// computed, not stored.
/// </summary>
public sealed record LocomotionConfig
{
    /// <summary>Task name.</summary>
    public required string Name { get; init; }
    /// <summary>The robot's URDF (absolute path).</summary>
    public required string Urdf { get; init; }
    /// <summary>Link carrying the IMU.</summary>
    public required string ImuLink { get; init; }
    /// <summary>The floating base link.</summary>
    public required string BaseLink { get; init; }
    /// <summary>Foot links, for contact, air time and foot heights.</summary>
    public required IReadOnlyList<string> Feet { get; init; }
    /// <summary>Substrings of link names whose ground contact is penalized (CostCollision).</summary>
    public IReadOnlyList<string> PenalizedContacts { get; init; } = Array.Empty<string>();
    /// <summary>Substrings of link names whose ground contact ends the episode.</summary>
    public IReadOnlyList<string> TerminateContacts { get; init; } = Array.Empty<string>();
    /// <summary>Base height at reset [m].</summary>
    public double InitialHeight { get; init; } = 0.35;
    /// <summary>Rotor armature [kg·m²].</summary>
    public double Armature { get; init; }
    /// <summary>Default joint positions [rad], in the URDF's actuated order. [n]</summary>
    public required double[] DefaultJointPos { get; init; }
    /// <summary>Half-width of the uniform noise on joint positions at reset [rad].</summary>
    public double ResetJointNoise { get; init; } = 0.1;

    /// <summary>Physics time step [s].</summary>
    public double PhysicsDt { get; init; } = 0.005;
    /// <summary>Physics steps per policy step (policy period = PhysicsDt × Decimation).</summary>
    public int Decimation { get; init; } = 4;
    /// <summary>Kp [N·m/rad].</summary>
    public double Kp { get; init; } = 20;
    /// <summary>Kd [N·m·s/rad].</summary>
    public double Kd { get; init; } = 0.5;
    /// <summary>Joint target = default + ActionScale · action [rad per unit].</summary>
    public double ActionScale { get; init; } = 0.25;

    /// <summary>Forward velocity command range [m/s].</summary>
    public (double Low, double High) CommandVx { get; init; } = (-1, 1);
    /// <summary>Lateral velocity command range [m/s].</summary>
    public (double Low, double High) CommandVy { get; init; } = (-0.5, 0.5);
    /// <summary>Yaw-rate command range [rad/s].</summary>
    public (double Low, double High) CommandYawRate { get; init; } = (-1, 1);
    /// <summary>Seconds between command resamples within an episode.</summary>
    public double CommandResampleSeconds { get; init; } = 10;

    /// <summary>Episode length before truncation [s].</summary>
    public double EpisodeSeconds { get; init; } = 20;
    /// <summary>Tilt beyond which the episode terminates [rad].</summary>
    public double MaxTilt { get; init; } = 1.0;

    /// <summary>Scales of the reward terms (Reward* add, Cost* subtract), per second of policy time.</summary>
    public required IReadOnlyDictionary<string, double> RewardScales { get; init; }
    /// <summary>σ of the tracking rewards [m²/s² or rad²/s²].</summary>
    public double TrackingSigma { get; init; } = 0.25;
    /// <summary>Soft joint limits as a fraction of the URDF range about its middle.</summary>
    public double SoftJointLimit { get; init; } = 0.9;
    /// <summary>
    /// Clip each step's total reward at zero (legged_gym's only_positive_rewards): with costs larger than
    /// the tracking rewards early in training, a negative total teaches the policy to end its episodes
    /// by falling. The terms are reported unclipped.
    /// </summary>
    public bool OnlyPositiveRewards { get; init; } = true;
    /// <summary>Air time a foot should reach before touchdown [s].</summary>
    public double FeetAirTimeTarget { get; init; } = 0.5;

    /// <summary>Policy observation terms, in order.</summary>
    public required IReadOnlyList<string> PolicyTerms { get; init; }
    /// <summary>Critic observation terms, in order.</summary>
    public required IReadOnlyList<string> CriticTerms { get; init; }
    /// <summary>Per-term scales (default 1).</summary>
    public IReadOnlyDictionary<string, double> ObservationScales { get; init; } = new Dictionary<string, double>();
    /// <summary>Per-term noise half-widths in raw units (policy group only).</summary>
    public IReadOnlyDictionary<string, double> ObservationNoise { get; init; } = new Dictionary<string, double>();
    /// <summary>Symmetric clip of scaled observations; 0 = none.</summary>
    public double ObservationClip { get; init; } = 100;

    /// <summary>Domain randomization.</summary>
    public RandomizationConfig Randomization { get; init; } = new();

    /// <summary>Episode length in policy steps (derived).</summary>
    public int MaxEpisodeSteps => (int)Math.Round(EpisodeSeconds / (PhysicsDt * Decimation));

    /// <summary>Terms the policy may observe (what a robot measures) and those only the critic may.</summary>
    public static readonly string[] MeasuredTerms = { "base_ang_vel", "projected_gravity", "commands", "joint_pos", "joint_vel", "last_action" };
    /// <summary>Privileged terms, for the critic.</summary>
    public static readonly string[] PrivilegedTerms =
        { "base_lin_vel", "friction", "added_mass", "motor_strength", "contact_forces", "foot_heights", "push", "action_latency" };

    /// <summary>Reads and validates a task file of kind "locomotion".</summary>
    /// <exception cref="TaskFileException">Anything wrong, with the file and field named.</exception>
    /// <param name="path">The task file.</param>
    /// <param name="overrides"><c>dotted.key=value</c> settings applied over the file (<c>train --set</c>).</param>
    public static LocomotionConfig Load(string path, IReadOnlyList<string>? overrides = null)
    {
        var file = Path.GetFullPath(path);
        if (!File.Exists(file)) throw new TaskFileException($"task file not found: {file}");
        var root = TomlSection.Parse(File.ReadAllText(file), file, overrides);
        var name = root.String("name");
        var kind = root.String("kind");
        if (kind != "locomotion") throw root.Error("kind", $"'{kind}' is not 'locomotion'");

        // [robot]: the URDF, relative to the task file, and which links play which part.
        var robot = root.RequiredSection("robot");
        var urdf = TaskFileParts.Urdf(robot);
        var urdfPath = urdf.Source;
        string Link(TomlSection s, string key, string value) => TaskFileParts.Link(s, key, value, urdf);
        var imu = Link(robot, "imu_link", robot.String("imu_link"));
        var baseLink = Link(robot, "base_link", robot.String("base_link"));
        var feet = robot.Strings("feet").Select(f => Link(robot, "feet", f)).ToList();
        if (feet.Count == 0) throw robot.Error("feet", "at least one foot is required");
        var defaults = TaskFileParts.JointValues(robot.RequiredSection("default_joint_pos"), urdf, -10, 10, "rad", withinRange: true);
        var config = new LocomotionConfig
        {
            Name = name, Urdf = urdfPath, ImuLink = imu, BaseLink = baseLink, Feet = feet,
            PenalizedContacts = robot.Strings("penalized_contacts", Array.Empty<string>()),
            TerminateContacts = robot.Strings("terminate_contacts", Array.Empty<string>()),
            InitialHeight = robot.Double("initial_height", 0.35, 0.01, 5, "m"),
            Armature = robot.Double("armature", 0, 0, 1, "kg·m²"),
            ResetJointNoise = robot.Double("reset_joint_noise", 0.1, 0, 1, "rad"),
            DefaultJointPos = defaults,
            RewardScales = new Dictionary<string, double>(),
            PolicyTerms = Array.Empty<string>(), CriticTerms = Array.Empty<string>(),
        };
        robot.EnsureAllRead();

        var control = root.RequiredSection("control");
        config = config with
        {
            PhysicsDt = control.Double("physics_dt", 0.005, 0.0005, 0.02, "s"),
            Decimation = control.Int("decimation", 4, 1, 50),
            Kp = control.Double("kp", 20, 0, 1000, "N·m/rad"),
            Kd = control.Double("kd", 0.5, 0, 100, "N·m·s/rad"),
            ActionScale = control.Double("action_scale", 0.25, 0.001, 10, "rad"),
        };
        control.EnsureAllRead();

        if (root.Section("commands") is { } commands)
        {
            config = config with
            {
                CommandVx = commands.Range("vx", (-1, 1), -5, 5, "m/s"),
                CommandVy = commands.Range("vy", (-0.5, 0.5), -5, 5, "m/s"),
                CommandYawRate = commands.Range("yaw_rate", (-1, 1), -5, 5, "rad/s"),
                CommandResampleSeconds = commands.Double("resample_s", 10, 0.1, 1000, "s"),
            };
            commands.EnsureAllRead();
        }
        if (root.Section("episode") is { } episode)
        {
            config = config with
            {
                EpisodeSeconds = episode.Double("length_s", 20, 0.1, 3600, "s"),
                MaxTilt = episode.Double("max_tilt", 1.0, 0.05, Math.PI, "rad"),
            };
            episode.EnsureAllRead();
        }

        // [rewards]: known settings, then one scale per term; an unknown term is an error.
        var rewards = root.RequiredSection("rewards");
        var scales = new Dictionary<string, double>();
        config = config with
        {
            TrackingSigma = rewards.Double("tracking_sigma", 0.25, 1e-4, 100),
            SoftJointLimit = rewards.Double("soft_joint_limit", 0.9, 0.1, 1),
            FeetAirTimeTarget = rewards.Double("feet_air_time_target", 0.5, 0, 5, "s"),
            OnlyPositiveRewards = rewards.Bool("only_positive_rewards", true),
        };
        foreach (var key in rewards.Keys.ToList())
        {
            if (key is "tracking_sigma" or "soft_joint_limit" or "feet_air_time_target" or "only_positive_rewards") continue;
            if (!LocomotionTerms.All.Contains(key))
                throw rewards.Error(key, $"unknown reward term; known terms: {string.Join(", ", LocomotionTerms.All)}");
            scales[key] = rewards.Double(key, null, 0, 1e4);
        }
        config = config with { RewardScales = scales };

        // [observations]: ordered term lists, scales, noise.
        var obs = root.RequiredSection("observations");
        var policy = obs.Strings("policy");
        var critic = obs.Strings("critic");
        foreach (var t in policy)
            if (!MeasuredTerms.Contains(t))
                throw obs.Error("policy", PrivilegedTerms.Contains(t)
                    ? $"'{t}' is privileged (a real robot cannot measure it); put it in the critic group"
                    : $"unknown term '{t}'; the policy may use {string.Join(", ", MeasuredTerms)}");
        foreach (var t in critic)
            if (!MeasuredTerms.Contains(t) && !PrivilegedTerms.Contains(t))
                throw obs.Error("critic", $"unknown term '{t}'; known: {string.Join(", ", MeasuredTerms.Concat(PrivilegedTerms))}");
        config = config with
        {
            PolicyTerms = policy, CriticTerms = critic,
            ObservationClip = obs.Double("clip", 100, 0, 1e6),
            ObservationScales = TaskFileParts.TermNumbers(obs.Section("scale"), policy.Concat(critic).ToHashSet(), 0, 1e4),
            ObservationNoise = TaskFileParts.TermNumbers(obs.Section("noise"), policy.ToHashSet(), 0, 1e3),
        };
        obs.EnsureAllRead();

        if (root.Section("randomization") is { } dr)
            config = config with { Randomization = TaskFileParts.Randomization(dr, config.Decimation, floatingBase: true) };
        root.EnsureAllRead();
        return config;
    }
}
