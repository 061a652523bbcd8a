using System.CommandLine;
using System.Diagnostics;
using Robotics.Deploy.Contract;
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
/// file is opened again through the deploy runtime's checks. <c>robotics inspect FILE</c> prints a
/// policy file's contract.
/// </summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "a run folder (its newest checkpoint_N) or a checkpoint_N folder", Required = true };
        var output = new Option<string?>("--out") { Description = "the ONNX file to write (default: policy.onnx in the checkpoint folder)" };
        var commit = new Option<string?>("--commit") { Description = "source commit to record (default: the one the checkpoint records, the commit of the binary that trained it; else git describe --always --dirty of the repository)" };
        var export = new Command("export", "Export a trained policy to ONNX (opset 17) with its policy contract in the metadata.") { checkpoint, output, commit };
        export.SetAction(r => Run(r.GetValue(checkpoint)!, r.GetValue(output), r.GetValue(commit)));
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

    private static void Summary(PolicyContract c)
    {
        var table = new Table().AddColumns("", "").HideHeaders();
        void Row(string name, string value) => table.AddRow(new Text(name), new Text(value));   // values are data, not markup
        Row("robot / task", $"{c.Robot} / {c.Task}");
        Row("joints", $"{c.JointCount}: {string.Join(", ", c.JointNames)}");
        Row("observation", c.PolicyGroup().ToString());
        Row("action", $"{c.Action.Reference}, scale {string.Join(" ", c.Action.Scale.Distinct())} rad");
        Row("control", $"{1 / c.Control.PolicyPeriod:0.#} Hz policy, decimation {c.Control.Decimation}");
        Row("commands", string.Join(", ", c.Commands.Select(x => $"{x.Name} [{x.Low}, {x.High}] {x.Unit}")));
        Row("run / commit", $"{c.Provenance.RunId} / {c.Provenance.SourceCommit}");
        AnsiConsole.Write(table);
    }

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
