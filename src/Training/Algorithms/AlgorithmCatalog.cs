using Robotics.Training.Models;
using static TorchSharp.torch;

namespace Robotics.Training.Algorithms;

/// <summary>
/// The algorithms <c>robotics train --algo</c> knows, by name: each built with its defaults, the rollout
/// length from <c>--steps</c>, and (for PPO) the options' <see cref="PpoConfig"/>.
/// </summary>
public static class AlgorithmCatalog
{
    private static readonly Dictionary<string, Func<Spec, IOnPolicyAlgorithm>> Constructors = new()
    {
        ["ppo"] = s => new Ppo(s.PolicyDim, s.CriticDim, s.ActionDim, s.Envs, s.Ppo with { StepsPerEnv = s.StepsPerEnv }, s.Network, s.Device, s.Seed),
        ["reinforce"] = s => new Reinforce(s.PolicyDim, s.CriticDim, s.ActionDim, s.Envs, new ReinforceConfig { StepsPerEnv = s.StepsPerEnv }, s.Network, s.Device, s.Seed),
        ["npg"] = s => new NaturalPolicyGradient(s.PolicyDim, s.CriticDim, s.ActionDim, s.Envs, new NpgConfig { StepsPerEnv = s.StepsPerEnv }, s.Network, s.Device, s.Seed),
        ["trpo"] = s => new Trpo(s.PolicyDim, s.CriticDim, s.ActionDim, s.Envs, new TrpoConfig { StepsPerEnv = s.StepsPerEnv }, s.Network, s.Device, s.Seed),
    };

    /// <summary>What every constructor needs.</summary>
    public sealed record Spec(int PolicyDim, int CriticDim, int ActionDim, int Envs, int StepsPerEnv, PpoConfig Ppo, NetworkConfig Network, Device Device, ulong Seed);

    /// <summary>The names, in the order help lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = Constructors.Keys.ToArray();

    /// <summary>Builds algorithm <paramref name="name"/>; throws <see cref="ArgumentException"/> naming the choices for an unknown one.</summary>
    public static IOnPolicyAlgorithm Create(string name, Spec spec) =>
        Constructors.TryGetValue(name, out var create) ? create(spec)
            : throw new ArgumentException($"--algo {name}: one of {string.Join(", ", Names)}");

    /// <summary>The algorithm's value function, for checkpoints; null when it has none.</summary>
    public static Critic? CriticOf(IOnPolicyAlgorithm algorithm) => algorithm switch
    {
        Ppo p => p.Critic,
        Reinforce r => r.Critic,
        NaturalPolicyGradient n => n.Critic,
        Trpo t => t.Critic,
        _ => null,
    };
}
