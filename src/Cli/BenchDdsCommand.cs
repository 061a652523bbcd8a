using System.CommandLine;
using System.Diagnostics;
using System.Reflection;
using Robotics.RobotBridge.Benchmarks;
using Robotics.RobotBridge.Dds;
using Spectre.Console;

namespace Robotics.Cli;

/// <summary>
/// <c>robotics bench dds [--joints 12] [--warmup 5000] [--count 20000] [--rounds 3]</c>: round trip of a
/// JointState between two processes on loopback, C# node ↔ C# node against Cyclone's own C ping-pong
/// in the same run (and a C# ping against the C pong, which also checks the two speak the same bytes).
/// </summary>
internal static class BenchDdsCommand
{
    public static Command Create()
    {
        var joints = new Option<int>("--joints") { Description = "joints in the JointState", DefaultValueFactory = _ => 12 };
        var warmup = new Option<int>("--warmup") { Description = "round trips before measuring", DefaultValueFactory = _ => 5000 };
        var count = new Option<int>("--count") { Description = "round trips measured per run", DefaultValueFactory = _ => 20000 };
        var rounds = new Option<int>("--rounds") { Description = "runs of each pairing (median reported)", DefaultValueFactory = _ => 3 };
        var domain = new Option<uint?>("--domain") { Description = "DDS domain id (default: from the process id)" };
        var role = new Option<string?>("--role") { Description = "internal: 'pong' runs the echo side", Hidden = true };
        var dds = new Command("dds", "DDS round trip of a JointState: C# ↔ C# against Cyclone's C ↔ C (p50, p99, p99.9).")
        {
            joints, warmup, count, rounds, domain, role,
        };
        dds.SetAction(r =>
        {
            var config = new DdsRoundTripConfig
            {
                Joints = r.GetValue(joints), Warmup = r.GetValue(warmup), Count = r.GetValue(count), Rounds = r.GetValue(rounds),
            };
            if (r.GetValue(domain) is uint d) config = config with { DomainId = d };
            return r.GetValue(role) == "pong" ? RunPong(config.DomainId) : Run(config);
        });
        return dds;
    }

    // The echo side, started by Run as a child process: runs until its standard input closes.
    private static int RunPong(uint domainId)
    {
        using var stop = new CancellationTokenSource();
        _ = Task.Run(() => { Console.In.ReadToEnd(); stop.Cancel(); });
        DdsRoundTrip.Pong(domainId, stop.Token);
        return 0;
    }

    private static int Run(DdsRoundTripConfig config)
    {
        config.Validate();

        var work = Directory.CreateTempSubdirectory("bench-dds");
        try
        {
            string cExe = CPingPong.Build(Path.Combine(AppContext.BaseDirectory, "ddsbench"), work.FullName);
            var xml = Path.Combine(work.FullName, "loopback.xml");
            File.WriteAllText(xml, DdsDomain.LoopbackConfigXml);
            var env = new Dictionary<string, string> { ["CYCLONEDDS_URI"] = "file://" + xml };

            var c = new List<RoundTripStats>();
            var cs = new List<RoundTripStats>();
            var mixed = new List<RoundTripStats>();
            for (int round = 0; round < config.Rounds; round++)
            {
                // Each pairing on its own domain id so that a pong still leaving cannot answer the next ping.
                uint d = config.DomainId;
                AnsiConsole.MarkupLineInterpolated($"[grey]round {round + 1}/{config.Rounds}: C ↔ C[/]");
                using (Start(cExe, $"pong {d}", env))
                    c.Add(CPingPong.Parse(RunToEnd(cExe, $"ping {d} {config.Joints} {config.Warmup} {config.Count}", env)));

                AnsiConsole.MarkupLineInterpolated($"[grey]round {round + 1}/{config.Rounds}: C# ↔ C#[/]");
                using (StartSelfPong(d + 1))
                    cs.Add(DdsRoundTrip.Ping(config with { DomainId = d + 1 }));

                AnsiConsole.MarkupLineInterpolated($"[grey]round {round + 1}/{config.Rounds}: C# ping ↔ C pong[/]");
                using (Start(cExe, $"pong {d + 2}", env))
                    mixed.Add(DdsRoundTrip.Ping(config with { DomainId = d + 2 }));
            }
            Print(config, RoundTripStats.Median(c), RoundTripStats.Median(cs), RoundTripStats.Median(mixed));
            return 0;
        }
        finally { work.Delete(recursive: true); }
    }

    private static void Print(DdsRoundTripConfig config, RoundTripStats c, RoundTripStats cs, RoundTripStats mixed)
    {
        var table = new Table().AddColumns("round trip (µs)", "p50", "p99", "p99.9", "mean");
        void Row(string name, RoundTripStats s) => table.AddRow(name, $"{s.P50:F1}", $"{s.P99:F1}", $"{s.P999:F1}", $"{s.Mean:F1}");
        Row("Cyclone C ↔ C", c);
        Row("C# node ↔ C# node", cs);
        Row("C# ping ↔ C pong", mixed);
        double r50 = cs.P50 / c.P50, r999 = cs.P999 / c.P999;
        table.AddRow("ratio C#/C", $"{r50:F2}×", $"{cs.P99 / c.P99:F2}×", $"{r999:F2}×", $"{cs.Mean / c.Mean:F2}×");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"JointState of {config.Joints} joints, {config.Count} round trips after {config.Warmup} warm-up, median of {config.Rounds} runs, loopback.");
        static string Verdict(bool met) => met ? "[green]met[/]" : "[red]missed[/]";
        AnsiConsole.MarkupLine($"goal p50 ≤ 1.15×: {Verdict(r50 <= 1.15)} ({r50:F2}×); goal p99.9 ≤ 2×: {Verdict(r999 <= 2)} ({r999:F2}×)");
    }

    // ---------------------------------------------------------------- child processes

    /// <summary>A child process that is stopped (stdin closed, then killed) when disposed.</summary>
    private sealed class Child(Process process) : IDisposable
    {
        public void Dispose()
        {
            try { process.StandardInput.Close(); } catch (IOException) { }
            if (!process.WaitForExit(3000)) process.Kill(entireProcessTree: true);
            process.WaitForExit();
            process.Dispose();
        }
    }

    private static Child Start(string file, string args, IReadOnlyDictionary<string, string> env)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (k, v) in env) psi.Environment[k] = v;
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return new Child(p);
    }

    // This same program with `bench dds --role pong`, run by the dotnet host or as an apphost.
    private static Child StartSelfPong(uint domainId)
    {
        string host = Environment.ProcessPath!;
        string args = $"bench dds --role pong --domain {domainId}";
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") args = $"\"{Assembly.GetEntryAssembly()!.Location}\" {args}";
        return Start(host, args, new Dictionary<string, string>());
    }

    private static string RunToEnd(string file, string args, IReadOnlyDictionary<string, string> env)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var error = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new UserError($"{file} {args} failed ({p.ExitCode}): {error.Result}");
        return output;
    }
}
