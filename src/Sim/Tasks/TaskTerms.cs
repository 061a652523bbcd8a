using Robotics.Deploy.Contract;
using Robotics.Sim.MuJoCo;

namespace Robotics.Sim.Tasks;

/// <summary>The value of one reward term for environment <paramref name="env"/> after the step just taken (unscaled).</summary>
public delegate double RewardFunction<in TTask>(TTask task, int env, MjData data);

/// <summary>Writes the raw (unscaled, noiseless) value of one observation term into <paramref name="slice"/>.</summary>
/// <param name="frame">What the robot measured (the noisy group's source) or the truth, as the task keeps them.</param>
public delegate void ObservationFunction<in TTask>(TTask task, int env, MjData data, SensorFrame frame, Span<float> slice);

/// <summary>
/// One reward term of a task kind, legged_gym's <c>_reward_&lt;name&gt;</c>: the task file's scale with this
/// name selects it. Reward* terms add, Cost* terms subtract; each contributes scale · value · policy dt.
/// </summary>
/// <param name="Name">The scale's key in the task file's <c>[rewards]</c> table.</param>
/// <param name="Doc">What the value is, with its unit.</param>
/// <param name="Compute">The value; must not allocate.</param>
public sealed record RewardTermDef<TTask>(string Name, string Doc, RewardFunction<TTask> Compute)
{
    /// <summary>Added after the only_positive_rewards clip (a fall costs its full scale).</summary>
    public bool AfterClip { get; init; }

    /// <summary>The task-file kind (e.g. <c>push</c>) the term belongs to; null: every kind of its table.</summary>
    public TaskKind? Only { get; init; }

    /// <summary>+1 for Reward* terms, −1 for Cost* terms.</summary>
    public double Sign => Name.StartsWith("Cost", StringComparison.Ordinal) ? -1 : 1;
}

/// <summary>One observation term of a task kind: the task file's group lists select and order them by name.</summary>
/// <param name="Name">snake_case name, as in the task file and the policy contract.</param>
/// <param name="Doc">What the slice holds, with its unit.</param>
/// <param name="Width">Floats in the slice, for a given task (joint or foot counts).</param>
/// <param name="Write">The raw value; must not allocate.</param>
public sealed record ObservationTermDef<TTask>(string Name, string Doc, Func<TTask, int> Width, ObservationFunction<TTask> Write)
{
    /// <summary>Only the simulator knows it: the critic may observe it, the policy may not.</summary>
    public bool Privileged { get; init; }

    /// <summary>The task-file kind (e.g. <c>push</c>) the term belongs to; null: every kind of its table.</summary>
    public TaskKind? Only { get; init; }
}

/// <summary>A task file's <c>[observations]</c>: the groups' term lists in order, scales, noise and clip.</summary>
public sealed record ObservationSettings
{
    /// <summary>Policy observation terms, in order.</summary>
    public required IReadOnlyList<string> PolicyTerms { get; init; }
    /// <summary>Critic observation terms, in order.</summary>
    public required IReadOnlyList<string> CriticTerms { get; init; }
    /// <summary>Per-term scales (default 1).</summary>
    public IReadOnlyDictionary<string, double> Scales { get; init; } = new Dictionary<string, double>();
    /// <summary>Per-term noise half-widths in raw units (the policy group only).</summary>
    public IReadOnlyDictionary<string, double> Noise { get; init; } = new Dictionary<string, double>();
    /// <summary>The clip of a task file that does not set one.</summary>
    public const double DefaultClip = 100;
    /// <summary>Symmetric clip of scaled observations; 0 = none.</summary>
    public double Clip { get; init; } = DefaultClip;
}
