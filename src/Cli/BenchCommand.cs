using System.CommandLine;
using Robotics.Sim.Benchmarks;
using Spectre.Console;

namespace Robotics.Cli;

/// <summary><c>robotics bench sim --model FILE --envs N --threads K [--seconds S]</c>.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks.");
        var model = new Option<string>("--model") { Description = "MJCF or URDF model file", DefaultValueFactory = _ => "bench/models/quadruped.xml" };
        var envs = new Option<int>("--envs") { Description = "number of environments", DefaultValueFactory = _ => 64 };
        var threads = new Option<int>("--threads") { Description = "worker threads", DefaultValueFactory = _ => 1 };
        var seconds = new Option<double>("--seconds") { Description = "seconds per measurement", DefaultValueFactory = _ => 3.0 };
        var sim = new Command("sim", "Simulator throughput: (a) raw mj_step, (b) environment steps, (c) their ratio, (d) mujoco-testspeed.")
        {
            model, envs, threads, seconds,
        };
        sim.SetAction(r => Run(new SimBenchmarkConfig
        {
            ModelPath = r.GetValue(model)!,
            Envs = r.GetValue(envs),
            Threads = r.GetValue(threads),
            Seconds = r.GetValue(seconds),
        }));
        bench.Subcommands.Add(sim);
        return bench;
    }

    /// <summary>Runs the simulator benchmark and prints its table; returns the process exit code.</summary>
    public static int Run(SimBenchmarkConfig config)
    {
        SimBenchmarkResult result;
        try
        {
            config.Validate();
            // A live status line on a terminal; nothing in a log, where it would print every update.
            result = AnsiConsole.Profile.Capabilities.Interactive
                ? AnsiConsole.Status().Start("measuring", ctx => SimBenchmark.Run(config, s => ctx.Status(s)))
                : SimBenchmark.Run(config);
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or Robotics.Sim.MuJoCo.MjException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 2;
        }
        Print(result);
        return 0;
    }

    private static void Print(SimBenchmarkResult r)
    {
        int k = r.Config.Threads;
        AnsiConsole.MarkupLineInterpolated($"[bold]{r.ModelSummary}[/]");
        AnsiConsole.MarkupLineInterpolated($"envs={r.Config.Envs} threads={k} cores={Environment.ProcessorCount} seconds={r.Config.Seconds} ({SimBenchmark.Rounds} interleaved rounds)");
        var table = new Table().AddColumns("measurement", "steps/s", "per thread", "contacts/step");
        void Row(string name, Throughput t) => table.AddRow(name, $"{t.StepsPerSecond:N0}", $"{t.PerCore(k):N0}", double.IsNaN(t.ContactsPerStep) ? "-" : $"{t.ContactsPerStep:0.00}");
        Row("(a) raw mj_step through the interop", r.Raw);
        Row("(b) environment (obs, reward, reset)", r.Env);
        if (r.Testspeed is { } ts) Row("(d) mujoco-testspeed (C)", ts);
        else table.AddRow("(d) mujoco-testspeed (C)", "-", "-", "-");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"(c) environment / raw = {r.EnvOverRaw:0.000}");
        if (r.EnvOverTestspeed is { } ratio)
        {
            var verdict = ratio >= 0.9 ? "[green]meets[/]" : "[red]misses[/]";
            AnsiConsole.MarkupLine($"environment / mujoco-testspeed = {ratio:0.000} per thread: {verdict} the goal ≥ 0.9");
            AnsiConsole.MarkupLineInterpolated($"(d) from: {r.TestspeedNote}");
        }
        else AnsiConsole.MarkupLineInterpolated($"(d) skipped: {r.TestspeedNote}");
    }
}
