using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Robotics.Training.Runner;
using Spectre.Console;

namespace Robotics.Cli;

/// <summary>
/// <c>robotics bench scale --task T --ranks 1,2 --envs N</c>: the same total of N environments trained as 1, 2, … ranks
/// under mpirun (N / K per rank); whole-loop environment steps/s, the collectives' time per iteration and share, and
/// the efficiency throughput(K) / (K × throughput(1)).
/// </summary>
internal static class BenchScaleCommand
{
    // Loopback TCP, as the CI tests run; a cluster passes its own through --mpirun-args.
    private const string LoopbackArgs = "--oversubscribe --mca pml ob1 --mca btl self,tcp --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo";

    public static Command Create()
    {
        var task = new Option<string>("--task") { Description = "task name or file", DefaultValueFactory = _ => "go1_velocity" };
        var ranks = new Option<string>("--ranks") { Description = "rank counts to compare, comma-separated", DefaultValueFactory = _ => "1,2" };
        var envs = new Option<int>("--envs") { Description = "environments in all (divided among the ranks)", DefaultValueFactory = _ => 64 };
        var iterations = new Option<int>("--iterations") { Description = "PPO iterations per rank count (the first is not timed)", DefaultValueFactory = _ => 4 };
        var mpirunArgs = new Option<string>("--mpirun-args") { Description = "arguments for mpirun before -np (default: loopback TCP)", DefaultValueFactory = _ => LoopbackArgs };
        var command = new Command("scale", "Data-parallel training on 1, 2, … ranks with the same total environments: steps/s, all-reduce time and share, efficiency.")
        {
            task, ranks, envs, iterations, mpirunArgs,
        };
        command.SetAction(r => Run(r.GetValue(task)!, r.GetValue(ranks)!, r.GetValue(envs), r.GetValue(iterations), r.GetValue(mpirunArgs)!));
        return command;
    }

    private static int Run(string task, string rankList, int envs, int iterations, string mpirunArgs)
    {
        var counts = rankList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(x => int.TryParse(x, CultureInfo.InvariantCulture, out int k) && k >= 1 ? k : throw new UserError($"--ranks: '{x}' is not a rank count ≥ 1")).ToArray();
        if (iterations < 2) throw new UserError("--iterations must be ≥ 2 (the first is not timed)");
        foreach (int k in counts)
            if (envs % k != 0) throw new UserError($"--envs {envs} does not divide among {k} ranks");
        // The jobs run in a scratch ROBOTICS_HOME (their run folders are thrown away): name the task by its file.
        if (!Robotics.Sim.Tasks.TaskCatalog.BuiltIn.Contains(task)) task = Path.GetFullPath(Robotics.Sim.Tasks.TaskCatalog.Resolve(task));
        int cores = Environment.ProcessorCount;
        var table = new Table().AddColumns("ranks", "envs/rank", "threads/rank", "steps/s", "collectives s/iter", "share", "efficiency");
        double? one = null;
        foreach (int k in counts)
        {
            var (sps, collective, share) = Measure(task, k, envs / k, Math.Max(1, cores / k), iterations, mpirunArgs);
            if (k == counts.Min()) one = sps / k;
            table.AddRow(k.ToString(CultureInfo.InvariantCulture), (envs / k).ToString(CultureInfo.InvariantCulture), Math.Max(1, cores / k).ToString(CultureInfo.InvariantCulture),
                sps.ToString("N0", CultureInfo.InvariantCulture), k == 1 ? "-" : collective.ToString("0.0000", CultureInfo.InvariantCulture),
                k == 1 ? "-" : share.ToString("P1", CultureInfo.InvariantCulture), (sps / (k * one!.Value)).ToString("0.00", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("steps/s: whole loop (collect + learn), all ranks, median of the timed iterations; efficiency: steps/s(K) / (K × steps/s per rank of the fewest ranks).");
        return 0;
    }

    // One job: K ranks of `robotics train` into a scratch home; its progress.csv and communication.csv read back.
    private static (double Sps, double Collective, double Share) Measure(string task, int ranks, int envsPerRank, int threads, int iterations, string mpirunArgs)
    {
        var home = Directory.CreateTempSubdirectory("robotics-bench-scale-");
        try
        {
            var psi = new ProcessStartInfo("mpirun") { RedirectStandardOutput = true, RedirectStandardError = true };
            if (Environment.UserName == "root") psi.ArgumentList.Add("--allow-run-as-root");
            foreach (var a in mpirunArgs.Split(' ', StringSplitOptions.RemoveEmptyEntries)) psi.ArgumentList.Add(a);
            foreach (var a in new[] { "-np", ranks.ToString(CultureInfo.InvariantCulture), Environment.ProcessPath ?? "dotnet", typeof(BenchScaleCommand).Assembly.Location,
                "train", "--task", task, "--envs", envsPerRank.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture),
                "--iterations", iterations.ToString(CultureInfo.InvariantCulture) })
                psi.ArgumentList.Add(a);
            psi.Environment["ROBOTICS_HOME"] = home.FullName;
            foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("OMPI_", StringComparison.Ordinal) || k.StartsWith("PMIX_", StringComparison.Ordinal)).ToList())
                psi.Environment.Remove(key);
            using var p = Process.Start(psi) ?? throw new UserError("mpirun could not be started (apt-get install openmpi-bin)");
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new UserError($"{ranks} rank(s) of train --task {task} failed (exit {p.ExitCode}):\n{output}\n{err.Result}");
            var run = Directory.GetDirectories(Path.Combine(home.FullName, "runs")).Single();
            var rows = File.ReadAllLines(Path.Combine(run, "progress.csv"));
            var header = rows[0].Split(',');
            var history = rows.Skip(2).Select(r => OnPolicyRunner.ParseCsvRow(rows[0], r)).ToArray();   // the first iteration warms up
            double sps = Median(history.Select(h => h.StepsPerSecond));
            var comm = Path.Combine(run, TrainingSession.CommunicationFile);
            if (!File.Exists(comm)) return (sps, 0, 0);
            var c = File.ReadAllLines(comm).Skip(2).Select(l => l.Split(',')).ToArray();
            return (sps, Median(c.Select(x => double.Parse(x[2], CultureInfo.InvariantCulture))), Median(c.Select(x => double.Parse(x[4], CultureInfo.InvariantCulture))));
        }
        finally { home.Delete(recursive: true); }
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
