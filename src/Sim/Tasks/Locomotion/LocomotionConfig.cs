using Robotics.Deploy.Contract;
using Robotics.Sim.Randomization;
using Robotics.Sim.Robots;
using Robotics.Sim.Terrain;

namespace Robotics.Sim.Tasks.Locomotion;

/// <summary>Names of velocity tracking's reward terms that code refers to; <see cref="LocomotionTask"/>'s table defines them all.</summary>
public static class LocomotionTerms
{
    /// <summary>Planar velocity tracking, the term a run's progress is measured by.</summary>
    public const string RewardTrackLinVel = nameof(RewardTrackLinVel);
    /// <summary>The fall cost, added after the only_positive_rewards clip.</summary>
    public const string CostTermination = nameof(CostTermination);

    /// <summary>Every term's name, in the table's order.</summary>
    public static IReadOnlyList<string> All { get; } = LocomotionTask.RewardTable.Select(t => t.Name).ToArray();
}

/// <summary>
/// A legged robot's velocity-tracking task, read from a TOML task file. A new legged robot needs
/// only its URDF and such a file. Sizes derived from the robot (joint count, observation widths) are
/// computed, not stored.
/// </summary>
public sealed record LocomotionConfig : IRandomizedConfig<LocomotionConfig>
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
    /// <summary>Symmetric clip of each action before the map [action units], in training and on the robot.</summary>
    public double ActionClip { get; init; } = ActionSpec.DefaultClip;

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

    /// <summary>Observation groups: term lists, scales, noise, clip.</summary>
    public required ObservationSettings Observations { get; init; }

    /// <summary>Domain randomization.</summary>
    public RandomizationConfig Randomization { get; init; } = new();

    /// <summary>The ground: the flat floor (the default) or a generated grid of tiles (<c>[terrain]</c>).</summary>
    public TerrainConfig Terrain { get; init; } = TerrainConfig.Flat;
    /// <summary>Seed of the generated grid and of its curriculum's random levels (<c>[terrain] seed</c>, or <c>train --set terrain.seed=N</c>); the same seed, the same terrain.</summary>
    public ulong TerrainSeed { get; init; }
    /// <summary>The terrain curriculum's settings (<c>[terrain.curriculum]</c>); used on a grid only.</summary>
    public CurriculumSettings Curriculum { get; init; } = new();

    /// <summary>
    /// The contract an exported policy is evaluated under (<c>eval --policy FILE</c>; set by <see cref="UnderContract"/>), or null: the task
    /// file's own, as in training. Its drive, action map and policy observation layout replace the task file's.
    /// </summary>
    public PolicyContract? Contract { get; init; }

    /// <summary>
    /// This task under <paramref name="contract"/>: its timing (physics step = policy period / decimation) and default pose replace the
    /// file's, and the task built from the result runs its drive, action map and observation layout (<see cref="Contract"/>).
    /// </summary>
    public LocomotionConfig UnderContract(PolicyContract contract) => this with
    {
        PhysicsDt = contract.Control.PolicyPeriod / contract.Control.Decimation, Decimation = contract.Control.Decimation,
        DefaultJointPos = contract.DefaultJointPos.ToArray(), Contract = contract,
    };

    /// <inheritdoc/>
    public LocomotionConfig WithRandomization(RandomizationConfig randomization) => this with { Randomization = randomization };

    /// <summary>Episode length in policy steps (derived).</summary>
    public int MaxEpisodeSteps => (int)Math.Round(EpisodeSeconds / (PhysicsDt * Decimation));

    /// <summary>The task-file kind.</summary>
    public const TaskKind Kind = TaskKind.Locomotion;

    /// <summary>Reads and validates a task file of kind "locomotion".</summary>
    /// <exception cref="UserError">Anything wrong, with the file and field named.</exception>
    /// <param name="path">The task file.</param>
    /// <param name="overrides"><c>dotted.key=value</c> settings applied over the file (<c>train --set</c>).</param>
    public static LocomotionConfig Load(string path, IReadOnlyList<string>? overrides = null)
    {
        var file = Path.GetFullPath(path);
        if (!File.Exists(file)) throw new UserError($"task file not found: {file}");
        var root = TomlSection.Parse(File.ReadAllText(file), file, overrides);
        var name = root.String("name");
        var kind = root.String("kind");
        if (kind != Kind.Name()) throw root.Error("kind", $"'{kind}' is not '{Kind.Name()}'");

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
            DefaultJointPos = defaults,
            RewardScales = new Dictionary<string, double>(),
            Observations = new ObservationSettings { PolicyTerms = Array.Empty<string>(), CriticTerms = Array.Empty<string>() },
        };
        // Absent keys keep the record's defaults: each default is written once, in LocomotionConfig.
        config = config with
        {
            InitialHeight = robot.Double("initial_height", config.InitialHeight, 0.01, 5, "m"),
            Armature = robot.Double("armature", config.Armature, 0, 1, "kg·m²"),
            ResetJointNoise = robot.Double("reset_joint_noise", config.ResetJointNoise, 0, 1, "rad"),
        };
        robot.EnsureAllRead();

        var control = root.RequiredSection("control");
        config = config with
        {
            PhysicsDt = control.Double("physics_dt", config.PhysicsDt, 0.0005, 0.02, "s"),
            Decimation = control.Int("decimation", config.Decimation, 1, 50),
            Kp = control.Double("kp", config.Kp, 0, 1000, "N·m/rad"),
            Kd = control.Double("kd", config.Kd, 0, 100, "N·m·s/rad"),
            ActionScale = control.Double("action_scale", config.ActionScale, 0.001, 10, "rad"),
            ActionClip = TaskFileParts.ActionClip(control),
        };
        control.EnsureAllRead();

        if (root.Section("commands") is { } commands)
        {
            config = config with
            {
                CommandVx = commands.Range("vx", config.CommandVx, -5, 5, "m/s"),
                CommandVy = commands.Range("vy", config.CommandVy, -5, 5, "m/s"),
                CommandYawRate = commands.Range("yaw_rate", config.CommandYawRate, -5, 5, "rad/s"),
                CommandResampleSeconds = commands.Double("resample_s", config.CommandResampleSeconds, 0.1, 1000, "s"),
            };
            commands.EnsureAllRead();
        }
        if (root.Section("episode") is { } episode)
        {
            config = config with
            {
                EpisodeSeconds = episode.Double("length_s", config.EpisodeSeconds, 0.1, 3600, "s"),
                MaxTilt = episode.Double("max_tilt", config.MaxTilt, 0.05, Math.PI, "rad"),
            };
            episode.EnsureAllRead();
        }

        // [rewards]: known settings, then one scale per term of the table, in file order.
        var rewards = root.RequiredSection("rewards");
        config = config with
        {
            TrackingSigma = rewards.Double("tracking_sigma", config.TrackingSigma, 1e-4, 100),
            SoftJointLimit = rewards.Double("soft_joint_limit", config.SoftJointLimit, 0.1, 1),
            FeetAirTimeTarget = rewards.Double("feet_air_time_target", config.FeetAirTimeTarget, 0, 5, "s"),
            OnlyPositiveRewards = rewards.Bool("only_positive_rewards", config.OnlyPositiveRewards),
        };
        config = config with
        {
            RewardScales = TaskFileParts.RewardScales(rewards, LocomotionTask.RewardTable, Kind,
                new[] { "tracking_sigma", "soft_joint_limit", "feet_air_time_target", "only_positive_rewards" }),
            Observations = TaskFileParts.Observations(root.RequiredSection("observations"), LocomotionTask.ObservationTable, Kind),
        };

        var terrainTable = root.Section("terrain");
        if (terrainTable is { } terrain && terrain.String("kind", "flat") == "grid")
        {
            // The task's own keys first (read keys pass TerrainConfig's check for unknown ones).
            config = config with { TerrainSeed = (ulong)terrain.Int("seed", (int)config.TerrainSeed, 0, int.MaxValue) };
            if (terrain.Section("curriculum") is { } cur)
            {
                config = config with { Curriculum = new CurriculumSettings
                {
                    MaxInitialLevel = cur.Int("max_initial_level", config.Curriculum.MaxInitialLevel, 0, 99),
                    PromoteFraction = cur.Double("promote_fraction", config.Curriculum.PromoteFraction, 1e-3, 1),
                    DemoteFraction = cur.Double("demote_fraction", config.Curriculum.DemoteFraction, 0, 1),
                } };
                cur.EnsureAllRead();
            }
        }
        config = config with { Terrain = TerrainConfig.Read(terrainTable) };
        if (config.Terrain.Kind == TerrainKind.Grid && config.Curriculum.MaxInitialLevel >= config.Terrain.Rows)
            throw terrainTable!.Error("curriculum.max_initial_level", $"{config.Curriculum.MaxInitialLevel} is not a level of a grid of {config.Terrain.Rows} rows (0–{config.Terrain.Rows - 1})");

        if (root.Section("randomization") is { } dr)
            config = config with { Randomization = TaskFileParts.Randomization(dr, config.Decimation, floatingBase: true) };
        TaskFileParts.RequireEpisodeStep(root, config.MaxEpisodeSteps, config.EpisodeSeconds, config.PhysicsDt * config.Decimation);
        root.EnsureAllRead();
        return config;
    }
}
