using System.Diagnostics;
using Robotics.Sim.Envs;
using Robotics.Sim.Random;
using Robotics.Sim.Tasks.Locomotion;

namespace Robotics.Sim.Benchmarks;

/// <summary>What <see cref="TaskBenchmark.Run"/> measured.</summary>
/// <param name="EnvStepsPerSecond">Environment (policy) steps per second, all threads.</param>
/// <param name="PhysicsStepsPerSecond">Physics steps per second while stepping environments (env steps × decimation).</param>
/// <param name="RawPhysicsStepsPerSecond">The same physics steps divided by the time spent inside mj_step alone, per thread × threads: raw physics on the same model, states and threads.</param>
/// <param name="Resets">Episodes that ended during the measurement.</param>
public sealed record TaskBenchmarkResult(string Task, int Envs, int Threads, double Seconds, double EnvStepsPerSecond,
    double PhysicsStepsPerSecond, double RawPhysicsStepsPerSecond, long Resets)
{
    /// <summary>Environment throughput over raw physics (goal ≥ 0.9).</summary>
    public double Ratio => PhysicsStepsPerSecond / RawPhysicsStepsPerSecond;
}

/// <summary>
/// The quadruped task's throughput with randomization and both observation groups, against raw
/// physics on the same model and threads. Raw physics is measured inside the same run: the time the
/// environments spend in mj_step itself (timestamps around each call) — the same states, contacts
/// and threads, so the ratio is the environment's own overhead and nothing else.
/// </summary>
public static class TaskBenchmark
{
    /// <summary>Steps <paramref name="envs"/> environments of the task file with random actions for <paramref name="seconds"/>.</summary>
    public static TaskBenchmarkResult Run(string taskFile, int envs, int threads, double seconds)
    {
        if (envs < 1 || threads < 1 || threads > envs) throw new UserError($"need 1 ≤ threads ({threads}) ≤ envs ({envs})");
        var task = LocomotionTask.Load(taskFile);
        using var env = new MjVecEnv(task, envs, threads, seed: 1, ownsTask: true);
        var rng = Rng.For(1, "bench-task-actions");
        const int rows = 64;
        int stride = envs * env.ActionDim;
        var table = new float[rows * stride];
        for (int i = 0; i < table.Length; i++) table[i] = (float)rng.Uniform(-1, 1);

        for (int t = 0; t < 100; t++) env.Step(table.AsSpan(t % rows * stride, stride));   // warm-up
        task.ResetPhysicsTime();
        long steps = 0, resets = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            env.Step(table.AsSpan((int)(steps % rows) * stride, stride));
            steps++;
            for (int i = 0; i < envs; i++) if (env.Terminated[i] || env.Truncated[i]) resets++;
        }
        double wall = clock.Elapsed.TotalSeconds;
        double physicsSteps = (double)steps * envs * task.Decimation;
        double perThreadPhysicsSeconds = task.PhysicsSeconds / env.Threads;
        return new TaskBenchmarkResult(task.Name, envs, env.Threads, wall, steps * envs / wall, physicsSteps / wall,
            physicsSteps / perThreadPhysicsSeconds, resets);
    }
}
