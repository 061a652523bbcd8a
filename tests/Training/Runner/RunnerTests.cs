using Robotics.Sim.Envs;
using Robotics.Sim.Tasks;
using Robotics.Training.Algorithms;
using Robotics.Training.Devices;
using Robotics.Training.Models;
using Robotics.Training.Runner;
using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Runner;

public class RunnerTests
{
    public RunnerTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    private static readonly NetworkConfig Small = new() { Hidden = new[] { 32, 32 } };

    private static (MjVecEnv Env, Ppo Ppo, OnPolicyRunner Runner) Build(ulong seed, int envs = 8, int steps = 16, CartPoleConfig? task = null, PpoConfig? ppo = null, NetworkConfig? net = null)
    {
        var env = new MjVecEnv(new CartPole(task ?? new CartPoleConfig()), envs, 2, seed, ownsTask: true);
        var alg = new Ppo(new AlgorithmSpec(5, 7, 1, envs, steps, net ?? Small, CPU, seed), ppo ?? new PpoConfig());
        return (env, alg, new OnPolicyRunner(env, alg, steps, CPU));
    }

    private static float[] Parameters(Ppo ppo) =>
        ppo.Actor.parameters().Concat(ppo.Critic.parameters()).SelectMany(p => p.data<float>().ToArray())
            .Concat(ppo.Actor.Normalizer.Mean.data<float>().ToArray()).ToArray();

    [Fact]
    public void Same_seed_gives_bit_identical_parameters_after_three_iterations_and_another_seed_differs()
    {
        float[] Train(ulong seed)
        {
            var (env, ppo, runner) = Build(seed);
            using (env) using (ppo)
            {
                runner.Learn(3);
                return Parameters(ppo);
            }
        }
        var a = Train(5);
        var b = Train(5);
        Assert.Equal(a, b);
        Assert.NotEqual(a, Train(6));
    }

    [Fact]
    public void A_critic_warm_up_fits_the_critic_alone_then_hands_over_to_the_algorithm()
    {
        var env = new MjVecEnv(new CartPole(new CartPoleConfig()), 8, 2, 3, ownsTask: true);
        var ppo = new Ppo(new AlgorithmSpec(5, 7, 1, 8, 16, Small, CPU, 3), new PpoConfig());
        using var warm = new CriticWarmup(ppo, iterations: 2);
        var runner = new OnPolicyRunner(env, warm, 16, CPU);
        using (env)
        {
            float[] Of(nn.Module m) => m.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
            var (actor0, critic0) = (Of(ppo.Actor), Of(ppo.Critic));
            var losses = new List<double>();
            runner.Learn(2, s => losses.Add(s.Update.ValueLoss));
            Assert.Equal(actor0, Of(ppo.Actor));              // the actor and its noise untouched
            Assert.NotEqual(critic0, Of(ppo.Critic));
            Assert.All(losses, l => Assert.True(l > 0 && double.IsFinite(l)));
            runner.Learn(1, firstIteration: 2);
            Assert.NotEqual(actor0, Of(ppo.Actor));           // the algorithm's own update from then on
        }
        using var grpo = new Grpo(new AlgorithmSpec(5, 5, 1, 8, 16, Small, CPU, 3) { MaxEpisodeSteps = 50 }, new GrpoConfig { GroupSize = 4 });
        Assert.Throws<UserError>(() => new CriticWarmup(grpo, 1));
    }

    [Fact]
    public void Live_tensor_count_stays_flat_across_iterations()
    {
        var (env, ppo, runner) = Build(1);
        using (env) using (ppo)
        {
            var counts = new List<long>();
            runner.Learn(8, _ => counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount));
            // After a warm-up iteration (optimizer state appears on the first step), the count must not grow.
            Assert.True(counts.Skip(2).All(c => c == counts[2]), "live tensors per iteration: " + string.Join(", ", counts));
        }
    }

    [Fact]
    public void Ppo_learns_to_balance_the_cartpole()
    {
        // Balance with the classic termination (the pole beyond 0.4 rad ends the episode), 10 s episodes at
        // 50 Hz, reward per step ∈ [0, 1]. A random policy drops the pole in about 20–40 steps.
        var (env, ppo, runner) = Build(3, envs: 32, steps: 32, task: new CartPoleConfig { SwingUp = false, TerminateAngle = 0.4 },
            net: new NetworkConfig { Hidden = new[] { 64, 64 } });
        using (env) using (ppo)
        {
            var rewards = new List<double>();
            var lengths = new List<double>();
            // Seen here: ~24 steps at first, the full 500 from about iteration 40 (rsl_rl's defaults, ≈5 s).
            runner.Learn(70, s => { rewards.Add(s.MeanStepReward); lengths.Add(s.MeanEpisodeLength); });
            double first = lengths.Take(3).Average(), last = lengths.TakeLast(10).Where(double.IsFinite).DefaultIfEmpty(500).Average();
            Assert.True(last > 300, $"mean episode length went {first:0} → {last:0} steps: " + string.Join(" ", lengths.Select(r => r.ToString("0"))));
        }
    }
}

public class BanditTests
{
    public BanditTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    [Fact]
    public void Ppo_solves_a_contextual_bandit()
    {
        // Optimal: a = x, reward 0. A constant policy a = 0 gets E[−x²] = −1/3; σ = 1 noise alone costs −1.
        using var env = new BanditEnv(64, 1);
        using var ppo = new Ppo(new AlgorithmSpec(1, 1, 1, 64, 8, new NetworkConfig { Hidden = new[] { 32, 32 } }, CPU, 1), new PpoConfig { Gamma = 0.99 });
        var runner = new OnPolicyRunner(env, ppo, 8, CPU);
        var rewards = new List<double>();
        runner.Learn(60, s => rewards.Add(s.MeanStepReward));
        Assert.True(rewards.TakeLast(5).Average() > -0.1, string.Join(" ", rewards.Select(r => r.ToString("0.000"))));
    }
}
