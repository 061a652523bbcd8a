using System.Text.RegularExpressions;
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

    /// <summary>All terms in a fixed order.</summary>
    public static readonly string[] All =
    {
        RewardTrackLinVel, RewardTrackAngVel, CostLinVelZ, CostAngVelXY, CostOrientation, CostTorques,
        CostActionRate, RewardFeetAirTime, CostCollision, CostJointLimits,
    };
}

/// <summary>Domain randomization of a legged robot; a null entry is not randomized. Applied per episode.</summary>
public sealed record LocomotionRandomization
{
    /// <summary>Ground and feet friction coefficient (e.g. =U(0.4, 1.25)).</summary>
    public Sampled? Friction { get; init; }
    /// <summary>Every link's mass (and inertia), independently (e.g. *U(0.9, 1.1)).</summary>
    public Sampled? LinkMass { get; init; }
    /// <summary>Payload added to the base [kg] (e.g. +U(−1, 3)).</summary>
    public Sampled? BasePayload { get; init; }
    /// <summary>Base centre-of-mass offset per axis [m] (e.g. +U(−0.05, 0.05)).</summary>
    public Sampled? ComOffset { get; init; }
    /// <summary>Motor strength factor per motor.</summary>
    public Sampled? MotorStrength { get; init; }
    /// <summary>Kp per motor.</summary>
    public Sampled? Kp { get; init; }
    /// <summary>Kd per motor.</summary>
    public Sampled? Kd { get; init; }
    /// <summary>Joint damping per joint.</summary>
    public Sampled? JointDamping { get; init; }
    /// <summary>Joint dry friction (frictionloss) per joint.</summary>
    public Sampled? JointFriction { get; init; }
    /// <summary>Rotor armature per joint.</summary>
    public Sampled? Armature { get; init; }
    /// <summary>Action latency [physics steps], rounded down; at most three policy periods.</summary>
    public Sampled? ActionLatency { get; init; }
    /// <summary>Gyro bias per axis [rad/s].</summary>
    public Sampled? ImuBias { get; init; }
    /// <summary>Seconds between pushes.</summary>
    public Sampled? PushInterval { get; init; }
    /// <summary>Horizontal speed of a push [m/s], in a random direction.</summary>
    public Sampled? PushVelocity { get; init; }

    /// <summary>The same randomization with every range widened by <paramref name="factor"/> (held-out evaluation).</summary>
    public LocomotionRandomization Widen(double factor) => new()
    {
        Friction = Friction?.Widen(factor), LinkMass = LinkMass?.Widen(factor), BasePayload = BasePayload?.Widen(factor),
        ComOffset = ComOffset?.Widen(factor), MotorStrength = MotorStrength?.Widen(factor), Kp = Kp?.Widen(factor),
        Kd = Kd?.Widen(factor), JointDamping = JointDamping?.Widen(factor), JointFriction = JointFriction?.Widen(factor),
        Armature = Armature?.Widen(factor), ActionLatency = ActionLatency, ImuBias = ImuBias?.Widen(factor),
        PushInterval = PushInterval, PushVelocity = PushVelocity?.Widen(factor),
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
    public LocomotionRandomization Randomization { get; init; } = new();

    /// <summary>Episode length in policy steps (derived).</summary>
    public int MaxEpisodeSteps => (int)Math.Round(EpisodeSeconds / (PhysicsDt * Decimation));

    /// <summary>Terms the policy may observe (what a robot measures) and those only the critic may.</summary>
    public static readonly string[] MeasuredTerms = { "base_ang_vel", "projected_gravity", "commands", "joint_pos", "joint_vel", "last_action" };
    /// <summary>Privileged terms, for the critic.</summary>
    public static readonly string[] PrivilegedTerms =
        { "base_lin_vel", "friction", "added_mass", "motor_strength", "contact_forces", "foot_heights", "push", "action_latency" };

    /// <summary>Reads and validates a task file of kind "locomotion".</summary>
    /// <exception cref="TaskFileException">Anything wrong, with the file and field named.</exception>
    public static LocomotionConfig Load(string path)
    {
        var file = Path.GetFullPath(path);
        if (!File.Exists(file)) throw new TaskFileException($"task file not found: {file}");
        var root = TomlSection.Parse(File.ReadAllText(file), file);
        var name = root.String("name");
        var kind = root.String("kind");
        if (kind != "locomotion") throw root.Error("kind", $"'{kind}' is not 'locomotion'");

        // [robot]: the URDF, relative to the task file, and which links play which part.
        var robot = root.RequiredSection("robot");
        var urdfPath = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, robot.String("urdf")));
        UrdfRobot urdf;
        try { urdf = UrdfRobot.Load(urdfPath); }
        catch (Exception e) when (e is UrdfException or FileNotFoundException) { throw robot.Error("urdf", e.Message); }
        string Link(TomlSection s, string key, string value) =>
            urdf.Links.Contains(value) ? value : throw s.Error(key, $"'{value}' is not a link of {urdf.Source}; links: {string.Join(", ", urdf.Links)}");
        var imu = Link(robot, "imu_link", robot.String("imu_link"));
        var baseLink = Link(robot, "base_link", robot.String("base_link"));
        var feet = robot.Strings("feet").Select(f => Link(robot, "feet", f)).ToList();
        if (feet.Count == 0) throw robot.Error("feet", "at least one foot is required");
        var defaults = JointDefaults(robot.RequiredSection("default_joint_pos"), urdf);
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
        };
        foreach (var key in rewards.Keys.ToList())
        {
            if (key is "tracking_sigma" or "soft_joint_limit" or "feet_air_time_target") continue;
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
            ObservationScales = TermNumbers(obs.Section("scale"), policy.Concat(critic).ToHashSet(), 0, 1e4),
            ObservationNoise = TermNumbers(obs.Section("noise"), policy.ToHashSet(), 0, 1e3),
        };
        obs.EnsureAllRead();

        if (root.Section("randomization") is { } dr)
        {
            Sampled? S(string key, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
            {
                if (!dr.Has(key)) return null;
                try { return Sampled.Parse(dr.String(key), $"{file}: randomization.{key}", min, max); }
                catch (FormatException e) { throw new TaskFileException(e.Message); }
            }
            var r = new LocomotionRandomization
            {
                Friction = S("friction", 0, 5), LinkMass = S("link_mass", 0.1, 10), BasePayload = S("base_payload", -50, 50),
                ComOffset = S("com_offset", -0.5, 0.5), MotorStrength = S("motor_strength", 0, 10), Kp = S("kp", 0, 10), Kd = S("kd", 0, 10),
                JointDamping = S("joint_damping", 0, 100), JointFriction = S("joint_friction", 0, 100), Armature = S("armature", 0, 100),
                ActionLatency = S("action_latency", 0, 3 * config.Decimation), ImuBias = S("imu_bias", -1, 1),
                PushInterval = S("push_interval_s", 0.1, 1000), PushVelocity = S("push_velocity", 0, 10),
            };
            if ((r.PushInterval is null) != (r.PushVelocity is null))
                throw dr.Error("push_interval_s", "push_interval_s and push_velocity go together");
            config = config with { Randomization = r };
            dr.EnsureAllRead();
        }
        root.EnsureAllRead();
        return config;
    }

    // Keys are joint names or glob patterns (* and ?), first match wins; every actuated joint needs
    // one, and every key must match a joint (a task file written for another robot is an error).
    private static double[] JointDefaults(TomlSection section, UrdfRobot urdf)
    {
        var patterns = section.Keys.ToList();
        var values = patterns.ToDictionary(k => k, k => section.Double(k, null, -10, 10, "rad"));
        var regexes = patterns.ToDictionary(k => k, k => new Regex("^" + Regex.Escape(k).Replace("\\*", ".*").Replace("\\?", ".") + "$"));
        foreach (var p in patterns)
            if (!urdf.Actuated.Any(j => regexes[p].IsMatch(j.Name)))
                throw section.Error(p, $"matches no actuated joint of {urdf.Source}; joints: {string.Join(", ", urdf.Actuated.Select(j => j.Name))}");
        var result = new double[urdf.Actuated.Count];
        for (int i = 0; i < result.Length; i++)
        {
            var j = urdf.Actuated[i];
            var key = patterns.FirstOrDefault(p => regexes[p].IsMatch(j.Name))
                ?? throw new TaskFileException($"{section.File}: {section.Path}: no default position for joint '{j.Name}'");
            double v = values[key];
            if (v < j.Lower || v > j.Upper)
                throw section.Error(key, $"{v} rad is outside joint '{j.Name}''s range [{j.Lower}, {j.Upper}]");
            result[i] = v;
        }
        return result;
    }

    private static Dictionary<string, double> TermNumbers(TomlSection? section, HashSet<string> allowed, double min, double max)
    {
        var d = new Dictionary<string, double>();
        if (section is null) return d;
        foreach (var key in section.Keys.ToList())
        {
            if (!allowed.Contains(key)) throw section.Error(key, $"no such term in the groups; terms: {string.Join(", ", allowed)}");
            d[key] = section.Double(key, null, min, max);
        }
        return d;
    }
}
