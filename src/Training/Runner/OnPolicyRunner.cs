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
    IReadOnlyDictionary<string, double> RewardTerms, UpdateStats Update);

/// <summary>
/// Collects rollouts from a vectorized environment with an on-policy algorithm and updates it: one
/// dispose scope per iteration keeps live tensors flat. Observation groups are read by name.
/// </summary>
public sealed class OnPolicyRunner
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

    /// <summary>Steps taken so far (all environments); a resumed run sets it from its checkpoint.</summary>
    public long TotalSteps { get; set; }

    /// <summary>
    /// Runs iterations <paramref name="firstIteration"/> … <paramref name="firstIteration"/> + <paramref name="iterations"/> − 1,
    /// calling <paramref name="onIteration"/> after each. Schedules see the progress it / (<paramref name="totalIterations"/> − 1)
    /// (default: the iterations of this call), so a resumed run keeps the schedule of the whole run.
    /// </summary>
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

            long stepsThisIteration = (long)_steps * n;
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

    /// <summary>One CSV header and row per iteration, culture-invariant.</summary>
    public static string CsvHeader(IReadOnlyList<string> terms) =>
        string.Join(",", new[] { "iteration", "total_steps", "sps", "collect_s", "learn_s", "mean_step_reward", "mean_episode_return", "mean_episode_length",
            "episodes", "value_loss", "surrogate", "entropy", "kl", "clip_fraction", "learning_rate", "noise_std" }.Concat(terms));

    /// <summary>Reads back a row written by <see cref="CsvRow"/> with the reward-term columns of <paramref name="header"/>.</summary>
    /// <exception cref="InvalidDataException">The row does not have the header's columns.</exception>
    public static IterationStats ParseCsvRow(string header, string row)
    {
        var names = header.Split(',');
        var cells = row.Split(',');
        if (cells.Length != names.Length) throw new InvalidDataException($"progress.csv row '{row}' has {cells.Length} columns; the header has {names.Length}");
        var inv = CultureInfo.InvariantCulture;
        double D(int i) => double.Parse(cells[i], inv);
        var terms = new Dictionary<string, double>();
        for (int k = 16; k < names.Length; k++) terms[names[k]] = D(k);
        return new IterationStats(int.Parse(cells[0], inv), long.Parse(cells[1], inv), D(2), D(3), D(4), D(5), D(6), D(7), int.Parse(cells[8], inv), terms,
            new UpdateStats(D(9), D(10), D(11), D(12), D(13), D(14), D(15)));
    }

    /// <summary>The CSV row of one iteration.</summary>
    public static string CsvRow(IterationStats s)
    {
        var inv = CultureInfo.InvariantCulture;
        string F(double x) => x.ToString("G6", inv);
        return string.Join(",", new[] { s.Iteration.ToString(inv), s.TotalSteps.ToString(inv), F(s.StepsPerSecond), F(s.CollectSeconds), F(s.LearnSeconds),
            F(s.MeanStepReward), F(s.MeanEpisodeReturn), F(s.MeanEpisodeLength), s.Episodes.ToString(inv), F(s.Update.ValueLoss), F(s.Update.Surrogate),
            F(s.Update.Entropy), F(s.Update.Kl), F(s.Update.ClipFraction), F(s.Update.LearningRate), F(s.Update.NoiseStd) }
            .Concat(s.RewardTerms.Values.Select(F)));
    }
}
