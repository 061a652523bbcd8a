using System.CommandLine;
using Robotics.Sim.Envs;
using Robotics.Sim.Tasks;
using Robotics.Training;
using Robotics.Training.Devices;
using Robotics.Training.Models;
using Robotics.Training.Runner;
using Spectre.Console;

namespace Robotics.Cli;

/// <summary>
/// <c>robotics ablate --task T[,T…] [--seeds S] [--iterations I] [--envs N] [--steps T] [--variants PPO,PPO-M,…]</c>:
/// the "implementation matters" table (Engstrom et al. 2020, Table 1) and learning curves. Option defaults are
/// <see cref="AblationOptions"/>'s; the device's is training's (<see cref="TrainOptions.Defaults"/>).
/// </summary>
internal static class AblateCommand
{
    public static Command Create()
    {
        var defaults = new AblationOptions { Tasks = Array.Empty<string>() };
        var task = new Option<string>("--task") { Description = $"task name(s), comma-separated ({string.Join(", ", TaskCatalog.Known())})", Required = true };
        var seeds = new Option<int>("--seeds") { Description = "seeds per variant (≥ 2 for a confidence interval)", DefaultValueFactory = _ => defaults.Seeds };
        var iterations = new Option<int>("--iterations") { Description = "PPO iterations per trial; the step budget of every variant is iterations × envs × steps", DefaultValueFactory = _ => defaults.Iterations };
        var envs = new Option<int>("--envs") { Description = "parallel environments per trial (a multiple of 8 for GRPO's groups)", DefaultValueFactory = _ => defaults.Envs };
        var steps = new Option<int>("--steps") { Description = "steps per environment per PPO iteration", DefaultValueFactory = _ => defaults.StepsPerEnv };
        var threads = new Option<int>("--threads") { Description = "simulation threads", DefaultValueFactory = _ => defaults.Threads };
        var hidden = new Option<string>("--hidden") { Description = "hidden layer widths, comma-separated", DefaultValueFactory = _ => string.Join(",", defaults.Hidden) };
        var variants = new Option<string?>("--variants") { Description = $"variants to run, comma-separated (default all: {string.Join(", ", AblationVariants.All.Select(v => v.Name))})" };
        var device = new Option<string>("--device")
        {
            Description = string.Join(" or ", SnakeCaseEnum.Names<ComputeDevice>()),
            DefaultValueFactory = _ => SnakeCaseEnum.Name(TrainOptions.Defaults.Device),
        };
        var ablate = new Command("ablate", "Train each algorithm variant × seed on the task(s) with one step budget; print and plot final returns with 95% confidence intervals.")
        {
            task, seeds, iterations, envs, steps, threads, hidden, variants, device,
        };
        ablate.SetAction(r => Run(r.GetValue(task)!, r.GetValue(seeds), r.GetValue(iterations), r.GetValue(envs), r.GetValue(steps),
            r.GetValue(threads), r.GetValue(hidden)!, r.GetValue(variants), r.GetValue(device)!));
        return ablate;
    }

    private static int Run(string tasks, int seeds, int iterations, int envs, int steps, int threads, string hidden, string? variantNames, string deviceName)
    {
        var options = new AblationOptions
        {
            Tasks = tasks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Seeds = seeds, Iterations = iterations, Envs = envs, StepsPerEnv = steps, Threads = threads,
            Hidden = NetworkConfig.ParseHidden(hidden),
            Variants = variantNames?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        }.Validate();
        var variants = AblationVariants.Select(options.Variants);
        var computeDevice = SnakeCaseEnum.Parse<ComputeDevice>(deviceName, "--device");
        var device = TorchRuntime.Initialize(computeDevice);
        // Load each task once up front, so that a bad name fails now rather than after hours of training.
        foreach (var t in options.Tasks)
            if (TaskCatalog.Load(t) is IDisposable loaded) loaded.Dispose();

        AnsiConsole.MarkupLineInterpolated($"[bold]ablate[/] {string.Join(", ", options.Tasks)}: {string.Join(", ", variants.Select(v => v.Name))} × {options.Seeds} seeds, {options.StepBudget:N0} steps each ({options.Iterations} × {options.Envs} envs × {options.StepsPerEnv}), {SnakeCaseEnum.Name(computeDevice)}");
        foreach (var v in variants) AnsiConsole.MarkupLineInterpolated($"  [grey]{v.Name}: {v.Description}[/]");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var report = Ablation.Run(options, variants,
            (name, seed) => new MjVecEnv(TaskCatalog.Load(name), options.Envs, options.Threads, seed, ownsTask: true),
            device,
            t => AnsiConsole.MarkupLineInterpolated($"  {t.Task} {t.Variant,-6} seed {t.Seed}: final return {t.FinalReturn,8:0.0}  ({t.Seconds:0} s)"));

        // Engstrom et al., Table 1: rows are algorithms, columns tasks, cells "mean [95% CI]" over seeds.
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape("Final return: mean [95% CI]"));
        table.AddColumn("Algorithm");
        foreach (var t in report.Tasks) table.AddColumn(new TableColumn(t).RightAligned());
        foreach (var v in report.Variants) table.AddRow(new[] { v }.Concat(report.Tasks.Select(t => AblationReport.Format(report.Cell(t, v)))).Select(Markup.Escape).ToArray());
        AnsiConsole.Write(table);

        var dir = Path.Combine(TaskCatalog.Home, "runs", $"ablation__{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        var files = report.Write(dir);
        AnsiConsole.MarkupLineInterpolated($"done in {clock.Elapsed.TotalMinutes:0.0} min → {dir}: {string.Join(", ", files.Select(Path.GetFileName))}");
        return 0;
    }
}
