using Robotics.Training.Algorithms;
using Robotics.Training.Devices;
using Robotics.Training.Models;
using Robotics.Training.Runner;
using Robotics.Training.Tests.Runner;
using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Algorithms;

/// <summary>REINFORCE, NPG and TRPO under the unchanged OnPolicyRunner: reproducible, flat in live tensors, and reachable by name.</summary>
public class PolicyGradientRunnerTests
{
    public PolicyGradientRunnerTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    private static readonly NetworkConfig Small = new() { Hidden = new[] { 16, 16 } };

    public static TheoryData<string> Names => new() { "ppo", "reinforce", "npg", "trpo" };

    private static IOnPolicyAlgorithm Create(string name, ulong seed) =>
        AlgorithmCatalog.Create(name, new AlgorithmSpec(1, 1, 1, 16, 8, Small, CPU, seed));

    [Theory]
    [MemberData(nameof(Names))]
    public void Same_seed_gives_identical_parameters_and_live_tensors_stay_flat(string name)
    {
        float[] Train(ulong seed, List<long>? counts = null)
        {
            using var env = new BanditEnv(16, seed);
            using var alg = Create(name, seed);
            new OnPolicyRunner(env, alg, 8, CPU).Learn(6, _ => counts?.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount));
            return alg.Actor.parameters().Concat(alg.Critic!.parameters()).SelectMany(p => p.data<float>().ToArray()).ToArray();
        }
        var counts = new List<long>();
        var a = Train(5, counts);
        Assert.Equal(a, Train(5));
        Assert.NotEqual(a, Train(6));
        // After a warm-up iteration (optimizer state appears on the first step), the count must not grow.
        Assert.True(counts.Skip(2).All(c => c == counts[2]), $"{name}: live tensors per iteration: " + string.Join(", ", counts));
    }

    [Fact]
    public void Unknown_algorithm_names_the_choices()
    {
        var e = Assert.Throws<UserError>(() => Create("sac", 1));
        Assert.Contains("ppo, reinforce, npg, trpo, grpo", e.Message);
        Assert.Contains("--algo", Assert.Throws<UserError>(() => new TrainOptions { Task = "x", Algorithm = "sac" }.Validate()).Message);
        new TrainOptions { Task = "x", Algorithm = "trpo" }.Validate();
    }

    [Fact]
    public void Kl_to_the_base_policy_is_zero_at_the_start_and_pulls_back_after_a_change()
    {
        // The base is a frozen copy of the initial actor: the KL penalty starts at 0; after the actor's
        // log σ moves by 0.5 it is Σ log(σ_b/σ) + σ²/(2σ_b²) − ½ = −0.5 + e/2 − 0.5 ≈ 0.3591 (1 action).
        using var actor = new GaussianActor(1, 1, Small);
        using var reg = new Regularizer(actor, 1, 1, Small, new RegularizerConfig { BaseKlCoef = 1 });
        var obs = randn(32, 1);
        var mean = actor.forward(obs);
        Assert.Equal(0, reg.Penalty(obs, mean, actor.Std(mean)).BaseKl, 6);
        using (no_grad()) actor.LogStd.add_(0.5);
        mean = actor.forward(obs);
        var (penalty, _, kl) = reg.Penalty(obs, mean, actor.Std(mean));
        Assert.Equal(-1 + Math.E / 2, kl, 4);
        penalty.backward();
        Assert.True(actor.LogStd.grad!.item<float>() > 0, "the penalty's gradient should push log σ back down");
    }
}
