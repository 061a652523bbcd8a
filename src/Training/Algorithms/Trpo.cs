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
public sealed class Trpo : IOnPolicyAlgorithm, ICheckpointable
{
    private readonly TrpoConfig _c;
    private readonly Critic _critic;
    private readonly RolloutStorage _storage;
    private readonly CriticFitter _valueFit;
    private readonly Regularizer _regularizer;
    private readonly Generator _generator;
    private readonly RewardScaler? _rewardScaler;

    /// <summary>Builds the actor, critic, value optimizer and storage; <paramref name="seed"/> fixes initialization and sampling.</summary>
    public Trpo(int policyDim, int criticDim, int actionDim, int envs, TrpoConfig config, NetworkConfig network, Device device, ulong seed)
    {
        _c = config.Validate();
        manual_seed((long)(seed & long.MaxValue));   // network initialization
        Actor = new GaussianActor(policyDim, actionDim, network);
        _critic = new Critic(criticDim, network);
        Actor.to(device);
        _critic.to(device);
        _generator = new Generator(seed);
        _storage = new RolloutStorage(config.StepsPerEnv, envs, policyDim, criticDim, actionDim, device);
        _valueFit = new CriticFitter(_critic, config.ValueFit);
        _regularizer = new Regularizer(Actor, policyDim, actionDim, network, config.Regularizers);
        if (config.ScaleRewards) _rewardScaler = new RewardScaler(envs, config.Gamma, device);
    }

    /// <inheritdoc/>
    public GaussianActor Actor { get; }
    /// <summary>The value function.</summary>
    public Critic Critic => _critic;
    /// <summary>The rollout of the current iteration.</summary>
    public RolloutStorage Storage => _storage;
    /// <summary>The entropy bonus and KL to the base policy.</summary>
    public Regularizer Regularizer => _regularizer;
    /// <summary>The last update's line search (null before the first).</summary>
    public TrpoLineSearch? LastLineSearch { get; private set; }

    /// <inheritdoc/>
    public Tensor Act(Tensor policyObs, Tensor criticObs) => GaussianRollout.Act(Actor, _critic, _storage, _generator, policyObs, criticObs);

    /// <inheritdoc/>
    public void ProcessStep(Tensor rewards, Tensor terminated, Tensor truncated, Tensor finalCriticObs)
    {
        // TRPO+ scales rewards by a running std of the return before the truncation bootstrap, as PPO does.
        if (_rewardScaler is not null) rewards = _rewardScaler.Apply(rewards, maximum(terminated, truncated));
        GaussianRollout.Step(_storage, _critic, _c.Gamma, rewards, terminated, truncated, finalCriticObs);
    }

    /// <inheritdoc/>
    public void ComputeReturns(Tensor lastCriticObs)
    {
        using var scope = NewDisposeScope();
        _storage.ComputeReturns(GaussianRollout.FillValues(_critic, _storage, lastCriticObs), _c.Gamma, _c.Lambda);
    }

    /// <inheritdoc/>
    public UpdateStats Update(double progress)
    {
        var s = _storage;
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
        var (surrogate, entropy, baseKl) = NaturalPolicyGradient.Objective(Actor, _regularizer, obs, act, oldLogp, adv);
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
        double valueLoss = _valueFit.Fit(s.CriticObs.reshape(b, -1), s.Returns.reshape(b), _generator, s.Values.reshape(b), progress);

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
        var (surrogate, _, _) = NaturalPolicyGradient.Objective(Actor, _regularizer, obs, act, oldLogp, adv);
        var mean = Actor.forward(obs);
        return (surrogate.ToDouble(), Regularizer.GaussianKl(oldMean, oldStd, mean, Actor.Std(mean)).mean().ToDouble());
    }

    /// <inheritdoc/>
    public void SaveState(string directory)
    {
        CheckpointFiles.Save(directory, "actor", Actor);
        CheckpointFiles.Save(directory, "critic", _critic);
        CheckpointFiles.Save(directory, "value_optimizer", _valueFit.Optimizer);
        CheckpointFiles.Save(directory, "generator", _generator);
        _regularizer.SaveState(directory);
        _rewardScaler?.SaveState(directory, "reward_scaler");
    }

    /// <inheritdoc/>
    public void LoadState(string directory)
    {
        CheckpointFiles.Load(directory, "actor", Actor);
        CheckpointFiles.Load(directory, "critic", _critic);
        CheckpointFiles.Load(directory, "value_optimizer", _valueFit.Optimizer);
        CheckpointFiles.Load(directory, "generator", _generator);
        _regularizer.LoadState(directory);
        _rewardScaler?.LoadState(directory, "reward_scaler");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _storage.Dispose();
        _valueFit.Dispose();
        _regularizer.Dispose();
        _rewardScaler?.Dispose();
        Actor.Dispose();
        _critic.Dispose();
    }
}
