using Robotics.Sim.Randomization;
using Robotics.Sim.Tasks;

namespace Robotics.Sim.Evaluation;

/// <summary>A condition a policy is evaluated under (<see cref="EvaluationConditions"/>).</summary>
public enum EvaluationCondition
{
    /// <summary>Nominal dynamics: no randomization, no pushes.</summary>
    Nominal,
    /// <summary>The training randomization, pushes included.</summary>
    Randomized,
    /// <summary>Held-out randomization: ranges × 1.5, +20 ms latency.</summary>
    HeldOut,
}

/// <summary>
/// The three conditions every policy is evaluated under, easiest first:
/// <list type="bullet">
/// <item><see cref="EvaluationCondition.Nominal"/>: the robot's nominal dynamics (the URDF and task file as written), no domain
/// randomization and no pushes; the policy's observation noise stays, as a real robot's sensors have it.</item>
/// <item><see cref="EvaluationCondition.Randomized"/>: the task's training randomization, pushes included (the distribution it was trained on).</item>
/// <item><see cref="EvaluationCondition.HeldOut"/>: every randomization range 1.5× wider about its centre and 20 ms more action latency.</item>
/// </list>
/// </summary>
// DESIGN: "nominal" once meant the training randomization. A robotics engineer reads "nominal dynamics" as the
// unperturbed model (legged_gym's and Isaac Lab's play configurations turn randomization and pushes off), and a
// report that shows only the nominal model and the held-out set hides how the policy does on the distribution
// it was trained on; so all three are evaluated and reported, and the training distribution is its own row.
public static class EvaluationConditions
{
    /// <summary>Every condition, easiest first.</summary>
    public static IReadOnlyList<EvaluationCondition> All { get; } = [EvaluationCondition.Nominal, EvaluationCondition.Randomized, EvaluationCondition.HeldOut];

    /// <summary>How wide the held-out ranges are relative to the training ones.</summary>
    public const double HeldOutWiden = 1.5;

    /// <summary>Extra action latency of the held-out condition [s].</summary>
    public const double HeldOutExtraLatency = 0.020;

    /// <summary>The condition's name in reports and CSV files: <c>nominal</c>, <c>randomized</c>, <c>held-out</c>.</summary>
    public static string Name(this EvaluationCondition condition) => condition switch
    {
        EvaluationCondition.Nominal => "nominal",
        EvaluationCondition.Randomized => "randomized",
        EvaluationCondition.HeldOut => "held-out",
        _ => throw new ArgumentOutOfRangeException(nameof(condition), condition, null),
    };

    /// <summary>
    /// The randomization of <paramref name="condition"/>, given the task's <paramref name="training"/> randomization
    /// and its physics step <paramref name="physicsDt"/> [s] (latency is counted in physics steps).
    /// </summary>
    public static RandomizationConfig Randomization(EvaluationCondition condition, RandomizationConfig training, double physicsDt) => condition switch
    {
        EvaluationCondition.Nominal => new RandomizationConfig(),
        EvaluationCondition.Randomized => training,
        EvaluationCondition.HeldOut => training.HeldOut(HeldOutWiden, (int)Math.Round(HeldOutExtraLatency / physicsDt)),
        _ => throw new ArgumentOutOfRangeException(nameof(condition), condition, null),
    };

    /// <summary>The task <paramref name="config"/> under <paramref name="condition"/>.</summary>
    public static TConfig Under<TConfig>(EvaluationCondition condition, TConfig config) where TConfig : IRandomizedConfig<TConfig>
        => config.WithRandomization(Randomization(condition, config.Randomization, config.PhysicsDt));

    /// <summary>
    /// Runs <paramref name="run"/> (the config under the condition, label) once per condition of <see cref="All"/>,
    /// in that order; the label is the condition's name unless <paramref name="label"/> maps it to another.
    /// </summary>
    public static IReadOnlyList<TResult> RunAll<TConfig, TResult>(TConfig config, Func<TConfig, string, TResult> run, Func<string, string>? label = null)
        where TConfig : IRandomizedConfig<TConfig> =>
        All.Select(k => run(Under(k, config), label?.Invoke(k.Name()) ?? k.Name())).ToList();
}
