using Robotics.Sim.Envs;
using Robotics.Sim.Tasks;
using Robotics.Training.Algorithms;
using Robotics.Training.Devices;
using Robotics.Training.Models;
using Robotics.Training.Runner;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Runner;

public class TrainingRunTests
{
    public TrainingRunTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    [Fact]
    public void Run_directory_holds_config_progress_checkpoints_and_plots()
    {
        var root = Directory.CreateTempSubdirectory("robotics-runs-");
        try
        {
            var options = new TrainOptions { Task = "cartpole_balance", Envs = 4, Threads = 1, Iterations = 3, Seed = 7, RunsDirectory = root.FullName,
                StepsPerEnv = 8, Network = new NetworkConfig { Hidden = new[] { 16 } } }.Validate();
            using var env = new MjVecEnv(TaskCatalog.Load("cartpole_balance"), 4, 1, 7, ownsTask: true);
            using var ppo = new Ppo(new AlgorithmSpec(5, 7, 1, 4, options.StepsPerEnv, options.Network, CPU, 7), new PpoConfig());
            var run = new TrainingRun(options, "cartpole_balance", env);
            var runner = new OnPolicyRunner(env, ppo, 8, CPU);
            runner.Learn(3, run.Record);
            var checkpoint = run.Checkpoint(ppo.State, 3, runner.TotalSteps);
            var plots = run.Plot();

            Assert.Matches(@"cartpole_balance__ppo__7__\d{8}-\d{6}$", run.Directory);
            Assert.Contains("\"Seed\": 7", File.ReadAllText(Path.Combine(run.Directory, "config.json")));
            var csv = File.ReadAllLines(run.CsvPath);
            Assert.Equal(4, csv.Length);   // header + 3 iterations
            Assert.StartsWith("iteration,total_steps,sps", csv[0]);
            Assert.StartsWith("2,96,", csv[3]);   // 3 iterations × 4 envs × 8 steps
            Assert.True(File.Exists(Path.Combine(checkpoint, "actor.pt")));
            Assert.False(Directory.Exists(checkpoint + ".tmp"));
            Assert.All(plots, p => Assert.True(new FileInfo(p).Length > 1000, p));

            // The checkpoint restores the actor, normalizer included.
            using var restored = new GaussianActor(5, 1, options.Network);
            restored.load(Path.Combine(checkpoint, "actor.pt"));
            Assert.Equal(ppo.Actor.Normalizer.Mean.data<float>().ToArray(), restored.Normalizer.Mean.data<float>().ToArray());
            var x = randn(3, 5);
            Assert.Equal(ppo.Actor.forward(x).data<float>().ToArray(), restored.forward(x).data<float>().ToArray());

            // And as eval reads it: the network shape from config.json, deterministic actions.
            using var policy = CheckpointPolicy.Load(checkpoint);
            Assert.Equal("cartpole_balance", policy.Task);
            var actions = new float[3];
            policy.Act(x.data<float>().ToArray(), actions);
            Assert.Equal(ppo.Actor.forward(x).reshape(3).data<float>().ToArray(), actions);
            Assert.Throws<UserError>(() => CheckpointPolicy.Load(run.Directory));   // not a checkpoint folder

            // Provenance: the checkpoint names the commit of the binary that trained it (this build's, from git).
            Assert.Matches("^[0-9a-f]{40}(-dirty)?$", BuildInfo.SourceCommit);   // dirty when the tree under test has uncommitted changes
            Assert.Equal(BuildInfo.SourceCommit, policy.SourceCommit);
            Assert.Contains($"\"SourceCommit\": \"{BuildInfo.SourceCommit}\"", File.ReadAllText(Path.Combine(run.Directory, "config.json")));
        }
        finally { root.Delete(true); }
    }

    [Theory]
    [InlineData("1.0.0+676e4745b07954d996df4d057dc0837ecd5785b9", "676e4745b07954d996df4d057dc0837ecd5785b9")]
    [InlineData("1.0.0+676e4745b07954d996df4d057dc0837ecd5785b9-dirty", "676e4745b07954d996df4d057dc0837ecd5785b9-dirty")]
    [InlineData("1.0.0", null)]
    [InlineData("1.0.0+local-build", null)]
    [InlineData("1.0.0+-dirty", null)]
    [InlineData(null, null)]
    public void The_build_commit_is_read_from_the_informational_version(string? version, string? commit) =>
        Assert.Equal(commit, BuildInfo.Parse(version));

    [Fact]
    public void Bad_options_name_the_flag()
    {
        Assert.Contains("--envs", Assert.Throws<UserError>(() => new TrainOptions { Task = "x", Envs = 0 }.Validate()).Message);
        Assert.Contains("--algo", Assert.Throws<UserError>(() => new TrainOptions { Task = "x", Algorithm = "sac" }.Validate()).Message);
        Assert.Contains("Hidden", Assert.Throws<UserError>(() => new TrainOptions { Task = "x", Network = new NetworkConfig { Hidden = new[] { 64, 0 } } }.Validate()).Message);
    }
}
