using Robotics.Training.Models;
using Robotics.Training.Storage;
using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Algorithms;

/// <summary>
/// What TRPO's line search did in one update: whether a step was accepted, after how many halvings,
/// the fraction of the full natural step taken, and the measured KL and surrogate before and after.
/// </summary>
public sealed record TrpoLineSearch(bool Accepted, int Backtracks, double StepFraction, double Kl, double SurrogateBefore, double SurrogateAfter, double ExpectedImprovement);

/// <summary>
/// Trust region policy optimization (Schulman et al. 2015): the natural-gradient direction of
/// <see cref="NaturalPolicyGradient"/>, scaled to the KL budget δ, then a backtracking line search on
/// the importance-sampled surrogate mean(π_θ/π_old·A) − penalty that accepts the first step whose
/// measured mean KL(π_old ‖ π_θ) is ≤ δ and whose surrogate beats the old one; none accepted, the
/// policy stays. The value function is fitted separately (its own Adam, a few epochs); advantages are
/// GAE(γ, λ).
/// </summary>
/// <remarks>
/// DESIGN: acceptance asks only for an improvement, not for a fraction of the linear model's predicted
/// improvement (the Armijo test of some implementations, e.g. rllab's 0.1·expected): TRPO's rule is improvement with KL ≤ δ,
/// and with a few thousand samples the measured improvement is itself noisy.
/// </remarks>
public sealed class Trpo : ActorCriticAlgorithm
{
    private readonly TrpoConfig _c;
    private readonly CriticFitter _valueFit;

    /// <summary>Builds the actor, critic, value optimizer and storage of <paramref name="spec"/>; its seed fixes initialization and sampling.</summary>
    public Trpo(AlgorithmSpec spec, TrpoConfig config)
        // TRPO+ scales rewards by a running std of the return before the truncation bootstrap, as PPO does.
        : base(AlgorithmState.ActorCritic(spec, config.Validate().Regularizers, config.ScaleRewards ? config.Gamma : null), config.Gamma, config.Lambda)
    {
        _c = config;
        _valueFit = new CriticFitter(Critic, config.ValueFit, State.Parallel);
        State.TrackOptimizer("value_optimizer", _valueFit.Optimizer);
    }

    /// <summary>The last update's line search (null before the first).</summary>
    public TrpoLineSearch? LastLineSearch { get; private set; }

    /// <inheritdoc/>
    public override UpdateStats Update(double progress)
    {
        var s = Storage;
        using var scope = NewDisposeScope();
        var (b, obs, act, adv, parameters, oldMean, oldStd, oldLogp) = NaturalPolicyGradient.Batch(Actor, s, _c.NormalizeAdvantages, State.Parallel);

        // The surrogate's gradient at θ_old and the full natural step (½·ΔθᵀFΔθ = δ).
        var (surrogate, entropy, baseKl) = NaturalPolicyGradient.Objective(Actor, Regularizer, obs, act, oldLogp, adv);
        double before = State.Parallel.Average(surrogate.ToDouble());
        var g = FlatParameters.Gradient(surrogate, parameters);
        var step = NaturalPolicyGradient.Step(Actor, parameters, obs, oldMean, oldStd, g, _c.CgIterations, _c.Damping, _c.MaxKl, State.Parallel);

        // Backtracking line search: full step, then ×ratio, until KL ≤ δ and the surrogate improves.
        var theta = FlatParameters.Get(parameters);
        var search = new TrpoLineSearch(false, _c.MaxBacktracks, 0, 0, before, before, step.ExpectedImprovement);
        double fraction = 1;
        for (int k = 0; k < _c.MaxBacktracks; k++, fraction *= _c.BacktrackRatio)
        {
            using var tryScope = NewDisposeScope();
            FlatParameters.Set(parameters, theta + fraction * step.Step);
            var (after, kl) = Evaluate(obs, act, oldLogp, adv, oldMean, oldStd);
            if (kl <= _c.MaxKl && after > before)
            {
                search = new TrpoLineSearch(true, k, fraction, kl, before, after, step.ExpectedImprovement);
                break;
            }
        }
        if (!search.Accepted) FlatParameters.Set(parameters, theta);
        LastLineSearch = search;

        // The value function, fitted separately to the GAE returns.
        double valueLoss = _valueFit.Fit(s.CriticObs.reshape(b, -1), s.Returns.reshape(b), State.Generator, s.Values.reshape(b), progress);

        s.Clear();
        double noise;
        using (no_grad()) noise = Actor.LogStd.exp().mean().ToDouble();
        return new UpdateStats(valueLoss, -search.SurrogateAfter, entropy, search.Kl, 0, step.Alpha * search.StepFraction, noise)
        {
            Extra = new Dictionary<string, double>
            {
                ["accepted"] = search.Accepted ? 1 : 0, ["backtracks"] = search.Backtracks, ["step_fraction"] = search.StepFraction,
                ["improvement"] = search.SurrogateAfter - search.SurrogateBefore, ["expected_improvement"] = search.ExpectedImprovement,
                ["cg_iterations"] = step.CgIterations, ["cg_residual"] = step.CgResidual, ["base_kl"] = baseKl,
            },
        };
    }

    // The surrogate and the mean KL(π_old ‖ π_θ) at the current parameters, without gradients.
    private (double Surrogate, double Kl) Evaluate(Tensor obs, Tensor act, Tensor oldLogp, Tensor adv, Tensor oldMean, Tensor oldStd)
    {
        using var _ = no_grad();
        var (surrogate, _, _) = NaturalPolicyGradient.Objective(Actor, Regularizer, obs, act, oldLogp, adv);
        var mean = Actor.forward(obs);
        // Over all ranks' samples, so every rank accepts the same step.
        return (State.Parallel.Average(surrogate.ToDouble()), State.Parallel.Average(Regularizer.GaussianKl(oldMean, oldStd, mean, Actor.Std(mean)).mean().ToDouble()));
    }
}
