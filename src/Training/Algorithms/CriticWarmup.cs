using Robotics.Training.Models;
using static TorchSharp.torch;

namespace Robotics.Training.Algorithms;

/// <summary>
/// Fits a new critic under a trained actor before the algorithm learns: for the first <see cref="Iterations"/>
/// iterations each rollout only regresses the critic onto its GAE returns (the actor, its noise and the algorithm's
/// own optimizer are untouched), then every update is the algorithm's. A run that starts from an exported policy
/// (<c>train --init-from policy.onnx</c>, which carries no critic) needs it: advantages from an untrained critic
/// would push the policy off what it learned.
/// </summary>
/// <remarks>
/// The fitter's optimizer and the count of warm-up iterations done are part of the <see cref="AlgorithmState"/>, so a run
/// resumed inside the warm-up continues it bit-identically. Each warm-up iteration is one row of progress.csv, with the
/// fit's loss as its value loss and a zero surrogate.
/// </remarks>
public sealed class CriticWarmup : IOnPolicyAlgorithm
{
    private readonly IOnPolicyAlgorithm _inner;
    private readonly CriticFitter _fit;
    private int _done;

    /// <summary>Wraps <paramref name="inner"/> (an algorithm with a critic) for <paramref name="iterations"/> warm-up iterations.</summary>
    /// <exception cref="UserError">The algorithm has no critic.</exception>
    public CriticWarmup(IOnPolicyAlgorithm inner, int iterations, ValueFitConfig? fit = null)
    {
        _inner = inner;
        if (inner.Critic is not { } critic || inner.State.Rollout is null)
            throw new UserError("--critic-warmup: the algorithm has no critic to warm up (GRPO, REINFORCE without a learned baseline); pass --critic-warmup 0");
        if (iterations < 1) throw new ArgumentOutOfRangeException(nameof(iterations), iterations, "at least one warm-up iteration");
        Iterations = iterations;
        _fit = new CriticFitter(critic, fit ?? new ValueFitConfig(), inner.State.Parallel);
        State.TrackOptimizer("critic_warmup_optimizer", _fit.Optimizer);
        State.TrackScalars("critic_warmup", () => new Dictionary<string, double> { ["done"] = _done }, s => _done = (int)s["done"]);
    }

    /// <summary>Warm-up iterations in all.</summary>
    public int Iterations { get; }

    /// <summary>The algorithm that learns after the warm-up.</summary>
    public IOnPolicyAlgorithm Inner => _inner;

    /// <inheritdoc/>
    public AlgorithmState State => _inner.State;
    /// <inheritdoc/>
    public GaussianActor Actor => _inner.Actor;
    /// <inheritdoc/>
    public Critic? Critic => _inner.Critic;

    /// <inheritdoc/>
    public Tensor Act(Tensor policyObs, Tensor criticObs) => _inner.Act(policyObs, criticObs);

    /// <inheritdoc/>
    public void ProcessStep(Tensor rewards, Tensor terminated, Tensor truncated, Tensor finalCriticObs) =>
        _inner.ProcessStep(rewards, terminated, truncated, finalCriticObs);

    /// <inheritdoc/>
    public void ComputeReturns(Tensor lastCriticObs) => _inner.ComputeReturns(lastCriticObs);

    /// <inheritdoc/>
    public UpdateStats Update(double progress)
    {
        if (_done >= Iterations) return _inner.Update(progress);
        var s = State.Rollout!;
        long b = (long)s.Steps * s.Envs;
        double loss = _fit.Fit(s.CriticObs.reshape(b, -1), s.Returns.reshape(b), State.Generator);
        s.Clear();
        _done++;
        double noise, entropy;
        using (no_grad())
        {
            using var std = Actor.LogStd.exp();
            noise = std.mean().item<float>();
            using var h = GaussianActor.Entropy(std);
            entropy = h.item<float>();
        }
        return new UpdateStats(loss, 0, entropy, 0, 0, 0, noise)
        {
            Extra = new Dictionary<string, double> { ["critic_warmup"] = _done },
        };
    }

    /// <inheritdoc/>
    public void Dispose() => _inner.Dispose();
}
