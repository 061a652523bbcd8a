using Robotics.Training.Algorithms;
using Robotics.Training.Devices;
using Robotics.Training.Models;
using Robotics.Training.Runner;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Runner;

public class ResumeTests
{
    public ResumeTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    private static TrainOptions Options(string runs, int iterations, bool scaleRewards = false, string algo = "ppo") => new()
    {
        Task = "cartpole_balance", Algorithm = algo, Envs = 8, Threads = 2, Seed = 11, Iterations = iterations, CheckpointEvery = 2, RunsDirectory = runs,
        StepsPerEnv = 16, AlgorithmSettings = scaleRewards ? new[] { "scale_rewards=true" } : Array.Empty<string>(), Network = new NetworkConfig { Hidden = new[] { 32, 32 } },
    };

    // Everything learned: parameters, normalizer statistics and Adam's moments (through the next update they drive).
    private static float[] State(TrainingSession s)
    {
        var actor = s.Algorithm.Actor;
        var critic = s.Algorithm.Critic;   // none for GRPO: its reference policy instead
        var other = critic ?? (nn.Module)((Grpo)s.Algorithm).Reference;
        var state = actor.parameters().Concat(other.parameters()).SelectMany(p => p.data<float>().ToArray())
            .Concat(actor.Normalizer.Mean.data<float>().ToArray()).Concat(critic?.Normalizer.Variance.data<float>().ToArray() ?? Array.Empty<float>());
        return (s.Algorithm is Ppo ppo ? state.Append((float)ppo.LearningRate) : state).ToArray();
    }

    // A run of `options` that "crashed" after iteration 3 (checkpoint at 2), in a run directory of its own (they are stamped to the second).
    private static string StoppedAfterThree(TrainOptions options)
    {
        Thread.Sleep(1100);
        using var b = TrainingSession.Start(options with { Iterations = 3 }, CPU);
        b.Learn();
        return b.Run.Directory;
    }

    // The steps a run had taken after `iterations`, from its progress.csv.
    private static long StepsAfter(string runDir, int iterations)
    {
        var lines = File.ReadAllLines(Path.Combine(runDir, "progress.csv"));
        return lines.Skip(1).Select(l => OnPolicyRunner.ParseCsvRow(lines[0], l)).Single(r => r.Iteration == iterations - 1).TotalSteps;
    }

    // The CSV without its wall-clock columns (sps, collect_s, learn_s).
    private static string[] Learning(string runDir) =>
        File.ReadAllLines(Path.Combine(runDir, "progress.csv")).Select(l => string.Join(",", l.Split(',').Where((_, i) => i is < 2 or > 4))).ToArray();

    [Theory]
    [InlineData("ppo", false)]
    [InlineData("ppo", true)]    // with the reward scaler's running statistics and per-environment returns in the checkpoint
    [InlineData("trpo", false)]
    [InlineData("reinforce", false)]
    [InlineData("grpo", false)]  // whole episodes from grouped starts: the reference policy, its optimizer and its counter in the checkpoint
    public void A_resumed_run_is_bit_identical_to_one_never_stopped(string algo, bool scaleRewards)
    {
        var root = Directory.CreateTempSubdirectory("robotics-resume-");
        try
        {
            // Six iterations straight through (checkpoints at 2, 4, 6).
            float[] straight;
            string straightDir;
            using (var a = TrainingSession.Start(Options(root.FullName, 6, scaleRewards, algo), CPU))
            {
                a.Learn();
                straight = State(a);
                straightDir = a.Run.Directory;
            }
            Thread.Sleep(1100);   // run directories are stamped to the second

            // A run that "crashed" after iteration 3, resumed from its checkpoint at 2 (the row it logged for
            // iteration 3 is dropped), on another thread count: same parameters, same log.
            string stoppedDir;
            using (var b = TrainingSession.Start(Options(root.FullName, 3, scaleRewards, algo), CPU))
            {
                b.Learn();
                stoppedDir = b.Run.Directory;
                Assert.NotEqual(straight, State(b));
            }
            using (var c = TrainingSession.Resume(Path.Combine(stoppedDir, "checkpoint_000002"), CPU, iterations: 6, threads: 1))
            {
                Assert.Equal(2, c.NextIteration);
                Assert.Equal(StepsAfter(straightDir, 2), c.TotalSteps);
                if (algo != "grpo") Assert.Equal(2L * 8 * 16, c.TotalSteps);
                c.Learn();
                Assert.Equal(straight, State(c));
            }
            Assert.Equal(Learning(straightDir), Learning(stoppedDir));

            // Resuming the finished run asks for more iterations.
            Assert.Contains("nothing to do", Assert.Throws<UserError>(() => TrainingSession.Resume(straightDir, CPU)).Message);
        }
        finally { root.Delete(true); }
    }

    [Fact]
    public void A_run_from_an_exported_policy_resumes_bit_identically_inside_its_critic_warm_up()
    {
        var root = Directory.CreateTempSubdirectory("robotics-resume-onnx-");
        try
        {
            // The shipped push policy's actor, a critic fitted for 3 iterations, then PPO; a checkpoint at 2, inside the warm-up.
            var options = Options(root.FullName, 4) with
            {
                Task = TestPaths.Repo("src/Sim/Tasks/Configs/panda_push.toml"), Envs = 4, StepsPerEnv = 8,
                Network = new NetworkConfig { Hidden = new[] { 512, 256, 128 }, InitNoiseStd = 0.4 },
                InitFrom = TestPaths.Repo("models/panda_push.onnx"), CriticWarmup = 3,
            };
            float[] straight, actorAfterWarmup;
            string straightDir;
            using (var a = TrainingSession.Start(options, CPU))
            {
                Assert.IsType<CriticWarmup>(a.Algorithm);
                Assert.Contains(a.ResumeNotes, n => n.Contains("fitted for 3 iterations before the actor learns"));
                float[] Actor() => a.Algorithm.Actor.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
                var actor0 = Actor();
                actorAfterWarmup = Array.Empty<float>();
                a.Learn(onIteration: s => { if (s.Iteration == 2) actorAfterWarmup = Actor(); });
                Assert.Equal(actor0, actorAfterWarmup);   // the warm-up left the actor as the file had it
                straight = State(a);
                Assert.NotEqual(actor0, Actor());
                straightDir = a.Run.Directory;
            }
            string stoppedDir = StoppedAfterThree(options);
            using (var c = TrainingSession.Resume(Path.Combine(stoppedDir, "checkpoint_000002"), CPU, iterations: 4, threads: 1))
            {
                Assert.IsType<CriticWarmup>(c.Algorithm);
                c.Learn();
                Assert.Equal(straight, State(c));
            }
            Assert.Equal(Learning(straightDir), Learning(stoppedDir));
        }
        finally { root.Delete(true); }
    }

    [Fact]
    public void A_run_on_terrain_resumes_bit_identically_with_its_curriculum()
    {
        var root = Directory.CreateTempSubdirectory("robotics-resume-rough-");
        try
        {
            // The Go1 on the generated grid: its episodes are 1000 steps, so the curriculum moves only where one ends early
            // (a fall); a curriculum that starts everyone on level 0 and is carried through the checkpoint must end alike.
            var options = Options(root.FullName, 4) with { Task = TestPaths.Repo("src/Sim/Tasks/Configs/go1_rough.toml"), Envs = 4, StepsPerEnv = 8, Network = new NetworkConfig { Hidden = new[] { 16 } } };
            float[] straight;
            int[][] levels;
            string straightDir;
            using (var a = TrainingSession.Start(options, CPU))
            {
                Assert.NotNull(a.Curriculum);
                a.Learn();
                straight = State(a);
                levels = a.Curriculum!.State;
                straightDir = a.Run.Directory;
            }
            string stoppedDir = StoppedAfterThree(options);
            Assert.True(File.Exists(Path.Combine(stoppedDir, "checkpoint_000002", CurriculumFile.FileName)));
            using (var c = TrainingSession.Resume(Path.Combine(stoppedDir, "checkpoint_000002"), CPU, iterations: 4, threads: 1))
            {
                c.Learn();
                Assert.Equal(straight, State(c));
                Assert.Equal(levels, c.Curriculum!.State);
            }
            Assert.Equal(Learning(straightDir), Learning(stoppedDir));
            Assert.Contains("terrain_level_mean", File.ReadAllLines(Path.Combine(straightDir, "progress.csv"))[0]);
        }
        finally { root.Delete(true); }
    }

    [Fact]
    public void A_fine_tuning_run_starts_from_the_checkpoints_networks_at_iteration_zero()
    {
        var root = Directory.CreateTempSubdirectory("robotics-init-");
        try
        {
            string checkpoint;
            float[] trained;
            using (var a = TrainingSession.Start(Options(root.FullName, 2), CPU))
            {
                checkpoint = a.Learn();
                trained = State(a);
            }
            Thread.Sleep(1100);   // run directories are stamped to the second
            var options = Options(root.FullName, 2) with { Seed = 12, Envs = 4, InitFrom = checkpoint };
            using (var b = TrainingSession.Start(options, CPU))
            {
                Assert.Equal(0, b.NextIteration);
                Assert.Equal(0L, b.TotalSteps);
                Assert.Equal(trained, State(b));   // networks, normalizers, learning rate; on 4 environments instead of 8
                Assert.Equal(checkpoint, TrainingRun.ReadOptions(b.Run.Directory).InitFrom);
                b.Learn();
                Assert.NotEqual(trained, State(b));
            }
            using (var fresh = TrainingSession.Start(Options(root.FullName, 2) with { Seed = 12 }, CPU))
                Assert.NotEqual(trained, State(fresh));

            // Not a checkpoint, or one whose networks do not fit: refused before anything trains.
            Assert.Contains("--init-from", Assert.Throws<UserError>(() => TrainingSession.Start(options with { InitFrom = root.FullName }, CPU)).Message);
            var e = Assert.Throws<UserError>(() => TrainingSession.Start(options with { Network = new NetworkConfig { Hidden = new[] { 16 } } }, CPU));
            Assert.Contains("--init-from", e.Message);
        }
        finally { root.Delete(true); }
    }

    [Fact]
    public void Resuming_something_that_is_not_a_run_says_what_is_missing()
    {
        var root = Directory.CreateTempSubdirectory("robotics-resume-");
        try
        {
            Assert.Contains("no complete checkpoint", Assert.Throws<UserError>(() => TrainingSession.Resume(root.FullName, CPU)).Message);
            Assert.Contains("no such run directory", Assert.Throws<UserError>(() => TrainingSession.Resume(Path.Combine(root.FullName, "nope"), CPU)).Message);

            // A checkpoint with its optimizer state gone is refused before anything runs.
            string dir;
            using (var s = TrainingSession.Start(Options(root.FullName, 2), CPU)) { s.Learn(); dir = s.Run.Directory; }
            File.Delete(Path.Combine(dir, "checkpoint_000002", "optimizer.pt"));
            var e = Assert.Throws<UserError>(() => TrainingSession.Resume(dir, CPU, iterations: 4));
            Assert.Contains("optimizer.pt", e.Message);
        }
        finally { root.Delete(true); }
    }

    [Fact]
    public void A_checkpoint_period_shorter_than_the_episode_is_warned_about()
    {
        // The cart-pole's episode is 500 steps: 2 × 16 steps between checkpoints cut every one; 32 × 16 do not.
        var root = Directory.CreateTempSubdirectory("robotics-resume-");
        try
        {
            using (var s = TrainingSession.Start(Options(root.FullName, 2), CPU))
            {
                Assert.NotNull(s.CheckpointWarning);
                Assert.Contains("--checkpoint-every 2", s.CheckpointWarning);
                Assert.Contains("≥ 32", s.CheckpointWarning);
            }
            using (var s = TrainingSession.Start(Options(root.FullName, 2) with { CheckpointEvery = 32 }, CPU))
                Assert.Null(s.CheckpointWarning);
        }
        finally { root.Delete(true); }
    }
}
