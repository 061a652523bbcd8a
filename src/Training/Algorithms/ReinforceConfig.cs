using System.Text.Json.Serialization;

namespace Robotics.Training.Algorithms;

/// <summary>What weights ∇log π(a_t|s_t) in REINFORCE (<see cref="ReinforceConfig.Return"/>).</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<ReinforceReturn>))]
public enum ReinforceReturn
{
    /// <summary>G_t = Σ_{k≥t} γ^{k−t} r_k: an action cannot change the rewards before it.</summary>
    RewardToGo,
    /// <summary>The whole episode's return G_0 for every step.</summary>
    Full,
}

/// <summary>What REINFORCE subtracts from the return (<see cref="ReinforceConfig.Baseline"/>).</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<ReinforceBaseline>))]
public enum ReinforceBaseline
{
    /// <summary>Nothing.</summary>
    None,
    /// <summary>The rollout's mean return.</summary>
    Constant,
    /// <summary>A learned V(s_t).</summary>
    Value,
}

/// <summary>REINFORCE's policy optimizer (<see cref="ReinforceConfig.Optimizer"/>).</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<ReinforceOptimizer>))]
public enum ReinforceOptimizer
{
    /// <summary>Adam.</summary>
    Adam,
    /// <summary>Plain SGD, the textbook θ += η·ĝ.</summary>
    Sgd,
}

/// <summary>Every switch of REINFORCE (Williams 1992) / the vanilla policy gradient.</summary>
public sealed record ReinforceConfig
{
    /// <summary>
    /// What weights ∇log π(a_t|s_t): <c>reward_to_go</c> G_t = Σ_{k≥t} γ^{k−t} r_k (causality: an action
    /// cannot change the rewards before it), or <c>full</c>, the whole episode's return G_0 for every step.
    /// </summary>
    public ReinforceReturn Return { get; init; } = ReinforceReturn.RewardToGo;
    /// <summary>Subtracted from the return: <c>none</c>, <c>constant</c> (the rollout's mean return) or <c>value</c> (a learned V(s_t)).</summary>
    public ReinforceBaseline Baseline { get; init; } = ReinforceBaseline.Value;
    /// <summary>Scale the weights (G − b) to zero mean and unit standard deviation over the rollout.</summary>
    public bool NormalizeReturns { get; init; } = true;
    /// <summary>Discount γ.</summary>
    public double Gamma { get; init; } = 0.99;
    /// <summary>Policy step size (Adam's, or plain SGD's).</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary><c>adam</c>, or <c>sgd</c> for the textbook θ += η·ĝ.</summary>
    public ReinforceOptimizer Optimizer { get; init; } = ReinforceOptimizer.Adam;
    /// <summary>Gradient-norm clip; 0 = none.</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>How the value baseline is fitted (used when <see cref="Baseline"/> is <c>value</c>).</summary>
    public ValueFitConfig ValueFit { get; init; } = new();
    /// <summary>Entropy bonus and KL to a base policy.</summary>
    public RegularizerConfig Regularizers { get; init; } = new();

    /// <summary>Throws <see cref="UserError"/> naming the first field out of range.</summary>
    public ReinforceConfig Validate()
    {
        if (!Enum.IsDefined(Return)) throw new UserError($"ReinforceConfig.Return = '{Return}': reward_to_go or full");
        if (!Enum.IsDefined(Baseline)) throw new UserError($"ReinforceConfig.Baseline = '{Baseline}': none, constant or value");
        if (!(Gamma > 0 && Gamma <= 1)) throw new UserError($"ReinforceConfig.Gamma = {Gamma}: allowed (0, 1]");
        if (!(LearningRate > 0 && LearningRate < 1)) throw new UserError($"ReinforceConfig.LearningRate = {LearningRate}: allowed (0, 1)");
        if (!Enum.IsDefined(Optimizer)) throw new UserError($"ReinforceConfig.Optimizer = '{Optimizer}': adam or sgd");
        if (!(MaxGradNorm >= 0)) throw new UserError($"ReinforceConfig.MaxGradNorm = {MaxGradNorm}: must be ≥ 0");
        ValueFit.Validate();
        Regularizers.Validate();
        return this;
    }
}
