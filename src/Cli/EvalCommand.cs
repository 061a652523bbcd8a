using System.CommandLine;
using Robotics.Deploy.Contract;
using Robotics.Sim.Evaluation;
using Robotics.Sim.Random;
using Robotics.Sim.Tasks;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Tasks.Manipulation;
using Spectre.Console;

namespace Robotics.Cli;

/// <summary>
/// <c>robotics eval --task T --policy zero|random</c>: a policy on N episodes per condition: nominal dynamics, the training randomization, held-out randomization.
/// The policy is a reference callable (zero: hold the default pose; random: uniform actions), an exported
/// .onnx file, or a run's checkpoint (--checkpoint). An exported file runs under its contract (action map, gains, timing,
/// observation layout) applied to the task file; where the two differ, the contract wins and one line says where.
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var task = new Option<string>("--task") { Description = "task name or file", DefaultValueFactory = _ => "go1_velocity" };
        var policy = new Option<string>("--policy") { Description = "zero (hold the default pose), random, or an exported policy file (.onnx; its task unless --task is given)", DefaultValueFactory = _ => "zero" };
        var episodes = new Option<int>("--episodes") { Description = "episodes per condition", DefaultValueFactory = _ => 16 };
        var envs = new Option<int>("--envs") { Description = "parallel environments", DefaultValueFactory = _ => 16 };
        var threads = new Option<int>("--threads") { Description = "worker threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var csv = new Option<string?>("--csv") { Description = "also write the table as CSV to this file" };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 0UL };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "a run's checkpoint_N folder: evaluate that trained policy (its task unless --task is given)" };
        var set = new Option<string[]>("--set") { Description = "a task-file setting over the file for all three conditions, dotted.key=value with a TOML value (repeatable), e.g. a stress test: --set commands.resample_s=2.5" };
        var eval = new Command("eval", "Evaluate a policy on a task (locomotion, reach, push) under nominal dynamics (no randomization, no pushes), the training randomization, and held-out randomization (1.5× ranges, +20 ms latency).")
        {
            task, policy, episodes, envs, threads, csv, seed, checkpoint, set,
        };
        eval.SetAction(r =>
        {
            var cp = r.GetValue(checkpoint);
            var overrides = r.GetValue(set) ?? Array.Empty<string>();
            if (cp is null && PolicyFiles.IsOnnx(r.GetValue(policy)!))
                return RunOnnx(r.GetValue(policy)!, r.GetResult(task) is { Implicit: false } ? r.GetValue(task) : null,
                    r.GetValue(episodes), r.GetValue(envs), r.GetValue(threads), r.GetValue(csv), r.GetValue(seed), overrides);
            if (cp is null) return Run(r.GetValue(task)!, r.GetValue(policy)!, r.GetValue(episodes), r.GetValue(envs), r.GetValue(threads), r.GetValue(csv), r.GetValue(seed), overrides);
            Robotics.Training.Devices.TorchRuntime.Initialize(Robotics.Training.Devices.ComputeDevice.Cpu);
            using var trained = Robotics.Training.Runner.CheckpointPolicy.Load(cp);
            var taskName = r.GetResult(task) is { Implicit: false } ? r.GetValue(task)! : trained.Task;
            return Run(taskName, "checkpoint", r.GetValue(episodes), r.GetValue(envs), r.GetValue(threads), r.GetValue(csv), r.GetValue(seed), overrides, trained.Act);
        });
        return eval;
    }

    // An exported policy, checked against its task's robot as the deploy node checks it, run once per environment.
    private static int RunOnnx(string path, string? taskName, int episodes, int envs, int threads, string? csv, ulong seed, IReadOnlyList<string> overrides)
    {
        var (onnx, resolved) = PolicyFiles.Open(path, taskName);
        using (onnx) return Run(resolved, Path.GetFileName(path), episodes, envs, threads, csv, seed, overrides, Policies.Batch(onnx), onnx.Contract);
    }

    // contract: an exported policy's, which the task runs under (its action map, drive, timing and observation layout), saying where it differs.
    private static int Run(string taskName, string policyName, int episodes, int envs, int threads, string? csv, ulong seed,
        IReadOnlyList<string> overrides, BatchPolicy? given = null, PolicyContract? contract = null)
    {
        if (taskName.StartsWith("cartpole", StringComparison.Ordinal))
            throw new UserError($"eval covers the locomotion and arm tasks; {taskName} has no evaluation report");
        string file = TaskCatalog.Resolve(taskName);
        var kind = TaskCatalog.Kind(file);
        var rng = Rng.For(seed, "eval-policy");
        BatchPolicy? policy = given ?? policyName switch
        {
            "zero" => (_, a) => a.Clear(),
            "random" => (_, a) => { for (int i = 0; i < a.Length; i++) a[i] = (float)rng.Uniform(-1, 1); },
            _ => null,
        };
        if (policy is null) throw new UserError($"--policy '{policyName}': use zero or random, or --checkpoint");
        if (episodes < 1 || envs < 1 || threads < 1) throw new UserError("--episodes, --envs and --threads must be ≥ 1");

        if (kind == TaskKind.Locomotion)
        {
            var config = LocomotionConfig.Load(file, overrides);
            if (contract is not null)
            {
                using (var plain = new LocomotionTask(config)) Differences(contract, plain.PolicyContract());
                config = config.UnderContract(contract);
            }
            return Locomotion(config, policy, policyName, episodes, envs, threads, csv, seed);
        }
        var arm = ManipulationConfig.Load(file, overrides);
        if (contract is not null)
        {
            using (var plain = new ManipulationTask(arm)) Differences(contract, plain.PolicyContract());
            arm = arm.UnderContract(contract);
        }
        return Manipulation(arm, policy, policyName, episodes, envs, threads, csv, seed);
    }

    // One line where the file's contract and the task file disagree: the contract is what runs.
    private static void Differences(PolicyContract contract, PolicyContract task)
    {
        if (ContractDifferences.Line(contract, task) is { } line) AnsiConsole.WriteLine(line);
    }

    private static int Manipulation(ManipulationConfig config, BatchPolicy policy, string policyName,
        int episodes, int envs, int threads, string? csv, ulong seed)
    {
        var results = ManipulationEvaluator.RunAll(config, policy, episodes, envs, threads, seed);
        AnsiConsole.MarkupLineInterpolated($"[bold]{config.Name}[/] ({config.Kind}), policy '{policyName}'");
        var table = new Table().AddColumns("condition", "episodes", "success", "return", "final distance [[m]]", "final orientation [[rad]]", "cube fell", "safety trips");
        foreach (var r in results)
            table.AddRow(r.Condition, $"{r.Episodes}", $"{r.SuccessRate:P0}", $"{r.MeanReturn:0.00}", $"{r.FinalDistance:0.000}", $"{r.FinalOrientationError:0.000}",
                $"{r.Failures - r.SafetyTrips}", $"{r.SafetyTrips}");
        AnsiConsole.Write(table);
        Terms(results.Select(r => (r.Condition, r.Terms)).ToList());
        if (csv is not null)
        {
            ManipulationEvaluator.WriteCsv(csv, results);
            AnsiConsole.MarkupLineInterpolated($"wrote {csv}");
        }
        return 0;
    }

    private static void Terms(IReadOnlyList<(string Condition, IReadOnlyDictionary<string, double> Terms)> results)
    {
        var terms = new Table().AddColumn("reward term (per episode)");
        foreach (var r in results) terms.AddColumn(r.Condition);
        foreach (var t in results[0].Terms.Keys)
            terms.AddRow(new[] { t }.Concat(results.Select(r => $"{r.Terms[t]:0.000}")).ToArray());
        AnsiConsole.Write(terms);
    }

    // Per terrain type, for one condition: each level's episodes, pass rate, tracking error and falls, and the highest level passed.
    private static void Terrain(string condition, IReadOnlyList<TerrainTypeResult> types)
    {
        AnsiConsole.MarkupLineInterpolated($"terrain ({condition}): passed = no fall and farther than half a tile, or at least half the commanded distance when that was at most half a tile (docs/terrain.md)");
        var summary = new Table().AddColumns("terrain type", $"highest level passed by ≥ {TerrainSummary.PassThreshold:P0}", "lin vel err there [[m/s]]", "episodes", "falls");
        foreach (var t in types)
        {
            var levels = new Table().AddColumns("level", "episodes", "passed", "lin vel err [[m/s]]", "falls");
            foreach (var l in t.Levels)
                levels.AddRow($"{l.Level}", $"{l.Episodes}", l.Episodes == 0 ? "–" : $"{l.PassRate:P0}", l.Episodes == 0 ? "–" : $"{l.LinVelError:0.000}", $"{l.Falls}");
            AnsiConsole.MarkupLineInterpolated($"[bold]{TerrainSummary.Name(t.Type)}[/]");
            AnsiConsole.Write(levels);
            summary.AddRow(TerrainSummary.Name(t.Type), t.HighestPassed?.ToString() ?? "none", t.HighestPassed is null ? "–" : $"{t.LinVelErrorAtHighest:0.000}",
                $"{t.Levels.Sum(l => l.Episodes)}", $"{t.Levels.Sum(l => l.Falls)}");
        }
        AnsiConsole.Write(summary);
    }

    private static int Locomotion(LocomotionConfig config, BatchPolicy policy, string policyName, int episodes, int envs, int threads, string? csv, ulong seed)
    {
        var results = LocomotionEvaluator.RunAll(config, policy, episodes, envs, threads, seed);
        var table = new Table().AddColumns("condition", "episodes", "return", "length [[s]]", "lin vel err [[m/s]]", "yaw err [[rad/s]]", "falls");
        foreach (var r in results)
            table.AddRow(r.Condition, $"{r.Episodes}", $"{r.MeanReturn:0.00}", $"{r.MeanSeconds:0.0}", $"{r.LinVelError:0.000}", $"{r.YawRateError:0.000}", $"{r.Falls}");
        AnsiConsole.MarkupLineInterpolated($"[bold]{config.Name}[/], policy '{policyName}'");
        AnsiConsole.Write(table);
        foreach (var r in results.Where(r => r.Falls > 0)) AnsiConsole.MarkupLineInterpolated($"{r.Condition}: {r.DescribeFalls()}");
        if (results[0].Terrain is { } terrain) Terrain(results[0].Condition, terrain);
        Terms(results.Select(r => (r.Condition, r.Terms)).ToList());
        if (csv is not null)
        {
            LocomotionEvaluator.WriteCsv(csv, results);
            AnsiConsole.MarkupLineInterpolated($"wrote {csv}");
        }
        return 0;
    }
}
