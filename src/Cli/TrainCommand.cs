using System.CommandLine;
using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Sim.Tasks;
using Robotics.Training;
using Robotics.Training.Algorithms;
using Robotics.Training.Devices;
using Robotics.Training.Distributed;
using Robotics.Training.Runner;
using Spectre.Console.Rendering;
using Spectre.Console;

namespace Robotics.Cli;

/// <summary>
/// <c>robotics train --task T [--algo ppo] [--envs N] [--threads K] [--device cpu|cuda] [--seed S] [--iterations I] [--checkpoint-every C]
/// [--set key=value …]</c>, or <c>robotics train --resume DIR [--iterations I]</c>. Option defaults are <see cref="TrainOptions.Defaults"/>.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var defaults = TrainOptions.Defaults;
        var task = new Option<string>("--task") { Description = $"task name ({string.Join(", ", TaskCatalog.Known())}) or task file" };
        var resume = new Option<string>("--resume") { Description = "continue a run (its directory, or one of its checkpoint_N folders) bit-identically; --iterations then counts the whole run, --threads and --device may change" };
        var every = new Option<int>("--checkpoint-every") { Description = "iterations between checkpoints (each followed by a reset of all environments)", DefaultValueFactory = _ => defaults.CheckpointEvery };
        var algo = new Option<string>("--algo")
        {
            Description = "algorithm: " + string.Join("; ", AlgorithmCatalog.All.Select(e => $"{e.Name} ({e.Description})")),
            DefaultValueFactory = _ => defaults.Algorithm,
        };
        var envs = new Option<int>("--envs") { Description = "parallel environments", DefaultValueFactory = _ => defaults.Envs };
        var threads = new Option<int>("--threads") { Description = "simulation threads", DefaultValueFactory = _ => defaults.Threads };
        var device = new Option<string>("--device")
        {
            Description = $"{string.Join(" or ", SnakeCaseEnum.Names<ComputeDevice>())} (cuda: TorchSharp's CUDA package, or {TorchRuntime.LibTorchVariable}=/path/to/torch/lib)",
            DefaultValueFactory = _ => SnakeCaseEnum.Name(defaults.Device),
        };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => defaults.Seed };
        var iterations = new Option<int>("--iterations") { DefaultValueFactory = _ => defaults.Iterations };
        var hidden = new Option<string>("--hidden") { Description = "hidden layer widths, comma-separated", DefaultValueFactory = _ => string.Join(",", defaults.Network.Hidden) };
        var steps = new Option<int>("--steps") { Description = "rollout length: steps per environment per iteration (GRPO runs whole episodes instead)", DefaultValueFactory = _ => defaults.StepsPerEnv };
        var minutes = new Option<double?>("--minutes") { Description = "wall-clock budget [min]: stop early (with a checkpoint and the plots) once it is spent" };
        var set = new Option<string[]>("--set")
        {
            Description = "a setting for this run (repeatable): a task-file key with a TOML value, --set 'randomization.push_interval_s=\"=U(2, 6)\"', " +
                $"or one of the algorithm's, --set {TrainOptions.AlgorithmPrefix}clip_param=0.1 (keys: the config's fields in snake_case, nested ones dotted, e.g. value_fit.epochs)",
        };
        var initFrom = new Option<string?>("--init-from")
        {
            Description = "a checkpoint_N folder: start from its networks, normalizers and optimizer (fine-tuning) as a new run at iteration 0; " +
                "or an exported policy.onnx: start from its actor, with a new critic fitted first (--critic-warmup)",
        };
        var criticWarmup = new Option<int>("--critic-warmup")
        {
            Description = "with --init-from policy.onnx: iterations that fit the new critic before the actor learns",
            DefaultValueFactory = _ => defaults.CriticWarmup,
        };
        var initNoise = new Option<double>("--init-noise")
        {
            Description = "the policy's initial noise σ [action units] (fine-tuning from an .onnx policy wants one near its final σ)",
            DefaultValueFactory = _ => defaults.Network.InitNoiseStd,
        };
        var rankTimeout = new Option<double>("--rank-timeout")
        {
            Description = "under mpirun: seconds a rank waits for the others in a collective before it ends the job (a rank that stopped answering)",
            DefaultValueFactory = _ => 60,
        };
        var train = new Command("train", $"Train a policy ({string.Join(", ", AlgorithmCatalog.Names)}) and write runs/task__algo__seed__time/.")
        {
            task, algo, envs, threads, device, seed, iterations, hidden, steps, every, resume, minutes, set, initFrom, criticWarmup, initNoise, rankTimeout,
        };
        train.SetAction(r =>
        {
            var computeDevice = SnakeCaseEnum.Parse<ComputeDevice>(r.GetValue(device)!, "--device");
            double? budget = r.GetValue(minutes) * 60;
            if (budget is <= 0) throw new UserError("--minutes must be positive");
            if (!(r.GetValue(rankTimeout) > 0)) throw new UserError("--rank-timeout must be positive");
            // Under mpirun every rank runs this command; without it, a world of one process that communicates nothing.
            using var world = MpiWorld.Init();
            using var parallel = new DataParallel(world, TimeSpan.FromSeconds(r.GetValue(rankTimeout)));
            try { return Train(r, parallel, computeDevice, budget); }
            finally { world.Shutdown(); }
        });
        return train;

        int Train(ParseResult r, DataParallel parallel, ComputeDevice computeDevice, double? budget)
        {
            if (r.GetValue(resume) is { } dir)
                return Run(d => TrainingSession.Resume(dir, d,
                    r.GetResult(iterations) is { Implicit: false } ? r.GetValue(iterations) : null,
                    r.GetResult(threads) is { Implicit: false } ? r.GetValue(threads) : null, parallel), computeDevice, budget);
            var taskName = r.GetValue(task) ?? throw new UserError("--task is required (or --resume DIR)");
            var options = new TrainOptions
            {
                Task = taskName, Algorithm = r.GetValue(algo)!, Envs = r.GetValue(envs), Threads = r.GetValue(threads),
                Device = computeDevice, Seed = r.GetValue(seed), Iterations = r.GetValue(iterations), CheckpointEvery = r.GetValue(every),
                RunsDirectory = Path.Combine(TaskCatalog.Home, "runs"),
                StepsPerEnv = r.GetValue(steps),
                Network = new Robotics.Training.Models.NetworkConfig
                {
                    Hidden = Robotics.Training.Models.NetworkConfig.ParseHidden(r.GetValue(hidden)!), InitNoiseStd = r.GetValue(initNoise),
                },
                InitFrom = r.GetValue(initFrom) is { } from ? Path.GetFullPath(from) : null,
                CriticWarmup = r.GetValue(criticWarmup),
            }.WithSets(r.GetValue(set) ?? Array.Empty<string>());
            return Run(d => TrainingSession.Start(options, d, parallel), computeDevice, budget);
        }
    }

    // GRPO has no critic: its value loss is NaN, shown as a dash rather than as a number.
    private static string ValueLoss(double loss, string format) => double.IsNaN(loss) ? "-" : loss.ToString(format);

    private static Spectre.Console.Rendering.IRenderable LiveView(IterationStats? s, TrainOptions options)
    {
        int done = s is null ? 0 : s.Iteration + 1;
        var bar = new BreakdownChart().Width(60)
            .AddItem("done", done, Color.Green).AddItem("to go", options.Iterations - done, Color.Grey);
        var table = new Table().Border(TableBorder.Rounded).AddColumns("", "").HideHeaders();
        table.AddRow("iteration", $"{done} / {options.Iterations}");
        if (s is not null)
        {
            var u = s.Update;
            table.AddRow("steps", $"{s.TotalSteps:N0} ({s.StepsPerSecond:N0}/s; collect {s.CollectSeconds:0.00} s, learn {s.LearnSeconds:0.00} s)");
            table.AddRow("reward per step", $"{s.MeanStepReward:0.0000}");
            table.AddRow("episode return / length", $"{s.MeanEpisodeReturn:0.00} / {s.MeanEpisodeLength:0} ({s.Episodes} ended)");
            foreach (var (term, value) in s.RewardTerms) table.AddRow($"  {term}", $"{value:0.000}");
            table.AddRow("KL / clip fraction", $"{u.Kl:0.0000} / {u.ClipFraction:0.00}");
            table.AddRow("entropy / noise σ", $"{u.Entropy:0.00} / {u.NoiseStd:0.000}");
            table.AddRow("value loss / surrogate", $"{ValueLoss(u.ValueLoss, "0.0000")} / {u.Surrogate:0.0000}");
            table.AddRow("learning rate", $"{u.LearningRate:0.0e+0}");
            if (s.Terrain is { } t)
                table.AddRow("terrain level (mean; share per level)", $"{t.MeanLevel:0.00}; {string.Join(" ", t.LevelShares.Select(x => $"{x * 100:0}%"))}");
        }
        return new Rows(bar, table);
    }

    private static int Run(Func<TorchSharp.torch.Device, TrainingSession> open, ComputeDevice computeDevice, double? budgetSeconds)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var session = open(TorchRuntime.Initialize(computeDevice));
        // Ranks stop together: once any rank's budget is spent.
        bool OutOfTime(IterationStats _) => budgetSeconds is { } b && session.Parallel.Average(clock.Elapsed.TotalSeconds >= b ? 1 : 0) > 0;
        var options = session.Options;
        if (!session.Parallel.IsRoot)
        {
            // The other ranks train in step with rank 0 and write and print nothing.
            session.Learn(null, OutOfTime);
            return 0;
        }
        var env = session.Env;
        var run = session.Run;
        string from = session.NextIteration > 0 ? $"resumed at iteration {session.NextIteration}, " : "";
        if (session.Parallel.IsActive)
            AnsiConsole.MarkupLineInterpolated($"{session.Parallel.Size} ranks ({string.Join(", ", Enumerable.Range(0, session.Parallel.Size).Select(session.Parallel.Name))}), {options.Envs} envs each");
        AnsiConsole.MarkupLineInterpolated($"[bold]{env.Task.Name}[/]: {from}{options.Envs} envs × {(AlgorithmCatalog.Get(options.Algorithm).Episodic ? "whole episodes" : $"{options.StepsPerEnv} steps")} on {env.Threads} threads, {SnakeCaseEnum.Name(computeDevice)}, seed {options.Seed} → {run.Directory}");
        foreach (var note in session.ResumeNotes) AnsiConsole.MarkupLineInterpolated($"[yellow]note:[/] {note}");
        foreach (var g in env.ObservationGroups) AnsiConsole.MarkupLineInterpolated($"  {g}");
        if (session.CheckpointWarning is { } warning) AnsiConsole.MarkupLineInterpolated($"[yellow]warning:[/] {warning}");
        if (!AnsiConsole.Profile.Capabilities.Interactive)
            AnsiConsole.MarkupLine("  sps: steps/s; c/l: collect/learn seconds; r: reward per step; R: episode return; vl: value loss; σ: policy noise");

        string last;
        if (AnsiConsole.Profile.Capabilities.Interactive)
        {
            // On a terminal: a live table of the latest iteration under a progress bar.
            last = "";
            AnsiConsole.Live(LiveView(null, options)).Start(ctx => last = session.Learn(s => ctx.UpdateTarget(LiveView(s, options)), OutOfTime));
        }
        else
        {
            // In a log: one line per iteration.
            last = session.Learn(s =>
            {
                var u = s.Update;
                AnsiConsole.MarkupLineInterpolated(
                    $"{s.Iteration + 1,4}/{options.Iterations} {s.StepsPerSecond,7:N0} sps c{s.CollectSeconds:0.00}/l{s.LearnSeconds:0.00}s r {s.MeanStepReward:0.000} R {s.MeanEpisodeReturn,7:0.0} len {s.MeanEpisodeLength,4:0} kl {u.Kl:0.000} clip {u.ClipFraction:0.00} vl {ValueLoss(u.ValueLoss, "0.00")} σ {u.NoiseStd:0.00}{(s.Terrain is { } t ? $" lvl {t.MeanLevel:0.00}" : "")}");
            }, OutOfTime);
        }
        if (session.NextIteration < options.Iterations)
            AnsiConsole.MarkupLineInterpolated($"stopped at iteration {session.NextIteration}: the {budgetSeconds / 60:0.#} min budget is spent");
        if (session.Parallel.IsActive)
        {
            AnsiConsole.MarkupLineInterpolated($"parameters identical on all {session.Parallel.Size} ranks: sha256 {session.ParameterDigest}; collectives per iteration in {TrainingSession.CommunicationFile}");
            if (session.RankRateIterations > 0)
                AnsiConsole.MarkupLineInterpolated($"collection per rank (mean over {session.RankRateIterations} iterations): {string.Join(", ",
                    session.RankCollectRateSums.Select((sum, r) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{session.Parallel.Name(r)} {sum / session.RankRateIterations:N0} steps/s")))}");
        }
        var plots = run.Plot();
        double learn = run.History.Sum(h => h.LearnSeconds), collect = run.History.Sum(h => h.CollectSeconds);
        AnsiConsole.MarkupLineInterpolated($"done: {session.TotalSteps:N0} steps, {collect + learn:0.0} s ({learn / (collect + learn):P0} learning); checkpoint {last}; plots {string.Join(", ", plots.Select(Path.GetFileName))}");
        return 0;
    }
}
