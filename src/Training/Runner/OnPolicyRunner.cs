using System.Diagnostics;
using System.Globalization;
using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Training.Algorithms;
using Robotics.Training.Devices;
using static TorchSharp.torch;

namespace Robotics.Training.Runner;

/// <summary>One iteration's figures.</summary>
public sealed record IterationStats(int Iteration, long TotalSteps, double StepsPerSecond, double CollectSeconds, double LearnSeconds,
    double MeanStepReward, double MeanEpisodeReturn, double MeanEpisodeLength, int Episodes,
    IReadOnlyDictionary<string, double> RewardTerms, UpdateStats Update)
{
    /// <summary>Where the terrain curriculum stood after the iteration (a task on generated terrain), or null.</summary>
    public TerrainStats? Terrain { get; init; }
}

/// <summary>The terrain curriculum after an iteration: its mean level and the share of environments on each level.</summary>
/// <param name="MeanLevel">Mean level (row) over the environments.</param>
/// <param name="LevelShares">Share of the environments on each level, lowest first. [levels]</param>
public sealed record TerrainStats(double MeanLevel, IReadOnlyList<double> LevelShares)
{
    /// <summary>The progress.csv column of the mean level.</summary>
    public const string MeanColumn = "terrain_level_mean";

    /// <summary>The progress.csv columns of a curriculum with <paramref name="levels"/> levels: the mean, then each level's share.</summary>
    public static IEnumerable<string> Columns(int levels) => [MeanColumn, .. Enumerable.Range(0, levels).Select(ShareColumn)];

    /// <summary>The progress.csv column of level <paramref name="level"/>'s share.</summary>
    public static string ShareColumn(int level) => $"terrain_level_share_{level}";

    /// <summary>True for a column this record writes (not a reward term).</summary>
    public static bool IsColumn(string name) => name.StartsWith("terrain_level_", StringComparison.Ordinal);

    /// <summary>The curriculum's figures now.</summary>
    public static TerrainStats Of(Robotics.Sim.Terrain.TerrainCurriculum curriculum)
    {
        var shares = new double[curriculum.Levels];
        curriculum.LevelShares(shares);
        return new TerrainStats(curriculum.MeanLevel, shares);
    }
}

/// <summary>The loop that collects and learns, iteration by iteration: <see cref="OnPolicyRunner"/> or <see cref="GroupRolloutCollector"/>.</summary>
public interface IRolloutLoop
{
    /// <summary>Environment steps learned from so far; a resumed run sets it from its checkpoint.</summary>
    long TotalSteps { get; set; }

    /// <summary>
    /// Runs iterations <paramref name="firstIteration"/> … <paramref name="firstIteration"/> + <paramref name="iterations"/> − 1,
    /// calling <paramref name="onIteration"/> after each. Schedules see the progress it / (<paramref name="totalIterations"/> − 1)
    /// (default: the iterations of this call), so a resumed run keeps the schedule of the whole run. It stops early
    /// when <paramref name="stopAfter"/> says so.
    /// </summary>
    void Learn(int iterations, Action<IterationStats>? onIteration = null, int firstIteration = 0, int? totalIterations = null,
        Func<IterationStats, bool>? stopAfter = null);
}

/// <summary>
/// Collects rollouts from a vectorized environment with an on-policy algorithm and updates it: one
/// dispose scope per iteration keeps live tensors flat. Observation groups are read by name.
/// </summary>
public sealed class OnPolicyRunner : IRolloutLoop
{
    private readonly IVecEnv _env;
    private readonly IOnPolicyAlgorithm _algorithm;
    private readonly Device _device;
    private readonly int _steps;
    private readonly int _policyDim, _criticDim;
    private readonly float[] _actions;          // [N, actionDim]
    private readonly float[] _terminated, _truncated; // [N]

    /// <summary>Runs <paramref name="algorithm"/> on <paramref name="env"/>, <paramref name="stepsPerEnv"/> steps per iteration.</summary>
    public OnPolicyRunner(IVecEnv env, IOnPolicyAlgorithm algorithm, int stepsPerEnv, Device device)
    {
        _env = env;
        _algorithm = algorithm;
        _device = device;
        _steps = stepsPerEnv;
        _policyDim = env.ObservationGroups.Single(g => g.Name == ObservationGroup.Policy).Dim;
        var critic = env.ObservationGroups.FirstOrDefault(g => g.Name == ObservationGroup.Critic) ?? env.ObservationGroups.Single(g => g.Name == ObservationGroup.Policy);
        CriticGroup = critic.Name;
        _criticDim = critic.Dim;
        _actions = new float[env.NumEnvs * env.ActionDim];
        _terminated = new float[env.NumEnvs];
        _truncated = new float[env.NumEnvs];
    }

    /// <summary>The group the critic reads: <c>critic</c>, or <c>policy</c> when the task has no privileged group.</summary>
    public string CriticGroup { get; }

    /// <summary>Seconds spent inside the environments' Step since this runner was made (the rest of collection is the policy and the copies to and from tensors).</summary>
    public double EnvStepSeconds => (double)_envTicks / Stopwatch.Frequency;
    private long _envTicks;

    /// <inheritdoc/>
    public long TotalSteps { get; set; }

    /// <inheritdoc/>
    public void Learn(int iterations, Action<IterationStats>? onIteration = null, int firstIteration = 0, int? totalIterations = null,
        Func<IterationStats, bool>? stopAfter = null)
    {
        int total = totalIterations ?? firstIteration + iterations;
        int n = _env.NumEnvs;
        var termNames = (_env as MjVecEnv)?.RewardTermNames ?? Array.Empty<string>();
        for (int it = firstIteration; it < firstIteration + iterations; it++)
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            double rewardSum = 0, returnSum = 0, lengthSum = 0;
            int episodes = 0;
            var termSums = new double[termNames.Count];

            // Collect T steps from all N environments.
            for (int t = 0; t < _steps; t++)
            {
                using var stepScope = NewDisposeScope();
                var policyObs = Tensor(_env.Observations(ObservationGroup.Policy), _policyDim);
                var criticObs = Tensor(_env.Observations(CriticGroup), _criticDim);
                var actions = _algorithm.Act(policyObs, criticObs);
                actions.cpu().data<float>().CopyTo(_actions, 0, 0);
                long start = Stopwatch.GetTimestamp();
                _env.Step(_actions);
                _envTicks += Stopwatch.GetTimestamp() - start;

                var rewards = _env.Rewards;
                for (int i = 0; i < n; i++)
                {
                    rewardSum += rewards[i];
                    _terminated[i] = _env.Terminated[i] ? 1 : 0;
                    _truncated[i] = _env.Truncated[i] ? 1 : 0;
                    if (!_env.Terminated[i] && !_env.Truncated[i]) continue;
                    episodes++;
                    returnSum += _env.EpisodeReturns[i];
                    lengthSum += _env.EpisodeLengths[i];
                    if (_env is MjVecEnv mj)
                        for (int k = 0; k < termSums.Length; k++) termSums[k] += mj.EpisodeRewardTerms[i * termSums.Length + k];
                }
                _algorithm.ProcessStep(Tensor(rewards, 0), Tensor(_terminated, 0), Tensor(_truncated, 0),
                    Tensor(_env.FinalObservations(CriticGroup), _criticDim));
            }
            _algorithm.ComputeReturns(Tensor(_env.Observations(CriticGroup), _criticDim));
            double collect = clock.Elapsed.TotalSeconds;

            clock.Restart();
            var update = _algorithm.Update(total <= 1 ? 1 : (double)it / (total - 1));
            double learn = clock.Elapsed.TotalSeconds;

            long stepsThisIteration = (long)_steps * n * _algorithm.State.Parallel.Size;   // over all ranks
            TotalSteps += stepsThisIteration;
            var terms = termNames.Select((name, k) => (name, episodes > 0 ? termSums[k] / episodes : double.NaN)).ToDictionary(x => x.name, x => x.Item2);
            var stats = new IterationStats(it, TotalSteps, stepsThisIteration / (collect + learn), collect, learn,
                rewardSum / stepsThisIteration, episodes > 0 ? returnSum / episodes : double.NaN, episodes > 0 ? lengthSum / episodes : double.NaN,
                episodes, terms, update);
            onIteration?.Invoke(stats);
            if (stopAfter?.Invoke(stats) == true) return;
        }
    }

    // A [N, dim] (or [N] for dim 0) float tensor on the training device, copied from an environment buffer.
    private Tensor Tensor(ReadOnlySpan<float> values, int dim) => HostTensors.FromSpan(values, dim, _device);

    // The fixed columns of progress.csv, in the order they are written; the reward terms follow them.
    private static readonly string[] FixedColumns =
    {
        "iteration", "total_steps", "sps", "collect_s", "learn_s", "mean_step_reward", "mean_episode_return", "mean_episode_length",
        "episodes", "value_loss", "surrogate", "entropy", "kl", "clip_fraction", "learning_rate", "noise_std",
    };

    /// <summary>One CSV header and row per iteration, culture-invariant; a run on terrain with <paramref name="terrainLevels"/> levels adds its curriculum's columns.</summary>
    public static string CsvHeader(IReadOnlyList<string> terms, int terrainLevels = 0) =>
        string.Join(",", FixedColumns.Concat(terms).Concat(terrainLevels > 0 ? TerrainStats.Columns(terrainLevels) : []));

    /// <summary>The reward-term columns of a progress.csv header: every column that is neither a fixed one nor the curriculum's, in order.</summary>
    public static string[] RewardTermColumns(string header) => header.Split(',').Where(c => !FixedColumns.Contains(c) && !TerrainStats.IsColumn(c)).ToArray();

    /// <summary>The number of curriculum levels a progress.csv header has columns for (0: not a run on terrain).</summary>
    public static int TerrainLevels(string header) => header.Split(',').Count(c => c.StartsWith("terrain_level_share_", StringComparison.Ordinal));

    /// <summary>
    /// Reads back a row written by <see cref="CsvRow"/>, finding each column by its name in <paramref name="header"/> (so a
    /// file with columns added, dropped or moved still reads); the reward terms are the columns that are not fixed ones.
    /// </summary>
    /// <exception cref="UserError">The row does not have the header's columns, or a fixed column is missing.</exception>
    public static IterationStats ParseCsvRow(string header, string row)
    {
        var names = header.Split(',');
        var cells = row.Split(',');
        if (cells.Length != names.Length) throw new UserError($"progress.csv row '{row}' has {cells.Length} columns; the header has {names.Length}");
        var inv = CultureInfo.InvariantCulture;
        var column = names.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i);
        string Cell(string name) => column.TryGetValue(name, out int i) ? cells[i]
            : throw new UserError($"progress.csv has no column '{name}' (header: {header})");
        double D(string name) => double.Parse(Cell(name), inv);
        var terms = RewardTermColumns(header).ToDictionary(t => t, t => double.Parse(cells[column[t]], inv));
        int levels = TerrainLevels(header);
        var terrain = levels == 0 ? null
            : new TerrainStats(D(TerrainStats.MeanColumn), Enumerable.Range(0, levels).Select(l => D(TerrainStats.ShareColumn(l))).ToArray());
        return new IterationStats(int.Parse(Cell("iteration"), inv), long.Parse(Cell("total_steps"), inv), D("sps"), D("collect_s"), D("learn_s"),
            D("mean_step_reward"), D("mean_episode_return"), D("mean_episode_length"), int.Parse(Cell("episodes"), inv), terms,
            new UpdateStats(D("value_loss"), D("surrogate"), D("entropy"), D("kl"), D("clip_fraction"), D("learning_rate"), D("noise_std"))) { Terrain = terrain };
    }

    /// <summary>The CSV row of one iteration.</summary>
    public static string CsvRow(IterationStats s)
    {
        var inv = CultureInfo.InvariantCulture;
        string F(double x) => x.ToString("G6", inv);
        return string.Join(",", new[] { s.Iteration.ToString(inv), s.TotalSteps.ToString(inv), F(s.StepsPerSecond), F(s.CollectSeconds), F(s.LearnSeconds),
            F(s.MeanStepReward), F(s.MeanEpisodeReturn), F(s.MeanEpisodeLength), s.Episodes.ToString(inv), F(s.Update.ValueLoss), F(s.Update.Surrogate),
            F(s.Update.Entropy), F(s.Update.Kl), F(s.Update.ClipFraction), F(s.Update.LearningRate), F(s.Update.NoiseStd) }
            .Concat(s.RewardTerms.Values.Select(F))
            .Concat(s.Terrain is { } t ? [F(t.MeanLevel), .. t.LevelShares.Select(F)] : []));
    }
}
