namespace Robotics.Training.Algorithms;

/// <summary>Every switch of REINFORCE (Williams 1992) / the vanilla policy gradient.</summary>
public sealed record ReinforceConfig
{
    /// <summary>
    /// What weights ∇log π(a_t|s_t): <c>reward_to_go</c> G_t = Σ_{k≥t} γ^{k−t} r_k (causality: an action
    /// cannot change the rewards before it), or <c>full</c>, the whole episode's return G_0 for every step.
    /// </summary>
    public string Return { get; init; } = "reward_to_go";
    /// <summary>Subtracted from the return: <c>none</c>, <c>constant</c> (the rollout's mean return) or <c>value</c> (a learned V(s_t)).</summary>
    public string Baseline { get; init; } = "value";
    /// <summary>Scale the weights (G − b) to zero mean and unit standard deviation over the rollout.</summary>
    public bool NormalizeReturns { get; init; } = true;
    /// <summary>Discount γ.</summary>
    public double Gamma { get; init; } = 0.99;
    /// <summary>Policy step size (Adam's, or plain SGD's).</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary><c>adam</c>, or <c>sgd</c> for the textbook θ += η·ĝ.</summary>
    public string Optimizer { get; init; } = "adam";
    /// <summary>Gradient-norm clip; 0 = none.</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>How the value baseline is fitted (used when <see cref="Baseline"/> is <c>value</c>).</summary>
    public ValueFitConfig ValueFit { get; init; } = new();
    /// <summary>Entropy bonus and KL to a base policy.</summary>
    public RegularizerConfig Regularizers { get; init; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field out of range.</summary>
    public ReinforceConfig Validate()
    {
        if (Return is not ("reward_to_go" or "full")) throw new ArgumentException($"ReinforceConfig.Return = '{Return}': reward_to_go or full");
        if (Baseline is not ("none" or "constant" or "value")) throw new ArgumentException($"ReinforceConfig.Baseline = '{Baseline}': none, constant or value");
        if (!(Gamma > 0 && Gamma <= 1)) throw new ArgumentException($"ReinforceConfig.Gamma = {Gamma}: allowed (0, 1]");
        if (!(LearningRate > 0 && LearningRate < 1)) throw new ArgumentException($"ReinforceConfig.LearningRate = {LearningRate}: allowed (0, 1)");
        if (Optimizer is not ("adam" or "sgd")) throw new ArgumentException($"ReinforceConfig.Optimizer = '{Optimizer}': adam or sgd");
        if (!(MaxGradNorm >= 0)) throw new ArgumentException($"ReinforceConfig.MaxGradNorm = {MaxGradNorm}: must be ≥ 0");
        ValueFit.Validate();
        Regularizers.Validate();
        return this;
    }
}
