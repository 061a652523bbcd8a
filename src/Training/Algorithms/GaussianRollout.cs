using Robotics.Training.Devices;
using Robotics.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Algorithms;

/// <summary>
/// The collection half shared by PPO, REINFORCE, NPG and TRPO, on an <see cref="AlgorithmState"/> with a critic
/// and a rollout: sample a ~ N(μ, σ), record the step, scale rewards and fold time-limit bootstraps into them,
/// fill the values before the returns.
/// </summary>
internal static class GaussianRollout
{
    /// <summary>Samples actions [N, actionDim] and stores the step; updates the observation statistics.</summary>
    public static Tensor Act(AlgorithmState state, Tensor policyObs, Tensor criticObs)
    {
        using var _ = no_grad();
        var actor = state.Actor;
        actor.Normalizer.Update(policyObs, state.Parallel);
        state.Critic!.Normalizer.Update(criticObs, state.Parallel);
        var mean = actor.forward(policyObs);
        var std = actor.Std(mean);
        var actions = mean + std * HostRandom.Randn(mean.shape, state.Generator, mean.device);
        // Values are computed for the whole rollout at once in FillValues: one large batch instead of T small ones.
        state.Rollout!.AddPolicyStep(policyObs, criticObs, actions, GaussianActor.LogProb(actions, mean, std), mean, std);
        return actions;
    }

    /// <summary>
    /// Stores the environment's answer. Rewards pass through the state's reward scaler when it has one; then, with
    /// <paramref name="bootstrap"/>, a truncated episode's last reward gets +γ·V(final observation) (after scaling:
    /// the critic learns returns of scaled rewards); without it, a time limit simply ends the return.
    /// </summary>
    public static void Step(AlgorithmState state, bool bootstrap, double gamma, Tensor rewards, Tensor terminated, Tensor truncated, Tensor finalCriticObs)
    {
        using var _ = no_grad();
        var done = maximum(terminated, truncated);
        var r = (state.RewardScaler?.Apply(rewards, done) ?? rewards).clone();
        var cut = truncated.nonzero().squeeze(1);
        if (bootstrap && cut.shape[0] > 0)
            r.index_add_(0, cut, state.Critic!.forward(finalCriticObs.index_select(0, cut)), gamma);
        state.Rollout!.AddEnvStep(r, done);
    }

    /// <summary>Fills the rollout's Values with V(s_t) in one batch; returns V(s_T) [N] for the bootstrap.</summary>
    public static Tensor FillValues(AlgorithmState state, Tensor lastCriticObs)
    {
        using var _ = no_grad();
        var s = state.Rollout!;
        var critic = state.Critic!;
        s.Values.copy_(critic.forward(s.CriticObs.reshape((long)s.Steps * s.Envs, -1)).reshape(s.Steps, s.Envs));
        return critic.forward(lastCriticObs);
    }

    /// <summary>Ends the rollout: values, then GAE(γ, λ) returns and advantages bootstrapped from V(s_T).</summary>
    public static void ComputeReturns(AlgorithmState state, Tensor lastCriticObs, double gamma, double lambda)
    {
        using var scope = NewDisposeScope();
        state.Rollout!.ComputeReturns(FillValues(state, lastCriticObs), gamma, lambda);
    }
}
