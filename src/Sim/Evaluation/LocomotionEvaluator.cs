using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Sim.Randomization;
using Robotics.Sim.Tasks.Locomotion;

namespace Robotics.Sim.Evaluation;

/// <summary>A policy under evaluation: observations [N, policyDim] in, actions [N, actionDim] out.</summary>
public delegate void BatchPolicy(ReadOnlySpan<float> observations, Span<float> actions);

/// <summary>What one evaluation condition gave, averaged over its episodes.</summary>
/// <param name="Condition">e.g. "nominal", "randomized" or "held-out" (<see cref="EvaluationConditions"/>).</param>
/// <param name="Episodes">Episodes finished.</param>
/// <param name="MeanReturn">Mean undiscounted return.</param>
/// <param name="MeanSeconds">Mean episode length [s].</param>
/// <param name="LinVelError">Mean |v*xy − vxy| over all steps [m/s].</param>
/// <param name="YawRateError">Mean |ω*z − ωz| over all steps [rad/s].</param>
/// <param name="Falls">Episodes that terminated (base contact or tilt) rather than reaching the time limit.</param>
/// <param name="Terms">Mean per-episode sum of each reward term.</param>
/// <param name="FallDetails">How each fall ended, in the order they happened (empty when not recorded).</param>
public sealed record EvaluationResult(string Condition, int Episodes, double MeanReturn, double MeanSeconds,
    double LinVelError, double YawRateError, int Falls, IReadOnlyDictionary<string, double> Terms, IReadOnlyList<Fall>? FallDetails = null)
{
    /// <summary>On a terrain grid: figures per terrain type and level (<see cref="TerrainSummary"/>); null on flat ground.</summary>
    public IReadOnlyList<TerrainTypeResult>? Terrain { get; init; }

    /// <summary>On a terrain grid: every episode with its tile; null on flat ground.</summary>
    public IReadOnlyList<TerrainEpisode>? TerrainEpisodes { get; init; }

    /// <summary>
    /// The falls in words: how many by base contact and by tilt, how soon after a push and after a command change
    /// ("3 falls: 3 tilted past 1.0 rad; 3 within 2 s of a push (0.4–1.3 s after it); 2 within 2 s of a command
    /// change (0.5–0.7 s after it)"); empty without falls.
    /// </summary>
    public string DescribeFalls()
    {
        var f = FallDetails ?? Array.Empty<Fall>();
        if (f.Count == 0) return "";
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        int contact = f.Count(x => x.BaseContact), tilt = f.Count - contact;
        var parts = new List<string>();
        if (contact > 0) parts.Add($"{contact} by base contact");
        if (tilt > 0) parts.Add(string.Create(inv, $"{tilt} tilted past {f.Where(x => !x.BaseContact).Min(x => x.Tilt):0.0} rad"));
        parts.Add(Within2s("a push", f.Select(x => x.SecondsSincePush)));
        parts.Add(Within2s("a command change", f.Select(x => x.SecondsSinceCommand)));
        return $"{f.Count} fall{(f.Count == 1 ? "" : "s")}: {string.Join("; ", parts)}";

        // How many falls came within 2 s of an event, and the range of those delays (NaN, "never", drops out).
        string Within2s(string evt, IEnumerable<double> secondsSince)
        {
            var near = secondsSince.Where(t => t <= 2).Order().ToList();
            return near.Count == 0 ? $"none within 2 s of {evt}"
                : string.Create(inv, $"{near.Count} within 2 s of {evt} ({near[0]:0.0}–{near[^1]:0.0} s after it)");
        }
    }
}

/// <summary>
/// Runs a policy on a legged task for N episodes under each of <see cref="EvaluationConditions"/> (nominal
/// dynamics, the training randomization, held-out randomization), and reports tracking error, falls and
/// per-term rewards.
/// </summary>
public static class LocomotionEvaluator
{
    /// <summary>Evaluates <paramref name="policy"/> under every condition of <see cref="EvaluationConditions.All"/>, in that order.</summary>
    public static IReadOnlyList<EvaluationResult> RunAll(LocomotionConfig config, BatchPolicy policy, int episodes,
        int envs = 16, int threads = 1, ulong seed = 0, Func<string, string>? label = null)
        => EvaluationConditions.RunAll(config, (c, name) => Run(c, policy, name, episodes, envs, threads, seed), label);

    /// <summary>
    /// Evaluates <paramref name="policy"/> on <paramref name="episodes"/> episodes. On a terrain grid the episodes walk the
    /// tiles of a <see cref="TileSchedule"/> seeded by <paramref name="seed"/> (every type and level), the curriculum moves
    /// no one, and the result carries per-type, per-level figures.
    /// </summary>
    public static EvaluationResult Run(LocomotionConfig config, BatchPolicy policy, string condition, int episodes,
        int envs = 16, int threads = 1, ulong seed = 0)
    {
        var task = new LocomotionTask(config);
        var map = task.Terrain;
        var schedule = map is null ? null : new TileSchedule(map.ColumnTypes, map.Rows, envs, seed);
        if (schedule is not null) task.TileOverride = schedule.Next;
        using var env = new MjVecEnv(task, envs, Math.Min(threads, envs), seed, ownsTask: true);
        if (task.Curriculum is { } curriculum) curriculum.Paused = true;
        double linErr = 0, yawErr = 0, samples = 0;
        var episodeErr = new double[envs];     // [N] Σ |v*xy − vxy| over the running episode's steps
        var episodeSteps = new int[envs];      // [N]
        var endedErr = new double[envs];       // [N] mean of the episode that just ended
        var falls = new List<Fall>();
        var tiles = new List<TerrainEpisode>();
        var totals = EpisodeLoop.Run(env, policy, episodes, episodeEnded: i =>
        {
            if (env.Terminated[i]) falls.Add(task.LastFall(i));
            if (map is not null)
            {
                var (level, column, distance, commanded, asked) = task.LastEpisode(i);
                tiles.Add(new TerrainEpisode(map.ColumnTypes[column], level, env.Terminated[i], distance, commanded, asked, endedErr[i]));
            }
        }, afterStep: i =>
        {
            var cmd = task.Command(i);
            var v = task.BaseLinVel(i);
            var w = task.BaseAngVel(i);
            double e = Math.Sqrt((cmd[0] - v[0]) * (cmd[0] - v[0]) + (cmd[1] - v[1]) * (cmd[1] - v[1]));
            linErr += e;
            yawErr += Math.Abs(cmd[2] - w[2]);
            samples++;
            // An ended episode's state is already the next one's first (auto-reset): its sample is not the ended episode's.
            if (env.Terminated[i] || env.Truncated[i])
            {
                endedErr[i] = episodeSteps[i] == 0 ? double.NaN : episodeErr[i] / episodeSteps[i];
                episodeErr[i] = 0; episodeSteps[i] = 0;
            }
            else { episodeErr[i] += e; episodeSteps[i]++; }
        });
        return new EvaluationResult(condition, totals.Episodes, totals.MeanReturn, totals.MeanLength * env.StepDt,
            linErr / samples, yawErr / samples, totals.Terminated, totals.Terms, falls)
        {
            Terrain = map is null ? null : TerrainSummary.Compute(tiles, schedule!.Types, map.Rows, map.TileSize),
            TerrainEpisodes = map is null ? null : tiles,
        };
    }

    /// <summary>
    /// Writes results as CSV: one row per condition, one column per figure and term. On a terrain grid, also one row per
    /// condition, type and level, named "condition:type" (e.g. "nominal:stairs_up"), with its level, episodes, pass rate,
    /// tracking error and falls; the cells a row does not have stay empty.
    /// </summary>
    public static void WriteCsv(string path, IReadOnlyList<EvaluationResult> results)
    {
        bool terrain = results.Any(r => r.Terrain is not null);
        var empty = new Dictionary<string, double>();
        var rows = results.Select(r => (r.Condition, Values(r.Episodes, r.MeanReturn, r.MeanSeconds, r.LinVelError, r.YawRateError, r.Falls, double.NaN, double.NaN), (IReadOnlyDictionary<string, double>)r.Terms)).ToList();
        foreach (var r in results)
            foreach (var t in r.Terrain ?? [])
                foreach (var l in t.Levels)
                    rows.Add(($"{r.Condition}:{TerrainSummary.Name(t.Type)}", Values(l.Episodes, double.NaN, double.NaN, l.LinVelError, double.NaN, l.Falls, l.Level, l.PassRate), empty));
        string[] columns = ["episodes", "mean_return", "mean_seconds", "lin_vel_error", "yaw_rate_error", "falls"];
        EvaluationCsv.Write(path, terrain ? [.. columns, "level", "pass_rate"] : columns, rows);

        double[] Values(double episodes, double ret, double seconds, double lin, double yaw, double falls, double level, double pass) =>
            terrain ? [episodes, ret, seconds, lin, yaw, falls, level, pass] : [episodes, ret, seconds, lin, yaw, falls];
    }
}
