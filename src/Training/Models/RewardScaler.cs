using static TorchSharp.torch;

namespace Robotics.Training.Models;

/// <summary>
/// Reward scaling as in OpenAI baselines' VecNormalize and Engstrom et al. (2020): each reward is divided by
/// a running standard deviation of the discounted return R_t = γ·R_{t−1} + r_t (kept per environment, reset
/// to 0 when an episode ends) and clipped to ±<see cref="Clip"/>. The mean is not subtracted: shifting
/// rewards would change what the policy prefers (an alive bonus would turn into a cost).
/// </summary>
public sealed class RewardScaler : IDisposable
{
    private readonly Tensor _returns;   // [N] discounted return of each running episode
    private double _count, _mean, _variance = 1;   // of every R_t seen (population variance)

    /// <summary>A scaler for <paramref name="envs"/> environments, discount <paramref name="gamma"/>, clipping scaled rewards to ±<paramref name="clip"/>.</summary>
    public RewardScaler(int envs, double gamma, Device device, double clip = 10, double epsilon = 1e-8, Distributed.DataParallel? parallel = null)
    {
        if (envs < 1) throw new ArgumentException($"RewardScaler: envs = {envs}, must be ≥ 1");
        if (!(gamma > 0 && gamma <= 1)) throw new ArgumentException($"RewardScaler: gamma = {gamma}, allowed (0, 1]");
        if (!(clip > 0)) throw new ArgumentException($"RewardScaler: clip = {clip}, must be > 0");
        if (!(epsilon > 0)) throw new ArgumentException($"RewardScaler: epsilon = {epsilon}, must be > 0");
        Gamma = gamma;
        Clip = clip;
        Epsilon = epsilon;
        _returns = zeros(envs, device: device);
        _parallel = parallel ?? Distributed.DataParallel.Single;
    }

    private readonly Distributed.DataParallel _parallel;

    /// <summary>Starts every environment's discounted return afresh (a rank's environments after a checkpoint reset).</summary>
    public void RestartReturns()
    {
        using var _ = no_grad();
        _returns.zero_();
    }

    /// <summary>Discount of the return whose spread scales the rewards.</summary>
    public double Gamma { get; }
    /// <summary>Scaled rewards are clipped to [−Clip, Clip].</summary>
    public double Clip { get; }
    /// <summary>Added to the variance before the square root.</summary>
    public double Epsilon { get; }
    /// <summary>Discounted returns seen so far (N per step).</summary>
    public double Count => _count;
    /// <summary>Their running mean.</summary>
    public double Mean => _mean;
    /// <summary>Their running population variance (1 before the first step).</summary>
    public double Variance => _variance;
    /// <summary>The divisor √(Variance + ε).</summary>
    public double Scale => Math.Sqrt(_variance + Epsilon);

    /// <summary>
    /// Updates the discounted returns with <paramref name="rewards"/> [N], merges them into the statistics,
    /// and returns clip(r / √(σ² + ε), ±Clip) [N]; environments whose episode ended (<paramref name="dones"/> [N], 1 = ended)
    /// start their return afresh at the next step.
    /// </summary>
    public Tensor Apply(Tensor rewards, Tensor dones)
    {
        using var _ = no_grad();
        _returns.mul_(Gamma).add_(rewards);
        Merge(_returns);
        var scaled = clamp(rewards / Scale, -Clip, Clip);
        _returns.mul_(1 - dones);
        return scaled;
    }

    // Chan et al.'s parallel update: merge a batch's count, mean and M2 into the running ones.
    private void Merge(Tensor batch)
    {
        double n = batch.shape[0], batchMean, batchVariance;
        if (_parallel.IsActive)
        {
            // Every rank merges the union of all ranks' returns, so the scale is the same everywhere.
            var (count, m, v) = _parallel.Moments(batch);
            (n, batchMean, batchVariance) = (count, m.item<double>(), v.item<double>());
        }
        else (batchMean, batchVariance) = (batch.mean().item<float>(), batch.var(0, unbiased: false).item<float>());
        double total = _count + n;
        double delta = batchMean - _mean;
        double m2 = (_count > 0 ? _variance * _count : 0) + batchVariance * n + delta * delta * _count * n / total;
        _mean += delta * n / total;
        _variance = m2 / total;
        _count = total;
    }

    /// <summary>Writes the running statistics and each environment's discounted return as <c>name.json</c> (a checkpoint's part).</summary>
    public void SaveState(string directory, string name)
    {
        var state = new Dictionary<string, double> { ["count"] = _count, ["mean"] = _mean, ["variance"] = _variance };
        var returns = _returns.cpu().data<float>().ToArray();
        for (int i = 0; i < returns.Length; i++) state[$"return_{i}"] = returns[i];
        Algorithms.CheckpointFiles.Save(directory, name, state);
    }

    /// <summary>Restores what <see cref="SaveState"/> wrote, for the same number of environments.</summary>
    /// <exception cref="UserError">The file is missing or was written for another number of environments.</exception>
    public void LoadState(string directory, string name)
    {
        var state = Algorithms.CheckpointFiles.LoadScalars(directory, name);
        long n = _returns.shape[0];
        if (state.Count != n + 3 || !state.ContainsKey($"return_{n - 1}"))
            throw new UserError($"{Path.Combine(directory, name + ".json")}: reward-scaler state for {state.Count - 3} environments; this run has {n}");
        (_count, _mean, _variance) = (state["count"], state["mean"], state["variance"]);
        var returns = new float[n];
        for (int i = 0; i < n; i++) returns[i] = (float)state[$"return_{i}"];
        using var t = tensor(returns);
        _returns.copy_(t);
    }

    /// <inheritdoc/>
    public void Dispose() => _returns.Dispose();
}
