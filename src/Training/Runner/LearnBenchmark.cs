using Robotics.Sim.Tasks;
using Robotics.Sim.Tasks.Locomotion;
using static TorchSharp.torch;

namespace Robotics.Training.Runner;

/// <summary>What <see cref="LearnBenchmark.Run"/> measured.</summary>
/// <param name="RunDirectory">The training run it made (config, progress.csv, curves, the stopping checkpoint).</param>
/// <param name="Reached">Whether the tracking reward reached the asked fraction of its maximum within the budget.</param>
/// <param name="Iterations">Iterations run.</param>
/// <param name="Steps">Environment steps collected.</param>
/// <param name="Seconds">Wall-clock [s] from the start (environments built, networks made) to the stop.</param>
/// <param name="Fraction">The tracking fraction at the stop (see <see cref="LearnBenchmark.TrackingFraction"/>).</param>
public sealed record LearnBenchmarkResult(string RunDirectory, bool Reached, int Iterations, long Steps, double Seconds, double Fraction);

/// <summary>
/// The learning benchmark (robotics bench learn): wall-clock until a legged task's linear-velocity tracking
/// reward reaches a fraction (0.8) of its maximum, training with the normal runner and writing a normal run.
/// </summary>
public static class LearnBenchmark
{
    /// <summary>
    /// The mean per-step tracking reward of the episodes that ended in an iteration over its maximum:
    /// the episodes' <c>RewardTrackLinVel</c> sum / (episode length × policy dt × its scale). exp(−e²/σ) is 1
    /// at zero error, so 1 is perfect tracking over the whole episode. 0 when no episode ended.
    /// </summary>
    public static double TrackingFraction(IterationStats s, double scale, double policyDt) =>
        s.Episodes > 0 && s.MeanEpisodeLength > 0 && s.RewardTerms.TryGetValue(LocomotionTerms.RewardTrackLinVel, out var sum) && double.IsFinite(sum)
            ? sum / (s.MeanEpisodeLength * policyDt * scale)
            : 0;

    /// <summary>
    /// Trains <paramref name="options"/> until the tracking fraction reaches <paramref name="fraction"/> on
    /// <paramref name="window"/> consecutive iterations, or <paramref name="budgetSeconds"/> pass, or the
    /// iterations run out.
    /// </summary>
    /// <exception cref="UserError">The task is not a locomotion task, or an argument is out of range.</exception>
    public static LearnBenchmarkResult Run(TrainOptions options, Device device, double fraction = 0.8, double budgetSeconds = 3600, int window = 3,
        Action<IterationStats, double, double>? progress = null)
    {
        if (fraction is <= 0 or > 1) throw new UserError($"fraction {fraction}: must be in (0, 1]");
        if (budgetSeconds <= 0) throw new UserError($"budget {budgetSeconds} s: must be positive");
        if (window < 1) throw new UserError($"window {window}: must be at least 1");
        var file = TaskCatalog.Resolve(options.Task);
        if (TaskCatalog.Kind(file) != TaskKind.Locomotion)
            throw new UserError($"task {options.Task}: the learning benchmark needs a locomotion task, whose {LocomotionTerms.RewardTrackLinVel} it measures");
        var config = LocomotionConfig.Load(file);
        if (!config.RewardScales.TryGetValue(LocomotionTerms.RewardTrackLinVel, out double scale) || scale <= 0)
            throw new UserError($"task {options.Task}: no positive {LocomotionTerms.RewardTrackLinVel} scale to measure tracking by");
        double dt = config.PhysicsDt * config.Decimation;

        // The clock starts before the environments are built: the user waits for that too.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var session = TrainingSession.Start(options, device);
        int above = 0, iterations = 0;
        double last = 0;
        bool reached = false;
        session.Learn(s =>
        {
            last = TrackingFraction(s, scale, dt);
            iterations = s.Iteration + 1;
            above = last >= fraction ? above + 1 : 0;
            reached = above >= window;
            progress?.Invoke(s, last, clock.Elapsed.TotalSeconds);
        }, _ => reached || clock.Elapsed.TotalSeconds >= budgetSeconds);
        double seconds = clock.Elapsed.TotalSeconds;
        session.Run.Plot();
        return new LearnBenchmarkResult(session.Run.Directory, reached, iterations, session.TotalSteps, seconds, last);
    }
}
