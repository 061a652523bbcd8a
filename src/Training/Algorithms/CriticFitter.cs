using Robotics.Training.Devices;
using Robotics.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Algorithms;

/// <summary>How the value function is regressed onto returns when it is fitted apart from the policy.</summary>
public sealed record ValueFitConfig
{
    /// <summary>Adam's learning rate for the critic.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Passes over the rollout per iteration.</summary>
    public int Epochs { get; init; } = 5;
    /// <summary>Minibatches per pass.</summary>
    public int Minibatches { get; init; } = 4;
    /// <summary>Clip each value's change from its value at collection to ±<see cref="ValueClipRange"/> in the loss (PPO's value clipping).</summary>
    public bool ClipValueLoss { get; init; }
    /// <summary>The clip range of <see cref="ClipValueLoss"/>, in the return's units.</summary>
    public double ValueClipRange { get; init; } = 0.2;
    /// <summary>Anneal the learning rate linearly to 0 over the run.</summary>
    public bool AnnealLearningRate { get; init; }
    /// <summary>Clip the gradient's global norm to this value; 0 = off.</summary>
    public double MaxGradNorm { get; init; }

    /// <summary>Throws <see cref="UserError"/> naming the first field out of range.</summary>
    public ValueFitConfig Validate()
    {
        if (!(LearningRate > 0 && LearningRate < 1)) throw new UserError($"ValueFitConfig.LearningRate = {LearningRate}: allowed (0, 1)");
        if (Epochs < 1) throw new UserError($"ValueFitConfig.Epochs = {Epochs}: must be ≥ 1");
        if (Minibatches < 1) throw new UserError($"ValueFitConfig.Minibatches = {Minibatches}: must be ≥ 1");
        if (!(ValueClipRange > 0)) throw new UserError($"ValueFitConfig.ValueClipRange = {ValueClipRange}: must be > 0");
        if (!(MaxGradNorm >= 0)) throw new UserError($"ValueFitConfig.MaxGradNorm = {MaxGradNorm}: must be ≥ 0 (0 = off)");
        return this;
    }
}

/// <summary>
/// Fits a <see cref="Critic"/> to returns by mean squared error with its own Adam optimizer, epochs ×
/// minibatches: the "value function fitted separately" of TRPO, NPG and REINFORCE's learned baseline.
/// </summary>
public sealed class CriticFitter : IDisposable
{
    private readonly Critic _critic;
    private readonly ValueFitConfig _c;
    private readonly optim.Optimizer _optimizer;
    private readonly Distributed.DataParallel _parallel;

    /// <summary>A fitter for <paramref name="critic"/>.</summary>
    public CriticFitter(Critic critic, ValueFitConfig config, Distributed.DataParallel? parallel = null)
    {
        _parallel = parallel ?? Distributed.DataParallel.Single;
        _critic = critic;
        _c = config.Validate();
        _optimizer = optim.Adam(critic.parameters(), config.LearningRate);
    }

    /// <summary>The critic's optimizer (its state belongs in checkpoints).</summary>
    public optim.Optimizer Optimizer => _optimizer;

    /// <summary>
    /// Regresses V(obs) onto <paramref name="returns"/>; obs [B, criticDim], returns [B]; <paramref name="oldValues"/> [B]
    /// (the values at collection) are needed for value clipping; <paramref name="progress"/> in [0, 1] drives annealing.
    /// Returns the mean minibatch loss.
    /// </summary>
    public double Fit(Tensor obs, Tensor returns, Generator generator, Tensor? oldValues = null, double progress = 0)
    {
        if (_c.ClipValueLoss && oldValues is null) throw new ArgumentException("value fit: value clipping needs the values at collection");
        if (_c.AnnealLearningRate)
            foreach (var g in _optimizer.ParamGroups) g.LearningRate = _c.LearningRate * Math.Max(0, 1 - progress);
        long total = obs.shape[0];
        long size = total / _c.Minibatches;
        if (size < 1) throw new ArgumentException($"value fit: {_c.Minibatches} minibatches of {total} samples leaves them empty");
        double lossSum = 0;
        int count = 0;
        for (int epoch = 0; epoch < _c.Epochs; epoch++)
        {
            var order = HostRandom.Randperm(total, generator, obs.device);
            for (int i = 0; i < _c.Minibatches; i++)
            {
                using var scope = NewDisposeScope();
                var idx = order.narrow(0, i * size, size);
                var value = _critic.forward(obs.index_select(0, idx));
                var loss = _c.ClipValueLoss
                    ? Ppo.ValueLoss(value, oldValues!.index_select(0, idx), returns.index_select(0, idx), _c.ValueClipRange, clip: true)
                    : (value - returns.index_select(0, idx)).pow(2).mean();
                _optimizer.zero_grad();
                loss.backward();
                _parallel.AverageGradients(_critic.parameters());
                if (_c.MaxGradNorm > 0) nn.utils.clip_grad_norm_(_critic.parameters(), _c.MaxGradNorm);
                _optimizer.step();
                lossSum += loss.ToDouble();
                count++;
            }
        }
        return lossSum / count;
    }

    /// <inheritdoc/>
    public void Dispose() => _optimizer.Dispose();
}
