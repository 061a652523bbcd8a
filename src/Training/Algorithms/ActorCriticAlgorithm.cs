using Robotics.Training.Models;
using Robotics.Training.Storage;
using static TorchSharp.torch;

namespace Robotics.Training.Algorithms;

/// <summary>
/// What PPO, REINFORCE, NPG and TRPO have in common and nothing else: an <see cref="AlgorithmState"/> with a
/// critic and a [T, N] rollout, collected by <see cref="GaussianRollout"/>, with GAE(γ, λ) returns that
/// bootstrap time-limit truncations from the critic. Each algorithm's file holds only its own update.
/// </summary>
public abstract class ActorCriticAlgorithm : IOnPolicyAlgorithm
{
    private readonly double _gamma, _lambda;

    /// <summary>Wraps <paramref name="state"/> (owned from here on); γ and λ of the returns.</summary>
    protected ActorCriticAlgorithm(AlgorithmState state, double gamma, double lambda)
    {
        State = state;
        _gamma = gamma;
        _lambda = lambda;
    }

    /// <inheritdoc/>
    public AlgorithmState State { get; }
    /// <inheritdoc/>
    public GaussianActor Actor => State.Actor;
    /// <summary>The value function.</summary>
    public Critic Critic => State.Critic!;
    /// <summary>The rollout of the current iteration.</summary>
    public RolloutStorage Storage => State.Rollout!;
    /// <summary>The entropy bonus and the KL to a base policy (<see cref="Regularizer.SetBase"/> sets a pretrained one).</summary>
    public Regularizer Regularizer => State.Regularizer;

    /// <inheritdoc/>
    public Tensor Act(Tensor policyObs, Tensor criticObs) => GaussianRollout.Act(State, policyObs, criticObs);

    /// <inheritdoc/>
    /// <remarks>A time limit is not a terminal state: the truncated environments bootstrap from the value of the observation it cut off.</remarks>
    public virtual void ProcessStep(Tensor rewards, Tensor terminated, Tensor truncated, Tensor finalCriticObs) =>
        GaussianRollout.Step(State, bootstrap: true, _gamma, rewards, terminated, truncated, finalCriticObs);

    /// <inheritdoc/>
    public virtual void ComputeReturns(Tensor lastCriticObs) => GaussianRollout.ComputeReturns(State, lastCriticObs, _gamma, _lambda);

    /// <inheritdoc/>
    public abstract UpdateStats Update(double progress);

    /// <inheritdoc/>
    public void Dispose()
    {
        State.Dispose();
        GC.SuppressFinalize(this);
    }
}
