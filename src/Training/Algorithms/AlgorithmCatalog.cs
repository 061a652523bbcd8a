namespace Robotics.Training.Algorithms;

/// <summary>
/// The algorithms <c>robotics train --algo</c> knows, by name: each with its config record (defaults, and the
/// settings <c>--set algorithm.key=value</c> changes), and how it is built from an <see cref="AlgorithmSpec"/>.
/// </summary>
public static class AlgorithmCatalog
{
    /// <summary>One algorithm: its name, a line for help, its config record's type and defaults, and its constructor.</summary>
    /// <param name="Name">The <c>--algo</c> name.</param>
    /// <param name="Description">One line for <c>--help</c>.</param>
    /// <param name="ConfigType">The config record settings apply to.</param>
    /// <param name="Episodic">True when it learns from whole episodes started in groups (driven by the group collector, not fixed windows).</param>
    /// <param name="Configure">Defaults with settings applied and validated; throws <see cref="UserError"/> naming a bad key.</param>
    /// <param name="Build">The algorithm for a spec and a config of <paramref name="ConfigType"/>.</param>
    public sealed record Entry(string Name, string Description, Type ConfigType, bool Episodic,
        Func<IReadOnlyList<string>, object> Configure, Func<AlgorithmSpec, object, IOnPolicyAlgorithm> Build);

    private static Entry Of<T>(string name, string description, Func<T, T> validate, Func<AlgorithmSpec, T, IOnPolicyAlgorithm> build, bool episodic = false)
        where T : class, new() =>
        new(name, description, typeof(T), episodic, settings => ConfigOverrides.Apply(new T(), settings, validate), (spec, config) => build(spec, (T)config));

    /// <summary>Every algorithm, in the order help lists them.</summary>
    public static IReadOnlyList<Entry> All { get; } = new[]
    {
        Of<PpoConfig>("ppo", "PPO, clipped surrogate with an asymmetric critic (rsl_rl's defaults)", c => c.Validate(), (s, c) => new Ppo(s, c)),
        Of<ReinforceConfig>("reinforce", "REINFORCE, the vanilla policy gradient with a baseline", c => c.Validate(), (s, c) => new Reinforce(s, c)),
        Of<NpgConfig>("npg", "natural policy gradient (conjugate gradient on Fisher-vector products)", c => c.Validate(), (s, c) => new NaturalPolicyGradient(s, c)),
        Of<TrpoConfig>("trpo", "TRPO, the natural step with a KL-bounded line search", c => c.Validate(), (s, c) => new Trpo(s, c)),
        Of<GrpoConfig>("grpo", "GRPO, no critic: returns normalized within groups of episodes from one start", c => c.Validate(), (s, c) => new Grpo(s, c), episodic: true),
    };

    /// <summary>The names, in the order help lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(e => e.Name).ToArray();

    /// <summary>The entry called <paramref name="name"/>.</summary>
    /// <exception cref="UserError">No such algorithm; the message lists them.</exception>
    public static Entry Get(string name) =>
        All.FirstOrDefault(e => e.Name == name) ?? throw new UserError($"--algo {name}: one of {string.Join(", ", Names)}");

    /// <summary>Algorithm <paramref name="name"/>'s config: its defaults with <paramref name="settings"/> (<c>key=value</c>) applied.</summary>
    /// <exception cref="UserError">An unknown algorithm, or a bad setting (the message names the key).</exception>
    public static object Configure(string name, IReadOnlyList<string>? settings = null) => Get(name).Configure(settings ?? Array.Empty<string>());

    /// <summary>Builds algorithm <paramref name="name"/> with its defaults and <paramref name="settings"/>.</summary>
    /// <exception cref="UserError">An unknown algorithm, or a bad setting.</exception>
    public static IOnPolicyAlgorithm Create(string name, AlgorithmSpec spec, IReadOnlyList<string>? settings = null)
    {
        var entry = Get(name);
        return entry.Build(spec, entry.Configure(settings ?? Array.Empty<string>()));
    }
}
