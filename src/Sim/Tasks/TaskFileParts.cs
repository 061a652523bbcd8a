using System.Text.RegularExpressions;
using Robotics.Deploy.Contract;
using Robotics.Sim.Randomization;
using Robotics.Sim.Robots;

namespace Robotics.Sim.Tasks;

/// <summary>Pieces every task file shares: the robot's URDF, per-joint values by pattern, term tables, randomization.</summary>
internal static class TaskFileParts
{
    /// <summary>[robot].urdf, relative to the task file, loaded and validated.</summary>
    public static UrdfRobot Urdf(TomlSection robot)
    {
        var path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(robot.File)!, robot.String("urdf")));
        try { return UrdfRobot.Load(path); }
        catch (UserError e) { throw robot.Error("urdf", e.Message); }
    }

    /// <summary>Refuses an episode shorter than half a policy period: it would round to no policy step at all.</summary>
    public static void RequireEpisodeStep(TomlSection root, int steps, double episodeSeconds, double policyPeriod)
    {
        if (steps < 1)
            throw root.Error("episode.length_s", FormattableString.Invariant($"{episodeSeconds} s is {steps} policy steps of {policyPeriod} s (control.physics_dt × control.decimation); an episode needs at least one"));
    }

    /// <summary>A link name that must exist in the URDF.</summary>
    public static string Link(TomlSection s, string key, string value, UrdfRobot urdf) =>
        urdf.Links.Contains(value) ? value : throw s.Error(key, $"'{value}' is not a link of {urdf.Source}; links: {string.Join(", ", urdf.Links)}");

    /// <summary>
    /// [randomization]: each entry =U(a,b), *U(a,b) or +U(a,b) with its allowed bounds. Base payload and
    /// centre-of-mass offset need a floating base; latency is at most three policy periods.
    /// </summary>
    public static RandomizationConfig Randomization(TomlSection dr, int decimation, bool floatingBase)
    {
        Sampled? S(string key, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
        {
            if (!dr.Has(key)) return null;
            if (!floatingBase && key is "base_payload" or "com_offset" or "push_interval_s" or "push_velocity" or "imu_bias")
                throw dr.Error(key, "applies to floating-base robots only");
            return Sampled.Parse(dr.String(key), $"{dr.File}: randomization.{key}", min, max);
        }
        var r = new RandomizationConfig
        {
            Friction = S("friction", 0, 5), LinkMass = S("link_mass", 0.1, 10), BasePayload = S("base_payload", -50, 50),
            ComOffset = S("com_offset", -0.5, 0.5), MotorStrength = S("motor_strength", 0, 10), Kp = S("kp", 0, 10), Kd = S("kd", 0, 10),
            JointDamping = S("joint_damping", 0, 100), JointFriction = S("joint_friction", 0, 100), Armature = S("armature", 0, 100),
            ActionLatency = S("action_latency", 0, 3 * decimation), ImuBias = S("imu_bias", -1, 1),
            PushInterval = S("push_interval_s", 0.1, 1000), PushVelocity = S("push_velocity", 0, 10),
        };
        if ((r.PushInterval is null) != (r.PushVelocity is null))
            throw dr.Error("push_interval_s", "push_interval_s and push_velocity go together");
        dr.EnsureAllRead();
        return r;
    }

    // Keys are joint names or glob patterns (* and ?), first match wins; every actuated joint needs
    // one, and every key must match a joint (a task file written for another robot is an error).
    public static double[] JointValues(TomlSection section, UrdfRobot urdf, double min, double max, string unit, bool withinRange)
    {
        var patterns = section.Keys.ToList();
        var values = patterns.ToDictionary(k => k, k => section.Double(k, null, min, max, unit));
        var regexes = patterns.ToDictionary(k => k, k => new Regex("^" + Regex.Escape(k).Replace("\\*", ".*").Replace("\\?", ".") + "$"));
        foreach (var p in patterns)
            if (!urdf.Actuated.Any(j => regexes[p].IsMatch(j.Name)))
                throw section.Error(p, $"matches no actuated joint of {urdf.Source}; joints: {string.Join(", ", urdf.Actuated.Select(j => j.Name))}");
        var result = new double[urdf.Actuated.Count];
        for (int i = 0; i < result.Length; i++)
        {
            var j = urdf.Actuated[i];
            var key = patterns.FirstOrDefault(p => regexes[p].IsMatch(j.Name))
                ?? throw new UserError($"{section.File}: {section.Path}: no value for joint '{j.Name}'");
            double v = values[key];
            if (withinRange && (v < j.Lower || v > j.Upper))
                throw section.Error(key, $"{v} rad is outside joint '{j.Name}''s range [{j.Lower}, {j.Upper}]");
            result[i] = v;
        }
        return result;
    }

    public static Dictionary<string, double> TermNumbers(TomlSection? section, HashSet<string> allowed, double min, double max)
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

    /// <summary>
    /// The scales of <paramref name="rewards"/> (every key but <paramref name="settings"/>), in file order: the
    /// order the task computes and reports its terms in. A name not in <paramref name="table"/>, or one of another kind, is an error.
    /// </summary>
    public static Dictionary<string, double> RewardScales<T>(TomlSection rewards, IReadOnlyList<RewardTermDef<T>> table, TaskKind kind, IReadOnlyCollection<string> settings)
    {
        var scales = new Dictionary<string, double>();
        foreach (var key in rewards.Keys.Where(k => !settings.Contains(k)).ToList())
        {
            var term = table.FirstOrDefault(t => t.Name == key)
                ?? throw rewards.Error(key, $"unknown reward term; known terms: {string.Join(", ", table.Where(t => t.Only is null || t.Only == kind).Select(t => t.Name))}");
            if (term.Only is { } only && only != kind) throw rewards.Error(key, $"does not apply to a {kind.Name()} task (only to {only.Name()})");
            scales[key] = rewards.Double(key, null, 0, 1e4);
        }
        return scales;
    }

    /// <summary>
    /// <c>[observations]</c>: the policy and critic lists (terms of <paramref name="table"/> for <paramref name="kind"/>;
    /// no privileged term in the policy's), scales, noise (policy terms only) and clip.
    /// </summary>
    public static ObservationSettings Observations<T>(TomlSection obs, IReadOnlyList<ObservationTermDef<T>> table, TaskKind kind)
    {
        var policy = obs.Strings("policy");
        var critic = obs.Strings("critic");
        var known = table.Where(t => t.Only is null || t.Only == kind).ToList();
        void Check(string group, string name, bool privilegedAllowed)
        {
            var term = table.FirstOrDefault(t => t.Name == name)
                ?? throw obs.Error(group, $"unknown term '{name}'; known: {string.Join(", ", known.Where(t => privilegedAllowed || !t.Privileged).Select(t => t.Name))}");
            if (term.Only is { } only && only != kind) throw obs.Error(group, $"'{name}' belongs to a {only.Name()} task, not {kind.Name()}");
            if (term.Privileged && !privilegedAllowed) throw obs.Error(group, $"'{name}' is privileged (a real robot cannot measure it); put it in the critic group");
        }
        foreach (var t in policy) Check(ObservationGroup.Policy, t, false);
        foreach (var t in critic) Check(ObservationGroup.Critic, t, true);
        var settings = new ObservationSettings
        {
            PolicyTerms = policy, CriticTerms = critic,
            Clip = obs.Double("clip", ObservationSettings.DefaultClip, 0, 1e6),
            Scales = TermNumbers(obs.Section("scale"), policy.Concat(critic).ToHashSet(), 0, 1e4),
            Noise = TermNumbers(obs.Section("noise"), policy.ToHashSet(), 0, 1e3),
        };
        obs.EnsureAllRead();
        return settings;
    }

    /// <summary><c>[control] action_clip</c>: the symmetric clip of actions in training, written into the contract for the robot.</summary>
    public static double ActionClip(TomlSection control) => control.Double("action_clip", ActionSpec.DefaultClip, 1e-3, 1e3);
}
