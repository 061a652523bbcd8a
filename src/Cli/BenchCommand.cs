using System.CommandLine;
using Robotics.Sim.Benchmarks;
using Spectre.Console;

namespace Robotics.Cli;

/// <summary><c>robotics bench sim|task|train|learn|inference|loop|dds</c>: each layer against its floor in the same run.</summary>
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
        var trainDevice = new Option<string>("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => SnakeCaseEnum.Name(Robotics.Training.Runner.TrainOptions.Defaults.Device) };
        var train = new Command("train", "PPO's collection throughput (policy inference included) against raw physics, and the share of time spent learning.")
        {
            trainTask, trainEnvs, trainThreads, trainIterations, trainDevice,
        };
        train.SetAction(r => RunTrain(r.GetValue(trainTask)!, r.GetValue(trainEnvs), r.GetValue(trainThreads), r.GetValue(trainIterations), r.GetValue(trainDevice)!));
        bench.Subcommands.Add(train);
        bench.Subcommands.Add(LearnCommand());
        bench.Subcommands.Add(InferenceCommand());
        bench.Subcommands.Add(LoopCommand());
        bench.Subcommands.Add(BenchDdsCommand.Create());
        bench.Subcommands.Add(BenchScaleCommand.Create());
        return bench;
    }

    /// <summary>Runs the simulator benchmark and prints its table; returns the process exit code.</summary>
    public static int Run(SimBenchmarkConfig config)
    {
        SimBenchmarkResult result;
        config.Validate();
        // A live status line on a terminal; nothing in a log, where it would print every update.
        result = AnsiConsole.Profile.Capabilities.Interactive
            ? AnsiConsole.Status().Start("measuring", ctx => SimBenchmark.Run(config, s => ctx.Status(s)))
            : SimBenchmark.Run(config);
        Print(result);
        return 0;
    }

    private static int RunTrain(string task, int envs, int threads, int iterations, string deviceName)
    {
        Robotics.Training.Runner.TrainBenchmarkResult r;
        var device = Robotics.Training.Devices.TorchRuntime.Initialize(SnakeCaseEnum.Parse<Robotics.Training.Devices.ComputeDevice>(deviceName, "--device"));
        var legged = Robotics.Sim.Tasks.Locomotion.LocomotionTask.Load(Robotics.Sim.Tasks.TaskCatalog.Resolve(task));
        r = Robotics.Training.Runner.TrainBenchmark.Run(legged, envs, threads, iterations, device);
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

    // robotics bench learn: wall-clock until the tracking reward reaches 80% of its maximum.
    private static Command LearnCommand()
    {
        var task = new Option<string>("--task") { Description = "legged task name or file", DefaultValueFactory = _ => "go1_velocity" };
        var envs = new Option<int>("--envs") { Description = "number of environments", DefaultValueFactory = _ => 1024 };
        var threads = new Option<int>("--threads") { Description = "simulation threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var device = new Option<string>("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => "cpu" };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 1UL };
        var minutes = new Option<double>("--minutes") { Description = "wall-clock budget [min]", DefaultValueFactory = _ => 60 };
        var fraction = new Option<double>("--fraction") { Description = "tracking reward to reach, as a fraction of its maximum", DefaultValueFactory = _ => 0.8 };
        var every = new Option<int>("--print-every") { Description = "iterations between progress lines", DefaultValueFactory = _ => 10 };
        var command = new Command("learn", "Train PPO on a legged task until its velocity-tracking reward reaches 80% of its maximum (3 iterations in a row); report the wall-clock.")
        {
            task, envs, threads, device, seed, minutes, fraction, every,
        };
        command.SetAction(r =>
        {
            var deviceName = r.GetValue(device)!;
            var options = new Robotics.Training.Runner.TrainOptions
            {
                Task = r.GetValue(task)!, Envs = r.GetValue(envs), Threads = r.GetValue(threads), Device = SnakeCaseEnum.Parse<Robotics.Training.Devices.ComputeDevice>(deviceName, "--device"), Seed = r.GetValue(seed),
                Iterations = 100_000, CheckpointEvery = 100, RunsDirectory = Path.Combine(Robotics.Sim.Tasks.TaskCatalog.Home, "runs"),
            };
            int printEvery = Math.Max(1, r.GetValue(every));
            var d = Robotics.Training.Devices.TorchRuntime.Initialize(options.Device);
            AnsiConsole.MarkupLineInterpolated($"[bold]{options.Task}[/] PPO: envs={options.Envs} threads={options.Threads} cores={Environment.ProcessorCount} device={deviceName} seed={options.Seed}");
            var result = Robotics.Training.Runner.LearnBenchmark.Run(options, d, r.GetValue(fraction), r.GetValue(minutes) * 60, progress: (s, f, t) =>
            {
                if ((s.Iteration + 1) % printEvery == 0)
                    Console.WriteLine($"  it {s.Iteration + 1,5}  steps {s.TotalSteps,12:N0}  {t,7:0.0} s  tracking {f:0.000}  episode length {s.MeanEpisodeLength:0}  collect {s.CollectSeconds:0.00} s  learn {s.LearnSeconds:0.00} s");
            });
            var verdict = result.Reached ? "[green]reached[/]" : "[red]not reached[/]";
            AnsiConsole.MarkupLine($"tracking {r.GetValue(fraction):P0} of its maximum: {verdict} after {result.Iterations} iterations, {result.Steps:N0} steps, " +
                $"[bold]{result.Seconds / 60:0.0} min[/] wall-clock (tracking {result.Fraction:0.000}); run: {Markup.Escape(result.RunDirectory)}");
            return result.Reached ? 0 : 1;
        });
        return command;
    }

    internal static int RunTask(string task, int envs, int threads, double seconds)
    {
        TaskBenchmarkResult r;
        r = TaskBenchmark.Run(Robotics.Sim.Tasks.TaskCatalog.Resolve(task), envs, threads, seconds);
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

    // ------------------------------------------------ bench inference, bench loop (the deploy side's benchmarks)

    // robotics bench inference [--policy FILE] [--calls N] [--cpu K] [--fifo P]: ONNX Runtime against the SIMD floor.
    private static Command InferenceCommand()
    {
        var policy = new Option<string>("--policy") { Description = "exported policy (.onnx with its contract)", DefaultValueFactory = _ => "models/go1_velocity.onnx" };
        var calls = new Option<int>("--calls") { Description = "timed calls per implementation", DefaultValueFactory = _ => 100_000 };
        var cpu = new Option<int>("--cpu") { Description = "CPU to pin the measuring thread to (-1: none)", DefaultValueFactory = _ => -1 };
        var fifo = new Option<int>("--fifo") { Description = "SCHED_FIFO priority for the measuring thread (0: normal priority)", DefaultValueFactory = _ => 0 };
        var command = new Command("inference", "Batch-1 latency of the policy in ONNX Runtime against a hand-written SIMD forward of the same weights (goal: p99 ≤ 1.5× the floor's).")
        {
            policy, calls, cpu, fifo,
        };
        command.SetAction(r => RunInference(r.GetValue(policy)!, new Robotics.Deploy.Runtime.InferenceBenchmarkConfig
        {
            Calls = r.GetValue(calls),
            Rounds = Math.Clamp(r.GetValue(calls) / 5_000, 1, 20),
            CpuCore = r.GetValue(cpu),
            FifoPriority = r.GetValue(fifo),
        }));
        return command;
    }

    private static int RunInference(string policyPath, Robotics.Deploy.Runtime.InferenceBenchmarkConfig config)
    {
        Robotics.Deploy.Runtime.InferenceBenchmarkResult r;
        string before = LoadAverage();
        config.Validate();
        var joints = Robotics.Deploy.Runtime.OnnxPolicy.ReadContract(policyPath).JointNames;
        using var ort = Robotics.Deploy.Runtime.OnnxPolicy.Load(policyPath, joints);
        var floor = Robotics.Training.Export.OnnxWeights.ReadSimdMlp(policyPath);
        r = Robotics.Deploy.Runtime.InferenceBenchmark.Run(ort, floor, config);
        AnsiConsole.MarkupLineInterpolated($"[bold]{policyPath}[/]: batch 1, {config.Calls:N0} timed calls each in {config.Rounds} interleaved rounds after {config.WarmupCalls:N0} warm-up calls; cores={Environment.ProcessorCount}");
        AnsiConsole.MarkupLineInterpolated($"measuring thread: {r.Setup.Affinity}; {r.Setup.Scheduler}; SIMD floor uses {(Robotics.Deploy.Runtime.SimdMlp.Uses512Bit ? "Vector512" : "Vector256")}");
        var table = new Table().AddColumns("implementation", "p50 (µs)", "p99 (µs)", "p99.9 (µs)", "max (µs)", "mean (µs)", "B/call");
        void Row(string name, Robotics.Deploy.Runtime.LatencyStats s) =>
            table.AddRow(name, $"{s.P50Us:F2}", $"{s.P99Us:F2}", $"{s.P999Us:F2}", $"{s.MaxUs:F1}", $"{s.MeanUs:F2}", $"{(double)s.AllocatedBytes / s.Calls:0.##}");
        Row("ONNX Runtime (OnnxPolicy)", r.Candidate);
        Row("SIMD MLP (SimdMlp, floor)", r.Floor);
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"largest |action difference| over the warm-up inputs: {r.MaxAbsActionDifference:E2}");
        var verdict = r.MeetsGoal ? "[green]meets[/]" : "[red]misses[/]";
        AnsiConsole.MarkupLine($"ONNX Runtime p99 / floor p99 = {r.P99Ratio:0.00}: {verdict} the goal ≤ {Robotics.Deploy.Runtime.InferenceBenchmarkResult.GoalRatio}");
        AnsiConsole.MarkupLineInterpolated($"load average (1, 5, 15 min): before {before}; after {LoadAverage()}");
        return 0;
    }

    // robotics bench loop [--seconds S] [--hz 50,500]: the real-time loop's period error at each rate.
    private static Command LoopCommand()
    {
        var seconds = new Option<double>("--seconds") { Description = "measured seconds per rate (after 2 s of warm-up)", DefaultValueFactory = _ => 60 };
        var hz = new Option<string>("--hz") { Description = "loop rates [Hz], comma-separated", DefaultValueFactory = _ => "50,500" };
        var cpu = new Option<int>("--cpu") { Description = "CPU to pin the loop thread to (-1: none)", DefaultValueFactory = _ => -1 };
        var command = new Command("loop", "The real-time loop with a fake robot and policy: period-error percentiles, overruns, and what the OS granted (SCHED_FIFO, affinity).")
        {
            seconds, hz, cpu,
        };
        command.SetAction(r => RunLoop(r.GetValue(seconds), r.GetValue(hz)!, r.GetValue(cpu)));
        return command;
    }

    private static int RunLoop(double seconds, string hzList, int cpu)
    {
        var results = new List<(Robotics.Deploy.RealTime.LoopBenchmarkResult Result, string Load)>();
        var rates = hzList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s =>
            double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v
                : throw new UserError($"--hz: '{s}' is not a number (expected e.g. 50,500)")).ToArray();
        if (rates.Length == 0) throw new UserError("--hz: no rates given (expected e.g. 50,500)");
        var configs = rates.Select(rate => new Robotics.Deploy.RealTime.LoopBenchmarkConfig
        {
            RateHz = rate, Seconds = seconds, Loop = new Robotics.Deploy.RealTime.LoopConfig { CpuCore = cpu },
        }.Validate()).ToArray();
        foreach (var config in configs)
        {
            AnsiConsole.MarkupLineInterpolated($"measuring {config.RateHz:G4} Hz for {config.Seconds:G4} s (+ warm-up and soft start) …");
            string before = LoadAverage();
            var result = Robotics.Deploy.RealTime.LoopBenchmark.Run(config);
            results.Add((result, $"{before} → {LoadAverage()}"));
        }
        var table = new Table().AddColumns("rate (Hz)", "ticks", "p50 (µs)", "p99 (µs)", "p99.9 (µs)", "max (µs)", "overruns", "alloc (B)");
        foreach (var (r, load) in results)
            table.AddRow($"{r.Config.RateHz:G4}", $"{r.Ticks:N0}", $"{r.P50Us:F0}", $"{r.P99Us:F0}", $"{r.P999Us:F0}", $"{r.MaxUs:F0}", $"{r.Overruns}", $"{r.AllocatedBytes}");
        AnsiConsole.MarkupLine("|period error| of the real-time loop (fake robot, fake linear policy):");
        AnsiConsole.Write(table);
        foreach (var (r, load) in results) AnsiConsole.MarkupLineInterpolated($"{r.Config.RateHz:G4} Hz: SCHED_FIFO {(r.Setup.Fifo ? "granted" : "not granted")}, {(r.Setup.Pinned ? "pinned" : "not pinned")}; load average (1, 5, 15 min) before → after: {load}");
        if (results.Count > 0) AnsiConsole.MarkupLineInterpolated($"scheduler: {results[0].Result.Setup.Scheduler}; affinity: {results[0].Result.Setup.Affinity}; memory: {results[0].Result.Setup.MemoryLock}");
        return 0;
    }

    // The first three fields of /proc/loadavg (1, 5, 15 min), or "n/a" off Linux.
    private static string LoadAverage()
    {
        try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
        catch (UnauthorizedAccessException) { return "n/a"; }
    }
}
