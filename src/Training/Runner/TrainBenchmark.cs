using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Training.Algorithms;
using Robotics.Training.Models;
using static TorchSharp.torch;

namespace Robotics.Training.Runner;

/// <summary>What <see cref="TrainBenchmark.Run"/> measured over its timed iterations.</summary>
/// <param name="CollectPhysicsPerSecond">Physics steps per second while collecting, policy inference included.</param>
/// <param name="RawPhysicsPerSecond">The same physics steps over the time spent inside mj_step alone (per thread × threads).</param>
/// <param name="LearnShare">Share of wall-clock time spent in the update.</param>
/// <param name="UpdateSamplesPerSecond">Samples × epochs processed per second of update.</param>
/// <param name="TotalStepsPerSecond">Environment steps per second of the whole loop.</param>
/// <param name="PolicyShareOfCollection">Share of collection time outside the environments' Step: policy inference, storage and copies.</param>
public sealed record TrainBenchmarkResult(int Envs, int Threads, int Iterations, double CollectPhysicsPerSecond, double RawPhysicsPerSecond,
    double LearnShare, double UpdateSamplesPerSecond, double TotalStepsPerSecond, double PolicyShareOfCollection)
{
    /// <summary>Collection over raw physics (goal: ≥ 0.85).</summary>
    public double Ratio => CollectPhysicsPerSecond / RawPhysicsPerSecond;
}

/// <summary>
/// PPO's collection throughput on a legged task against raw physics measured in the same run (time
/// inside mj_step), and the share of wall-clock the update takes.
/// </summary>
public static class TrainBenchmark
{
    /// <summary>One warm-up iteration, then <paramref name="iterations"/> timed ones.</summary>
    public static TrainBenchmarkResult Run(LocomotionTask task, int envs, int threads, int iterations, Device device, NetworkConfig? network = null, PpoConfig? ppo = null,
        int? stepsPerEnv = null)
    {
        var config = ppo ?? new PpoConfig();
        int steps = stepsPerEnv ?? TrainOptions.Defaults.StepsPerEnv;
        using var env = new MjVecEnv(task, envs, threads, seed: 1, ownsTask: true);
        int p = env.ObservationGroups.Single(g => g.Name == ObservationGroup.Policy).Dim;
        int c = env.ObservationGroups.Single(g => g.Name == ObservationGroup.Critic).Dim;
        using var alg = new Ppo(new AlgorithmSpec(p, c, env.ActionDim, envs, steps, network ?? new NetworkConfig(), device, 1), config);
        var runner = new OnPolicyRunner(env, alg, steps, device);
        runner.Learn(1);
        task.ResetPhysicsTime();
        double envBefore = runner.EnvStepSeconds;
        double collect = 0, learn = 0;
        runner.Learn(iterations, s => { collect += s.CollectSeconds; learn += s.LearnSeconds; }, firstIteration: 1);
        double envSteps = (double)iterations * steps * envs;
        double physics = envSteps * task.Decimation;
        return new TrainBenchmarkResult(envs, env is MjVecEnv m ? m.Threads : threads, iterations, physics / collect,
            physics / (task.PhysicsSeconds / Math.Max(1, Math.Min(threads, envs))), learn / (collect + learn),
            envSteps * config.Epochs / learn, envSteps / (collect + learn), 1 - (runner.EnvStepSeconds - envBefore) / collect);
    }
}
