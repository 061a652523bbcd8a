using System.Globalization;
using System.Text.Json.Serialization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Robotics.Training.Models;

/// <summary>The hidden layers' activation (<see cref="NetworkConfig.Activation"/>); config.json spells it <c>elu</c> or <c>tanh</c>.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<ActivationFunction>))]
public enum ActivationFunction
{
    /// <summary>ELU (rsl_rl's, this project's default).</summary>
    Elu,
    /// <summary>tanh (Engstrom et al.'s code-level optimization).</summary>
    Tanh,
}

/// <summary>Sizes and activations of the actor and critic networks.</summary>
public sealed record NetworkConfig
{
    /// <summary>Hidden layer widths of both networks; empty makes them linear (μ = W·obs + b), e.g. for LQR.</summary>
    public int[] Hidden { get; init; } = { 512, 256, 128 };
    /// <summary>Activation: elu or tanh.</summary>
    public ActivationFunction Activation { get; init; } = ActivationFunction.Elu;
    /// <summary>Initial standard deviation of the Gaussian policy (state-independent).</summary>
    public double InitNoiseStd { get; init; } = 1.0;
    /// <summary>Orthogonal initialization (gain √2 hidden, 0.01 policy head, 1 value head) instead of PyTorch's default.</summary>
    public bool OrthogonalInit { get; init; }
    /// <summary>Normalize observations with running statistics inside the networks.</summary>
    public bool NormalizeObservations { get; init; } = true;

    /// <summary>Throws <see cref="UserError"/> naming the first bad field.</summary>
    public NetworkConfig Validate()
    {
        // An empty list is allowed: a linear policy and value function (the LQR tests use it).
        if (Hidden is null || Hidden.Any(h => h < 1 || h > 65536)) throw new UserError($"NetworkConfig.Hidden = [{string.Join(", ", Hidden ?? Array.Empty<int>())}]: each width in 1..65536 (none for a linear network)");
        if (!Enum.IsDefined(Activation)) throw new UserError($"NetworkConfig.Activation = '{Activation}': elu or tanh");
        if (!(InitNoiseStd > 0)) throw new UserError($"NetworkConfig.InitNoiseStd = {InitNoiseStd}: must be > 0");
        return this;
    }

    /// <summary>Hidden widths from <c>--hidden</c>'s text, comma-separated (<c>512,256,128</c>).</summary>
    /// <exception cref="UserError">A part is not an integer.</exception>
    public static int[] ParseHidden(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out widths[i]))
                throw new UserError($"--hidden {text}: comma-separated integers");
        return widths;
    }
}

/// <summary>An MLP: Linear → activation → … → Linear.</summary>
internal static class Mlp
{
    public static Sequential Build(int input, int[] hidden, int output, NetworkConfig c, double headGain)
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        int width = input;
        for (int i = 0; i < hidden.Length; i++)
        {
            var linear = nn.Linear(width, hidden[i]);
            if (c.OrthogonalInit) { nn.init.orthogonal_(linear.weight, Math.Sqrt(2)); nn.init.zeros_(linear.bias); }
            layers.Add(($"linear{i}", linear));
            layers.Add(($"act{i}", c.Activation == ActivationFunction.Tanh ? nn.Tanh() : nn.ELU()));
            width = hidden[i];
        }
        var head = nn.Linear(width, output);
        if (c.OrthogonalInit) { nn.init.orthogonal_(head.weight, headGain); nn.init.zeros_(head.bias); }
        layers.Add(("head", head));
        return nn.Sequential(layers);
    }
}

/// <summary>
/// Gaussian policy on the <c>policy</c> observation group: μ = MLP(normalize(obs)), σ = exp(log σ) a
/// learned vector independent of the state. The deterministic path (normalizer + MLP) is what is
/// exported and deployed.
/// </summary>
public sealed class GaussianActor : nn.Module<Tensor, Tensor>
{
    private readonly EmpiricalNormalizer normalizer;
    private readonly Sequential mlp;
    private readonly Parameter log_std;

    /// <summary>An actor from <paramref name="obsDim"/> observations to <paramref name="actionDim"/> actions.</summary>
    public GaussianActor(int obsDim, int actionDim, NetworkConfig config) : base(nameof(GaussianActor))
    {
        config.Validate();
        normalizer = new EmpiricalNormalizer(obsDim);
        mlp = Mlp.Build(obsDim, config.Hidden, actionDim, config, headGain: 0.01);
        log_std = new Parameter(full(actionDim, Math.Log(config.InitNoiseStd)));
        NormalizeObservations = config.NormalizeObservations;
        RegisterComponents();
    }

    /// <summary>Whether observations pass through <see cref="Normalizer"/>.</summary>
    public bool NormalizeObservations { get; }
    /// <summary>The observation normalizer.</summary>
    public EmpiricalNormalizer Normalizer => normalizer;
    /// <summary>log σ. [actionDim]</summary>
    public Parameter LogStd => log_std;
    /// <summary>The MLP after the normalizer.</summary>
    public Sequential Network => mlp;

    /// <summary>The mean action μ. obs [B, obsDim] → [B, actionDim]</summary>
    public override Tensor forward(Tensor obs) => mlp.forward(NormalizeObservations ? normalizer.forward(obs) : obs);

    /// <summary>σ broadcast like <paramref name="mean"/>.</summary>
    public Tensor Std(Tensor mean) => log_std.exp().expand_as(mean);

    /// <summary>log N(a; μ, σ) summed over action dimensions. [B]</summary>
    public static Tensor LogProb(Tensor actions, Tensor mean, Tensor std) =>
        (-0.5 * ((actions - mean) / std).pow(2) - std.log() - 0.5 * Math.Log(2 * Math.PI)).sum(-1);

    /// <summary>Entropy of the Gaussian, summed over action dimensions. [B]</summary>
    public static Tensor Entropy(Tensor std) => (0.5 + 0.5 * Math.Log(2 * Math.PI) + std.log()).sum(-1);
}

/// <summary>The value function on the <c>critic</c> observation group (the asymmetric critic). [B, criticDim] → [B]</summary>
public sealed class Critic : nn.Module<Tensor, Tensor>
{
    private readonly EmpiricalNormalizer normalizer;
    private readonly Sequential mlp;

    /// <summary>A critic from <paramref name="obsDim"/> privileged observations.</summary>
    public Critic(int obsDim, NetworkConfig config) : base(nameof(Critic))
    {
        config.Validate();
        normalizer = new EmpiricalNormalizer(obsDim);
        mlp = Mlp.Build(obsDim, config.Hidden, 1, config, headGain: 1.0);
        NormalizeObservations = config.NormalizeObservations;
        RegisterComponents();
    }

    /// <summary>Whether observations pass through <see cref="Normalizer"/>.</summary>
    public bool NormalizeObservations { get; }
    /// <summary>The observation normalizer.</summary>
    public EmpiricalNormalizer Normalizer => normalizer;

    /// <inheritdoc/>
    public override Tensor forward(Tensor obs) => mlp.forward(NormalizeObservations ? normalizer.forward(obs) : obs).squeeze(-1);
}
