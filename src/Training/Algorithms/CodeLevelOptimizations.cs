using Robotics.Training.Models;

namespace Robotics.Training.Algorithms;

/// <summary>
/// The "code-level optimizations" of Engstrom et al. (2020), "Implementation Matters in Deep Policy
/// Gradients", as one set of switches: PPO is PPO with <see cref="All"/>, PPO-M PPO with <see cref="None"/>;
/// TRPO is TRPO with <see cref="None"/>, TRPO+ TRPO with <see cref="All"/>.
/// </summary>
/// <remarks>
/// How an algorithm applies each switch (the record is self-contained; <see cref="ApplyTo(NetworkConfig)"/>
/// and <see cref="ApplyTo(PpoConfig)"/> do it for the networks and PPO):
/// <list type="bullet">
/// <item><see cref="ValueClipping"/>: the value loss is max((V − R)², (V_old + clip(V − V_old, ±ε) − R)²), ε the
/// policy's clip range (PPO) or 0.2 (a trust-region method, which has no ε of its own).</item>
/// <item><see cref="RewardScaling"/>: rewards pass through <see cref="RewardScaler"/> (γ the algorithm's discount)
/// before the truncation bootstrap is added and before returns are computed.</item>
/// <item><see cref="ObservationNormalization"/>, <see cref="OrthogonalInit"/>, <see cref="TanhActivations"/>:
/// network construction, through <see cref="ApplyTo(NetworkConfig)"/>.</item>
/// <item><see cref="LearningRateAnnealing"/>: every Adam learning rate falls linearly from its initial value to 0
/// over the run (progress 0 → 1); for PPO this replaces the KL-adaptive schedule ("linear" instead of "fixed").
/// A trust-region method anneals its value-function optimizer (its policy step is set by the KL bound).</item>
/// <item><see cref="GradientClipNorm"/>: the global norm of every first-order gradient step (PPO's loss; a
/// trust-region method's value-function steps) is clipped to this value.</item>
/// </list>
/// Engstrom et al. list two more, folded in here: reward clipping (to ±10, inside <see cref="RewardScaler"/>)
/// and observation clipping (not applied: normalized observations are left unclipped).
/// </remarks>
public sealed record CodeLevelOptimizations
{
    /// <summary>Clip the value loss around the values at collection.</summary>
    public bool ValueClipping { get; init; } = true;
    /// <summary>Divide rewards by a running std of the discounted return, clipped to ±10 (<see cref="RewardScaler"/>).</summary>
    public bool RewardScaling { get; init; } = true;
    /// <summary>Normalize observations with running statistics inside the networks.</summary>
    public bool ObservationNormalization { get; init; } = true;
    /// <summary>Orthogonal initialization (gain √2 hidden, 0.01 policy head, 1 value head) instead of PyTorch's default.</summary>
    public bool OrthogonalInit { get; init; } = true;
    /// <summary>Anneal the learning rate linearly to 0 over the run.</summary>
    public bool LearningRateAnnealing { get; init; } = true;
    /// <summary>Global gradient-norm clip (dimensionless, the norm of all parameters' gradients); 0 = off. Engstrom et al. and baselines use 0.5.</summary>
    public double GradientClipNorm { get; init; } = 0.5;
    /// <summary>tanh hidden activations; otherwise ELU (this project's default, rsl_rl's).</summary>
    public bool TanhActivations { get; init; } = true;

    /// <summary>Every optimization on: the "PPO" and "TRPO+" of the paper.</summary>
    public static CodeLevelOptimizations All { get; } = new();

    /// <summary>Every optimization off: "PPO-M" and plain "TRPO".</summary>
    public static CodeLevelOptimizations None { get; } = new()
    {
        ValueClipping = false, RewardScaling = false, ObservationNormalization = false, OrthogonalInit = false,
        LearningRateAnnealing = false, GradientClipNorm = 0, TanhActivations = false,
    };

    /// <summary>Throws <see cref="UserError"/> naming the first bad field.</summary>
    public CodeLevelOptimizations Validate()
    {
        if (!(GradientClipNorm >= 0)) throw new UserError($"CodeLevelOptimizations.GradientClipNorm = {GradientClipNorm}: must be ≥ 0 (0 = off)");
        return this;
    }

    /// <summary>The network settings with observation normalization, orthogonal initialization and the activation set from these switches.</summary>
    public NetworkConfig ApplyTo(NetworkConfig network) => network with
    {
        NormalizeObservations = ObservationNormalization,
        OrthogonalInit = OrthogonalInit,
        Activation = TanhActivations ? ActivationFunction.Tanh : ActivationFunction.Elu,
    };

    /// <summary>PPO's settings with value clipping, reward scaling, the learning-rate schedule and gradient clipping set from these switches.</summary>
    public PpoConfig ApplyTo(PpoConfig ppo)
    {
        Validate();
        return ppo with
        {
            ClipValueLoss = ValueClipping,
            ScaleRewards = RewardScaling,
            Schedule = LearningRateAnnealing ? LearningRateSchedule.Linear : LearningRateSchedule.Fixed,
            MaxGradNorm = GradientClipNorm,
        };
    }

    /// <summary>
    /// TRPO's settings from these switches (TRPO+ with <see cref="All"/>): reward scaling; and for the separately fitted
    /// value function, value clipping (range 0.2), learning-rate annealing and gradient clipping. The policy step itself
    /// is set by the KL bound, so these do not touch it.
    /// </summary>
    public TrpoConfig ApplyTo(TrpoConfig trpo)
    {
        Validate();
        return trpo with
        {
            ScaleRewards = RewardScaling,
            ValueFit = trpo.ValueFit with { ClipValueLoss = ValueClipping, AnnealLearningRate = LearningRateAnnealing, MaxGradNorm = GradientClipNorm },
        };
    }

    /// <summary>A one-line summary, e.g. <c>value-clip reward-scale obs-norm ortho lr-anneal grad-clip=0.5 tanh</c>.</summary>
    public override string ToString()
    {
        var on = new List<string>();
        if (ValueClipping) on.Add("value-clip");
        if (RewardScaling) on.Add("reward-scale");
        if (ObservationNormalization) on.Add("obs-norm");
        if (OrthogonalInit) on.Add("ortho");
        if (LearningRateAnnealing) on.Add("lr-anneal");
        if (GradientClipNorm > 0) on.Add($"grad-clip={GradientClipNorm}");
        on.Add(TanhActivations ? "tanh" : "elu");
        return string.Join(" ", on);
    }
}
