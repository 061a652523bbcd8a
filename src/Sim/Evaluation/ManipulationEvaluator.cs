using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Sim.Randomization;
using Robotics.Sim.Tasks.Manipulation;

namespace Robotics.Sim.Evaluation;

/// <summary>What one evaluation condition of an arm task gave, averaged over its episodes.</summary>
/// <param name="Condition">e.g. "nominal", "randomized" or "held-out" (<see cref="EvaluationConditions"/>).</param>
/// <param name="Episodes">Episodes finished.</param>
/// <param name="SuccessRate">Fraction of episodes whose last step met the success condition.</param>
/// <param name="MeanReturn">Mean undiscounted return.</param>
/// <param name="FinalDistance">Mean final distance [m]: tool to target (reach) or cube to target (push).</param>
/// <param name="FinalOrientationError">Mean final orientation error [rad] (reach; 0 for push).</param>
/// <param name="Failures">Episodes that terminated early: the cube fell, or the robot's safety layer would have stopped the arm (<see cref="ManipulationResult.SafetyTrips"/> of them).</param>
/// <param name="Terms">Mean per-episode sum of each reward term.</param>
public sealed record ManipulationResult(string Condition, int Episodes, double SuccessRate, double MeanReturn,
    double FinalDistance, double FinalOrientationError, int Failures, IReadOnlyDictionary<string, double> Terms)
{
    /// <summary>Of the <see cref="Failures"/>, those that ended on a safety trip: a joint too fast, the tool outside the workspace (a task with <c>velocity_trip</c>, <c>workspace_trip</c>).</summary>
    public int SafetyTrips { get; init; }
}

/// <summary>Runs a policy on an arm task under each of <see cref="EvaluationConditions"/> and reports success rate and final errors.</summary>
public static class ManipulationEvaluator
{
    /// <summary>Evaluates <paramref name="policy"/> under every condition of <see cref="EvaluationConditions.All"/>, in that order.</summary>
    public static IReadOnlyList<ManipulationResult> RunAll(ManipulationConfig config, BatchPolicy policy, int episodes,
        int envs = 16, int threads = 1, ulong seed = 0, Func<string, string>? label = null)
        => EvaluationConditions.RunAll(config, (c, name) => Run(c, policy, name, episodes, envs, threads, seed), label);

    /// <summary>Writes results as CSV: one row per condition, one column per figure and term.</summary>
    public static void WriteCsv(string path, IReadOnlyList<ManipulationResult> results) =>
        EvaluationCsv.Write(path, ["episodes", "success_rate", "mean_return", "final_distance", "final_orientation_error", "failures", "safety_trips"],
            results.Select(r => (r.Condition, new double[] { r.Episodes, r.SuccessRate, r.MeanReturn, r.FinalDistance, r.FinalOrientationError, r.Failures, r.SafetyTrips }, r.Terms)).ToList());

    /// <summary>Evaluates <paramref name="policy"/> on <paramref name="episodes"/> episodes.</summary>
    public static ManipulationResult Run(ManipulationConfig config, BatchPolicy policy, string condition, int episodes,
        int envs = 16, int threads = 1, ulong seed = 0)
    {
        var task = new ManipulationTask(config);
        using var env = new MjVecEnv(task, envs, Math.Min(threads, envs), seed, ownsTask: true);
        // Final errors are those of the episode's last step, kept by the task through the auto-reset.
        double distance = 0, orientation = 0;
        int successes = 0, trips = 0;
        var totals = EpisodeLoop.Run(env, policy, episodes, episodeEnded: i =>
        {
            if (env.Terminated[i] && task.EndedOnSafetyTrip(i)) trips++;
            if (task.FinalSuccess(i)) successes++;
            distance += task.FinalDistance(i);
            orientation += task.FinalOrientationError(i);
        });
        int done = totals.Episodes;
        return new ManipulationResult(condition, done, (double)successes / done, totals.MeanReturn, distance / done, orientation / done,
            totals.Terminated, totals.Terms) { SafetyTrips = trips };
    }
}
