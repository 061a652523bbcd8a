using Robotics.Training.Algorithms;
using Robotics.Training.Devices;
using Robotics.Training.Models;
using Robotics.Training.Runner;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Runner;

public class LearnBenchmarkTests
{
    public LearnBenchmarkTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    private static IterationStats Stats(double length, int episodes, double trackSum) =>
        new(0, 0, 0, 0, 0, 0, 0, length, episodes, new Dictionary<string, double> { ["RewardTrackLinVel"] = trackSum }, new UpdateStats(0, 0, 0, 0, 0, 0, 0));

    [Fact]
    public void Tracking_fraction_is_the_per_step_reward_over_its_maximum()
    {
        // 500 steps of 0.02 s at scale 1.5: perfect tracking sums to 15; 12 is 80 %.
        Assert.Equal(0.8, LearnBenchmark.TrackingFraction(Stats(500, 10, 12), 1.5, 0.02), 12);
        Assert.Equal(1.0, LearnBenchmark.TrackingFraction(Stats(500, 10, 15), 1.5, 0.02), 12);
        // Short episodes count per step, not per episode: falling early never looks like tracking.
        Assert.Equal(0.5, LearnBenchmark.TrackingFraction(Stats(20, 10, 0.3), 1.5, 0.02), 12);
        // No episode ended in the iteration: nothing to measure.
        Assert.Equal(0, LearnBenchmark.TrackingFraction(Stats(double.NaN, 0, double.NaN), 1.5, 0.02));
    }

    [Fact]
    public void A_run_stopped_early_ends_with_a_checkpoint_at_the_stop()
    {
        var root = Directory.CreateTempSubdirectory("robotics-stop-");
        try
        {
            var options = new TrainOptions
            {
                Task = "cartpole_balance", Envs = 8, Threads = 1, Seed = 5, Iterations = 50, CheckpointEvery = 10, RunsDirectory = root.FullName,
                StepsPerEnv = 8, Network = new NetworkConfig { Hidden = new[] { 16 } },
            };
            using var session = TrainingSession.Start(options, CPU);
            int seen = 0;
            var last = session.Learn(_ => seen++, s => s.Iteration + 1 == 3);
            Assert.Equal(3, seen);
            Assert.Equal(3, session.NextIteration);
            Assert.EndsWith("checkpoint_000003", last);
            Assert.True(Directory.Exists(last));
            Assert.Equal(4, File.ReadAllLines(session.Run.CsvPath).Length);   // header + three iterations
            Assert.Equal(3, TrainingRun.LatestCheckpoint(session.Run.Directory)!.Value.Iteration);
        }
        finally { root.Delete(true); }
    }

    [Fact]
    public void Learn_benchmark_refuses_a_task_without_velocity_tracking()
    {
        var options = new TrainOptions { Task = TestPaths.Repo("src/Sim/Tasks/Configs/panda_reach.toml"), Envs = 8, Threads = 1, Iterations = 1 };
        Assert.Contains("RewardTrackLinVel", Assert.ThrowsAny<Exception>(() => LearnBenchmark.Run(options, CPU)).Message);
    }
}
