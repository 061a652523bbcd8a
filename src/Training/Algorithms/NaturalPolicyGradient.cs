using Robotics.Training.Models;
using Robotics.Training.Storage;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Robotics.Training.Algorithms;

/// <summary>
/// A rollout flattened to B = T·N samples for a natural-gradient update, with the policy before the step, θ_old:
/// obs [B, obsDim], actions [B, actionDim], advantages [B], the trainable parameters, and θ_old's μ, σ [B, actionDim] and log π [B].
/// </summary>
public sealed record NaturalBatch(long Size, Tensor Obs, Tensor Actions, Tensor Advantages, Parameter[] Parameters, Tensor OldMean, Tensor OldStd, Tensor OldLogp);

/// <summary>A natural-gradient step: x ≈ (F + λI)⁻¹g from conjugate gradient, α = √(2δ / xᵀ(F + λI)x), Δθ = α·x.</summary>
public sealed record NaturalStep(Tensor Step, Tensor Direction, double Alpha, double ExpectedImprovement, int CgIterations, double CgResidual);

/// <summary>
/// The natural policy gradient (Kakade 2001; the step rule of Schulman et al. 2015): precondition the
/// policy gradient with the inverse Fisher matrix, so that the step is measured in how much the policy's
/// action distributions change (KL), not in how far its parameters move. F is never formed: conjugate
/// gradient only needs products F·v. The value function is fitted separately; advantages are GAE(γ, λ).
/// </summary>
/// <remarks>
/// DESIGN: F·v is the Hessian-vector product of the mean KL(π_old ‖ π_θ) at θ = θ_old, by double
/// backprop (∇(∇KL·v)), not the empirical Fisher mean(∇log π ∇log πᵀ)·v. For a Gaussian the KL is
/// analytic in (μ, σ), so this Fisher takes the expectation over actions exactly and samples only the
/// states; the empirical Fisher samples the actions too, is noisier, and has rank at most the batch size.
/// Both are positive semi-definite; double backprop costs about two extra backward passes per product.
/// </remarks>
public sealed class NaturalPolicyGradient : ActorCriticAlgorithm
{
    private readonly NpgConfig _c;
    private readonly CriticFitter _valueFit;

    /// <summary>Builds the actor, critic, value optimizer and storage of <paramref name="spec"/>; its seed fixes initialization and sampling.</summary>
    public NaturalPolicyGradient(AlgorithmSpec spec, NpgConfig config)
        : base(AlgorithmState.ActorCritic(spec, config.Validate().Regularizers), config.Gamma, config.Lambda)
    {
        _c = config;
        _valueFit = new CriticFitter(Critic, config.ValueFit, State.Parallel);
        State.TrackOptimizer("value_optimizer", _valueFit.Optimizer);
    }

    /// <inheritdoc/>
    public override UpdateStats Update(double progress)
    {
        var s = Storage;
        using var scope = NewDisposeScope();
        var (b, obs, act, adv, parameters, oldMean, oldStd, oldLogp) = NaturalPolicyGradient.Batch(Actor, s, _c.NormalizeAdvantages, State.Parallel);

        // The objective's gradient g = ∇ [mean(ρ·A) − penalty] at θ_old (ρ = 1 there).
        var (objective, entropy, _) = Objective(Actor, Regularizer, obs, act, oldLogp, adv);
        var g = FlatParameters.Gradient(objective, parameters);

        // Natural step: α·(F + λI)⁻¹g with α from the KL budget δ.
        var step = Step(Actor, parameters, obs, oldMean, oldStd, g, _c.CgIterations, _c.Damping, _c.MaxKl, State.Parallel);
        FlatParameters.Set(parameters, FlatParameters.Get(parameters) + step.Step);

        // What the step did: the actual KL and objective after it.
        double kl, after;
        using (no_grad())
        {
            var (o, _, _) = Objective(Actor, Regularizer, obs, act, oldLogp, adv);
            after = State.Parallel.Average(o.ToDouble());
            var mean = Actor.forward(obs);
            kl = State.Parallel.Average(Regularizer.GaussianKl(oldMean, oldStd, mean, Actor.Std(mean)).mean().ToDouble());
        }

        // The value function, fitted separately to the GAE returns.
        double valueLoss = _valueFit.Fit(s.CriticObs.reshape(b, -1), s.Returns.reshape(b), State.Generator);

        s.Clear();
        double noise;
        using (no_grad()) noise = Actor.LogStd.exp().mean().ToDouble();
        return new UpdateStats(valueLoss, -after, entropy, kl, 0, step.Alpha, noise)
        {
            Extra = new Dictionary<string, double>
            {
                ["step_size"] = step.Alpha, ["expected_improvement"] = step.ExpectedImprovement,
                ["improvement"] = after - objective.ToDouble(), ["cg_iterations"] = step.CgIterations, ["cg_residual"] = step.CgResidual,
            },
        };
    }

    /// <summary>
    /// The full rollout as one batch at θ_old (advantages normalized when asked); call inside the update's dispose scope.
    /// Shared with <see cref="Trpo"/>.
    /// </summary>
    public static NaturalBatch Batch(GaussianActor actor, RolloutStorage s, bool normalizeAdvantages, Distributed.DataParallel? parallel = null)
    {
        if (s.Count != s.Steps) throw new InvalidOperationException($"update after {s.Count} of {s.Steps} steps");
        long b = (long)s.Steps * s.Envs;
        var obs = s.PolicyObs.reshape(b, -1);
        var act = s.Actions.reshape(b, -1);
        var adv = s.Advantages.reshape(b);
        if (normalizeAdvantages) adv = (parallel ?? Distributed.DataParallel.Single).Standardize(adv);
        var parameters = FlatParameters.Trainable(actor);

        // The policy before the step, θ_old: the current network, not the stored collection-time μ, σ,
        // which differ slightly because the observation normalizer moved during collection. Using the
        // current one makes KL(θ_old ‖ θ_old) = 0 exactly, as the Fisher-vector product assumes.
        using var _ = no_grad();
        var oldMean = actor.forward(obs);
        var oldStd = actor.Std(oldMean);
        return new NaturalBatch(b, obs, act, adv, parameters, oldMean, oldStd, GaussianActor.LogProb(act, oldMean, oldStd));
    }

    /// <summary>
    /// The importance-sampled objective mean(exp(log π_θ − log π_old)·A) − penalty, a scalar to maximize,
    /// and the mean entropy and KL to the base for the logs. obs [B, obsDim], act [B, actionDim],
    /// oldLogp and advantages [B].
    /// </summary>
    public static (Tensor Objective, double Entropy, double BaseKl) Objective(GaussianActor actor, Regularizer regularizer, Tensor obs, Tensor act, Tensor oldLogp, Tensor advantages)
    {
        var mean = actor.forward(obs);
        var std = actor.Std(mean);
        var ratio = exp(GaussianActor.LogProb(act, mean, std) - oldLogp);
        var (penalty, entropy, kl) = regularizer.Penalty(obs, mean, std);
        return ((ratio * advantages).mean() - penalty, entropy, kl);
    }

    /// <summary>
    /// v ↦ (F + λI)·v with F the Hessian of mean KL(π_old ‖ π_θ) at θ_old, by double backprop.
    /// <paramref name="oldMean"/>, <paramref name="oldStd"/> [B, actionDim] must be the current policy's,
    /// detached (then KL = 0 and ∇KL = 0 here, and its Hessian is the Fisher matrix).
    /// </summary>
    public static Func<Tensor, Tensor> FisherVectorProduct(GaussianActor actor, IReadOnlyList<Parameter> parameters, Tensor obs, Tensor oldMean, Tensor oldStd, double damping)
    {
        var mean = actor.forward(obs);
        var kl = Regularizer.GaussianKl(oldMean, oldStd, mean, actor.Std(mean)).mean();
        var gradKl = FlatParameters.Gradient(kl, parameters, createGraph: true);   // [P], differentiable
        return v => FlatParameters.Gradient((gradKl * v).sum(), parameters, retainGraph: true) + damping * v;
    }

    /// <summary>
    /// The natural step for objective gradient <paramref name="g"/> [P]: x from <paramref name="cgIterations"/>
    /// CG steps on (F + λI)x = g, scaled so that the quadratic model of the KL, ½·Δθᵀ(F + λI)Δθ, equals
    /// <paramref name="maxKl"/>. Shared with <see cref="Trpo"/>. With the ranks of <paramref name="parallel"/>, g and every
    /// Fisher-vector product are averaged over them, so every rank solves the same system and takes the same step.
    /// </summary>
    public static NaturalStep Step(GaussianActor actor, IReadOnlyList<Parameter> parameters, Tensor obs, Tensor oldMean, Tensor oldStd, Tensor g,
        int cgIterations, double damping, double maxKl, Distributed.DataParallel? parallel = null)
    {
        var p = parallel ?? Distributed.DataParallel.Single;
        var local = FisherVectorProduct(actor, parameters, obs, oldMean, oldStd, damping);
        Func<Tensor, Tensor> fvp = p.IsActive ? v => p.AverageFlat(local(v)) : local;
        g = p.AverageFlat(g);
        var cg = ConjugateGradient.Solve(fvp, g.detach(), cgIterations);
        // DESIGN: xᵀ(F + λI)x, the damped product, rather than xᵀFx: a slightly shorter, safer step (the
        // quadratic model of the KL is only a model); TRPO's line search measures the real KL anyway.
        double xFx = cg.X.dot(fvp(cg.X).detach()).ToDouble();   // the product needs autograd on
        // A zero gradient gives x = 0: no step rather than 0/0.
        double alpha = xFx > 0 ? Math.Sqrt(2 * maxKl / xFx) : 0;
        double expected;
        using (no_grad()) expected = alpha * g.dot(cg.X).ToDouble();
        return new NaturalStep(cg.X * alpha, cg.X, alpha, expected, cg.Iterations, cg.ResidualNorm);
    }
}
