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

        var taskName = new Option<string>("--task") { Description = "task name or file", DefaultValueFactory = _ => "go1_velocity" };
        var taskEnvs = new Option<int>("--envs") { Description = "number of environments", DefaultValueFactory = _ => 64 };
        var taskThreads = new Option<int>("--threads") { Description = "worker threads", DefaultValueFactory = _ => 1 };
        var taskSeconds = new Option<double>("--seconds") { Description = "seconds to measure", DefaultValueFactory = _ => 10.0 };
        var task = new Command("task", "A task's environment throughput (randomization, both observation groups) against raw physics on the same model and threads.")
        {
            taskName, taskEnvs, taskThreads, taskSeconds,
        };
        task.SetAction(r => RunTask(r.GetValue(taskName)!, r.GetValue(taskEnvs), r.GetValue(taskThreads), r.GetValue(taskSeconds)));
        bench.Subcommands.Add(task);

        var trainTask = new Option<string>("--task") { Description = "legged task name or file", DefaultValueFactory = _ => "go1_velocity" };
        var trainEnvs = new Option<int>("--envs") { Description = "number of environments", DefaultValueFactory = _ => 1024 };
        var trainThreads = new Option<int>("--threads") { Description = "simulation threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var trainIterations = new Option<int>("--iterations") { Description = "timed PPO iterations", DefaultValueFactory = _ => 3 };
        var trainDevice = new Option<string>("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => "cpu" };
        var train = new Command("train", "PPO's collection throughput (policy inference included) against raw physics, and the share of time spent learning.")
        {
            trainTask, trainEnvs, trainThreads, trainIterations, trainDevice,
        };
        train.SetAction(r => RunTrain(r.GetValue(trainTask)!, r.GetValue(trainEnvs), r.GetValue(trainThreads), r.GetValue(trainIterations), r.GetValue(trainDevice)!));
        bench.Subcommands.Add(train);
        bench.Subcommands.Add(BenchDdsCommand.Create());
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

    private static int RunTrain(string task, int envs, int threads, int iterations, string deviceName)
    {
        Robotics.Training.Runner.TrainBenchmarkResult r;
        try
        {
            var device = Robotics.Training.Devices.TorchRuntime.Initialize(deviceName);
            var legged = Robotics.Sim.Tasks.Locomotion.LocomotionTask.Load(Robotics.Sim.Tasks.TaskCatalog.Resolve(task));
            r = Robotics.Training.Runner.TrainBenchmark.Run(legged, envs, threads, iterations, device);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or Robotics.Sim.Tasks.TaskFileException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 2;
        }
        AnsiConsole.MarkupLineInterpolated($"[bold]{task}[/] PPO: envs={r.Envs} threads={r.Threads} cores={Environment.ProcessorCount} device={deviceName}, {r.Iterations} timed iterations");
        var table = new Table().AddColumns("measurement", "value");
        table.AddRow("physics steps/s while collecting (inference included)", $"{r.CollectPhysicsPerSecond:N0}");
        table.AddRow("raw physics steps/s (time inside mj_step)", $"{r.RawPhysicsPerSecond:N0}");
        table.AddRow("collection / raw physics (goal ≥ 0.85)", $"{r.Ratio:0.000}");
        table.AddRow("share of collection outside env.Step (policy, copies)", $"{r.PolicyShareOfCollection:P0}");
        table.AddRow("share of wall-clock learning", $"{r.LearnShare:P0}");
        table.AddRow("update samples/s (× epochs)", $"{r.UpdateSamplesPerSecond:N0}");
        table.AddRow("environment steps/s, whole loop", $"{r.TotalStepsPerSecond:N0}");
        AnsiConsole.Write(table);
        return 0;
    }

    internal static int RunTask(string task, int envs, int threads, double seconds)
    {
        TaskBenchmarkResult r;
        try { r = TaskBenchmark.Run(Robotics.Sim.Tasks.TaskCatalog.Resolve(task), envs, threads, seconds); }
        catch (Exception e) when (e is ArgumentException or Robotics.Sim.Tasks.TaskFileException or Robotics.Sim.Robots.UrdfException or Robotics.Sim.MuJoCo.MjException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 2;
        }
        AnsiConsole.MarkupLineInterpolated($"[bold]{r.Task}[/]: envs={r.Envs} threads={r.Threads} cores={Environment.ProcessorCount} seconds={r.Seconds:0.0}, {r.Resets} episodes ended");
        var table = new Table().AddColumns("measurement", "steps/s", "per thread");
        table.AddRow("environment steps (policy, 50 Hz)", $"{r.EnvStepsPerSecond:N0}", $"{r.EnvStepsPerSecond / r.Threads:N0}");
        table.AddRow("physics steps while stepping environments", $"{r.PhysicsStepsPerSecond:N0}", $"{r.PhysicsStepsPerSecond / r.Threads:N0}");
        table.AddRow("raw physics (time inside mj_step only)", $"{r.RawPhysicsStepsPerSecond:N0}", $"{r.RawPhysicsStepsPerSecond / r.Threads:N0}");
        AnsiConsole.Write(table);
        var verdict = r.Ratio >= 0.9 ? "[green]meets[/]" : "[red]misses[/]";
        AnsiConsole.MarkupLine($"environment / raw physics = {r.Ratio:0.000}: {verdict} the goal ≥ 0.9");
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
