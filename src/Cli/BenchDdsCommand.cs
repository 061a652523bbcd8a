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
        var dds = new Command("dds", "DDS round trip of a JointState: C# ↔ C# against Cyclone's C ↔ C (p50, p99, p99.9); with --keystore also C# ↔ C# under DDS Security.")
        {
            joints, warmup, count, rounds, domain, role,
        };
        var securityFlags = new SecurityFlags("/bench");
        securityFlags.AddTo(dds);
        dds.SetAction(r =>
        {
            var security = securityFlags.Resolve(r);
            var config = new DdsRoundTripConfig
            {
                Joints = r.GetValue(joints), Warmup = r.GetValue(warmup), Count = r.GetValue(count), Rounds = r.GetValue(rounds),
            };
            if (r.GetValue(domain) is uint d) config = config with { DomainId = d };
            return r.GetValue(role) == "pong" ? RunPong(config.DomainId, security) : Run(config, security);
        });
        return dds;
    }

    // The echo side, started by Run as a child process: runs until its standard input closes.
    private static int RunPong(uint domainId, Robotics.RobotBridge.Security.Ros2SecurityOptions? security)
    {
        using var stop = new CancellationTokenSource();
        _ = Task.Run(() => { Console.In.ReadToEnd(); stop.Cancel(); });
        DdsRoundTrip.Pong(domainId, stop.Token, security);
        return 0;
    }

    private static int Run(DdsRoundTripConfig config, Robotics.RobotBridge.Security.Ros2SecurityOptions? security)
    {
        config.Validate();
        // The secure pairing runs on domain id + 3, which DDS Security allows up to 230.
        if (security is not null && config.DomainId + 3 > Robotics.RobotBridge.Security.Keystore.MaxDomainId)
            throw new UserError($"--domain {config.DomainId}: with --keystore at most {Robotics.RobotBridge.Security.Keystore.MaxDomainId - 3} (DDS Security covers domains 0–{Robotics.RobotBridge.Security.Keystore.MaxDomainId})");

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
            var secure = new List<RoundTripStats>();
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

                if (security is null) continue;
                AnsiConsole.MarkupLineInterpolated($"[grey]round {round + 1}/{config.Rounds}: C# ↔ C#, DDS Security (enclave {security.Enclave})[/]");
                using (StartSelfPong(d + 3, security))
                    secure.Add(DdsRoundTrip.Ping(config with { DomainId = d + 3 }, security));
            }
            Print(config, RoundTripStats.Median(c), RoundTripStats.Median(cs), RoundTripStats.Median(mixed), secure.Count > 0 ? RoundTripStats.Median(secure) : null);
            return 0;
        }
        finally { work.Delete(recursive: true); }
    }

    private static void Print(DdsRoundTripConfig config, RoundTripStats c, RoundTripStats cs, RoundTripStats mixed, RoundTripStats? secure)
    {
        var table = new Table().AddColumns("round trip (µs)", "p50", "p99", "p99.9", "mean");
        void Row(string name, RoundTripStats s) => table.AddRow(name, $"{s.P50:F1}", $"{s.P99:F1}", $"{s.P999:F1}", $"{s.Mean:F1}");
        Row("Cyclone C ↔ C", c);
        Row("C# node ↔ C# node", cs);
        Row("C# ping ↔ C pong", mixed);
        double r50 = cs.P50 / c.P50, r999 = cs.P999 / c.P999;
        table.AddRow("ratio C#/C", $"{r50:F2}×", $"{cs.P99 / c.P99:F2}×", $"{r999:F2}×", $"{cs.Mean / c.Mean:F2}×");
        if (secure is not null)
        {
            Row("C# node ↔ C# node, DDS Security", secure);
            table.AddRow("ratio secure/plain C#", $"{secure.P50 / cs.P50:F2}×", $"{secure.P99 / cs.P99:F2}×", $"{secure.P999 / cs.P999:F2}×", $"{secure.Mean / cs.Mean:F2}×");
        }
        AnsiConsole.Write(table);
        if (secure is not null)
            AnsiConsole.MarkupLineInterpolated($"DDS Security: governance of the keystore (data and metadata encrypted and authenticated, AES-GCM), p50 cost {secure.P50 - cs.P50:F1} µs per round trip.");
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
    private static Child StartSelfPong(uint domainId, Robotics.RobotBridge.Security.Ros2SecurityOptions? security = null)
    {
        string host = Environment.ProcessPath!;
        string args = $"bench dds --role pong --domain {domainId}{SecurityFlags.Arguments(security)}";
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
