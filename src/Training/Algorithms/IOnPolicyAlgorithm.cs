using Robotics.Training.Models;
using static TorchSharp.torch;

namespace Robotics.Training.Algorithms;

/// <summary>What one update reported, averaged over its minibatches.</summary>
public sealed record UpdateStats(double ValueLoss, double Surrogate, double Entropy, double Kl, double ClipFraction, double LearningRate, double NoiseStd)
{
    /// <summary>Figures particular to one algorithm by name (TRPO: <c>step_fraction</c>, <c>backtracks</c>, <c>accepted</c>, …); empty for PPO.</summary>
    public IReadOnlyDictionary<string, double> Extra { get; init; } = new Dictionary<string, double>();
}

/// <summary>
/// The small surface every on-policy algorithm shares with the runner: act on a step, take the
/// environment's answer, compute returns at the end of a rollout, update. What they own in common (networks,
/// generator, storage, optimizers) is one <see cref="AlgorithmState"/>, which checkpoints and disposes it.
/// </summary>
public interface IOnPolicyAlgorithm : IDisposable
{
    /// <summary>Everything the algorithm learns and samples with, as one checkpointable object.</summary>
    AlgorithmState State { get; }

    /// <summary>The policy (its deterministic path is what gets exported).</summary>
    GaussianActor Actor { get; }

    /// <summary>The value function; null for an algorithm without one (GRPO).</summary>
    Critic? Critic { get; }

    /// <summary>Samples actions [N, actionDim] for the current observations, and records the step.</summary>
    Tensor Act(Tensor policyObs, Tensor criticObs);

    /// <summary>Records the environment's answer: rewards, terminated, truncated [N]; the final critic observations [N, criticDim] bootstrap truncated episodes.</summary>
    void ProcessStep(Tensor rewards, Tensor terminated, Tensor truncated, Tensor finalCriticObs);

    /// <summary>Ends the rollout: bootstraps from the critic observations after the last step.</summary>
    void ComputeReturns(Tensor lastCriticObs);

    /// <summary>Learns from the rollout; <paramref name="progress"/> in [0, 1] drives schedules.</summary>
    UpdateStats Update(double progress);
}
