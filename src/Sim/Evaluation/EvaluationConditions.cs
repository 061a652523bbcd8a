using Robotics.Sim.Randomization;

namespace Robotics.Sim.Evaluation;

/// <summary>
/// The three conditions every policy is evaluated under, easiest first:
/// <list type="bullet">
/// <item><see cref="Nominal"/>: the robot's nominal dynamics (the URDF and task file as written), no domain
/// randomization and no pushes; the policy's observation noise stays, as a real robot's sensors have it.</item>
/// <item><see cref="Randomized"/>: the task's training randomization, pushes included (the distribution it was trained on).</item>
/// <item><see cref="HeldOut"/>: every randomization range 1.5× wider about its centre and 20 ms more action latency.</item>
/// </list>
/// </summary>
// DESIGN: "nominal" once meant the training randomization. A robotics engineer reads "nominal dynamics" as the
// unperturbed model (legged_gym's and Isaac Lab's play configurations turn randomization and pushes off), and a
// report that shows only the nominal model and the held-out set hides how the policy does on the distribution
// it was trained on; so all three are evaluated and reported, and the training distribution is its own row.
public static class EvaluationConditions
{
    /// <summary>Nominal dynamics: no randomization, no pushes.</summary>
    public const string Nominal = "nominal";
    /// <summary>The training randomization, pushes included.</summary>
    public const string Randomized = "randomized";
    /// <summary>Held-out randomization: ranges × 1.5, +20 ms latency.</summary>
    public const string HeldOut = "held-out";

    /// <summary>Every condition's name, easiest first.</summary>
    public static IReadOnlyList<string> All { get; } = [Nominal, Randomized, HeldOut];

    /// <summary>How wide the held-out ranges are relative to the training ones.</summary>
    public const double HeldOutWiden = 1.5;

    /// <summary>Extra action latency of the held-out condition [s].</summary>
    public const double HeldOutExtraLatency = 0.020;

    /// <summary>
    /// The randomization of <paramref name="condition"/>, given the task's <paramref name="training"/> randomization
    /// and its physics step <paramref name="physicsDt"/> [s] (latency is counted in physics steps).
    /// </summary>
    /// <exception cref="ArgumentException">An unknown condition.</exception>
    public static RandomizationConfig Randomization(string condition, RandomizationConfig training, double physicsDt) => condition switch
    {
        Nominal => new RandomizationConfig(),
        Randomized => training,
        HeldOut => training.HeldOut(HeldOutWiden, (int)Math.Round(HeldOutExtraLatency / physicsDt)),
        _ => throw new ArgumentException($"evaluation condition '{condition}': expected one of {string.Join(", ", All)}", nameof(condition)),
    };

    /// <summary>Runs <paramref name="run"/> (condition, label) once per condition of <see cref="All"/>, in that order; the label is the condition's name unless <paramref name="label"/> says otherwise.</summary>
    public static IReadOnlyList<TResult> ForEach<TResult>(Func<string, string, TResult> run, Func<string, string>? label = null) =>
        All.Select(k => run(k, label?.Invoke(k) ?? k)).ToList();
}
