using static TorchSharp.torch;

namespace Robotics.Training.Storage;

/// <summary>
/// Whole episodes of N environments that all start together, preallocated as [T, N, …] with T the longest
/// episode allowed. Each environment's first episode is kept: a step counts (<see cref="Valid"/>) until that
/// episode ends, and what the environment does after (it resets itself and goes on) is masked out.
/// GRPO learns from such batches: one return per episode, compared within a group.
/// </summary>
public sealed class EpisodeStorage : IDisposable
{
    /// <summary>Allocates storage for episodes of up to <paramref name="maxSteps"/> steps on <paramref name="device"/>.</summary>
    public EpisodeStorage(int maxSteps, int envs, int obsDim, int actionDim, Device device)
    {
        if (maxSteps < 1 || envs < 1) throw new ArgumentException($"episode storage needs T ≥ 1 and N ≥ 1 (got {maxSteps}, {envs})");
        Steps = maxSteps;
        Envs = envs;
        Observations = zeros(new long[] { maxSteps, envs, obsDim }, device: device);
        Actions = zeros(new long[] { maxSteps, envs, actionDim }, device: device);
        LogProbs = zeros(new long[] { maxSteps, envs }, device: device);
        Means = zeros(new long[] { maxSteps, envs, actionDim }, device: device);
        Stds = zeros(new long[] { maxSteps, envs, actionDim }, device: device);
        Rewards = zeros(new long[] { maxSteps, envs }, device: device);
        Valid = zeros(new long[] { maxSteps, envs }, device: device);
        Alive = ones(envs, device: device);
    }

    /// <summary>T, the capacity in steps.</summary>
    public int Steps { get; }
    /// <summary>N.</summary>
    public int Envs { get; }
    /// <summary>Steps filled so far.</summary>
    public int Count { get; private set; }

    /// <summary>[T, N, obsDim] policy observations.</summary>
    public Tensor Observations { get; }
    /// <summary>[T, N, actionDim]</summary>
    public Tensor Actions { get; }
    /// <summary>[T, N] log π(a_t | s_t) at collection.</summary>
    public Tensor LogProbs { get; }
    /// <summary>[T, N, actionDim] μ at collection.</summary>
    public Tensor Means { get; }
    /// <summary>[T, N, actionDim] σ at collection.</summary>
    public Tensor Stds { get; }
    /// <summary>[T, N] rewards, 0 where the step is not <see cref="Valid"/>.</summary>
    public Tensor Rewards { get; }
    /// <summary>[T, N] 1 where the step belongs to the environment's first episode.</summary>
    public Tensor Valid { get; }
    /// <summary>[N] 1 while the environment's first episode runs.</summary>
    public Tensor Alive { get; }

    /// <summary>Stores step <see cref="Count"/>'s inputs and outputs of the policy.</summary>
    public void AddPolicyStep(Tensor obs, Tensor actions, Tensor logProbs, Tensor means, Tensor stds)
    {
        if (Count >= Steps) throw new InvalidOperationException($"episode storage is full ({Steps} steps): an episode ran past the length it was sized for; call Clear after the update");
        int t = Count;
        using var _ = no_grad();
        Observations[t].copy_(obs);
        Actions[t].copy_(actions);
        LogProbs[t].copy_(logProbs);
        Means[t].copy_(means);
        Stds[t].copy_(stds);
    }

    /// <summary>Stores the environment's answer to step <see cref="Count"/> (rewards, ended [N]; 1 = the episode ended) and advances.</summary>
    public void AddEnvStep(Tensor rewards, Tensor ended)
    {
        int t = Count;
        using var _ = no_grad();
        Valid[t].copy_(Alive);
        Rewards[t].copy_(rewards * Alive);
        Alive.mul_(1 - ended);
        Count++;
    }

    /// <summary>Undiscounted return of each environment's first episode. [N]</summary>
    public Tensor EpisodeReturns() => Rewards.narrow(0, 0, Count).sum(new long[] { 0 });

    /// <summary>Empties the storage; every environment starts alive.</summary>
    public void Clear()
    {
        Count = 0;
        using var _ = no_grad();
        Alive.fill_(1);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var t in new[] { Observations, Actions, LogProbs, Means, Stds, Rewards, Valid, Alive }) t.Dispose();
    }
}
