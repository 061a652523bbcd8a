using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Sim.Randomization;
using Robotics.Sim.Tasks.Locomotion;

namespace Robotics.Sim.Evaluation;

/// <summary>A policy under evaluation: observations [N, policyDim] in, actions [N, actionDim] out.</summary>
public delegate void BatchPolicy(ReadOnlySpan<float> observations, Span<float> actions);

/// <summary>What one evaluation condition gave, averaged over its episodes.</summary>
/// <param name="Condition">e.g. "nominal" or "held-out".</param>
/// <param name="Episodes">Episodes finished.</param>
/// <param name="MeanReturn">Mean undiscounted return.</param>
/// <param name="MeanSeconds">Mean episode length [s].</param>
/// <param name="LinVelError">Mean |v*xy − vxy| over all steps [m/s].</param>
/// <param name="YawRateError">Mean |ω*z − ωz| over all steps [rad/s].</param>
/// <param name="Falls">Episodes that terminated (base contact or tilt) rather than reaching the time limit.</param>
/// <param name="Terms">Mean per-episode sum of each reward term.</param>
public sealed record EvaluationResult(string Condition, int Episodes, double MeanReturn, double MeanSeconds,
    double LinVelError, double YawRateError, int Falls, IReadOnlyDictionary<string, double> Terms);

/// <summary>
/// Runs a policy on a legged task for N episodes under nominal dynamics (the task's training
/// randomization) and under a held-out set (every range widened, extra action latency), and reports
/// tracking error, falls and per-term rewards.
/// </summary>
public static class LocomotionEvaluator
{
    /// <summary>The held-out condition: ranges × <paramref name="widen"/> and <paramref name="extraLatencySteps"/> more physics steps of latency.</summary>
    public static LocomotionConfig HeldOut(LocomotionConfig c, double widen = 1.5, int extraLatencySteps = 4)
        => c with { Randomization = c.Randomization.HeldOut(widen, extraLatencySteps) };

    /// <summary>Evaluates <paramref name="policy"/> on <paramref name="episodes"/> episodes.</summary>
    public static EvaluationResult Run(LocomotionConfig config, BatchPolicy policy, string condition, int episodes,
        int envs = 16, int threads = 1, ulong seed = 0)
    {
        var task = new LocomotionTask(config);
        using var env = new MjVecEnv(task, envs, Math.Min(threads, envs), seed, ownsTask: true);
        double linErr = 0, yawErr = 0, samples = 0;
        var totals = EpisodeLoop.Run(env, policy, episodes, afterStep: i =>
        {
            var cmd = task.Command(i);
            var v = task.BaseLinVel(i);
            var w = task.BaseAngVel(i);
            linErr += Math.Sqrt((cmd[0] - v[0]) * (cmd[0] - v[0]) + (cmd[1] - v[1]) * (cmd[1] - v[1]));
            yawErr += Math.Abs(cmd[2] - w[2]);
            samples++;
        });
        return new EvaluationResult(condition, totals.Episodes, totals.MeanReturn, totals.MeanLength * env.StepDt,
            linErr / samples, yawErr / samples, totals.Terminated, totals.Terms);
    }

    /// <summary>Writes results as CSV: one row per condition, one column per figure and term.</summary>
    public static void WriteCsv(string path, IReadOnlyList<EvaluationResult> results)
    {
        var terms = results.SelectMany(r => r.Terms.Keys).Distinct().ToList();
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var lines = new List<string> { string.Join(",", new[] { "condition", "episodes", "mean_return", "mean_seconds", "lin_vel_error", "yaw_rate_error", "falls" }.Concat(terms)) };
        foreach (var r in results)
            lines.Add(string.Join(",", new[] { r.Condition, r.Episodes.ToString(inv), r.MeanReturn.ToString("G6", inv), r.MeanSeconds.ToString("G6", inv),
                r.LinVelError.ToString("G6", inv), r.YawRateError.ToString("G6", inv), r.Falls.ToString(inv) }
                .Concat(terms.Select(t => r.Terms.TryGetValue(t, out var v) ? v.ToString("G6", inv) : ""))));
        File.WriteAllLines(path, lines);
    }
}
