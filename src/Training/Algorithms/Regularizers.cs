using Robotics.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Algorithms;

/// <summary>The two regularizers every policy-gradient algorithm here can add to its objective.</summary>
public sealed record RegularizerConfig
{
    /// <summary>Weight β_H of the entropy bonus +β_H·H(π(·|s)) [per nat]; 0 = off.</summary>
    public double EntropyCoef { get; init; }
    /// <summary>
    /// Weight β_KL of the penalty −β_KL·KL(π_θ(·|s) ‖ π_base(·|s)) [per nat] toward a frozen base policy
    /// (a copy of the initial actor, or one set with <see cref="Regularizer.SetBase"/>); 0 = off.
    /// </summary>
    public double BaseKlCoef { get; init; }

    /// <summary>Throws <see cref="UserError"/> naming the first field out of range.</summary>
    public RegularizerConfig Validate()
    {
        if (!(EntropyCoef >= 0 && double.IsFinite(EntropyCoef))) throw new UserError($"RegularizerConfig.EntropyCoef = {EntropyCoef}: must be ≥ 0");
        if (!(BaseKlCoef >= 0 && double.IsFinite(BaseKlCoef))) throw new UserError($"RegularizerConfig.BaseKlCoef = {BaseKlCoef}: must be ≥ 0");
        return this;
    }
}

/// <summary>
/// Entropy bonus and KL to a base policy, as one penalty the algorithms add to their loss:
/// penalty = −β_H·mean H(π_θ) + β_KL·mean KL(π_θ ‖ π_base). The base policy is a frozen copy (its own
/// parameters and observation statistics) so that it stays a fixed function while the actor learns.
/// </summary>
public sealed class Regularizer : IDisposable
{
    private readonly RegularizerConfig _c;
    private readonly GaussianActor? _base;

    /// <summary>
    /// Regularizes <paramref name="actor"/>; when β_KL &gt; 0 the base policy starts as a frozen copy of it
    /// (same <paramref name="obsDim"/>, <paramref name="actionDim"/>, <paramref name="network"/>).
    /// </summary>
    public Regularizer(GaussianActor actor, int obsDim, int actionDim, NetworkConfig network, RegularizerConfig config)
    {
        _c = config.Validate();
        if (_c.BaseKlCoef > 0)
        {
            _base = new GaussianActor(obsDim, actionDim, network);
            _base.to(actor.LogStd.device);
            foreach (var p in _base.parameters()) p.requires_grad = false;
            SetBase(actor);
        }
    }

    /// <summary>The settings.</summary>
    public RegularizerConfig Config => _c;
    /// <summary>The frozen base policy; null when β_KL = 0.</summary>
    public GaussianActor? Base => _base;

    /// <summary>Writes the base policy (when there is one) into a checkpoint folder.</summary>
    public void SaveState(string directory)
    {
        if (_base is not null) CheckpointFiles.Save(directory, "base_policy", _base);
    }

    /// <summary>Restores the base policy written by <see cref="SaveState"/>.</summary>
    public void LoadState(string directory)
    {
        if (_base is not null) CheckpointFiles.Load(directory, "base_policy", _base);
    }

    /// <summary>Copies <paramref name="source"/> (parameters and normalizer) into the base policy, e.g. a pretrained actor.</summary>
    public void SetBase(GaussianActor source)
    {
        if (_base is null) throw new InvalidOperationException("Regularizer.SetBase: BaseKlCoef is 0, there is no base policy");
        using var _ = no_grad();
        var from = source.state_dict();
        foreach (var (name, t) in _base.state_dict())
        {
            if (!from.TryGetValue(name, out var s) || !s.shape.SequenceEqual(t.shape))
                throw new ArgumentException($"Regularizer.SetBase: the source actor has no '{name}' of shape [{string.Join(", ", t.shape)}]");
            t.copy_(s);
        }
    }

    /// <summary>
    /// The penalty to add to a loss (a scalar), and its parts for the logs. obs [B, obsDim]; mean, std
    /// [B, actionDim] of the current policy at those observations.
    /// </summary>
    public (Tensor Penalty, double Entropy, double BaseKl) Penalty(Tensor obs, Tensor mean, Tensor std)
    {
        var entropy = GaussianActor.Entropy(std).mean();
        var penalty = -_c.EntropyCoef * entropy;
        double kl = 0;
        if (_base is not null)
        {
            Tensor baseMean, baseStd;
            using (no_grad()) { baseMean = _base.forward(obs); baseStd = _base.Std(baseMean); }
            var klToBase = GaussianKl(mean, std, baseMean, baseStd).mean();
            penalty = penalty + _c.BaseKlCoef * klToBase;
            kl = klToBase.ToDouble();
        }
        return (penalty, entropy.ToDouble(), kl);
    }

    /// <summary>
    /// KL(p ‖ q) of diagonal Gaussians, summed over action dimensions:
    /// Σ log(σ_q/σ_p) + (σ_p² + (μ_p − μ_q)²)/(2σ_q²) − ½. All inputs [B, actionDim]; result [B].
    /// </summary>
    public static Tensor GaussianKl(Tensor meanP, Tensor stdP, Tensor meanQ, Tensor stdQ) =>
        (log(stdQ / stdP) + (stdP.pow(2) + (meanP - meanQ).pow(2)) / (2 * stdQ.pow(2)) - 0.5).sum(-1);

    /// <inheritdoc/>
    public void Dispose() => _base?.Dispose();
}
