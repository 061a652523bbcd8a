using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Robotics.Sim.Tasks;

namespace Robotics.Cli;

/// <summary>
/// <c>robotics fuzz TARGET --seconds N</c>: coverage-guided fuzzing of one parser (cdr, contract, task, urdf) with
/// afl-fuzz (Debian's afl++) driving the harness tools/Fuzz, instrumented by SharpFuzz. The committed corpus
/// (tools/Fuzz/corpus/TARGET) seeds the run; afterwards afl-cmin picks the fewest inputs of the run's queue (seeds
/// included) that cover what it covered, and they become the corpus, together with the fixed findings kept there. Crashes and hangs (an exception other than the parser's error, a failed round trip, a native
/// crash, a time-out) are replayed through the plain harness, reported, copied to runs/fuzz/TARGET/findings, and make the
/// verb exit 1. Everything of a run lives in runs/fuzz/TARGET (deleted at the start of the next).
/// </summary>
internal static class FuzzCommand
{
    // The harness as ./robotics builds it (Release, the solution's runtime identifier).
    private const string HarnessDir = "tools/Fuzz/bin/Release/net10.0/linux-x64";
    private const string CorpusDir = "tools/Fuzz/corpus";
    // Per input: generous for a URDF that MuJoCo compiles, short enough that a hang is seen within a run.
    private const int InputTimeoutMs = 5000;

    public static Command Create()
    {
        var target = new Argument<string>("target") { Description = "what to fuzz: cdr, contract, task or urdf (`robotics fuzz --list`)", Arity = ArgumentArity.ZeroOrOne };
        var seconds = new Option<int>("--seconds") { Description = "how long afl-fuzz runs [s]", DefaultValueFactory = _ => 60 };
        var list = new Option<bool>("--list") { Description = "list the targets and exit" };
        var cmd = new Command("fuzz", "Coverage-guided fuzzing of a parser (afl-fuzz + SharpFuzz); new interesting inputs join the committed corpus.") { target, seconds, list };
        cmd.SetAction(r => Run(r.GetValue(target), r.GetValue(seconds), r.GetValue(list)));
        return cmd;
    }

    private sealed record Target(string Name, string[] Assemblies, string Summary);

    private static int Run(string? name, int seconds, bool list)
    {
        var home = TaskCatalog.Home;
        var harness = Path.Combine(home, HarnessDir, "fuzz.dll");
        if (!File.Exists(harness)) throw new UserError($"the fuzz harness {harness} is not built: run `./robotics fuzz`, which builds it");
        var targets = RunToEnd("dotnet", [harness, "--list"], home).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t')).Select(p => new Target(p[0], p[1].Split(','), p[2])).ToList();
        if (list || name is null)
        {
            foreach (var t in targets) Console.WriteLine($"{t.Name,-10} {t.Summary}");
            if (name is null && !list) throw new UserError($"fuzz: name a target ({string.Join(", ", targets.Select(t => t.Name))})");
            return 0;
        }
        var target = targets.FirstOrDefault(t => t.Name == name) ?? throw new UserError($"fuzz: no target '{name}'; targets: {string.Join(", ", targets.Select(t => t.Name))}");
        if (seconds is < 1 or > 7 * 86400) throw new UserError($"--seconds {seconds}: allowed 1 to {7 * 86400}");
        var aflFuzz = OnPath("afl-fuzz") ?? throw new UserError("afl-fuzz not found: install Debian's afl++ (./robotics installs it)");
        var aflCmin = OnPath("afl-cmin") ?? throw new UserError("afl-cmin not found: install Debian's afl++ (./robotics installs it)");
        // afl-cmin wants the program's path, not a name on PATH.
        var dotnet = OnPath("dotnet") ?? throw new UserError("dotnet not found on PATH");

        // A copy of the harness with the target's assemblies instrumented (SharpFuzz rewrites them in place); the
        // build itself stays plain for the corpus replay test and for replaying findings.
        var work = Path.Combine(home, "runs", "fuzz", target.Name);
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        var instrumented = Path.Combine(work, "harness");
        CopyDirectory(Path.GetDirectoryName(harness)!, instrumented);
        RunToEnd("dotnet", ["tool", "restore"], home);
        foreach (var assembly in target.Assemblies)
            RunToEnd("dotnet", ["tool", "run", "sharpfuzz", Path.Combine(instrumented, assembly)], home);

        var seeds = Path.Combine(work, "in");
        RunToEnd("dotnet", [harness, target.Name, "--seeds", seeds], home);
        if (Directory.GetFiles(seeds).Length == 0) throw new UserError($"{CorpusDir}/{target.Name} is empty: afl-fuzz needs at least one seed input");
        var output = Path.Combine(work, "out");
        var env = new Dictionary<string, string>
        {
            ["ROBOTICS_HOME"] = home,
            ["AFL_SKIP_BIN_CHECK"] = "1",          // the program is the dotnet host; SharpFuzz speaks the fork-server protocol
            ["AFL_NO_UI"] = "1",
            ["AFL_SKIP_CPUFREQ"] = "1",
            ["AFL_NO_AFFINITY"] = "1",             // a shared machine: no core of its own to bind to
            ["AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES"] = "1",   // core dumps may be piped to a handler; SharpFuzz reports crashes itself
        };
        var args = new List<string> { "-i", seeds, "-o", output, "-V", seconds.ToString(CultureInfo.InvariantCulture), "-t", InputTimeoutMs.ToString(CultureInfo.InvariantCulture), "-m", "none" };
        var dictionary = Path.Combine(home, "tools/Fuzz/dict", target.Name + ".dict");
        if (File.Exists(dictionary)) args.AddRange(["-x", dictionary]);
        args.AddRange(["--", dotnet, Path.Combine(instrumented, "fuzz.dll"), target.Name]);
        Console.WriteLine($"fuzz {target.Name}: afl-fuzz for {seconds} s from {Directory.GetFiles(seeds).Length} seed inputs ({target.Summary}); log in {Relative(home, work)}/afl.log");
        int code = RunLogged(aflFuzz, args, Path.Combine(work, "afl.log"), env, work);
        var stats = Stats(Path.Combine(output, "default", "fuzzer_stats"));
        if (code != 0 || stats is null)
            throw new UserError($"afl-fuzz exited {code} without finishing the run; see {Path.Combine(work, "afl.log")}");

        // Only the inputs that add coverage join the corpus: afl-cmin keeps the fewest that cover what the queue covers.
        var queue = Path.Combine(output, "default", "queue");
        var minimized = Path.Combine(work, "min");
        // -e: edges only, hit counts ignored; a committed corpus stays small (tens to hundreds of inputs).
        RunLogged(aflCmin, ["-e", "-i", queue, "-o", minimized, "-t", InputTimeoutMs.ToString(CultureInfo.InvariantCulture), "-m", "none", "--", dotnet, Path.Combine(instrumented, "fuzz.dll"), target.Name],
            Path.Combine(work, "cmin.log"), env, work);
        if (!Directory.Exists(minimized) || Directory.GetFiles(minimized).Length == 0)
            throw new UserError($"afl-cmin kept no input; see {Path.Combine(work, "cmin.log")}");
        var counts = RunToEnd("dotnet", [harness, target.Name, "--set", minimized], home).Split(' ', StringSplitOptions.TrimEntries);

        Console.WriteLine($"fuzz {target.Name}: {Get(stats, "execs_done")} executions in {Get(stats, "run_time")} s ({Get(stats, "execs_per_sec")}/s), " +
            $"queue {Get(stats, "corpus_count")} inputs, map coverage {Get(stats, "bitmap_cvg")}; corpus {CorpusDir}/{target.Name}: {counts[2]} inputs after afl-cmin (+{counts[0]}, −{counts[1]})");

        var findingsDir = Path.Combine(work, "findings");
        var findings = new[] { "crashes", "hangs" }
            .SelectMany(kind => Directory.Exists(Path.Combine(output, "default", kind))
                ? Directory.GetFiles(Path.Combine(output, "default", kind)).Where(f => !f.EndsWith("README.txt", StringComparison.Ordinal)).Select(f => (Kind: kind, File: f))
                : [])
            .ToList();
        if (findings.Count == 0)
        {
            Console.WriteLine($"fuzz {target.Name}: no crashes, no hangs");
            return 0;
        }
        Directory.CreateDirectory(findingsDir);
        foreach (var (kind, file) in findings)
        {
            var copy = Path.Combine(findingsDir, $"{kind}-{Path.GetFileName(file).Replace(':', '_').Replace(',', '_')}");
            File.Copy(file, copy);
            var replay = RunWithTimeout("dotnet", [harness, target.Name, "--replay", copy], home, TimeSpan.FromSeconds(30));
            Console.WriteLine($"{(kind == "crashes" ? "crash" : "hang")}: {Relative(home, copy)}\n  {replay.Replace("\n", "\n  ").TrimEnd()}");
        }
        Console.WriteLine($"fuzz {target.Name}: {findings.Count(f => f.Kind == "crashes")} crash(es), {findings.Count(f => f.Kind == "hangs")} hang(s) in {Relative(home, findingsDir)}: " +
            $"fix each, then add it to the corpus (`dotnet {HarnessDir}/fuzz.dll {target.Name} --add {Relative(home, findingsDir)}`) so the corpus replay test keeps it fixed");
        return 1;
    }

    private static Dictionary<string, string>? Stats(string file) =>
        File.Exists(file)
            ? File.ReadAllLines(file).Select(l => l.Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0].Trim(), p => p[1].Trim())
            : null;

    private static string Get(Dictionary<string, string> stats, string key) => stats.TryGetValue(key, out var v) ? v : "?";

    private static string Relative(string home, string path) => Path.GetRelativePath(home, path);

    private static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    // A helper program that must succeed; its standard output.
    private static string RunToEnd(string file, IEnumerable<string> args, string cwd)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = cwd };
        using var p = Process.Start(psi) ?? throw new UserError($"could not start {file}");
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new UserError($"{file} {string.Join(' ', psi.ArgumentList)} exited {p.ExitCode}: {stderr.Result.Trim()}{stdout.Trim()}");
        return stdout;
    }

    // The harness replaying one input: what it says, or that it did not finish in time (a hang).
    private static string RunWithTimeout(string file, IEnumerable<string> args, string cwd, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = cwd };
        using var p = Process.Start(psi) ?? throw new UserError($"could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return $"did not finish within {timeout.TotalSeconds} s";
        }
        return (stdout.Result + stderr.Result).Trim();
    }

    // afl-fuzz and afl-cmin: their output goes to a log file; the exit code.
    private static int RunLogged(string file, IEnumerable<string> args, string log, IReadOnlyDictionary<string, string> env, string cwd)
    {
        // Standard input stays this process's: afl-fuzz hands each input to the harness on it, and a closed one breaks that.
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = cwd };
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var writer = new StreamWriter(log);
        using var p = Process.Start(psi) ?? throw new UserError($"could not start {file}");
        var gate = new Lock();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (gate) writer.WriteLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (gate) writer.WriteLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        p.WaitForExit();
        return p.ExitCode;
    }
}
