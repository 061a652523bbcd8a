namespace Robotics.Training.Algorithms;

/// <summary>
/// Every switch of TRPO (Schulman et al. 2015), with Engstrom et al.'s (2020) settings as defaults:
/// 10 CG steps, damping 0.1, max KL 0.01, 10 backtracks of ratio 0.5.
/// </summary>
public sealed record TrpoConfig
{
    /// <summary>Trust-region size δ [nats]: an accepted step has mean KL(π_old ‖ π_new) ≤ δ.</summary>
    public double MaxKl { get; init; } = 0.01;
    /// <summary>Conjugate-gradient steps for (F + λI)·x = g.</summary>
    public int CgIterations { get; init; } = 10;
    /// <summary>Damping λ added to the Fisher matrix.</summary>
    public double Damping { get; init; } = 0.1;
    /// <summary>Line-search tries: the full step, then ×ratio each time.</summary>
    public int MaxBacktracks { get; init; } = 10;
    /// <summary>Factor by which each backtrack shrinks the step.</summary>
    public double BacktrackRatio { get; init; } = 0.5;
    /// <summary>Discount γ.</summary>
    public double Gamma { get; init; } = 0.99;
    /// <summary>GAE λ.</summary>
    public double Lambda { get; init; } = 0.95;
    /// <summary>Normalize advantages over the rollout.</summary>
    public bool NormalizeAdvantages { get; init; } = true;
    /// <summary>How the value function is fitted (separately, its own Adam).</summary>
    public ValueFitConfig ValueFit { get; init; } = new();
    /// <summary>Divide rewards by a running std of the discounted return, clipped to ±10 (<see cref="Models.RewardScaler"/>); see <see cref="CodeLevelOptimizations"/>.</summary>
    public bool ScaleRewards { get; init; }
    /// <summary>Entropy bonus and KL to a base policy.</summary>
    public RegularizerConfig Regularizers { get; init; } = new();

    /// <summary>Throws <see cref="UserError"/> naming the first field out of range.</summary>
    public TrpoConfig Validate()
    {
        if (!(MaxKl > 0 && MaxKl < 10)) throw new UserError($"TrpoConfig.MaxKl = {MaxKl}: allowed (0, 10) nats");
        if (CgIterations < 1) throw new UserError($"TrpoConfig.CgIterations = {CgIterations}: must be ≥ 1");
        if (!(Damping >= 0 && double.IsFinite(Damping))) throw new UserError($"TrpoConfig.Damping = {Damping}: must be ≥ 0");
        if (MaxBacktracks < 1) throw new UserError($"TrpoConfig.MaxBacktracks = {MaxBacktracks}: must be ≥ 1");
        if (!(BacktrackRatio > 0 && BacktrackRatio < 1)) throw new UserError($"TrpoConfig.BacktrackRatio = {BacktrackRatio}: allowed (0, 1)");
        if (!(Gamma > 0 && Gamma <= 1)) throw new UserError($"TrpoConfig.Gamma = {Gamma}: allowed (0, 1]");
        if (!(Lambda >= 0 && Lambda <= 1)) throw new UserError($"TrpoConfig.Lambda = {Lambda}: allowed [0, 1]");
        ValueFit.Validate();
        Regularizers.Validate();
        return this;
    }
}
