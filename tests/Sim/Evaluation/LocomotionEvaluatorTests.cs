using Robotics.Sim.Evaluation;
using Robotics.Sim.Randomization;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Tests.Tasks;

namespace Robotics.Sim.Tests.Evaluation;

public class LocomotionEvaluatorTests
{
    [Fact]
    public void Held_out_widens_every_range_and_adds_20_ms_of_latency()
    {
        var c = LocomotionConfig.Load(LocomotionTaskTests.TaskFile);
        var h = EvaluationConditions.Under(EvaluationCondition.HeldOut, c).Randomization;
        // =U(0.4, 1.25): centre 0.825, half-width 0.425 × 1.5 = 0.6375 → [0.1875, 1.4625]
        Assert.Equal(0.1875, h.Friction!.Low, 10);
        Assert.Equal(1.4625, h.Friction.High, 10);
        Assert.Equal(4, h.ActionLatency!.Low);      // =U(0, 2) + 4 physics steps (20 ms at 5 ms)
        Assert.Equal(6, h.ActionLatency.High);
    }

    [Fact]
    public void Standing_policy_finishes_its_episodes_without_falling_and_writes_csv()
    {
        var c = LocomotionConfig.Load(LocomotionTaskTests.TaskFile) with { EpisodeSeconds = 1.0, Randomization = new RandomizationConfig(), OnlyPositiveRewards = false };
        var r = LocomotionEvaluator.Run(c, (_, a) => a.Clear(), "nominal", episodes: 4, envs: 2, threads: 1, seed: 1);
        Assert.Equal(4, r.Episodes);
        Assert.Equal(0, r.Falls);
        Assert.Equal(1.0, r.MeanSeconds, 6);
        Assert.True(r.LinVelError > 0);
        Assert.Equal(r.MeanReturn, r.Terms.Values.Sum(), 3);
        var path = Path.Combine(Path.GetTempPath(), $"eval-{Guid.NewGuid():N}.csv");
        LocomotionEvaluator.WriteCsv(path, new[] { r });
        var lines = File.ReadAllLines(path);
        File.Delete(path);
        Assert.StartsWith("condition,episodes,mean_return", lines[0]);
        Assert.StartsWith("nominal,4,", lines[1]);
    }
}

public class ManipulationCsvTests
{
    [Fact]
    public void Arm_results_write_their_success_and_errors_and_every_term()
    {
        var results = new[]
        {
            new ManipulationResult("nominal", 64, 0.984375, 48.5, 0.009, 0.0, 1, new Dictionary<string, double> { ["RewardSuccess"] = 13.3 }),
            new ManipulationResult("held-out", 64, 0.90625, 44.6, 0.033, 0.0, 3, new Dictionary<string, double> { ["RewardSuccess"] = 12.3, ["CostJointVel"] = -0.027 }) { SafetyTrips = 2 },
        };
        var path = Path.Combine(Path.GetTempPath(), $"eval-{Guid.NewGuid():N}.csv");
        ManipulationEvaluator.WriteCsv(path, results);
        var lines = File.ReadAllLines(path);
        File.Delete(path);
        Assert.Equal("condition,episodes,success_rate,mean_return,final_distance,final_orientation_error,failures,safety_trips,RewardSuccess,CostJointVel", lines[0]);
        Assert.Equal("nominal,64,0.984375,48.5,0.009,0,1,0,13.3,", lines[1]);
        Assert.Equal("held-out,64,0.90625,44.6,0.033,0,3,2,12.3,-0.027", lines[2]);
    }
}

public class FallDetailTests
{
    [Fact]
    public void Each_fall_says_how_it_ended_and_how_soon_after_a_push_and_a_command_change()
    {
        // A standing robot kicked sideways at 4 m/s half a second in: it goes over, and the record says so.
        var c = LocomotionConfig.Load(LocomotionTaskTests.TaskFile) with
        {
            EpisodeSeconds = 3.0,
            CommandResampleSeconds = 100,   // the first command holds: its age is the episode's time
            Randomization = new RandomizationConfig { PushInterval = Sampled.Parse("=U(0.5, 0.5)", "push_interval_s"), PushVelocity = Sampled.Parse("=U(4, 4)", "push_velocity") },
        };
        var r = LocomotionEvaluator.Run(c, (_, a) => a.Clear(), "pushed", episodes: 4, envs: 2, threads: 1, seed: 3);
        Assert.True(r.Falls > 0);
        Assert.Equal(r.Falls, r.FallDetails!.Count);
        foreach (var f in r.FallDetails)
        {
            Assert.InRange(f.SecondsSincePush, 0, 2.5);
            // Pushes come every 0.5 s (25 policy steps) from the start, when the command was set.
            double pushesBefore = (f.SecondsSinceCommand - f.SecondsSincePush) / 0.5;
            Assert.True(pushesBefore > 1 - 1e-9 && Math.Abs(pushesBefore - Math.Round(pushesBefore)) < 1e-9, $"{f}");
            Assert.True(f.BaseContact || f.Tilt > c.MaxTilt);
        }
        Assert.StartsWith($"{r.Falls} fall", r.DescribeFalls());
        Assert.Contains("of a push", r.DescribeFalls());
        Assert.Contains("of a command change", r.DescribeFalls());

        // Without pushes there is nothing to describe.
        var calm = LocomotionEvaluator.Run(c with { Randomization = new RandomizationConfig(), EpisodeSeconds = 1.0 }, (_, a) => a.Clear(), "calm", episodes: 2, envs: 2, threads: 1, seed: 3);
        Assert.Equal(0, calm.Falls);
        Assert.Empty(calm.FallDetails!);
        Assert.Equal("", calm.DescribeFalls());
    }
}

public class ManipulationEvaluatorTests
{
    [Fact]
    public void Held_out_arm_gets_20_ms_more_latency_and_wider_ranges()
    {
        var c = Robotics.Sim.Tasks.Manipulation.ManipulationConfig.Load(ManipulationTaskTests.Reach);
        var h = EvaluationConditions.Under(EvaluationCondition.HeldOut, c).Randomization;
        Assert.Equal(10, h.ActionLatency!.Low);     // =U(0, 5) + 10 physics steps (20 ms at 2 ms)
        Assert.Equal(15, h.ActionLatency.High);
        Assert.Equal(0.85, h.LinkMass!.Low, 10);    // *U(0.9, 1.1) widened 1.5× about 1.0
    }

    [Fact]
    public void Zero_policy_on_push_counts_episodes_and_never_succeeds_by_accident()
    {
        var c = Robotics.Sim.Tasks.Manipulation.ManipulationConfig.Load(ManipulationTaskTests.Push) with { EpisodeSeconds = 0.5 };
        var r = ManipulationEvaluator.Run(c, (_, a) => a.Clear(), "nominal", episodes: 4, envs: 2, threads: 2, seed: 3);
        Assert.Equal(4, r.Episodes);
        Assert.Equal(0, r.SuccessRate);            // the cube starts ≥ 10 cm from its target and nobody pushes it
        Assert.InRange(r.FinalDistance, 0.1, 0.5);
        Assert.Equal(0, r.Failures);
        Assert.Equal(r.MeanReturn, r.Terms.Values.Sum(), 3);
    }
}
