using Robotics.Training.Devices;
using Robotics.Training.Models;
using Robotics.Training.Runner;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Runner;

/// <summary>Nothing a run recorded is lost on resume: an earlier checkpoint starts a branch beside the old line, and a torn row or checkpoint is recovered from with a note.</summary>
public sealed class ResumeHistoryTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("robotics-history-");

    public ResumeHistoryTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    public void Dispose() => _root.Delete(true);

    private TrainOptions Options(int iterations) => new()
    {
        Task = "cartpole_balance", Envs = 8, Threads = 1, Seed = 5, Iterations = iterations, CheckpointEvery = 2, RunsDirectory = _root.FullName,
        StepsPerEnv = 8, Network = new NetworkConfig { Hidden = new[] { 16, 16 } },
    };

    private string Run(int iterations)
    {
        using var s = TrainingSession.Start(Options(iterations), CPU);
        s.Learn();
        s.Run.Plot();
        return s.Run.Directory;
    }

    private static string Csv(string run) => Path.Combine(run, "progress.csv");

    // progress.csv's rows without the wall-clock columns (sps, collect_s, learn_s).
    private static string[] Learning(string file) =>
        File.ReadAllLines(file).Select(l => string.Join(",", l.Split(',').Where((_, i) => i is < 2 or > 4))).ToArray();

    [Fact]
    public void Resuming_from_an_earlier_checkpoint_moves_the_later_checkpoints_and_rows_aside_and_says_so()
    {
        var run = Run(6);   // checkpoints 2, 4, 6; six rows
        var old = File.ReadAllText(Csv(run));
        var learned = Learning(Csv(run));

        using (var s = TrainingSession.Resume(Path.Combine(run, "checkpoint_000002"), CPU))
        {
            var branch = Assert.Single(Directory.GetDirectories(Path.Combine(run, TrainingRun.BranchesFolder)));
            Assert.EndsWith("__after_000002", branch);
            // The old line, whole: its later checkpoints, its progress.csv as it was, its plots.
            Assert.True(File.Exists(Path.Combine(branch, "checkpoint_000004", "actor.pt")));
            Assert.True(File.Exists(Path.Combine(branch, "checkpoint_000006", "actor.pt")));
            Assert.Equal(old, File.ReadAllText(Path.Combine(branch, "progress.csv")));
            Assert.True(File.Exists(Path.Combine(branch, "returns.png")));
            // The run itself continues from checkpoint 2.
            Assert.False(Directory.Exists(Path.Combine(run, "checkpoint_000004")));
            Assert.False(Directory.Exists(Path.Combine(run, "checkpoint_000006")));
            Assert.True(Directory.Exists(Path.Combine(run, "checkpoint_000002")));
            Assert.Equal(3, File.ReadAllLines(Csv(run)).Length);   // header + iterations 0, 1
            var note = Assert.Single(s.ResumeNotes);
            Assert.Contains("checkpoint_000004, checkpoint_000006", note);
            Assert.Contains(branch, note);
            Assert.Contains("4 row(s)", note);
            s.Learn();
        }
        // The new line repeats the old one (same seed, same checkpoint): nothing learned differs.
        Assert.Equal(learned, Learning(Csv(run)));

        // Resumed from the latest checkpoint, nothing is moved.
        using (var more = TrainingSession.Resume(run, CPU, iterations: 8))
            Assert.Empty(more.ResumeNotes);
        Assert.Single(Directory.GetDirectories(Path.Combine(run, TrainingRun.BranchesFolder)));
    }

    [Fact]
    public void A_last_row_cut_off_mid_write_is_dropped_with_a_note_and_the_run_resumes()
    {
        var run = Run(4);
        var learned = Learning(Csv(run));
        // Killed while writing iteration 3's row, before checkpoint 4.
        Directory.Delete(Path.Combine(run, "checkpoint_000004"), true);
        var text = File.ReadAllText(Csv(run));
        int lastRow = text.LastIndexOf('\n', text.Length - 2) + 1;
        File.WriteAllText(Csv(run), text[..(lastRow + (text.Length - lastRow) / 2)]);

        using (var s = TrainingSession.Resume(run, CPU))
        {
            Assert.Equal(2, s.NextIteration);
            Assert.Contains(s.ResumeNotes, n => n.Contains("cut off mid-write") && n.Contains(Csv(run)));
            Assert.Equal(3, File.ReadAllLines(Csv(run)).Length);
            s.Learn();
        }
        Assert.Equal(learned, Learning(Csv(run)));
    }

    [Fact]
    public void A_torn_row_that_is_not_the_last_is_an_error_naming_the_line()
    {
        var run = Run(2);
        var lines = File.ReadAllLines(Csv(run));
        lines[1] = lines[1][..(lines[1].Length / 2)];
        File.WriteAllLines(Csv(run), lines);
        var e = Assert.Throws<UserError>(() => TrainingSession.Resume(run, CPU, iterations: 4));
        Assert.Contains($"{Csv(run)}:2", e.Message);
    }

    [Fact]
    public void A_checkpoint_without_its_run_json_is_skipped_with_a_note_naming_it()
    {
        var run = Run(4);
        var torn = Path.Combine(run, "checkpoint_000004");
        File.Delete(Path.Combine(torn, TrainingRun.RunStateFile));

        using (var s = TrainingSession.Resume(run, CPU))
        {
            Assert.Equal(2, s.NextIteration);   // the previous complete one
            Assert.Contains(s.ResumeNotes, n => n.Contains(torn) && n.Contains(TrainingRun.RunStateFile) && n.Contains("skipped"));
            // Kept, beside the run, not deleted.
            var branch = Assert.Single(Directory.GetDirectories(Path.Combine(run, TrainingRun.BranchesFolder)));
            Assert.True(File.Exists(Path.Combine(branch, "checkpoint_000004", "actor.pt")));
        }

        // With no complete checkpoint at all, the message names the ones skipped.
        File.Delete(Path.Combine(run, "checkpoint_000002", TrainingRun.RunStateFile));
        var e = Assert.Throws<UserError>(() => TrainingSession.Resume(run, CPU));
        Assert.Contains("checkpoint_000002", e.Message);
    }
}
