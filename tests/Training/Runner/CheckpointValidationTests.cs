using System.Security.Cryptography;
using System.Text.Json;
using Robotics.Training.Algorithms;
using Robotics.Training.Devices;
using Robotics.Training.Models;
using Robotics.Training.Runner;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Runner;

/// <summary>
/// Every file of a checkpoint is checked before libtorch reads it: against the manifest written last, or, for a checkpoint
/// written before manifests, by its length. A bad file is a <see cref="UserError"/> naming it, never a native abort.
/// </summary>
public sealed class CheckpointValidationTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("robotics-checkpoint-");

    public CheckpointValidationTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    public void Dispose() => _root.Delete(true);

    private TrainOptions Options(int iterations) => new()
    {
        Task = "cartpole_balance", Envs = 8, Threads = 1, Seed = 3, Iterations = iterations, CheckpointEvery = 2, RunsDirectory = _root.FullName,
        StepsPerEnv = 8, Network = new NetworkConfig { Hidden = new[] { 16, 16 } },
    };

    // A run of two iterations: its directory, with checkpoint_000002.
    private string TrainedRun()
    {
        using var s = TrainingSession.Start(Options(2), CPU);
        s.Learn();
        return s.Run.Directory;
    }

    private static string Checkpoint(string run) => Path.Combine(run, "checkpoint_000002");

    private static void Truncate(string file) { using var f = File.OpenWrite(file); f.SetLength(f.Length / 2); }

    private static void FlipByte(string file)
    {
        var bytes = File.ReadAllBytes(file);
        bytes[bytes.Length / 2] ^= 0x5a;
        File.WriteAllBytes(file, bytes);
    }

    [Fact]
    public void A_checkpoint_ends_with_a_manifest_of_every_other_file()
    {
        var dir = Checkpoint(TrainedRun());
        var manifest = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllText(Path.Combine(dir, CheckpointManifest.FileName)))!;
        var files = Directory.GetFiles(dir).Select(Path.GetFileName).Where(n => n != CheckpointManifest.FileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(files, manifest.Files.Select(f => f.Name).ToArray());
        Assert.Contains("generator.bin", files);
        Assert.Contains(TrainingRun.RunStateFile, files);
        foreach (var f in manifest.Files)
        {
            var path = Path.Combine(dir, f.Name);
            Assert.Equal(new FileInfo(path).Length, f.Bytes);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), f.Sha256);
        }
        Assert.True(CheckpointManifest.Verify(dir));
    }

    [Theory]
    [InlineData("generator.bin", true)]    // a short generator state aborted the process in libtorch
    [InlineData("generator.bin", false)]
    [InlineData("actor.pt", true)]
    [InlineData("actor.pt", false)]        // a flipped weight loaded silently
    [InlineData("critic.pt", false)]
    [InlineData("optimizer.pt", true)]
    [InlineData("optimizer.pt", false)]
    [InlineData("ppo.json", false)]
    public void A_truncated_or_corrupt_file_is_refused_by_name_before_anything_loads(string file, bool truncate)
    {
        var run = TrainedRun();
        var path = Path.Combine(Checkpoint(run), file);
        if (truncate) Truncate(path); else FlipByte(path);
        var csv = File.ReadAllText(Path.Combine(run, "progress.csv"));

        var e = Assert.Throws<UserError>(() => TrainingSession.Resume(run, CPU, iterations: 4));
        Assert.Contains(path, e.Message);
        Assert.Contains(truncate ? "truncated" : "corrupt", e.Message);
        Assert.Equal(csv, File.ReadAllText(Path.Combine(run, "progress.csv")));   // the run folder is untouched

        // The policy readers (eval, render, export) check the actor the same way.
        if (file == "actor.pt") Assert.Contains(path, Assert.Throws<UserError>(() => CheckpointPolicy.Load(Checkpoint(run))).Message);
        // And so does a fine-tuning run.
        var init = Assert.Throws<UserError>(() => TrainingSession.Start(Options(2) with { InitFrom = Checkpoint(run) }, CPU));
        Assert.Contains(path, init.Message);
    }

    [Fact]
    public void A_file_added_to_a_checkpoint_after_it_was_written_is_named()
    {
        var run = TrainedRun();
        var extra = Path.Combine(Checkpoint(run), "critic_backup.pt");
        File.WriteAllBytes(extra, new byte[] { 1, 2, 3 });
        var e = Assert.Throws<UserError>(() => TrainingSession.Resume(run, CPU, iterations: 4));
        Assert.Contains(extra, e.Message);
        Assert.Contains(CheckpointManifest.FileName, e.Message);
    }

    [Fact]
    public void A_checkpoint_from_before_manifests_resumes_and_its_files_are_checked_by_length()
    {
        var run = TrainedRun();
        var dir = Checkpoint(run);
        File.Delete(Path.Combine(dir, CheckpointManifest.FileName));
        var saved = Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f)!, File.ReadAllBytes);

        using (var s = TrainingSession.Resume(run, CPU, iterations: 4))   // loads as before
            Assert.Equal(2, s.NextIteration);

        foreach (var file in new[] { "generator.bin", "actor.pt", "critic.pt", "optimizer.pt" })
        {
            foreach (var (name, bytes) in saved) File.WriteAllBytes(Path.Combine(dir, name), bytes);
            var path = Path.Combine(dir, file);
            Truncate(path);
            var e = Assert.Throws<UserError>(() => TrainingSession.Resume(run, CPU, iterations: 4));
            Assert.Contains(path, e.Message);
            Assert.Contains("truncated", e.Message);
        }

        // NaN weights, which a length cannot show, are refused by name too.
        foreach (var (name, bytes) in saved) File.WriteAllBytes(Path.Combine(dir, name), bytes);
        using (var actor = new GaussianActor(5, 1, Options(2).Network))
        {
            actor.load(Path.Combine(dir, "actor.pt"));
            using (no_grad()) actor.parameters().First().fill_(float.NaN);
            actor.save(Path.Combine(dir, "actor.pt"));
        }
        var nan = Assert.Throws<UserError>(() => TrainingSession.Resume(run, CPU, iterations: 4));
        Assert.Contains("actor.pt", nan.Message);
        Assert.Contains("NaN", nan.Message);
    }

    [Theory]
    [InlineData("models/go1_velocity/run/checkpoint_000242")]
    [InlineData("models/go1_velocity/run_stage3/checkpoint_000100")]
    public void The_shipped_checkpoints_from_before_manifests_pass_the_checks(string shipped)
    {
        var dir = TestPaths.Repo(shipped);
        Assert.False(File.Exists(Path.Combine(dir, CheckpointManifest.FileName)));
        var options = TrainingRun.ReadOptions(Path.GetDirectoryName(dir)!);
        var spec = new AlgorithmSpec(options.GroupDim("policy"), options.GroupDim("critic"), options.ActionDim, 4, options.StepsPerEnv, options.Network, CPU, options.Seed);
        using (var algorithm = AlgorithmCatalog.Get(options.Algorithm).Build(spec, options.AlgorithmConfig()))
            algorithm.State.LoadState(dir);   // every part, through the length checks
        using (var policy = CheckpointPolicy.Load(dir))
            Assert.Equal(12, policy.ActionDim);

        // A copy with a truncated actor is refused by name.
        var copy = Directory.CreateDirectory(Path.Combine(_root.FullName, "shipped", "checkpoint_000001")).FullName;
        File.Copy(Path.Combine(Path.GetDirectoryName(dir)!, "config.json"), Path.Combine(_root.FullName, "shipped", "config.json"));
        foreach (var f in Directory.GetFiles(dir)) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        Truncate(Path.Combine(copy, "actor.pt"));
        Assert.Contains(Path.Combine(copy, "actor.pt"), Assert.Throws<UserError>(() => CheckpointPolicy.Load(copy)).Message);
    }
}
