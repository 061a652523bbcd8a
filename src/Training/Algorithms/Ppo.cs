using Robotics.Training.Models;
using Robotics.Training.Storage;
using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Algorithms;

/// <summary>
/// Proximal policy optimization (Schulman et al. 2017) with an asymmetric critic, as rsl_rl runs it:
/// clipped surrogate, clipped value loss, entropy bonus, KL-adaptive learning rate, gradient clipping,
/// epochs × minibatches over a [T, N] rollout, GAE(γ, λ) with truncation bootstrapping; optionally rewards
/// scaled by a running std of the discounted return (<see cref="PpoConfig.ScaleRewards"/>). Which of these
/// "code-level optimizations" are on is set in one place by <see cref="CodeLevelOptimizations"/>.
/// </summary>
public sealed class Ppo : ActorCriticAlgorithm
{
    private readonly PpoConfig _c;
    private readonly optim.Optimizer _optimizer;
    private double _lr;

    /// <summary>Builds the actor, critic, optimizer and storage of <paramref name="spec"/>; its seed fixes their initialization and all sampling.</summary>
    public Ppo(AlgorithmSpec spec, PpoConfig config)
        : base(AlgorithmState.ActorCritic(spec, new RegularizerConfig { EntropyCoef = config.Validate().EntropyCoef, BaseKlCoef = config.BaseKlCoef },
            config.ScaleRewards ? config.Gamma : null), config.Gamma, config.Lambda)
    {
        _c = config;
        _lr = config.LearningRate;
        _optimizer = State.TrackOptimizer("optimizer", optim.Adam(Actor.parameters().Concat(Critic.parameters()), _lr));
        State.TrackScalars("ppo", () => new Dictionary<string, double> { ["learning_rate"] = _lr }, s => SetLearningRate(s["learning_rate"]));
    }

    /// <summary>Where the networks live.</summary>
    public Device Device => State.Device;
    /// <summary>The optimizer (its state goes into checkpoints).</summary>
    public optim.Optimizer Optimizer => _optimizer;
    /// <summary>Current learning rate.</summary>
    public double LearningRate => _lr;

    /// <inheritdoc/>
    public override UpdateStats Update(double progress)
    {
        var s = Storage;
        if (s.Count != s.Steps) throw new InvalidOperationException($"update after {s.Count} of {s.Steps} steps");
        long b = (long)s.Steps * s.Envs;
        // Flatten [T, N, …] into [T·N, …] once.
        var obs = s.PolicyObs.reshape(b, -1);
        var cobs = s.CriticObs.reshape(b, -1);
        var act = s.Actions.reshape(b, -1);
        var oldLogp = s.LogProbs.reshape(b);
        var oldMean = s.Means.reshape(b, -1);
        var oldStd = s.Stds.reshape(b, -1);
        var oldValues = s.Values.reshape(b);
        var returns = s.Returns.reshape(b);
        var adv = s.Advantages.reshape(b);
        if (_c.NormalizeAdvantages) adv = State.Parallel.Standardize(adv);

        if (_c.Schedule == LearningRateSchedule.Linear) SetLearningRate(_c.LearningRate * Math.Max(0, 1 - progress));
        double valueLoss = 0, surrogateLoss = 0, entropySum = 0, klSum = 0, clipSum = 0;
        int updates = 0;
        for (int epoch = 0; epoch < _c.Epochs; epoch++)
        {
            foreach (var idx in s.Minibatches(_c.Minibatches, State.Generator))
            {
                using var scope = NewDisposeScope();
                var o = obs.index_select(0, idx);
                var mean = Actor.forward(o);
                var std = Actor.Std(mean);
                var logp = GaussianActor.LogProb(act.index_select(0, idx), mean, std);
                var entropy = GaussianActor.Entropy(std);
                var value = Critic.forward(cobs.index_select(0, idx));

                // KL(old ‖ new) of the two Gaussians, for the adaptive learning rate.
                double kl;
                using (no_grad())
                {
                    var om = oldMean.index_select(0, idx);
                    var os = oldStd.index_select(0, idx);
                    kl = (log(std / os) + (os.pow(2) + (om - mean).pow(2)) / (2 * std.pow(2)) - 0.5).sum(-1).mean().item<float>();
                }
                // Every rank adapts the learning rate alike, from the KL over all ranks' minibatches.
                kl = State.Parallel.Average(kl);
                if (_c.Schedule == LearningRateSchedule.Adaptive)
                {
                    if (kl > 2 * _c.DesiredKl) SetLearningRate(Math.Max(1e-5, _lr / 1.5));
                    else if (kl < _c.DesiredKl / 2 && kl > 0) SetLearningRate(Math.Min(1e-2, _lr * 1.5));
                }

                var a = adv.index_select(0, idx);
                var (surrogate, clipped) = SurrogateLoss(logp, oldLogp.index_select(0, idx), a, _c.ClipParam);
                var vl = ValueLoss(value, oldValues.index_select(0, idx), returns.index_select(0, idx), _c.ClipParam, _c.ClipValueLoss);
                // The entropy bonus and the KL to a base policy, shared with the other algorithms.
                var (penalty, _, _) = Regularizer.Penalty(o, mean, std);
                var loss = surrogate + _c.ValueLossCoef * vl + penalty;

                _optimizer.zero_grad();
                loss.backward();
                // The mean gradient of all ranks' minibatches, then the clipping a single process would apply to it.
                State.Parallel.AverageGradients(Actor.parameters().Concat(Critic.parameters()));
                if (_c.MaxGradNorm > 0) nn.utils.clip_grad_norm_(Actor.parameters().Concat(Critic.parameters()), _c.MaxGradNorm);
                _optimizer.step();

                valueLoss += vl.item<float>();
                surrogateLoss += surrogate.item<float>();
                entropySum += entropy.mean().item<float>();
                klSum += kl;
                clipSum += clipped;
                updates++;
            }
        }
        s.Clear();
        double noise;
        using (no_grad()) noise = Actor.LogStd.exp().mean().item<float>();
        return new UpdateStats(valueLoss / updates, surrogateLoss / updates, entropySum / updates, klSum / updates, clipSum / updates, _lr, noise);
    }

    /// <summary>
    /// The clipped surrogate: mean of max(−A·ρ, −A·clip(ρ, 1−ε, 1+ε)), ρ = exp(log π − log π_old); and
    /// the fraction of samples whose ratio left [1−ε, 1+ε]. A sample clipped on the pessimistic side has
    /// zero gradient.
    /// </summary>
    public static (Tensor Loss, double ClipFraction) SurrogateLoss(Tensor logp, Tensor oldLogp, Tensor advantages, double epsilon)
    {
        var ratio = exp(logp - oldLogp);
        var unclipped = -advantages * ratio;
        var clippedLoss = -advantages * clamp(ratio, 1 - epsilon, 1 + epsilon);
        double fraction;
        using (no_grad()) fraction = (abs(ratio - 1) > epsilon).to_type(ScalarType.Float32).mean().item<float>();
        return (maximum(unclipped, clippedLoss).mean(), fraction);
    }

    /// <summary>Squared error to the returns; clipped: max of the plain and the clipped-around-old-values errors.</summary>
    public static Tensor ValueLoss(Tensor value, Tensor oldValue, Tensor returns, double epsilon, bool clip)
    {
        var plain = (value - returns).pow(2);
        if (!clip) return plain.mean();
        var clippedValue = oldValue + clamp(value - oldValue, -epsilon, epsilon);
        return maximum(plain, (clippedValue - returns).pow(2)).mean();
    }

    private void SetLearningRate(double lr)
    {
        _lr = lr;
        foreach (var g in _optimizer.ParamGroups) g.LearningRate = lr;
    }
}
