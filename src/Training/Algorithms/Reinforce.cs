using Robotics.Training.Models;
using Robotics.Training.Storage;
using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Algorithms;

/// <summary>
/// REINFORCE, the vanilla policy gradient (Williams 1992): ĝ = mean_t ∇log π(a_t|s_t)·(G_t − b_t), one
/// gradient step per rollout. G_t is the reward-to-go or the full episode return; b_t is nothing, the
/// rollout's mean return, or a learned V(s_t) (fitted after the step, so it never sees the actions it
/// weighs). Runs on the shared <see cref="RolloutStorage"/>: Returns holds G, Advantages holds G − b.
/// </summary>
/// <remarks>
/// Partial episodes. The runner collects T steps per environment with auto-reset, so a rollout starts
/// and ends inside episodes. With the value baseline, an episode cut by the rollout's end or by a time
/// limit is bootstrapped: G gets γ^k·V(s_cut). Without a value function the return is truncated there
/// (it sums only the rewards seen), which biases the gradient toward short horizons unless T is well
/// beyond 1/(1 − γ) or the episode length. For <c>full</c> returns, an episode that began in the
/// previous rollout counts from its first step in this one.
/// DESIGN: we did not drop partial episodes (unbiased without a critic, but throws away up to a whole
/// episode per environment and iteration, and nothing at all is left when T is shorter than an episode).
/// </remarks>
public sealed class Reinforce : ActorCriticAlgorithm
{
    private readonly ReinforceConfig _c;
    private readonly optim.Optimizer _optimizer;
    private readonly CriticFitter _valueFit;

    /// <summary>Builds the actor, critic (used only by the value baseline), optimizers and storage of <paramref name="spec"/>; its seed fixes initialization and sampling.</summary>
    public Reinforce(AlgorithmSpec spec, ReinforceConfig config)
        : base(AlgorithmState.ActorCritic(spec, config.Validate().Regularizers), config.Gamma, lambda: 1)
    {
        _c = config;
        _optimizer = State.TrackOptimizer<optim.Optimizer>("optimizer", config.Optimizer == ReinforceOptimizer.Sgd ? optim.SGD(Actor.parameters(), config.LearningRate) : optim.Adam(Actor.parameters(), config.LearningRate));
        _valueFit = new CriticFitter(Critic, config.ValueFit, State.Parallel);
        State.TrackOptimizer("value_optimizer", _valueFit.Optimizer);
    }

    private bool UsesValue => _c.Baseline == ReinforceBaseline.Value;

    /// <inheritdoc/>
    /// <remarks>Without a value baseline there is nothing to bootstrap a truncation from: the return ends there.</remarks>
    public override void ProcessStep(Tensor rewards, Tensor terminated, Tensor truncated, Tensor finalCriticObs) =>
        GaussianRollout.Step(State, bootstrap: UsesValue, _c.Gamma, rewards, terminated, truncated, finalCriticObs);

    /// <inheritdoc/>
    public override void ComputeReturns(Tensor lastCriticObs)
    {
        using var scope = NewDisposeScope();
        var s = Storage;
        // V(s_t) and V(s_T) from the critic before it sees this rollout; zeros without a value baseline
        // (then the return is truncated at the rollout's end).
        Tensor last;
        if (UsesValue) last = GaussianRollout.FillValues(State, lastCriticObs);
        else { s.Values.zero_(); last = zeros(s.Envs, device: s.Values.device); }
        var (returns, weights) = Weights(s.Rewards, s.Dones, s.Values, last, _c, State.Parallel);
        s.Returns.copy_(returns);
        s.Advantages.copy_(weights);
    }

    /// <summary>
    /// The returns G and the weights Ψ = G − b of the estimator. rewards, dones, values: [T, N] (values
    /// are read only by the value baseline); lastValues [N] bootstraps the rollout's end (zeros truncate).
    /// Returns (G, Ψ), both [T, N]; G is the reward-to-go even for <c>full</c> (it is what V is fitted to).
    /// With ranks (<paramref name="parallel"/>), the constant baseline and the normalization use the mean and std of
    /// every rank's rollout, as one process holding all the environments would.
    /// </summary>
    public static (Tensor RewardToGo, Tensor Weights) Weights(Tensor rewards, Tensor dones, Tensor values, Tensor lastValues, ReinforceConfig c,
        Distributed.DataParallel? parallel = null)
    {
        parallel ??= Distributed.DataParallel.Single;
        using var _ = no_grad();
        long steps = rewards.shape[0];
        // Reward-to-go, backwards: G_t = r_t + γ(1 − d_t)·G_{t+1}, G_T = the bootstrap.
        var rtg = zeros_like(rewards);
        var next = lastValues;
        for (long t = steps - 1; t >= 0; t--)
        {
            next = rewards[t] + c.Gamma * (1 - dones[t]) * next;
            rtg[t].copy_(next);
        }
        // Full return, forwards: every step of an episode segment gets the G of the segment's first step.
        var g = rtg;
        if (c.Return == ReinforceReturn.Full)
        {
            g = rtg.clone();
            for (long t = 1; t < steps; t++)
            {
                var startsHere = dones[t - 1];   // the previous step ended an episode
                g[t].copy_(startsHere * rtg[t] + (1 - startsHere) * g[t - 1]);
            }
        }
        // Baseline: anything that does not depend on a_t leaves E[ĝ] unchanged.
        var w = c.Baseline switch
        {
            ReinforceBaseline.Constant => parallel.IsActive ? g - parallel.Moments(g.reshape(-1)).Mean.to_type(g.dtype) : g - g.mean(),
            ReinforceBaseline.Value => g - values,
            _ => g.clone(),
        };
        if (c.NormalizeReturns) w = parallel.Standardize(w);
        return (rtg, w);
    }

    /// <summary>
    /// The REINFORCE loss on the current rollout: −mean(log π(a|s)·Ψ) + the regularizers' penalty;
    /// its gradient is −ĝ. Also the mean entropy and KL to the base, for the logs.
    /// </summary>
    public (Tensor Loss, double Entropy, double BaseKl) Loss()
    {
        var s = Storage;
        long b = (long)s.Steps * s.Envs;
        var obs = s.PolicyObs.reshape(b, -1);
        var mean = Actor.forward(obs);
        var std = Actor.Std(mean);
        var logp = GaussianActor.LogProb(s.Actions.reshape(b, -1), mean, std);
        var (penalty, entropy, kl) = Regularizer.Penalty(obs, mean, std);
        return (-(logp * s.Advantages.reshape(b)).mean() + penalty, entropy, kl);
    }

    /// <inheritdoc/>
    public override UpdateStats Update(double progress)
    {
        var s = Storage;
        if (s.Count != s.Steps) throw new InvalidOperationException($"update after {s.Count} of {s.Steps} steps");
        long b = (long)s.Steps * s.Envs;
        using var scope = NewDisposeScope();

        // One policy-gradient step from this rollout.
        var oldMean = s.Means.reshape(b, -1);
        var oldStd = s.Stds.reshape(b, -1);
        var (loss, entropy, baseKl) = Loss();
        _optimizer.zero_grad();
        loss.backward();
        State.Parallel.AverageGradients(Actor.parameters());
        if (_c.MaxGradNorm > 0) nn.utils.clip_grad_norm_(Actor.parameters(), _c.MaxGradNorm);
        _optimizer.step();

        // How far the step moved the policy: KL(π_collect ‖ π_new) averaged over the rollout's states.
        double kl;
        using (no_grad())
        {
            var mean = Actor.forward(s.PolicyObs.reshape(b, -1));
            kl = Regularizer.GaussianKl(oldMean, oldStd, mean, Actor.Std(mean)).mean().ToDouble();
        }

        // The value baseline is fitted after the step, to the reward-to-go.
        double valueLoss = UsesValue ? _valueFit.Fit(s.CriticObs.reshape(b, -1), s.Returns.reshape(b), State.Generator) : 0;

        s.Clear();
        double noise;
        using (no_grad()) noise = Actor.LogStd.exp().mean().ToDouble();
        return new UpdateStats(valueLoss, loss.ToDouble(), entropy, kl, 0, _c.LearningRate, noise)
        {
            Extra = new Dictionary<string, double> { ["base_kl"] = baseKl },
        };
    }
}
