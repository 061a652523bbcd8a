using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Runtime;
using Robotics.Sim.Evaluation;
using Robotics.Sim.Rendering;
using Robotics.Sim.Tasks;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Tasks.Manipulation;
using Robotics.Training;
using Robotics.Training.Runner;
using Spectre.Console;

namespace Robotics.Cli;

/// <summary>
/// <c>robotics report --policy models/X.onnx --run runs/DIR</c>: the report that sits next to a pretrained
/// policy — how it was trained (command, seed, config, wall-clock, hardware), its learning curves, the
/// exported file evaluated under nominal dynamics, the training randomization and held-out randomization, and a short GIF of a rollout.
/// </summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var policy = new Option<string>("--policy") { Description = "the exported policy (.onnx with its contract)", Required = true };
        var run = new Option<string>("--run") { Description = "the training run it was exported from (runs/task__algo__seed__time)", Required = true };
        var output = new Option<string?>("--out") { Description = "report folder (default: next to the policy, named after it)" };
        var episodes = new Option<int>("--episodes") { Description = "evaluation episodes per condition and seed", DefaultValueFactory = _ => 32 };
        var seeds = new Option<int>("--seeds") { Description = "evaluation seeds 0…N−1, each a row; acceptance is judged over all of them", DefaultValueFactory = _ => 1 };
        var envs = new Option<int>("--envs") { Description = "parallel evaluation environments", DefaultValueFactory = _ => 16 };
        var threads = new Option<int>("--threads") { Description = "worker threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var hardware = new Option<string?>("--hardware") { Description = "the machine the run trained on, in words (default: this one)" };
        var trainCommand = new Option<string?>("--train-command") { Description = "the exact training command (default: rebuilt from the run's config)" };
        var command = new Option<string?>("--command") { Description = "locomotion: the velocity command 'vx,vy,yaw_rate' the GIF holds", DefaultValueFactory = _ => "0.6,0,0.3" };
        var seconds = new Option<double>("--seconds") { Description = "GIF length [s] of simulated time", DefaultValueFactory = _ => 4 };
        var report = new Command("report", "Write a pretrained policy's report: training command, config, wall-clock and hardware; learning curves; evaluation under nominal dynamics, the training randomization and held-out randomization; a GIF.")
        {
            policy, run, output, episodes, seeds, envs, threads, hardware, trainCommand, command, seconds,
        };
        report.SetAction(r =>
        {
            var onnxPath = r.GetValue(policy)!;
            var dir = r.GetValue(output) ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(onnxPath))!, Path.GetFileNameWithoutExtension(onnxPath));
            if (r.GetValue(seeds) < 1) throw new UserError($"--seeds {r.GetValue(seeds)}: must be ≥ 1");
            return Write(onnxPath, r.GetValue(run)!, dir, r.GetValue(episodes), r.GetValue(seeds), r.GetValue(envs), r.GetValue(threads),
                r.GetValue(hardware) ?? ThisMachine(), r.GetValue(trainCommand), r.GetValue(command), r.GetValue(seconds));
        });
        return report;
    }

    // Results come in EvaluationConditions.All's order: the index of a condition's row.
    private static int Condition(EvaluationCondition condition) => EvaluationConditions.All.ToList().IndexOf(condition);

    // Several seeds' results as one: episode-weighted means, summed counts; per-term means are not pooled.
    private static EvaluationResult Pool(IReadOnlyList<EvaluationResult> r, string condition)
    {
        int n = r.Sum(x => x.Episodes);
        double Mean(Func<EvaluationResult, double> f) => r.Sum(x => f(x) * x.Episodes) / n;
        return new EvaluationResult($"{condition}, all {r.Count} seeds", n, Mean(x => x.MeanReturn), Mean(x => x.MeanSeconds),
            Mean(x => x.LinVelError), Mean(x => x.YawRateError), r.Sum(x => x.Falls), new Dictionary<string, double>(),
            r.SelectMany(x => x.FallDetails ?? Array.Empty<Fall>()).ToList());
    }

    private static ManipulationResult Pool(IReadOnlyList<ManipulationResult> r, string condition)
    {
        int n = r.Sum(x => x.Episodes);
        double Mean(Func<ManipulationResult, double> f) => r.Sum(x => f(x) * x.Episodes) / n;
        return new ManipulationResult($"{condition}, all {r.Count} seeds", n, Mean(x => x.SuccessRate), Mean(x => x.MeanReturn),
            Mean(x => x.FinalDistance), Mean(x => x.FinalOrientationError), r.Sum(x => x.Failures), new Dictionary<string, double>()) { SafetyTrips = r.Sum(x => x.SafetyTrips) };
    }

    private static int Write(string onnxPath, string runDir, string outDir, int episodes, int seeds, int envs, int threads, string hardware,
        string? trainCommand, string? heldCommand, double gifSeconds)
    {
        // The run: its options and its per-iteration record.
        var options = TrainingRun.ReadOptions(runDir);
        var csv = Path.Combine(runDir, "progress.csv");
        if (!File.Exists(csv)) throw new UserError($"{csv}: the run has no progress.csv");
        var lines = File.ReadAllLines(csv);
        if (lines.Length < 2) throw new UserError($"{csv}: no iterations recorded");
        var rows = lines.Skip(1).Select(l => Robotics.Training.Runner.OnPolicyRunner.ParseCsvRow(lines[0], l)).ToList();
        double wall = rows.Sum(x => x.CollectSeconds + x.LearnSeconds);
        Directory.CreateDirectory(outDir);

        // The exported file, checked against its robot as the deploy node checks it, is what gets evaluated.
        var (onnx, taskName) = PolicyFiles.Open(onnxPath);
        using var _ = onnx;
        var file = TaskCatalog.Resolve(taskName);
        var batch = Policies.Batch(onnx);
        AnsiConsole.MarkupLineInterpolated($"evaluating [bold]{Path.GetFileName(onnxPath)}[/] on {taskName}: {episodes} episodes per condition");
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine(inv, $"# {Path.GetFileName(onnxPath)}: {taskName}").AppendLine();
        md.AppendLine(inv, $"Policy contract: robot `{onnx.Contract.Robot}`, {onnx.ActionDim} joints, {onnx.ObservationDim} observations, run `{onnx.Contract.Provenance.RunId}`, commit `{onnx.Contract.Provenance.SourceCommit}`.").AppendLine();
        md.AppendLine("## Training").AppendLine();
        md.AppendLine("```").AppendLine(trainCommand ?? RebuiltCommand(options)).AppendLine("```").AppendLine();
        md.AppendLine("| | |").AppendLine("|---|---|");
        md.AppendLine(inv, $"| algorithm | {options.Algorithm}, seed {options.Seed} |");
        md.AppendLine(inv, $"| environments × steps | {options.Envs} × {options.StepsPerEnv} per iteration, {options.Threads} simulation threads, device {SnakeCaseEnum.Name(options.Device)} |");
        md.AppendLine(inv, $"| iterations | {rows.Count} (of {options.Iterations} asked{(rows.Count < options.Iterations ? "; stopped early: its wall-clock budget, or by hand" : "")}) |");
        md.AppendLine(inv, $"| environment steps | {rows[^1].TotalSteps:N0} |");
        md.AppendLine(inv, $"| wall-clock (collect + learn) | {wall / 60:0.0} min ({rows.Sum(x => x.LearnSeconds) / wall:P0} learning) |");
        md.AppendLine(inv, $"| hardware | {hardware} |");
        md.AppendLine(inv, $"| network | actor/critic {string.Join("-", options.Network.Hidden)} |");
        md.AppendLine(inv, $"| action latency trained for | {TrainedLatency(onnx.Contract)} |");
        md.AppendLine(inv, $"| config | [config.json](config.json) (the run's whole configuration), task file `{Path.GetRelativePath(TaskCatalog.Home, file)}` |").AppendLine();
        AppendEarlierStages(md, options);
        File.Copy(Path.Combine(runDir, "config.json"), Path.Combine(outDir, "config.json"), overwrite: true);
        // A run stopped from outside (killed, not by --minutes) never drew its curves: draw them from its progress.csv.
        if (!File.Exists(Path.Combine(runDir, "returns.png"))) TrainingRun.Continue(runDir, options, int.MaxValue).Plot();
        foreach (var png in new[] { "returns.png", "reward_terms.png" })
        {
            var from = Path.Combine(runDir, png);
            if (!File.Exists(from)) continue;
            File.Copy(from, Path.Combine(outDir, png), overwrite: true);
            md.AppendLine(inv, $"![{png}]({png})").AppendLine();
        }

        // Evaluation: nominal dynamics, the training randomization, held-out (1.5× every range, +20 ms latency).
        var kind = TaskCatalog.Kind(file);
        md.AppendLine("## Evaluation of the exported file").AppendLine();
        md.AppendLine(inv, $"`robotics eval --policy {onnxPath} --episodes {episodes} --seed S`{(seeds > 1 ? $" for S = 0…{seeds - 1}" : "")}.")
          .Append("Nominal: the robot's nominal dynamics, no randomization").Append(kind == TaskKind.Locomotion ? " and no pushes" : "")
          .Append("; randomized: the training randomization").Append(kind == TaskKind.Locomotion ? ", pushes included" : "")
          .AppendLine("; held-out: every randomization range 1.5× wider and 20 ms more action latency. Observation noise in all three.").AppendLine();
        // A row per condition and seed; with several seeds, one more row per condition over all of them (one seed's
        // episodes can hide a rare fall: the first Go1 export showed 0 of 32 on seed 0 and 15 of 320 over seeds 1–5).
        string Row(string condition, int seed) => seeds == 1 ? condition : $"{condition}, seed {seed}";
        if (kind == TaskKind.Locomotion)
        {
            var c = LocomotionConfig.Load(file);
            var perSeed = Enumerable.Range(0, seeds).SelectMany(seed =>
                LocomotionEvaluator.RunAll(c, batch, episodes, envs, threads, (ulong)seed, k => Row(k, seed))).ToList();
            var results = EvaluationConditions.All.Select((k, j) => seeds == 1 ? perSeed[j] : Pool(perSeed.Where((_, i) => i % EvaluationConditions.All.Count == j).ToList(), k.Name())).ToList();
            var (nominal, heldOut) = (results[Condition(EvaluationCondition.Nominal)], results[Condition(EvaluationCondition.HeldOut)]);
            md.AppendLine("| condition | episodes | lin vel error [m/s] | yaw-rate error [rad/s] | falls | mean episode [s] | return |").AppendLine("|---|---|---|---|---|---|---|");
            foreach (var x in seeds == 1 ? perSeed : perSeed.Concat(results))
                md.AppendLine(inv, $"| {x.Condition} | {x.Episodes} | {x.LinVelError:0.000} | {x.YawRateError:0.000} | {x.Falls} | {x.MeanSeconds:0.0} | {x.MeanReturn:0.00} |");
            foreach (var x in results.Where(x => x.Falls > 0)) md.AppendLine().AppendLine(inv, $"{x.Condition}: {x.DescribeFalls()}.");
            md.AppendLine().AppendLine(inv, $"Commands: vx ∈ [{c.CommandVx.Low}, {c.CommandVx.High}] m/s, vy ∈ [{c.CommandVy.Low}, {c.CommandVy.High}] m/s, yaw rate ∈ [{c.CommandYawRate.Low}, {c.CommandYawRate.High}] rad/s. " +
                $"Acceptance: lin vel error ≤ 0.15 m/s nominal and ≤ 0.225 held-out, no falls nominal: {(nominal.LinVelError <= 0.15 && heldOut.LinVelError <= 0.225 && nominal.Falls == 0 ? "**met**" : "**not met**")}.");
        }
        else
        {
            var c = ManipulationConfig.Load(file);
            var perSeed = Enumerable.Range(0, seeds).SelectMany(seed =>
                ManipulationEvaluator.RunAll(c, batch, episodes, envs, threads, (ulong)seed, k => Row(k, seed))).ToList();
            var results = EvaluationConditions.All.Select((k, j) => seeds == 1 ? perSeed[j] : Pool(perSeed.Where((_, i) => i % EvaluationConditions.All.Count == j).ToList(), k.Name())).ToList();
            bool push = c.Kind == TaskKind.Push;
            double threshold = push ? c.SuccessDistance : c.SuccessPosition;
            md.AppendLine(inv, $"| condition | episodes | success (within {threshold * 100:0.#} cm{(push ? "" : $" and {c.SuccessOrientation} rad")}) | final distance [m] | final orientation error [rad] | {(push ? "cube fell" : "early ends")} | safety trips | return |")
              .AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var x in seeds == 1 ? perSeed : perSeed.Concat(results))
                md.AppendLine(inv, $"| {x.Condition} | {x.Episodes} | {x.SuccessRate:P0} | {x.FinalDistance:0.000} | {x.FinalOrientationError:0.000} | {x.Failures - x.SafetyTrips} | {x.SafetyTrips} | {x.MeanReturn:0.00} |");
            if (c.VelocityTrip > 0 || c.WorkspaceTrip is not null)
                md.AppendLine().AppendLine(inv, $"Safety trips: episodes that ended where the robot's safety layer would have held the arm: a joint faster than {c.VelocityTrip:0.##}× its rated speed, or the tool more than {(c.WorkspaceTrip ?? 0) * 1000:0} mm outside the workspace box (`[episode] velocity_trip`, `workspace_trip`).");
            if (!push)
                md.AppendLine().AppendLine(inv, $"Acceptance: success ≥ 95% within 2 cm: {(results[Condition(EvaluationCondition.Nominal)].SuccessRate >= 0.95 && c.SuccessPosition <= 0.02 ? "**met**" : "**not met**")}.");
        }
        md.AppendLine();

        // A short GIF of the exported policy.
        var gif = Path.Combine(outDir, "rollout.gif");
        var settings = new RenderCommand.Settings(gifSeconds, 12, gif, 1, kind == TaskKind.Locomotion ? heldCommand : null, null,
            new RenderOptions { Width = 320, Height = 240, ShadowSize = 512, Distance = kind == TaskKind.Locomotion ? 1.8 : 1.9, TrackBody = kind == TaskKind.Locomotion ? null : "link1", Elevation = kind == TaskKind.Locomotion ? -20 : -25 });
        if (RenderCommand.Run(taskName, batch, onnx.ObservationDim, Path.GetFileName(onnxPath), settings) == 0)
            md.AppendLine("## Rollout").AppendLine().AppendLine(inv, $"{(kind == TaskKind.Locomotion ? $"Holding the command {heldCommand} (vx, vy, yaw rate). " : "")}`robotics render --policy {onnxPath} --out rollout.gif`")
              .AppendLine().AppendLine("![rollout](rollout.gif)").AppendLine();
        var reportPath = Path.Combine(outDir, "README.md");
        File.WriteAllText(reportPath, md.ToString());
        AnsiConsole.MarkupLineInterpolated($"wrote {reportPath}");
        return 0;
    }

    // A fine-tuning run (--init-from) names the checkpoint it started from; follow that chain back to a run that
    // started fresh, and say what each stage added, so the report's figures cover the policy's whole training.
    private static void AppendEarlierStages(StringBuilder md, TrainOptions options)
    {
        var inv = CultureInfo.InvariantCulture;
        var stages = new List<string>();
        long steps = 0;
        double seconds = 0;
        for (var init = options.InitFrom; init is not null && stages.Count < 16;)
        {
            if (Robotics.Training.Runner.InitFrom.IsPolicyFile(init))
            {
                // An exported policy brings its actor alone; its training is in the report of its own run.
                stages.Add($"| `{Path.GetRelativePath(TaskCatalog.Home, init)}` (an exported policy: its actor, with a new critic) | (in that policy's own report) | | | |");
                break;
            }
            var runDir = Path.GetDirectoryName(Path.GetFullPath(init))!;
            var csv = Path.Combine(runDir, "progress.csv");
            var state = Path.Combine(init, TrainingRun.RunStateFile);
            if (!File.Exists(csv) || !File.Exists(state))
            {
                stages.Add($"| {init} | (not found here: its record is missing) | | | |");
                break;
            }
            int upTo = (int)Robotics.Training.Algorithms.CheckpointFiles.LoadScalars(init, Path.GetFileNameWithoutExtension(TrainingRun.RunStateFile))["iteration"];
            var lines = File.ReadAllLines(csv);
            var rows = lines.Skip(1).Where(l => l.Length > 0).Select(l => Robotics.Training.Runner.OnPolicyRunner.ParseCsvRow(lines[0], l))
                .Where(r => r.Iteration < upTo).ToList();
            var parent = TrainingRun.ReadOptions(runDir);
            double wall = rows.Sum(r => r.CollectSeconds + r.LearnSeconds);
            long stageSteps = rows.Count > 0 ? rows[^1].TotalSteps : 0;
            steps += stageSteps;
            seconds += wall;
            stages.Add($"| `{Path.GetRelativePath(TaskCatalog.Home, init)}` | {rows.Count} | {stageSteps:N0} | {wall / 60:0.0} min | `{RebuiltCommand(parent)}` |");
            init = parent.InitFrom;
        }
        if (stages.Count == 0) return;
        md.AppendLine("This run fine-tuned an earlier checkpoint (`--init-from`). The stages before it, latest first:").AppendLine();
        md.AppendLine("| started from | iterations | environment steps | wall-clock | command |").AppendLine("|---|---|---|---|---|");
        foreach (var row in stages) md.AppendLine(row);
        md.AppendLine().AppendLine(inv, $"Before this run: {steps:N0} environment steps and {seconds / 60:0.0} min of collect + learn.").AppendLine();
    }

    // The training command as the run's configuration records it.
    /// <summary>The action latency range the policy was trained with, from its contract, or "not recorded" (contracts before 1.4).</summary>
    internal static string TrainedLatency(PolicyContract contract) => contract.ActionLatency is { } l
        ? string.Create(CultureInfo.InvariantCulture, $"{l.Low * 1e3:0.###}–{l.High * 1e3:0.###} ms (domain randomization, from the policy contract)")
        : $"not recorded (policy contract {contract.ContractVersion}; recorded from 1.4 on)";

    private static string RebuiltCommand(TrainOptions o) =>
        $"robotics train --task {o.Task} --algo {o.Algorithm} --envs {o.Envs} --threads {o.Threads} --device {SnakeCaseEnum.Name(o.Device)} --seed {o.Seed} " +
        $"--iterations {o.Iterations} --steps {o.StepsPerEnv} --hidden {string.Join(",", o.Network.Hidden)} --checkpoint-every {o.CheckpointEvery}" +
        (o.InitFrom is { } init ? $" --init-from {Path.GetRelativePath(TaskCatalog.Home, init)}" : "") +
        (o.InitFrom is { } policy && Robotics.Training.Runner.InitFrom.IsPolicyFile(policy)
            ? string.Create(CultureInfo.InvariantCulture, $" --init-noise {o.Network.InitNoiseStd} --critic-warmup {o.CriticWarmup}") : "") +
        string.Concat(o.TaskOverrides.Select(s => $" --set '{s}'")) + string.Concat(o.AlgorithmSettings.Select(s => $" --set '{TrainOptions.AlgorithmPrefix}{s}'"));

    private static string ThisMachine()
    {
        string cpu = "";
        try { cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? ""; }
        catch (IOException) { }
        return $"{Environment.ProcessorCount} cores{(cpu.Length > 0 ? $" ({cpu})" : "")}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
    }
}
