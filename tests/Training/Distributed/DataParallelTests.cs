using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Robotics.Training.Tests.Distributed;

/// <summary>The tests that start mpirun jobs: one at a time, so two jobs do not starve each other on two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MpiJobs
{
    /// <summary>The collection's name.</summary>
    public const string Name = "mpirun jobs";
}

/// <summary>
/// Data-parallel training over real Open MPI on loopback: the gradient all-reduce against one process, 2-rank
/// cart-pole runs of the CLI (Release build) checked bit for bit, resume, and the refusals at start.
/// </summary>
[Collection(MpiJobs.Name)]
public sealed class DataParallelTests : IDisposable
{
    // Root is allowed in CI containers; TCP on lo only (shared memory and UCX left out: the path a two-host job takes).
    private static readonly string[] Loopback =
    {
        "--allow-run-as-root", "--oversubscribe", "--mca", "pml", "ob1", "--mca", "btl", "self,tcp",
        "--mca", "btl_tcp_if_include", "lo", "--mca", "oob_tcp_if_include", "lo",
    };

    private static readonly string[] Train = { "train", "--task", "cartpole_balance", "--envs", "8", "--steps", "16" };

    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("robotics-mpi-");
    private readonly ITestOutputHelper _output;

    public DataParallelTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Two_ranks_with_half_a_minibatch_each_all_reduce_to_the_whole_minibatchs_gradient()
    {
        var r = Run("mpirun", [.. Loopback, "-np", "2", "dotnet", ProbePath, "gradient", "64"]);
        Assert.True(r.Exit == 0, r.Output);
        var lines = r.Stdout.Split('\n').Where(l => l.Contains("maxdiff=", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        foreach (var line in lines)
        {
            double diff = double.Parse(Regex.Match(line, @"maxdiff=(\S+)").Groups[1].Value, CultureInfo.InvariantCulture);
            double norm = double.Parse(Regex.Match(line, @"norm=(\S+)").Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.True(norm > 1e-3, $"a zero gradient proves nothing: {line}");
            Assert.True(diff <= 1e-6, line);
        }
    }

    [Fact]
    public void A_two_rank_run_keeps_the_ranks_identical_writes_one_run_and_repeats_bit_for_bit()
    {
        var first = TwoRanks([.. Train, "--iterations", "3"]);
        var second = TwoRanks([.. Train, "--iterations", "3"]);
        // Each rank checks every other's parameter digest at each checkpoint; a drift would have ended the run.
        Assert.Contains("parameters identical on all 2 ranks", first.Stdout, StringComparison.Ordinal);
        var runs = RunFolders();
        Assert.Equal(2, runs.Length);   // one folder per job, none from rank 1
        var config = File.ReadAllText(Path.Combine(runs[0], "config.json"));
        Assert.Contains("\"Ranks\": 2", config, StringComparison.Ordinal);
        Assert.Contains("mpirun -np 2", config, StringComparison.Ordinal);
        AssertSameCheckpoint(Path.Combine(runs[0], "checkpoint_000003"), Path.Combine(runs[1], "checkpoint_000003"));
        Assert.Equal(Learning(runs[0]), Learning(runs[1]));
        Assert.Equal(2 * 8 * 16 * 3, long.Parse(File.ReadAllLines(Path.Combine(runs[0], "progress.csv"))[^1].Split(',')[1], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_two_rank_run_resumed_with_two_ranks_continues_bit_identically_and_with_one_rank_says_it_is_not()
    {
        TwoRanks([.. Train, "--iterations", "4", "--checkpoint-every", "2"]);
        var whole = Assert.Single(RunFolders());
        TwoRanks([.. Train, "--iterations", "2", "--checkpoint-every", "2", "--seed", "1"]);
        var stopped = RunFolders().Single(d => d != whole);
        var resumed = TwoRanks(["train", "--resume", stopped, "--iterations", "4"]);
        Assert.DoesNotContain("not bit-identically", resumed.Stdout, StringComparison.Ordinal);
        AssertSameCheckpoint(Path.Combine(whole, "checkpoint_000004"), Path.Combine(stopped, "checkpoint_000004"));

        // The same checkpoint continued by one process: it trains on, and says the result is not the 2-rank run's.
        var single = Run("dotnet", [CliPath, "train", "--resume", Path.Combine(whole, "checkpoint_000002"), "--iterations", "3"]);
        Assert.True(single.Exit == 0, single.Output);
        Assert.Contains("not bit-identically", single.Output.Replace("\n", " ", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void A_two_rank_cart_pole_run_learns_as_one_process_with_twice_the_environments()
    {
        // The same budget: 32 environments × 16 steps × 40 iterations, in one process or as 2 ranks of 16 (small networks:
        // a CI-sized run).
        string[] budget = ["train", "--task", "cartpole_balance", "--steps", "16", "--iterations", "40", "--seed", "1", "--hidden", "64,64"];
        var single = Run("dotnet", [CliPath, .. budget, "--envs", "32"], seconds: 300);
        Assert.True(single.Exit == 0, single.Output);
        var one = Assert.Single(RunFolders());
        var two = TwoRanks([.. budget, "--envs", "16"], seconds: 300);
        Assert.Matches(@"collection per rank \(mean over 40 iterations\): rank 0 \(\S+\) [\d,]+ steps/s, rank 1 \(\S+\) [\d,]+ steps/s", Regex.Replace(two.Stdout, @"\s+", " "));
        var parallel = RunFolders().Single(d => d != one);
        Assert.Equal(File.ReadAllLines(Path.Combine(one, "progress.csv"))[^1].Split(',')[1], File.ReadAllLines(Path.Combine(parallel, "progress.csv"))[^1].Split(',')[1]);

        var (oneEarly, oneLate) = Returns(one);
        var (twoEarly, twoLate) = Returns(parallel);
        string figures = $"mean episode return, first 5 / last 10 iterations: 1 process {oneEarly:0.0} / {oneLate:0.0}, 2 ranks {twoEarly:0.0} / {twoLate:0.0}";
        _output.WriteLine(figures);
        // Both learn (seen: about 30 → 100 in one process), and to the same level within the spread of a single seed.
        Assert.True(oneLate >= 1.5 * oneEarly && twoLate >= 1.5 * twoEarly, figures);
        Assert.True(Math.Min(oneLate, twoLate) >= 0.6 * Math.Max(oneLate, twoLate), figures);
        Assert.Equal(41, File.ReadAllLines(Path.Combine(parallel, Robotics.Training.Runner.TrainingSession.CommunicationFile)).Length);
    }

    // Mean episode return over the first 5 and the last 10 iterations that finished episodes.
    private static (double Early, double Late) Returns(string run)
    {
        var lines = File.ReadAllLines(Path.Combine(run, "progress.csv"));
        int column = Array.IndexOf(lines[0].Split(','), "mean_episode_return");
        var r = lines.Skip(1).Select(l => double.Parse(l.Split(',')[column], CultureInfo.InvariantCulture)).ToArray();
        double Mean(IEnumerable<double> x) { var v = x.Where(double.IsFinite).ToArray(); return v.Length == 0 ? double.NaN : v.Average(); }
        return (Mean(r.Take(5)), Mean(r.TakeLast(10)));
    }

    [Fact]
    public void Ranks_started_with_different_seeds_are_refused_before_anything_is_written()
    {
        var r = Run("mpirun", [.. Loopback, "-np", "1", "dotnet", CliPath, .. Train, "--iterations", "1", "--seed", "1",
            ":", "-np", "1", "dotnet", CliPath, .. Train, "--iterations", "1", "--seed", "2"]);
        Assert.NotEqual(0, r.Exit);
        Assert.Matches(@"do not run the same binary, task, seed and settings: rank 1 \(\S+\) has digest", r.Output.Replace("\n", "", StringComparison.Ordinal));
        Assert.Empty(RunFolders());
    }

    [Fact]
    public void A_rank_that_cannot_load_the_task_ends_every_rank_with_its_message()
    {
        var r = Run("mpirun", [.. Loopback, "-np", "1", "dotnet", CliPath, .. Train, "--iterations", "1",
            ":", "-np", "1", "dotnet", CliPath, "train", "--task", "no_such_task", "--envs", "8", "--steps", "16", "--iterations", "1"]);
        Assert.NotEqual(0, r.Exit);
        // Both ranks print it: rank 0 did not wait for a rank that had given up.
        Assert.Equal(2, Regex.Matches(r.Stderr, @"error: rank 1 \(\S+\): loading the task: ").Count);
        Assert.Contains("no_such_task", r.Stderr, StringComparison.Ordinal);
        Assert.Empty(RunFolders());
    }

    [Theory]
    [InlineData("STOP", "waited 5 s in")]            // stops answering: the others' watchdog ends the job
    [InlineData("KILL", "exited on signal 9")]       // dies: mpirun notices and ends the job
    public async Task A_rank_that_stops_answering_or_dies_ends_the_job_within_the_timeout_naming_the_rank(string signal, string message)
    {
        var psi = new ProcessStartInfo("mpirun") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in (string[])[.. Loopback, "-np", "2", "dotnet", CliPath, .. Train, "--iterations", "100000", "--rank-timeout", "5"]) psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("OMPI_", StringComparison.Ordinal) || k.StartsWith("PMIX_", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        psi.Environment["ROBOTICS_HOME"] = _home.FullName;
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        int rank1 = 0;
        try
        {
            // Training has begun once rank 0 wrote a row; rank 1 is the child of mpirun whose environment says so.
            var clock = Stopwatch.StartNew();
            // The run folder appears before its progress.csv does.
            bool Training() => RunFolders() is [var run] && Path.Combine(run, "progress.csv") is var csv && File.Exists(csv) && File.ReadAllLines(csv).Length > 2;
            while (clock.Elapsed < TimeSpan.FromSeconds(60) && !Training())
                Thread.Sleep(200);
            rank1 = Directory.GetDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
                .FirstOrDefault(pid => pid > 0 && IsRank1Of(pid, p.Id));
            Assert.True(rank1 > 0, "rank 1's process was not found");
            using (var kill = Process.Start("kill", [$"-{signal}", rank1.ToString(CultureInfo.InvariantCulture)])) kill.WaitForExit();
            var stopped = Stopwatch.StartNew();
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(30)), "the job did not end within 30 s of the signal");
            Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(25));
            p.WaitForExit();
            var output = (await stdout + await stderr).Replace("\n", " ", StringComparison.Ordinal);
            Assert.NotEqual(0, p.ExitCode);
            Assert.Contains(message, output, StringComparison.Ordinal);
            Assert.Contains("rank 1", output, StringComparison.Ordinal);
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            if (rank1 > 0 && signal == "STOP") { try { Process.GetProcessById(rank1).Kill(); } catch (ArgumentException) { } }
        }
    }

    // True for a process whose parent is `mpirun` and whose environment has OMPI_COMM_WORLD_RANK=1.
    private static bool IsRank1Of(int pid, int mpirun)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            int parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
            return parent == mpirun && File.ReadAllText($"/proc/{pid}/environ").Split('\0').Contains("OMPI_COMM_WORLD_RANK=1");
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    private (int Exit, string Stdout, string Stderr, string Output) TwoRanks(string[] args, double seconds = 90)
    {
        var r = Run("mpirun", [.. Loopback, "-np", "2", "dotnet", CliPath, .. args], seconds);
        Assert.True(r.Exit == 0, r.Output);
        return r;
    }

    private string[] RunFolders() =>
        Directory.Exists(Path.Combine(_home.FullName, "runs")) ? Directory.GetDirectories(Path.Combine(_home.FullName, "runs")).Order(StringComparer.Ordinal).ToArray() : [];

    // Everything a checkpoint holds that training produced: networks, normalizers, optimizer moments, generator, scalars.
    private static void AssertSameCheckpoint(string a, string b)
    {
        var files = Directory.GetFiles(a).Select(Path.GetFileName).Where(f => f is not null && !f.StartsWith("manifest", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        Assert.Contains("actor.pt", files);
        Assert.Equal(files, Directory.GetFiles(b).Select(Path.GetFileName).Where(f => f is not null && !f.StartsWith("manifest", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray());
        foreach (var f in files)
            Assert.True(File.ReadAllBytes(Path.Combine(a, f!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b, f!))), $"{f} differs between {a} and {b}");
    }

    // progress.csv without its timing columns.
    private static string[] Learning(string run)
    {
        var lines = File.ReadAllLines(Path.Combine(run, "progress.csv"));
        var header = lines[0].Split(',');
        var keep = header.Select((h, i) => (h, i)).Where(x => x.h is not ("sps" or "collect_s" or "learn_s")).Select(x => x.i).ToArray();
        return lines.Select(l => string.Join(",", keep.Select(i => l.Split(',')[i]))).ToArray();
    }

    private static string Config => typeof(DataParallelTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    private static string ProbePath => Existing($"tools/MpiProbe/bin/{Config}/net10.0/linux-x64/mpiprobe.dll", "build tools/MpiProbe");

    // The CLI as ./robotics runs it: the Release build (./robotics test builds it with the solution).
    private static string CliPath => Existing("src/Cli/bin/Release/net10.0/linux-x64/robotics.dll", "build it with: dotnet build src/Cli -c Release");

    private static string Existing(string relative, string hint)
    {
        var path = TestPaths.Repo(relative);
        Assert.True(File.Exists(path), $"{path} is missing; {hint}");
        return path;
    }

    private (int Exit, string Stdout, string Stderr, string Output) Run(string file, IEnumerable<string> args, double seconds = 90)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // A test host started under mpirun must not make the child think it is a rank of that job.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("OMPI_", StringComparison.Ordinal) || k.StartsWith("PMIX_", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        psi.Environment["ROBOTICS_HOME"] = _home.FullName;
        psi.Environment["COLUMNS"] = "400";
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(seconds)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{file} did not finish within {seconds} s");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result, $"exit {p.ExitCode}\n{stdout.Result}\n{stderr.Result}");
    }

    /// <inheritdoc/>
    public void Dispose() => _home.Delete(recursive: true);
}
