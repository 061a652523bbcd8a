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
/// improvement (the Armijo test of some implementations, e.g. rllab's 0.1·expected): the rule,
/// and with a few thousand samples the measured improvement is itself noisy.
/// </remarks>
public sealed class Trpo : IOnPolicyAlgorithm
{
    private readonly TrpoConfig _c;
    private readonly AlgorithmState _state;
    private readonly CriticFitter _valueFit;

    /// <summary>Builds the actor, critic, value optimizer and storage of <paramref name="spec"/>; its seed fixes initialization and sampling.</summary>
    public Trpo(AlgorithmSpec spec, TrpoConfig config)
    {
        _c = config.Validate();
        // TRPO+ scales rewards by a running std of the return before the truncation bootstrap, as PPO does.
        _state = AlgorithmState.ActorCritic(spec, config.Regularizers, config.ScaleRewards ? config.Gamma : null);
        _valueFit = new CriticFitter(Critic, config.ValueFit);
        _state.TrackOptimizer("value_optimizer", _valueFit.Optimizer);
    }

    /// <inheritdoc/>
    public AlgorithmState State => _state;
    /// <inheritdoc/>
    public GaussianActor Actor => _state.Actor;
    /// <summary>The value function.</summary>
    public Critic Critic => _state.Critic!;
    /// <summary>The rollout of the current iteration.</summary>
    public RolloutStorage Storage => _state.Rollout!;
    /// <summary>The entropy bonus and KL to the base policy.</summary>
    public Regularizer Regularizer => _state.Regularizer;
    /// <summary>The last update's line search (null before the first).</summary>
    public TrpoLineSearch? LastLineSearch { get; private set; }

    /// <inheritdoc/>
    public Tensor Act(Tensor policyObs, Tensor criticObs) => GaussianRollout.Act(_state, policyObs, criticObs);

    /// <inheritdoc/>
    public void ProcessStep(Tensor rewards, Tensor terminated, Tensor truncated, Tensor finalCriticObs) =>
        GaussianRollout.Step(_state, bootstrap: true, _c.Gamma, rewards, terminated, truncated, finalCriticObs);

    /// <inheritdoc/>
    public void ComputeReturns(Tensor lastCriticObs) => GaussianRollout.ComputeReturns(_state, lastCriticObs, _c.Gamma, _c.Lambda);

    /// <inheritdoc/>
    public UpdateStats Update(double progress)
    {
        var s = Storage;
        if (s.Count != s.Steps) throw new InvalidOperationException($"update after {s.Count} of {s.Steps} steps");
        long b = (long)s.Steps * s.Envs;
        using var scope = NewDisposeScope();
        var obs = s.PolicyObs.reshape(b, -1);
        var act = s.Actions.reshape(b, -1);
        var adv = s.Advantages.reshape(b);
        if (_c.NormalizeAdvantages) adv = (adv - adv.mean()) / (adv.std() + 1e-8);
        var parameters = FlatParameters.Trainable(Actor);

        // The policy before the step, θ_old.
        Tensor oldMean, oldStd, oldLogp;
        using (no_grad())
        {
            oldMean = Actor.forward(obs);
            oldStd = Actor.Std(oldMean);
            oldLogp = GaussianActor.LogProb(act, oldMean, oldStd);
        }

        // The surrogate's gradient at θ_old and the full natural step (½·ΔθᵀFΔθ = δ).
        var (surrogate, entropy, baseKl) = NaturalPolicyGradient.Objective(Actor, Regularizer, obs, act, oldLogp, adv);
        double before = surrogate.ToDouble();
        var g = FlatParameters.Gradient(surrogate, parameters);
        var step = NaturalPolicyGradient.Step(Actor, parameters, obs, oldMean, oldStd, g, _c.CgIterations, _c.Damping, _c.MaxKl);

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
        double valueLoss = _valueFit.Fit(s.CriticObs.reshape(b, -1), s.Returns.reshape(b), _state.Generator, s.Values.reshape(b), progress);

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
        return (surrogate.ToDouble(), Regularizer.GaussianKl(oldMean, oldStd, mean, Actor.Std(mean)).mean().ToDouble());
    }

    /// <inheritdoc/>
    public void Dispose() => _state.Dispose();
}
