using Robotics.Training.Devices;
using Robotics.Training.Models;
using Robotics.Training.Storage;
using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Algorithms;

/// <summary>
/// The collection half shared by REINFORCE, NPG and TRPO (PPO keeps its own copy): sample a ~ N(μ, σ),
/// record the step, fold time-limit bootstraps into the rewards, fill the values before the returns.
/// </summary>
internal static class GaussianRollout
{
    /// <summary>Samples actions [N, actionDim] and stores the step; updates the observation statistics.</summary>
    public static Tensor Act(GaussianActor actor, Critic critic, RolloutStorage storage, Generator generator, Tensor policyObs, Tensor criticObs)
    {
        using var _ = no_grad();
        actor.Normalizer.Update(policyObs);
        critic.Normalizer.Update(criticObs);
        var mean = actor.forward(policyObs);
        var std = actor.Std(mean);
        var actions = mean + std * HostRandom.Randn(mean.shape, generator, mean.device);
        storage.AddPolicyStep(policyObs, criticObs, actions, GaussianActor.LogProb(actions, mean, std), mean, std);
        return actions;
    }

    /// <summary>
    /// Stores the environment's answer. With a <paramref name="bootstrap"/> critic, a truncated episode's
    /// last reward gets +γ·V(final observation); without one, a time limit simply ends the return.
    /// </summary>
    public static void Step(RolloutStorage storage, Critic? bootstrap, double gamma, Tensor rewards, Tensor terminated, Tensor truncated, Tensor finalCriticObs)
    {
        using var _ = no_grad();
        var r = rewards.clone();
        var cut = truncated.nonzero().squeeze(1);
        if (bootstrap is not null && cut.shape[0] > 0)
            r.index_add_(0, cut, bootstrap.forward(finalCriticObs.index_select(0, cut)), gamma);
        storage.AddEnvStep(r, maximum(terminated, truncated));
    }

    /// <summary>Fills storage.Values with V(s_t) for the whole rollout in one batch; returns V(s_T) [N] for the bootstrap.</summary>
    public static Tensor FillValues(Critic critic, RolloutStorage s, Tensor lastCriticObs)
    {
        using var _ = no_grad();
        s.Values.copy_(critic.forward(s.CriticObs.reshape((long)s.Steps * s.Envs, -1)).reshape(s.Steps, s.Envs));
        return critic.forward(lastCriticObs);
    }
}
