using System.CommandLine;
using System.Diagnostics;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Kinematics;
using Robotics.Deploy.Runtime;
using Robotics.Sim.Tasks;
using Robotics.Training.Devices;
using Robotics.Training.Export;
using Robotics.Training.Runner;
using Spectre.Console;

namespace Robotics.Cli;

/// <summary>
/// <c>robotics export --checkpoint RUN_OR_CHECKPOINT [--out policy.onnx] [--commit HASH]</c>: the trained
/// actor (normalizer + MLP) as ONNX with its policy contract, which the run's task states; then the
/// file is opened again through the deploy runtime's checks. <c>robotics export --policy FILE --restamp [--out FILE]</c>:
/// an exported policy's contract rewritten from its task, the graph and the provenance kept (see <see cref="OnnxRestamp"/>).
/// <c>robotics inspect FILE</c> prints a policy file's contract.
/// </summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string?>("--checkpoint") { Description = "a run folder (its newest checkpoint_N) or a checkpoint_N folder" };
        var output = new Option<string?>("--out") { Description = "the ONNX file to write (default: policy.onnx in the checkpoint folder; with --restamp, the policy file itself)" };
        var commit = new Option<string?>("--commit") { Description = "source commit to record (default: the one the checkpoint records, the commit of the binary that trained it; else git describe --always --dirty of the repository)" };
        var policy = new Option<string?>("--policy") { Description = "an exported policy .onnx file (with --restamp)" };
        var restamp = new Option<bool>("--restamp") { Description = "rewrite the contract of --policy from its task, keeping the graph, the run id and the source commit; refused when a field the policy was trained with differs" };
        var export = new Command("export", "Export a trained policy to ONNX (opset 17) with its policy contract in the metadata, or restamp an exported policy's contract.")
            { checkpoint, output, commit, policy, restamp };
        export.SetAction(r =>
        {
            string? file = r.GetValue(policy), run = r.GetValue(checkpoint);
            if (r.GetValue(restamp))
            {
                if (file is null) throw new UserError("export --restamp needs --policy FILE: the exported policy whose contract to rewrite");
                if (run is not null) throw new UserError($"export --restamp rewrites an exported file's contract; --checkpoint {run} is for exporting a checkpoint (use one or the other)");
                if (r.GetValue(commit) is { } c) throw new UserError($"export --restamp keeps the file's source commit; --commit {c} would misstate where the graph came from");
                return Restamp(file, r.GetValue(output));
            }
            if (file is not null) throw new UserError($"export --policy {file} needs --restamp (an exported file is restamped, not exported again)");
            if (run is null) throw new UserError("export needs --checkpoint RUN_OR_CHECKPOINT (or --policy FILE --restamp)");
            return Run(run, r.GetValue(output), r.GetValue(commit));
        });
        return export;
    }

    public static Command CreateInspect()
    {
        var file = new Argument<string>("file") { Description = "a policy .onnx file" };
        var inspect = new Command("inspect", "Print the policy contract of an exported policy after checking the file.") { file };
        inspect.SetAction(r =>
        {
            var contract = OnnxPolicy.ReadContract(r.GetValue(file)!);
            Summary(contract);
            AnsiConsole.WriteLine(contract.ToJson());
            return 0;
        });
        return inspect;
    }

    /// <summary>Exports a run's checkpoint to <paramref name="output"/> and reads it back; 0 on success.</summary>
    internal static int Export(string runOrCheckpoint, string? output, string? commit) => Run(runOrCheckpoint, output, commit);

    private static int Run(string runOrCheckpoint, string? output, string? commit)
    {
        // The checkpoint and the run it belongs to: the run folder's name is the run id.
        var dir = CheckpointPolicy.ResolveCheckpoint(runOrCheckpoint);
        var runId = Path.GetFileName(Path.GetDirectoryName(dir))!;
        TorchRuntime.Initialize(ComputeDevice.Cpu);
        using var trained = CheckpointPolicy.Load(dir);

        // The contract comes from the task the run trained on, with the settings it applied over the file: the
        // observation layout and scales the network saw. Where those differ from the task file, eval and deploy
        // refuse the policy against the plain task with the contract's own error.
        var task = TaskCatalog.Load(trained.Task, trained.TaskOverrides);
        try
        {
            if (task is not IPolicyContractSource source)
                throw new UserError($"task '{trained.Task}' ({task.Name}) states no policy contract: only robot tasks (locomotion, reach, push) can be deployed");
            var contract = source.PolicyContract() with
            {
                Provenance = new Provenance { RunId = runId, SourceCommit = commit ?? trained.SourceCommit ?? GitHead() },
            };
            // A checkpoint from before its task file changed no longer fits the task's contract: say so here, with the file.
            if (contract.ObservationDim != trained.PolicyDim || contract.JointCount != trained.ActionDim)
                throw new UserError($"{dir}: the actor reads {trained.PolicyDim} observations and writes {trained.ActionDim} actions; task '{trained.Task}' " +
                    $"now states {contract.ObservationDim} ({contract.PolicyGroup()}) and {contract.JointCount} joints");
            var path = Path.GetFullPath(output ?? Path.Combine(dir, "policy.onnx"));
            OnnxExporter.Export(trained.Actor, contract, path);

            // Read back through the runtime's own checks, against the contract's own joints.
            using var policy = OnnxPolicy.Load(path, contract.JointNames);
            AnsiConsole.MarkupLineInterpolated($"wrote [bold]{path}[/] ({new FileInfo(path).Length:N0} bytes, opset {OnnxExporter.Opset}, IR {OnnxExporter.IrVersion})");
            Summary(policy.Contract);
            return 0;
        }
        finally
        {
            (task as IDisposable)?.Dispose();
        }
    }

    // The file's contract rewritten from its task; the contract's checks before (a file they refuse is left alone), the runtime's after.
    private static int Restamp(string policy, string? output)
    {
        var file = Path.GetFullPath(policy);
        var contract = OnnxRestamp.FileContract(file);   // not ReadContract: a file from before the weights hash is what restamping is for
        var task = TaskCatalog.Load(contract.Task);
        try
        {
            if (task is not IPolicyContractSource source)
                throw new UserError($"{file}: task '{contract.Task}' ({task.Name}) states no policy contract to restamp from");
            var result = OnnxRestamp.Restamp(file, source.PolicyContract(), output);
            var path = Path.GetFullPath(output ?? file);
            var written = OnnxPolicy.ReadContract(path);
            AnsiConsole.MarkupLineInterpolated($"restamped [bold]{path}[/]: contract {result.Before.ContractVersion} → {written.ContractVersion} from task {contract.Task}; graph and provenance unchanged");
            AnsiConsole.WriteLine(result.Changed.Count == 0 ? "no field changed" : $"changed: {string.Join(", ", result.Changed)}");
            Summary(written);
            return 0;
        }
        finally
        {
            (task as IDisposable)?.Dispose();
        }
    }

    private static void Summary(PolicyContract c)
    {
        var table = new Table().AddColumns("", "").HideHeaders();
        void Row(string name, string value) => table.AddRow(new Text(name), new Text(value));   // values are data, not markup
        Row("robot / task", $"{c.Robot} / {c.Task}");
        Row("joints", $"{c.JointCount}: {string.Join(", ", c.JointNames)}");
        Row("observation", c.PolicyGroup().ToString());
        Row("action", $"{c.Action.Reference}, scale {string.Join(" ", c.Action.Scale.Distinct())} rad");
        Row("control", $"{1 / c.Control.PolicyPeriod:0.#} Hz policy, decimation {c.Control.Decimation}");
        Row("commands", string.Join(", ", c.Commands.Select(x => $"{x.Name} [{x.Low:0.####}, {x.High:0.####}] {x.Unit}")));
        Row("inputs", c.Inputs.Length == 0 ? "joint states only" : string.Join("\n", c.Inputs.Select(Input)));
        if (c.Kinematics is { } k)
        {
            var moving = k.Joints.Where(j => j.Type != KinematicJointType.Fixed).Select(j => j.Name).ToList();
            Row("kinematics", $"{k.BaseLink} → {k.EeLink}: {k.Joints.Length} joints, {moving.Count} moving ({string.Join(", ", moving)})");
        }
        if (c.Workspace is { } w)
            Row("workspace", string.Join(", ", Enumerable.Range(0, 3).Select(i => $"{"xyz"[i]} [{w.Min[i]:0.###}, {w.Max[i]:0.###}]")) + $" m in {c.Kinematics?.BaseLink}");
        Row("stop", c.Stop switch
        {
            StopBehavior.Hold => "hold: every stop holds the last measured position with the trained drive",
            StopBehavior.Damp => "damp: faults and stop requests damp, the e-stop goes passive",
            _ => c.Stop.ToString(),
        });
        Row("contract / run / commit", $"{c.ContractVersion} / {c.Provenance.RunId} / {c.Provenance.SourceCommit}");
        AnsiConsole.Write(table);
    }

    // topic, message type, frame and freshness of one input, e.g. "target_pose: topic target_pose, geometry_msgs/msg/PoseStamped, frame base, held until replaced".
    private static string Input(PolicyInput i) =>
        $"{i.Name}: topic {i.Topic}, {i.Type}, {(i.Frame.Length == 0 ? "no frame check" : $"frame {i.Frame}")}, " +
        (i.MaxAge is { } age ? $"stale after {age * 1000:0.#} ms" : "held until replaced");

    // The repository's HEAD (with -dirty when the tree has changes), or "" when git or the repository is not there.
    private static string GitHead()
    {
        try
        {
            var info = new ProcessStartInfo("git", "describe --always --dirty --abbrev=40") { WorkingDirectory = TaskCatalog.Home, RedirectStandardOutput = true, RedirectStandardError = true };
            using var git = Process.Start(info)!;
            var head = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? head : "";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }
}
