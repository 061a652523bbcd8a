using Robotics.Training.Algorithms;
using Robotics.Training.Models;
using static TorchSharp.torch;

namespace Robotics.Training.Runner;

/// <summary>
/// A trained policy read back from a run's checkpoint: the actor's deterministic path (normalizer + MLP,
/// no sampling), with its network shape taken from the run's config.json.
/// </summary>
public sealed class CheckpointPolicy : IDisposable
{
    private readonly GaussianActor _actor;

    private CheckpointPolicy(GaussianActor actor, string task, string[] taskOverrides, int policyDim, int actionDim, string? sourceCommit)
    {
        SourceCommit = sourceCommit;
        TaskOverrides = taskOverrides;
        _actor = actor;
        Task = task;
        PolicyDim = policyDim;
        ActionDim = actionDim;
    }

    /// <summary>The actor: normalizer and MLP (for export).</summary>
    public GaussianActor Actor => _actor;
    /// <summary>The task the run trained on (name or file, as given to train).</summary>
    public string Task { get; }
    /// <summary>The task-file settings the run applied over its task file (<c>train --set</c>); empty when none.</summary>
    public string[] TaskOverrides { get; }
    /// <summary>Width of the policy observation.</summary>
    public int PolicyDim { get; }
    /// <summary>Width of the action.</summary>
    public int ActionDim { get; }
    /// <summary>The commit of the binary that wrote this checkpoint, or null when the checkpoint does not say.</summary>
    public string? SourceCommit { get; }

    /// <summary>Loads <c>checkpoint_N/actor.pt</c> with the network described by the run's config.json (one folder up).</summary>
    /// <exception cref="UserError">The folder is not a checkpoint of a run, or its files do not fit together.</exception>
    public static CheckpointPolicy Load(string checkpointDir)
    {
        var dir = Path.GetFullPath(checkpointDir);
        var actorPath = Path.Combine(dir, "actor.pt");
        var configPath = Path.Combine(Path.GetDirectoryName(dir)!, TrainingRun.ConfigFile);
        if (!File.Exists(actorPath)) throw new UserError($"{dir}: no actor.pt (expected a checkpoint_N folder of a run)");
        if (!File.Exists(configPath)) throw new UserError($"{configPath} not found: a checkpoint is read with its run's config.json");
        var config = TrainingRun.ReadOptions(Path.GetDirectoryName(dir)!);
        var net = config.Network;
        int actionDim = config.ActionDim;
        int policyDim = config.GroupDim("policy");
        var actor = new GaussianActor(policyDim, actionDim, net);
        try
        {
            // Checked before libtorch reads it: against the manifest, or (a checkpoint older than manifests) by its length.
            if (!CheckpointManifest.Verify(dir)) RequireLength(actorPath, actor, configPath);
            try { actor.load(actorPath); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new UserError($"{actorPath} does not fit the network in {configPath} ({policyDim} → [{string.Join(", ", net.Hidden)}] → {actionDim}): {e.Message}", e);
            }
            CheckpointFiles.RequireFinite(actorPath, actor);
        }
        catch
        {
            actor.Dispose();
            throw;
        }
        actor.eval();
        var commitPath = Path.Combine(dir, TrainingRun.SourceCommitFile);
        var commit = File.Exists(commitPath) ? File.ReadAllText(commitPath).Trim() : null;
        return new CheckpointPolicy(actor, config.Task, config.TaskOverrides, policyDim, actionDim, commit is { Length: > 0 } ? commit : null);
    }

    // A module file's length is fixed by the network's shapes: this actor's own file is as long as a good one.
    private static void RequireLength(string actorPath, GaussianActor actor, string configPath)
    {
        var own = Path.Combine(Directory.CreateTempSubdirectory("robotics-actor-size-").FullName, "actor.pt");
        try
        {
            actor.save(own);
            long expected = new FileInfo(own).Length, actual = new FileInfo(actorPath).Length;
            if (actual != expected)
                throw new UserError($"{actorPath}: {actual} bytes, the network in {configPath} is {expected}: the file is truncated or is not of this network");
        }
        finally { Directory.Delete(Path.GetDirectoryName(own)!, recursive: true); }
    }

    /// <summary>
    /// The checkpoint folder for a run folder (its newest <c>checkpoint_N</c>) or a checkpoint folder (itself).
    /// </summary>
    /// <exception cref="UserError">Neither a checkpoint nor a run with one.</exception>
    public static string ResolveCheckpoint(string runOrCheckpointDir)
    {
        var dir = Path.GetFullPath(runOrCheckpointDir);
        if (!Directory.Exists(dir)) throw new UserError($"{dir}: no such folder");
        if (File.Exists(Path.Combine(dir, "actor.pt"))) return dir;
        var newest = Directory.GetDirectories(dir, "checkpoint_*")
            .Where(d => !d.EndsWith(".tmp", StringComparison.Ordinal) && File.Exists(Path.Combine(d, "actor.pt")))
            .OrderBy(d => d, StringComparer.Ordinal).LastOrDefault();
        return newest ?? throw new UserError($"{dir}: neither a checkpoint (no actor.pt) nor a run folder with a checkpoint_N inside");
    }

    /// <summary>Deterministic actions [N, actionDim] for observations [N, policyDim].</summary>
    public void Act(ReadOnlySpan<float> observations, Span<float> actions)
    {
        if (observations.Length % PolicyDim != 0) throw new ArgumentException($"observations of width {PolicyDim} expected; got {observations.Length} values");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var obs = tensor(observations.ToArray(), new long[] { observations.Length / PolicyDim, PolicyDim });
        _actor.forward(obs).data<float>().CopyTo(actions, 0, 0);
    }

    /// <inheritdoc/>
    public void Dispose() => _actor.Dispose();
}
