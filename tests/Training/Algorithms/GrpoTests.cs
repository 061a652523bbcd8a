using Robotics.Sim.Envs;
using Robotics.Sim.Tasks;
using Robotics.Training.Algorithms;
using Robotics.Training.Devices;
using Robotics.Training.Models;
using Robotics.Training.Runner;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Algorithms;

public class GrpoTests
{
    public GrpoTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    // GRPO's spec: a 1-wide action, no critic (its width is unused), episodes of up to maxSteps.
    private static AlgorithmSpec Spec(int policyDim, int envs, int maxSteps, int[] hidden, ulong seed) =>
        new(policyDim, policyDim, 1, envs, 1, new NetworkConfig { Hidden = hidden }, CPU, seed) { MaxEpisodeSteps = maxSteps };

    [Fact]
    public void Group_advantages_have_zero_mean_and_unit_std_within_each_group()
    {
        // Group 0 by hand: returns 1, 2, 3, 6 → mean 3, sample variance (4 + 1 + 0 + 9) / 3 = 14/3,
        // std √(14/3) = 2.160247 → advantages −0.9258201, −0.4629100, 0, 1.3887301.
        // Group 1: shifted and scaled copies of group 0 give the same advantages (100 + 10·R).
        // Group 2: random returns of a very different size.
        var random = randn(4, generator: new TorchSharp.torch.Generator(3)) * 500 - 2000;
        var returns = cat(new[] { tensor(new float[] { 1, 2, 3, 6, 110, 120, 130, 160 }), random });
        var adv = Grpo.GroupAdvantages(returns, 4).data<float>().ToArray();
        float[] expected = { -0.9258201f, -0.4629100f, 0f, 1.3887301f };
        for (int k = 0; k < 4; k++)
        {
            Assert.Equal(expected[k], adv[k], 5);
            Assert.Equal(expected[k], adv[4 + k], 5);
        }
        for (int g = 0; g < 3; g++)
        {
            var a = adv.Skip(4 * g).Take(4).Select(x => (double)x).ToArray();
            double mean = a.Average(), std = Math.Sqrt(a.Sum(x => (x - mean) * (x - mean)) / 3);
            Assert.Equal(0, mean, 5);
            Assert.Equal(1, std, 5);
        }
    }

    [Fact]
    public void A_group_of_equal_returns_carries_no_signal()
    {
        // All four copies balanced for the whole episode: std 0, advantages 0 (not NaN, not 1/ε blown up).
        var adv = Grpo.GroupAdvantages(tensor(new float[] { 500, 500, 500, 500, 0, 1, 0, 1 }), 4).data<float>().ToArray();
        Assert.All(adv.Take(4), a => Assert.Equal(0f, a));
        // Second group: mean 0.5, sample std √(4 · 0.25 / 3) = 0.5773503 → ∓0.8660254.
        Assert.Equal(-0.8660254f, adv[4], 5);
        Assert.Equal(0.8660254f, adv[5], 5);
        Assert.Throws<ArgumentException>(() => Grpo.GroupAdvantages(zeros(6), 4));
    }

    [Fact]
    public void Gaussian_kl_matches_the_closed_form_by_hand()
    {
        // 1-D: p = N(1, 1), q = N(0, 2²): log 2 + (1 + 1) / 8 − ½ = 0.6931472 − 0.25 = 0.4431472.
        // 2-D sums the dimensions: the same twice = 0.8862944. KL(p ‖ p) = 0.
        var kl1 = Regularizer.GaussianKl(tensor(new float[,] { { 1 } }), tensor(new float[,] { { 1 } }), tensor(new float[,] { { 0 } }), tensor(new float[,] { { 2 } }));
        Assert.Equal(0.4431472f, kl1.item<float>(), 5);
        var kl2 = Regularizer.GaussianKl(tensor(new float[,] { { 1, 1 } }), tensor(new float[,] { { 1, 1 } }), tensor(new float[,] { { 0, 0 } }), tensor(new float[,] { { 2, 2 } }));
        Assert.Equal(0.8862944f, kl2.item<float>(), 5);
        var p = tensor(new float[,] { { 0.3f, -2 } });
        Assert.Equal(0f, Regularizer.GaussianKl(p, p.abs() + 0.1f, p, p.abs() + 0.1f).item<float>(), 6);
    }

    [Fact]
    public void Config_and_collector_reject_bad_input_by_name()
    {
        Assert.Contains("GroupSize", Assert.Throws<UserError>(() => new GrpoConfig { GroupSize = 1 }.Validate()).Message);
        Assert.Contains("KlCoef", Assert.Throws<UserError>(() => new GrpoConfig { KlCoef = -1 }.Validate()).Message);
        Assert.Contains("ReferenceRefreshEvery", Assert.Throws<UserError>(() => new GrpoConfig { ReferenceRefreshEvery = -1 }.Validate()).Message);
        var e = Assert.Throws<ArgumentException>(() => new Grpo(Spec(5, 12, 10, new[] { 8 }, 1), new GrpoConfig { GroupSize = 8 }));
        Assert.Contains("does not divide the 12 environments", e.Message);
        using var bandit = new Robotics.Training.Tests.Runner.BanditEnv(8, 1);
        using var grpo = new Grpo(Spec(1, 8, 10, new[] { 8 }, 1), new GrpoConfig { GroupSize = 4 });
        Assert.Contains(nameof(IGroupResettable), Assert.Throws<ArgumentException>(() => new GroupRolloutCollector(bandit, grpo, CPU, 1)).Message);
    }

    [Fact]
    public void Reference_is_refreshed_every_K_iterations_and_fixed_with_zero()
    {
        float[] Params(GaussianActor a) => a.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        foreach (int k in new[] { 0, 2 })
        {
            using var env = new MjVecEnv(new CartPole(new CartPoleConfig { SwingUp = false, TerminateAngle = 0.4, MaxEpisodeSteps = 20 }), 8, 1, 1, ownsTask: true);
            using var grpo = new Grpo(Spec(5, 8, 20, new[] { 16 }, 1), new GrpoConfig { GroupSize = 4, ReferenceRefreshEvery = k });
            var initial = Params(grpo.Reference);
            var collector = new GroupRolloutCollector(env, grpo, CPU, 1);
            collector.Learn(1);
            Assert.Equal(initial, Params(grpo.Reference));        // one iteration: never refreshed yet
            Assert.NotEqual(initial, Params(grpo.Actor));
            collector.Learn(1, firstIteration: 1);
            if (k == 2) Assert.Equal(Params(grpo.Actor), Params(grpo.Reference));
            else Assert.Equal(initial, Params(grpo.Reference));
        }
    }

    [Fact]
    public void Same_seed_gives_identical_parameters()
    {
        float[] Train(ulong seed)
        {
            using var env = new MjVecEnv(new CartPole(new CartPoleConfig { SwingUp = false, TerminateAngle = 0.4, MaxEpisodeSteps = 50 }), 8, 2, seed, ownsTask: true);
            using var grpo = new Grpo(Spec(5, 8, 50, new[] { 16 }, seed), new GrpoConfig { GroupSize = 4 });
            new GroupRolloutCollector(env, grpo, CPU, seed).Learn(3);
            return grpo.Actor.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        }
        Assert.Equal(Train(4), Train(4));
        Assert.NotEqual(Train(4), Train(5));
    }

    [Fact]
    public void Grpo_learns_to_balance_the_cartpole()
    {
        // Balance with the classic termination (the pole beyond 0.4 rad ends the episode), 4 s episodes at
        // 50 Hz (200 steps); a random policy drops the pole in about 30 steps. 32 environments in 4 groups of 8,
        // so an iteration is 32 whole episodes. Seen here: 31 steps at first, ~160 after 25k steps, ~190 after
        // 40k (about 10 s on a quiet 2-core machine; budget 50k steps).
        const int envs = 32, maxSteps = 200;
        using var env = new MjVecEnv(new CartPole(new CartPoleConfig { SwingUp = false, TerminateAngle = 0.4, MaxEpisodeSteps = maxSteps }), envs, 2, 3, ownsTask: true);
        using var grpo = new Grpo(Spec(5, envs, maxSteps, new[] { 64, 64 }, 3), new GrpoConfig { GroupSize = 8, LearningRate = 3e-3 });
        var collector = new GroupRolloutCollector(env, grpo, CPU, 3);
        var lengths = new List<double>();
        collector.LearnSteps(50_000, s => lengths.Add(s.MeanEpisodeLength));
        double first = lengths.Take(2).Average(), last = lengths.TakeLast(2).Average();
        Assert.True(first < 60, $"a random policy already balances for {first:0} steps: the task is too easy to show learning");
        Assert.True(last > 150, $"mean episode length went {first:0} → {last:0} steps: " + string.Join(" ", lengths.Select(r => r.ToString("0"))));
    }
}
