namespace Robotics.Training.Algorithms;

/// <summary>
/// Every switch of PPO, with rsl_rl's defaults (legged_gym): lr 1e-3 adapted to a KL of 0.01, clip 0.2,
/// entropy 0.01, 5 epochs × 4 minibatches, γ 0.99, λ 0.95 (the rollout length, 24 steps per environment, is the run's:
/// <see cref="AlgorithmSpec.StepsPerEnv"/>).
/// </summary>
public sealed record PpoConfig
{
    /// <summary>Passes over the rollout per iteration.</summary>
    public int Epochs { get; init; } = 5;
    /// <summary>Minibatches per pass.</summary>
    public int Minibatches { get; init; } = 4;
    /// <summary>Adam's learning rate (initial, when adapted or annealed).</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>adaptive (to <see cref="DesiredKl"/>), fixed, or linear (annealed to 0).</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Adaptive;
    /// <summary>Target KL divergence per update for the adaptive schedule.</summary>
    public double DesiredKl { get; init; } = 0.01;
    /// <summary>Clip range ε of the probability ratio (and of the value change).</summary>
    public double ClipParam { get; init; } = 0.2;
    /// <summary>Clip the value loss around the old values.</summary>
    public bool ClipValueLoss { get; init; } = true;
    /// <summary>Weight of the value loss.</summary>
    public double ValueLossCoef { get; init; } = 1.0;
    /// <summary>Weight of the entropy bonus.</summary>
    public double EntropyCoef { get; init; } = 0.01;
    /// <summary>Weight of the KL(π ‖ π_base) penalty toward a frozen base policy (the initial actor, or one set on the <see cref="Regularizer"/>) [per nat]; 0 = off.</summary>
    public double BaseKlCoef { get; init; }
    /// <summary>Discount γ.</summary>
    public double Gamma { get; init; } = 0.99;
    /// <summary>GAE λ.</summary>
    public double Lambda { get; init; } = 0.95;
    /// <summary>Gradient-norm clip; 0 = none.</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>Normalize advantages over the rollout.</summary>
    public bool NormalizeAdvantages { get; init; } = true;
    /// <summary>Divide rewards by a running std of the discounted return, clipped to ±10 (<see cref="Models.RewardScaler"/>); see <see cref="CodeLevelOptimizations"/>.</summary>
    public bool ScaleRewards { get; init; }

    /// <summary>Throws <see cref="UserError"/> naming the first field out of range.</summary>
    public PpoConfig Validate()
    {
        if (Epochs < 1) throw new UserError($"PpoConfig.Epochs = {Epochs}: must be ≥ 1");
        if (Minibatches < 1) throw new UserError($"PpoConfig.Minibatches = {Minibatches}: must be ≥ 1");
        if (!(LearningRate > 0 && LearningRate < 1)) throw new UserError($"PpoConfig.LearningRate = {LearningRate}: allowed (0, 1)");
        if (!Enum.IsDefined(Schedule)) throw new UserError($"PpoConfig.Schedule = '{Schedule}': adaptive, fixed or linear");
        if (!(DesiredKl > 0)) throw new UserError($"PpoConfig.DesiredKl = {DesiredKl}: must be > 0");
        if (!(ClipParam > 0 && ClipParam < 1)) throw new UserError($"PpoConfig.ClipParam = {ClipParam}: allowed (0, 1)");
        if (!(Gamma > 0 && Gamma <= 1)) throw new UserError($"PpoConfig.Gamma = {Gamma}: allowed (0, 1]");
        if (!(Lambda >= 0 && Lambda <= 1)) throw new UserError($"PpoConfig.Lambda = {Lambda}: allowed [0, 1]");
        if (!(BaseKlCoef >= 0 && double.IsFinite(BaseKlCoef))) throw new UserError($"PpoConfig.BaseKlCoef = {BaseKlCoef}: must be ≥ 0");
        if (!(ValueLossCoef >= 0) || !(EntropyCoef >= 0) || !(MaxGradNorm >= 0)) throw new UserError("PpoConfig: coefficients and MaxGradNorm must be ≥ 0");
        return this;
    }
}
