using Robotics.Training.Devices;
using Robotics.Training.Models;
using Robotics.Training.Storage;
using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Algorithms;

/// <summary>
/// Group relative policy optimization (Shao et al. 2024, DeepSeekMath), for control: no critic. The N
/// environments form N/G groups of G copies that start each iteration from one sampled state and command
/// (<see cref="Robotics.Sim.Envs.IGroupResettable"/>) and run one whole episode each. An episode's
/// advantage is its return normalized within its group, Â_i = (R_i − mean_group R) / std_group R, and
/// every step of the episode carries it. The policy then follows PPO's clipped surrogate with a penalty
/// β·KL(π ‖ π_ref) to a frozen reference policy, refreshed every <see cref="GrpoConfig.ReferenceRefreshEvery"/>
/// iterations (or fixed at the initial policy when that is 0).
/// </summary>
/// <remarks>
/// Driven by <see cref="Runner.GroupRolloutCollector"/>, which resets the groups and runs every episode to its end;
/// the <see cref="Runner.OnPolicyRunner"/>'s fixed T-step windows over auto-resetting environments give no groups.
/// </remarks>
// DESIGN: the advantage is the whole episode's return (GRPO's "outcome supervision"), not a per-step
// reward-to-go normalized across the group at each time step: after the first step the G copies are in
// different states, so a per-time-step comparison no longer compares like with like.
// DESIGN: the loss is the mean over all valid steps of the batch (as in DAPO and Dr. GRPO), not the mean
// over episodes of each episode's per-step mean (the original GRPO): that form gives a step of a short,
// failed episode more weight than a step of a long, successful one.
// DESIGN: the KL to the reference is the exact KL of the two diagonal Gaussians at each visited state, not
// DeepSeekMath's sampled estimator k3 = ρ − log ρ − 1 (ρ = π_ref/π): both policies are Gaussian, so the exact
// value costs the same and has no sampling variance.
public sealed class Grpo : IOnPolicyAlgorithm
{
    private readonly GrpoConfig _c;
    private readonly AlgorithmState _state;
    private readonly optim.Optimizer _optimizer;
    private readonly Tensor _advantages;   // [N] of the current batch
    private double _lr;
    private int _iteration;

    /// <summary>
    /// Builds the actor, its reference copy, the optimizer and storage for <paramref name="spec"/>'s environments and
    /// episodes of up to <see cref="AlgorithmSpec.MaxEpisodeSteps"/> steps; its seed fixes initialization and all sampling.
    /// </summary>
    public Grpo(AlgorithmSpec spec, GrpoConfig config)
    {
        _c = config.Validate();
        if (spec.Envs % config.GroupSize != 0)
            throw new ArgumentException($"GrpoConfig.GroupSize = {config.GroupSize} does not divide the {spec.Envs} environments");
        _state = AlgorithmState.ActorOnly(spec);
        Reference = _state.TrackModule("reference", new GaussianActor(spec.PolicyDim, spec.ActionDim, spec.Network));
        Reference.to(spec.Device);
        foreach (var p in Reference.parameters()) p.requires_grad = false;
        CopyActorToReference();
        _advantages = zeros(spec.Envs, device: spec.Device);
        _lr = config.LearningRate;
        _optimizer = _state.TrackOptimizer("optimizer", optim.Adam(Actor.parameters(), _lr));
        _state.TrackScalars("grpo", () => new Dictionary<string, double> { ["learning_rate"] = _lr, ["iteration"] = _iteration },
            s => { SetLearningRate(s["learning_rate"]); _iteration = (int)s["iteration"]; });
    }

    /// <inheritdoc/>
    public AlgorithmState State => _state;
    /// <inheritdoc/>
    public GaussianActor Actor => _state.Actor;
    /// <inheritdoc/>
    /// <remarks>Always null: GRPO has no critic.</remarks>
    public Critic? Critic => null;
    /// <summary>The frozen reference policy of the KL penalty.</summary>
    public GaussianActor Reference { get; }
    /// <summary>The settings.</summary>
    public GrpoConfig Config => _c;
    /// <summary>The batch of episodes of the current iteration.</summary>
    public EpisodeStorage Storage => _state.Episodes!;
    /// <summary>Where the network lives.</summary>
    public Device Device => _state.Device;
    /// <summary>Current learning rate.</summary>
    public double LearningRate => _lr;
    /// <summary>Mean KL(π ‖ π_ref) over the last update's minibatches [nats].</summary>
    public double ReferenceKl { get; private set; }
    /// <summary>Episode advantages of the current batch, normalized within groups. [N]</summary>
    public Tensor Advantages => _advantages;

    /// <inheritdoc/>
    /// <remarks><paramref name="criticObs"/> is not used: GRPO has no critic.</remarks>
    public Tensor Act(Tensor policyObs, Tensor criticObs)
    {
        using var _ = no_grad();
        Actor.Normalizer.Update(policyObs, State.Parallel);
        var mean = Actor.forward(policyObs);
        var std = Actor.Std(mean);
        var actions = mean + std * HostRandom.Randn(mean.shape, _state.Generator, mean.device);
        Storage.AddPolicyStep(policyObs, actions, GaussianActor.LogProb(actions, mean, std), mean, std);
        return actions;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Truncation needs no bootstrap: the return compared within the group is the undiscounted return of the
    /// episode as it ran, and every copy of a group has the same time limit. <paramref name="finalCriticObs"/> is not used.
    /// </remarks>
    public void ProcessStep(Tensor rewards, Tensor terminated, Tensor truncated, Tensor finalCriticObs)
    {
        using var _ = no_grad();
        Storage.AddEnvStep(rewards, maximum(terminated, truncated));
    }

    /// <inheritdoc/>
    /// <remarks>Fills <see cref="Advantages"/> from the episode returns; <paramref name="lastCriticObs"/> is not used.</remarks>
    public void ComputeReturns(Tensor lastCriticObs)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        _advantages.copy_(GroupAdvantages(Storage.EpisodeReturns(), _c.GroupSize));
    }

    /// <summary>
    /// (R − mean) / std within each group of <paramref name="groupSize"/> consecutive entries, std the sample
    /// standard deviation (n − 1). A group whose returns are all equal carries no signal and gets 0.
    /// returns: [N] → [N].
    /// </summary>
    public static Tensor GroupAdvantages(Tensor returns, int groupSize)
    {
        long n = returns.shape[0];
        if (groupSize < 2 || n % groupSize != 0) throw new ArgumentException($"group size {groupSize} must be ≥ 2 and divide the {n} returns");
        var grouped = returns.reshape(n / groupSize, groupSize);   // [groups, G]
        var mean = grouped.mean(new long[] { 1 }, keepdim: true);
        var std = grouped.std(1, unbiased: true, keepdim: true);
        var centred = grouped - mean;
        // A tolerance relative to the returns' size, so that float rounding in an all-equal group is not blown up.
        var flat = std <= 1e-6 * (mean.abs() + 1);
        return where(flat, zeros_like(centred), centred / std).reshape(n);
    }

    /// <inheritdoc/>
    public UpdateStats Update(double progress)
    {
        var s = Storage;
        if (s.Count == 0) throw new InvalidOperationException("update with no steps collected");
        long steps = (long)s.Count * s.Envs;

        // Keep the valid steps only: each environment's first episode. [B, …]
        var valid = s.Valid.narrow(0, 0, s.Count).reshape(steps).nonzero().squeeze(1);
        long b = valid.shape[0];
        var obs = s.Observations.narrow(0, 0, s.Count).reshape(steps, -1).index_select(0, valid);
        var act = s.Actions.narrow(0, 0, s.Count).reshape(steps, -1).index_select(0, valid);
        var oldLogp = s.LogProbs.narrow(0, 0, s.Count).reshape(steps).index_select(0, valid);
        var oldMean = s.Means.narrow(0, 0, s.Count).reshape(steps, -1).index_select(0, valid);
        var oldStd = s.Stds.narrow(0, 0, s.Count).reshape(steps, -1).index_select(0, valid);
        var adv = _advantages.unsqueeze(0).expand(s.Count, s.Envs).reshape(steps).index_select(0, valid);   // episode advantage on each of its steps
        Tensor refMean, refStd;
        using (no_grad())
        {
            refMean = Reference.forward(obs);
            refStd = Reference.Std(refMean);
        }

        if (_c.Schedule == LearningRateSchedule.Linear) SetLearningRate(_c.LearningRate * Math.Max(0, 1 - progress));
        long size = b / _c.Minibatches;
        double surrogateSum = 0, entropySum = 0, klOldSum = 0, klRefSum = 0, clipSum = 0;
        int updates = 0;
        for (int epoch = 0; epoch < _c.Epochs && size > 0; epoch++)
        {
            var order = HostRandom.Randperm(b, _state.Generator, obs.device);
            for (int m = 0; m < _c.Minibatches; m++)
            {
                using var scope = NewDisposeScope();
                var idx = order.narrow(0, m * size, size);
                var mobs = obs.index_select(0, idx);
                var mean = Actor.forward(mobs);
                var std = Actor.Std(mean);
                var logp = GaussianActor.LogProb(act.index_select(0, idx), mean, std);
                var entropy = GaussianActor.Entropy(std).mean();

                // Clipped surrogate on the group advantages, KL penalty to the reference, entropy bonus.
                var (surrogate, clipped) = Ppo.SurrogateLoss(logp, oldLogp.index_select(0, idx), adv.index_select(0, idx), _c.ClipParam);
                var klRef = Regularizer.GaussianKl(mean, std, refMean.index_select(0, idx), refStd.index_select(0, idx)).mean();
                var loss = surrogate + _c.KlCoef * klRef - _c.EntropyCoef * entropy;

                _optimizer.zero_grad();
                loss.backward();
                // Groups stay within a rank; the gradients of all ranks' minibatches are averaged.
                _state.Parallel.AverageGradients(Actor.parameters());
                if (_c.MaxGradNorm > 0) nn.utils.clip_grad_norm_(Actor.parameters(), _c.MaxGradNorm);
                _optimizer.step();

                using (no_grad())
                    klOldSum += Regularizer.GaussianKl(oldMean.index_select(0, idx), oldStd.index_select(0, idx), mean, std).mean().item<float>();
                surrogateSum += surrogate.item<float>();
                entropySum += entropy.item<float>();
                klRefSum += klRef.item<float>();
                clipSum += clipped;
                updates++;
            }
        }

        // Refresh the reference every K iterations (never when K = 0).
        _iteration++;
        if (_c.ReferenceRefreshEvery > 0 && _iteration % _c.ReferenceRefreshEvery == 0) CopyActorToReference();
        s.Clear();
        double noise;
        using (no_grad()) noise = Actor.LogStd.exp().mean().item<float>();
        updates = Math.Max(updates, 1);
        ReferenceKl = klRefSum / updates;
        return new UpdateStats(double.NaN, surrogateSum / updates, entropySum / updates, klOldSum / updates, clipSum / updates, _lr, noise);
    }

    // The reference becomes a copy of the actor: parameters and normalizer statistics.
    private void CopyActorToReference()
    {
        using var _ = no_grad();
        var target = Reference.state_dict();
        foreach (var (name, value) in Actor.state_dict()) target[name].copy_(value);
    }

    private void SetLearningRate(double lr)
    {
        _lr = lr;
        foreach (var g in _optimizer.ParamGroups) g.LearningRate = lr;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _advantages.Dispose();
        _state.Dispose();
    }
}
