namespace Robotics.Training.Algorithms;

/// <summary>Every switch of the natural policy gradient (Kakade 2001), with TRPO's step-size rule.</summary>
public sealed record NpgConfig
{
    /// <summary>Trust-region size δ [nats]: the step is scaled so that ½·Δθᵀ(F + λI)Δθ = δ.</summary>
    public double MaxKl { get; init; } = 0.01;
    /// <summary>Conjugate-gradient steps for (F + λI)·x = g.</summary>
    public int CgIterations { get; init; } = 10;
    /// <summary>Damping λ added to the Fisher matrix (in units of F: [1/(parameter unit)²]).</summary>
    public double Damping { get; init; } = 0.1;
    /// <summary>Discount γ.</summary>
    public double Gamma { get; init; } = 0.99;
    /// <summary>GAE λ.</summary>
    public double Lambda { get; init; } = 0.95;
    /// <summary>Normalize advantages over the rollout.</summary>
    public bool NormalizeAdvantages { get; init; } = true;
    /// <summary>How the value function is fitted (separately, its own Adam).</summary>
    public ValueFitConfig ValueFit { get; init; } = new();
    /// <summary>Entropy bonus and KL to a base policy.</summary>
    public RegularizerConfig Regularizers { get; init; } = new();

    /// <summary>Throws <see cref="UserError"/> naming the first field out of range.</summary>
    public NpgConfig Validate()
    {
        if (!(MaxKl > 0 && MaxKl < 10)) throw new UserError($"NpgConfig.MaxKl = {MaxKl}: allowed (0, 10) nats");
        if (CgIterations < 1) throw new UserError($"NpgConfig.CgIterations = {CgIterations}: must be ≥ 1");
        if (!(Damping >= 0 && double.IsFinite(Damping))) throw new UserError($"NpgConfig.Damping = {Damping}: must be ≥ 0");
        if (!(Gamma > 0 && Gamma <= 1)) throw new UserError($"NpgConfig.Gamma = {Gamma}: allowed (0, 1]");
        if (!(Lambda >= 0 && Lambda <= 1)) throw new UserError($"NpgConfig.Lambda = {Lambda}: allowed [0, 1]");
        ValueFit.Validate();
        Regularizers.Validate();
        return this;
    }
}
