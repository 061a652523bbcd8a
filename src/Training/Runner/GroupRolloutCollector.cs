using System.Diagnostics;
using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Sim.Random;
using Robotics.Training.Algorithms;
using Robotics.Training.Devices;
using static TorchSharp.torch;

namespace Robotics.Training.Runner;

/// <summary>
/// The collection loop of <see cref="Grpo"/>: each iteration resets the environments in groups of G copies
/// that share one sampled start (<see cref="IGroupResettable.ResetGroups"/>), steps them until every
/// environment's episode has ended, then computes the group advantages and updates. One dispose scope per
/// iteration and per step keeps live tensors flat.
/// </summary>
// DESIGN: the OnPolicyRunner collects fixed windows of T steps from environments that reset on their own,
// so its episodes start wherever and whenever the previous one ended, and are cut at the window's edge.
// GRPO compares whole returns of episodes with one start, so it needs the reset at the start of the
// iteration and the episodes run to their end: a loop of its own. It drives Grpo through the same
// IOnPolicyAlgorithm calls and reports the same IterationStats.
public sealed class GroupRolloutCollector : IRolloutLoop
{
    private readonly IVecEnv _env;
    private readonly IGroupResettable _groups;
    private readonly Grpo _grpo;
    private readonly Device _device;
    private readonly ulong _seed;
    private readonly int _policyDim;
    private readonly float[] _actions;                  // [N, actionDim]
    private readonly float[] _terminated, _truncated;   // [N]
    private readonly bool[] _ended;                     // [N] first episode over

    /// <summary>Runs <paramref name="grpo"/> on <paramref name="env"/>; iteration i's group starts derive from (<paramref name="seed"/>, i).</summary>
    /// <exception cref="ArgumentException">The environment cannot reset in groups, or the group size does not divide it.</exception>
    public GroupRolloutCollector(IVecEnv env, Grpo grpo, Device device, ulong seed)
    {
        _groups = env as IGroupResettable
            ?? throw new ArgumentException($"GRPO needs an environment that resets in groups ({nameof(IGroupResettable)}); {env.GetType().Name} does not");
        if (env.NumEnvs % grpo.Config.GroupSize != 0 || grpo.Storage.Envs != env.NumEnvs)
            throw new ArgumentException($"GRPO: {env.NumEnvs} environments, algorithm sized for {grpo.Storage.Envs}, group size {grpo.Config.GroupSize} (must divide them)");
        _env = env;
        _grpo = grpo;
        _device = device;
        _seed = seed;
        _policyDim = env.ObservationGroups.Single(g => g.Name == ObservationGroup.Policy).Dim;
        _actions = new float[env.NumEnvs * env.ActionDim];
        _terminated = new float[env.NumEnvs];
        _truncated = new float[env.NumEnvs];
        _ended = new bool[env.NumEnvs];
    }

    /// <summary>Steps that went into learning so far: the steps of each environment's first episode, summed.</summary>
    /// <remarks>The environments that finish early go on stepping until the slowest one ends; those steps are not counted (an environment that could pause would not take them).</remarks>
    public long TotalSteps { get; set; }

    /// <inheritdoc/>
    /// <remarks>Iteration i's group starts derive from (seed, i), so a resumed run draws the starts the straight one did.</remarks>
    public void Learn(int iterations, Action<IterationStats>? onIteration = null, int firstIteration = 0, int? totalIterations = null,
        Func<IterationStats, bool>? stopAfter = null)
    {
        int total = totalIterations ?? firstIteration + iterations;
        for (int it = firstIteration; it < firstIteration + iterations; it++)
        {
            var stats = Iteration(it, total <= 1 ? 1 : (double)it / (total - 1));
            onIteration?.Invoke(stats);
            if (stopAfter?.Invoke(stats) == true) return;
        }
    }

    /// <summary>
    /// Runs iterations while that brings <see cref="TotalSteps"/> closer to <paramref name="stepBudget"/>: an
    /// iteration's length is not known in advance, so the next is taken when, were it as long as the last, it would
    /// overshoot the budget by less than stopping would fall short (at least one iteration runs). The schedule's
    /// progress is the fraction of the budget spent.
    /// </summary>
    public void LearnSteps(long stepBudget, Action<IterationStats>? onIteration = null)
    {
        if (stepBudget < 1) throw new ArgumentException($"step budget {stepBudget}: must be ≥ 1");
        long last = 0;
        for (int it = 0; it == 0 || TotalSteps + last / 2 < stepBudget; it++)
        {
            long before = TotalSteps;
            var stats = Iteration(it, Math.Min(1.0, (double)TotalSteps / stepBudget));
            last = TotalSteps - before;
            onIteration?.Invoke(stats);
        }
    }

    private IterationStats Iteration(int it, double progress)
    {
        using var scope = NewDisposeScope();
        int n = _env.NumEnvs;
        var clock = Stopwatch.StartNew();
        var termNames = (_env as MjVecEnv)?.RewardTermNames ?? Array.Empty<string>();
        var termSums = new double[termNames.Count];
        double returnSum = 0, lengthSum = 0;
        int endedCount = 0;
        Array.Clear(_ended);

        // Every group starts from its own draw; run until each environment's first episode has ended.
        _groups.ResetGroups(_grpo.Config.GroupSize, Rng.Derive(_seed, "grpo-groups", it));
        int capacity = _grpo.Storage.Steps;
        // With several ranks, all step until every rank's episodes have ended: the per-step collectives (the observation
        // statistics) then line up, and a rank done early steps on like any environment whose episode ended first.
        for (int t = 0; _grpo.State.Parallel.Average(endedCount < n ? 1 : 0) > 0; t++)
        {
            if (t == capacity)
                throw new InvalidOperationException($"GRPO: {n - endedCount} episodes still running after {capacity} steps; size the algorithm for the task's longest episode");
            using var stepScope = NewDisposeScope();
            var obs = Tensor(_env.Observations(ObservationGroup.Policy), _policyDim);
            var actions = _grpo.Act(obs, obs);
            actions.cpu().data<float>().CopyTo(_actions, 0, 0);
            _env.Step(_actions);
            for (int i = 0; i < n; i++)
            {
                _terminated[i] = _env.Terminated[i] ? 1 : 0;
                _truncated[i] = _env.Truncated[i] ? 1 : 0;
                if (_ended[i] || !(_env.Terminated[i] || _env.Truncated[i])) continue;
                _ended[i] = true;
                endedCount++;
                returnSum += _env.EpisodeReturns[i];
                lengthSum += _env.EpisodeLengths[i];
                if (_env is MjVecEnv mj)
                    for (int k = 0; k < termSums.Length; k++) termSums[k] += mj.EpisodeRewardTerms[i * termSums.Length + k];
            }
            _grpo.ProcessStep(Tensor(_env.Rewards, 0), Tensor(_terminated, 0), Tensor(_truncated, 0), obs);
        }
        _grpo.ComputeReturns(empty(0));
        double collect = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var update = _grpo.Update(progress);
        double learn = clock.Elapsed.TotalSeconds;

        Span<double> stepsOfAllRanks = [lengthSum];   // each rank ran its own episodes
        _grpo.State.Parallel.SumInPlace(stepsOfAllRanks);
        long steps = (long)Math.Round(stepsOfAllRanks[0]);
        TotalSteps += steps;
        var terms = termNames.Select((name, k) => (name, termSums[k] / n)).ToDictionary(x => x.name, x => x.Item2);
        return new IterationStats(it, TotalSteps, steps / (collect + learn), collect, learn,
            returnSum / Math.Max(1, lengthSum), returnSum / n, lengthSum / n, n, terms, update);
    }

    // A [N, dim] (or [N] for dim 0) float tensor on the training device, copied from an environment buffer.
    private Tensor Tensor(ReadOnlySpan<float> values, int dim) => HostTensors.FromSpan(values, dim, _device);
}
