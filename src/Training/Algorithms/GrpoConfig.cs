namespace Robotics.Training.Algorithms;

/// <summary>
/// Every switch of GRPO (Shao et al. 2024, DeepSeekMath): group size, the clipped surrogate's ε, the KL
/// penalty to a reference policy and how often that reference is refreshed, Adam's settings.
/// </summary>
public sealed record GrpoConfig
{
    /// <summary>G: episodes per group, all started from one state and command. Must divide the number of environments.</summary>
    public int GroupSize { get; init; } = 8;
    /// <summary>Passes over the batch of episodes per iteration.</summary>
    public int Epochs { get; init; } = 5;
    /// <summary>Minibatches per pass.</summary>
    public int Minibatches { get; init; } = 4;
    /// <summary>Adam's learning rate (initial, when annealed). On cart-pole balance 3e-3 learned about twice as fast as 1e-3 per step, with the KL per update still ≤ 0.01.</summary>
    public double LearningRate { get; init; } = 3e-3;
    /// <summary>fixed, or linear (annealed to 0 over the run).</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Fixed;
    /// <summary>Clip range ε of the probability ratio.</summary>
    public double ClipParam { get; init; } = 0.2;
    /// <summary>β, the weight of the KL(π ‖ π_ref) penalty [per nat].</summary>
    public double KlCoef { get; init; } = 0.01;
    /// <summary>Copy the policy into the reference every this many iterations; 0 keeps the initial policy as the reference for the whole run.</summary>
    public int ReferenceRefreshEvery { get; init; } = 10;
    /// <summary>Weight of the entropy bonus.</summary>
    public double EntropyCoef { get; init; } = 0.0;
    /// <summary>Gradient-norm clip; 0 = none.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Throws <see cref="UserError"/> naming the first field out of range.</summary>
    public GrpoConfig Validate()
    {
        if (GroupSize < 2) throw new UserError($"GrpoConfig.GroupSize = {GroupSize}: must be ≥ 2 (a group of one has no spread to normalize by)");
        if (Epochs < 1) throw new UserError($"GrpoConfig.Epochs = {Epochs}: must be ≥ 1");
        if (Minibatches < 1) throw new UserError($"GrpoConfig.Minibatches = {Minibatches}: must be ≥ 1");
        if (!(LearningRate > 0 && LearningRate < 1)) throw new UserError($"GrpoConfig.LearningRate = {LearningRate}: allowed (0, 1)");
        if (Schedule is not (LearningRateSchedule.Fixed or LearningRateSchedule.Linear))
            throw new UserError($"GrpoConfig.Schedule = '{SnakeCaseEnum.Name(Schedule)}': fixed or linear");
        if (!(ClipParam > 0 && ClipParam < 1)) throw new UserError($"GrpoConfig.ClipParam = {ClipParam}: allowed (0, 1)");
        if (!(KlCoef >= 0)) throw new UserError($"GrpoConfig.KlCoef = {KlCoef}: must be ≥ 0");
        if (ReferenceRefreshEvery < 0) throw new UserError($"GrpoConfig.ReferenceRefreshEvery = {ReferenceRefreshEvery}: must be ≥ 0 (0 = fixed reference)");
        if (!(EntropyCoef >= 0)) throw new UserError($"GrpoConfig.EntropyCoef = {EntropyCoef}: must be ≥ 0");
        if (!(MaxGradNorm >= 0)) throw new UserError($"GrpoConfig.MaxGradNorm = {MaxGradNorm}: must be ≥ 0");
        return this;
    }
}
