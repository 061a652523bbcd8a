using System.Diagnostics;
using Robotics.Sim.Envs;
using Robotics.Sim.Tasks;
using Robotics.Training.Algorithms;
using Robotics.Training.Devices;
using Robotics.Training.Models;
using Robotics.Training.Runner;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Algorithms;

/// <summary>
/// Each policy-gradient algorithm learns to balance the cartpole (the classic termination: the pole past
/// 0.4 rad ends the episode; 10 s episodes at 50 Hz, reward per step in [0, 1]). A random policy drops the
/// pole in about 20–40 steps; the bar is a mean episode length over 300 steps late in training, within a
/// CI-sized budget (32 environments).
/// </summary>
public class CartPoleLearningTests
{
    private readonly ITestOutputHelper _out;
    public CartPoleLearningTests(ITestOutputHelper output) { _out = output; TorchRuntime.Initialize(ComputeDevice.Cpu); }

    private static readonly NetworkConfig Net = new() { Hidden = new[] { 64, 64 } };

    private void Learns(string name, Func<int, IOnPolicyAlgorithm> create, int steps, int iterations, double bar = 300)
    {
        const int envs = 32;
        var clock = Stopwatch.StartNew();
        using var env = new MjVecEnv(new CartPole(new CartPoleConfig { SwingUp = false, TerminateAngle = 0.4 }), envs, 2, 3, ownsTask: true);
        using var alg = create(envs);
        var runner = new OnPolicyRunner(env, alg, steps, CPU);
        var lengths = new List<double>();
        runner.Learn(iterations, s => lengths.Add(s.MeanEpisodeLength));
        double first = lengths.Take(3).Average(), last = lengths.TakeLast(10).Where(double.IsFinite).DefaultIfEmpty(500).Average();
        string curve = string.Join(" ", lengths.Select(r => r.ToString("0")));
        _out.WriteLine($"{name}: mean episode length {first:0} → {last:0} steps in {iterations} iterations × {envs}·{steps} steps, {clock.Elapsed.TotalSeconds:0.0} s; curve {curve}");
        Assert.True(last > bar, $"{name}: mean episode length went {first:0} → {last:0} steps: {curve}");
    }

    [Fact]
    public void Reinforce_learns_to_balance_the_cartpole() =>
        Learns("REINFORCE", n => new Reinforce(new AlgorithmSpec(5, 7, 1, n, 64, Net, CPU, 3), new ReinforceConfig { LearningRate = 3e-3 }), 64, 30);

    [Fact]
    public void Npg_learns_to_balance_the_cartpole() =>
        Learns("NPG", n => new NaturalPolicyGradient(new AlgorithmSpec(5, 7, 1, n, 64, Net, CPU, 3), new NpgConfig()), 64, 40);

    [Fact]
    public void Trpo_learns_to_balance_the_cartpole() =>
        Learns("TRPO", n => new Trpo(new AlgorithmSpec(5, 7, 1, n, 64, Net, CPU, 3), new TrpoConfig()), 64, 40);
}
