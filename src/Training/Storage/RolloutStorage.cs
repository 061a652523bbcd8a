using Robotics.Training.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Storage;

/// <summary>
/// One iteration's rollout, preallocated as [T, N, …] tensors (T steps per environment, N environments).
/// Filling past T throws. Time-limit truncation is folded into the rewards by the algorithm before it
/// gets here (r += γ·V(final observation)), so <see cref="Dones"/> marks every episode end and GAE cuts
/// there; a terminated episode contributes no bootstrap.
/// </summary>
public sealed class RolloutStorage : IDisposable
{
    /// <summary>Allocates storage on <paramref name="device"/>.</summary>
    public RolloutStorage(int steps, int envs, int policyDim, int criticDim, int actionDim, Device device)
    {
        if (steps < 1 || envs < 1) throw new ArgumentException($"rollout storage needs T ≥ 1 and N ≥ 1 (got {steps}, {envs})");
        Steps = steps;
        Envs = envs;
        PolicyObs = zeros(new long[] { steps, envs, policyDim }, device: device);
        CriticObs = zeros(new long[] { steps, envs, criticDim }, device: device);
        Actions = zeros(new long[] { steps, envs, actionDim }, device: device);
        Rewards = zeros(new long[] { steps, envs }, device: device);
        Dones = zeros(new long[] { steps, envs }, device: device);
        Values = zeros(new long[] { steps, envs }, device: device);
        LogProbs = zeros(new long[] { steps, envs }, device: device);
        Means = zeros(new long[] { steps, envs, actionDim }, device: device);
        Stds = zeros(new long[] { steps, envs, actionDim }, device: device);
        Returns = zeros(new long[] { steps, envs }, device: device);
        Advantages = zeros(new long[] { steps, envs }, device: device);
    }

    /// <summary>T.</summary>
    public int Steps { get; }
    /// <summary>N.</summary>
    public int Envs { get; }
    /// <summary>Steps filled so far.</summary>
    public int Count { get; private set; }

    /// <summary>[T, N, policyDim]</summary>
    public Tensor PolicyObs { get; }
    /// <summary>[T, N, criticDim]</summary>
    public Tensor CriticObs { get; }
    /// <summary>[T, N, actionDim]</summary>
    public Tensor Actions { get; }
    /// <summary>[T, N], truncation bootstrap included.</summary>
    public Tensor Rewards { get; }
    /// <summary>[T, N], 1 where an episode ended (terminated or truncated).</summary>
    public Tensor Dones { get; }
    /// <summary>[T, N] V(s_t), filled for the whole rollout before GAE.</summary>
    public Tensor Values { get; }
    /// <summary>[T, N] log π(a_t | s_t) at collection.</summary>
    public Tensor LogProbs { get; }
    /// <summary>[T, N, actionDim] μ at collection.</summary>
    public Tensor Means { get; }
    /// <summary>[T, N, actionDim] σ at collection.</summary>
    public Tensor Stds { get; }
    /// <summary>[T, N] λ-returns.</summary>
    public Tensor Returns { get; }
    /// <summary>[T, N] GAE advantages.</summary>
    public Tensor Advantages { get; }

    /// <summary>Stores step <see cref="Count"/>'s inputs and outputs of the policy.</summary>
    public void AddPolicyStep(Tensor policyObs, Tensor criticObs, Tensor actions, Tensor logProbs, Tensor means, Tensor stds)
    {
        if (Count >= Steps) throw new InvalidOperationException($"rollout storage is full ({Steps} steps); call Clear after the update");
        int t = Count;
        using var _ = no_grad();
        PolicyObs[t].copy_(policyObs);
        CriticObs[t].copy_(criticObs);
        Actions[t].copy_(actions);
        LogProbs[t].copy_(logProbs);
        Means[t].copy_(means);
        Stds[t].copy_(stds);
    }

    /// <summary>Stores the environment's answer to step <see cref="Count"/> and advances.</summary>
    public void AddEnvStep(Tensor rewards, Tensor dones)
    {
        int t = Count;
        using var _ = no_grad();
        Rewards[t].copy_(rewards);
        Dones[t].copy_(dones);
        Count++;
    }

    /// <summary>Empties the storage for the next iteration.</summary>
    public void Clear() => Count = 0;

    /// <summary>Fills <see cref="Advantages"/> and <see cref="Returns"/> by GAE(γ, λ), bootstrapping the last step from <paramref name="lastValues"/> [N].</summary>
    public void ComputeReturns(Tensor lastValues, double gamma, double lambda)
    {
        using var scope = NewDisposeScope();
        var (adv, ret) = Gae.Compute(Rewards, Values, Dones, lastValues, gamma, lambda);
        Advantages.copy_(adv);
        Returns.copy_(ret);
    }

    /// <summary>Minibatch index sets over the T·N samples, shuffled with <paramref name="generator"/>.</summary>
    public IEnumerable<Tensor> Minibatches(int count, Generator generator)
    {
        long total = (long)Steps * Envs;
        long size = total / count;
        if (size < 1) throw new ArgumentException($"{count} minibatches of {total} samples leaves them empty");
        var order = HostRandom.Randperm(total, generator, PolicyObs.device);
        for (int i = 0; i < count; i++) yield return order.narrow(0, i * size, size);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var t in new[] { PolicyObs, CriticObs, Actions, Rewards, Dones, Values, LogProbs, Means, Stds, Returns, Advantages }) t.Dispose();
    }
}

/// <summary>Generalized advantage estimation.</summary>
public static class Gae
{
    /// <summary>
    /// A_t = δ_t + γλ(1 − d_t) A_{t+1}, δ_t = r_t + γ(1 − d_t) V_{t+1} − V_t, with V_T the bootstrap
    /// <paramref name="lastValues"/>; returns R_t = A_t + V_t. rewards, values, dones: [T, N]; lastValues: [N].
    /// </summary>
    public static (Tensor Advantages, Tensor Returns) Compute(Tensor rewards, Tensor values, Tensor dones, Tensor lastValues, double gamma, double lambda)
    {
        using var _ = no_grad();
        long steps = rewards.shape[0];
        var advantages = zeros_like(rewards);
        var next = zeros_like(lastValues);
        var nextValue = lastValues;
        for (long t = steps - 1; t >= 0; t--)
        {
            var notDone = 1 - dones[t];
            var delta = rewards[t] + gamma * notDone * nextValue - values[t];
            next = delta + gamma * lambda * notDone * next;
            advantages[t].copy_(next);
            nextValue = values[t];
        }
        return (advantages, advantages + values);
    }
}
