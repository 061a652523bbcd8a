using Robotics.Deploy.Contract;
using Robotics.Training.Algorithms;
using Robotics.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Runner;

/// <summary>
/// <c>train --init-from</c> across observation layouts: a checkpoint of a task whose observation groups differ (the
/// flat Go1's critic, fine-tuned on rough terrain whose critic adds <c>height_scan</c>) starts a network term by term.
/// </summary>
/// <remarks>
/// Terms are matched by name and width (a term whose scale changed keeps its weights, its normalizer statistics rescaled).
/// A term the source lacks gets zero input weights and a unit normalizer, so the network at iteration 0 computes exactly
/// what the source computed on the terms both have, and learns to use the new one; a term the target lacks is dropped.
/// The optimizer then starts fresh (Adam's moments belong to the old shapes); the learning rate, the generator and the
/// regularizers come from the checkpoint as in a plain <c>--init-from</c>.
/// </remarks>
// DESIGN: a fresh critic (only the actor copied) was rejected: its value estimates are noise for the first iterations,
// and advantages built on them push a trained policy off its gait before the critic has caught up.
public static class InitFrom
{
    /// <summary>The observation groups recorded in the config.json of the run <paramref name="checkpoint"/> belongs to; null when it has none.</summary>
    public static IReadOnlyList<RunObservationGroup>? SourceGroups(string checkpoint)
    {
        var config = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpoint).TrimEnd(Path.DirectorySeparatorChar)) ?? ".", TrainingRun.ConfigFile);
        return File.Exists(config) ? RunConfig.Read(config).ObservationGroups : null;
    }

    /// <summary>Whether <paramref name="source"/> and <paramref name="target"/> have the same terms in the same order.</summary>
    public static bool SameLayout(RunObservationGroup source, RunObservationGroup target) =>
        source.Terms.Count == target.Terms.Count && source.Terms.Zip(target.Terms).All(p => p.First == p.Second);

    /// <summary>Whether the actor's and the critic's groups have the same layout in both runs (a plain <c>--init-from</c>).</summary>
    public static bool NetworksSeeTheSame(IReadOnlyList<RunObservationGroup> source, IReadOnlyList<RunObservationGroup> target) =>
        SameLayout(Group(source, ObservationGroup.Policy), Group(target, ObservationGroup.Policy)) && SameLayout(CriticGroup(source), CriticGroup(target));

    /// <summary>
    /// For each column of <paramref name="target"/>, the column of <paramref name="source"/> holding the same term's
    /// element and the factor from the source's scaled value to the target's; −1 where the source lacks the term.
    /// </summary>
    public static (int[] Column, float[] Factor) ColumnMap(RunObservationGroup source, RunObservationGroup target)
    {
        var offsets = new Dictionary<string, (int Offset, RunObservationTerm Term)>();
        int at = 0;
        foreach (var t in source.Terms) { offsets[t.Name] = (at, t); at += t.Width; }
        var column = new int[target.Dim];
        var factor = new float[target.Dim];
        int c = 0;
        foreach (var t in target.Terms)
        {
            bool found = offsets.TryGetValue(t.Name, out var s) && s.Term.Width == t.Width;
            for (int k = 0; k < t.Width; k++, c++)
            {
                column[c] = found ? s.Offset + k : -1;
                factor[c] = found ? t.Scale / s.Term.Scale : 1f;
            }
        }
        return (column, factor);
    }

    /// <summary>
    /// Loads the actor and critic of <paramref name="checkpoint"/> into <paramref name="state"/>, mapping each network's
    /// inputs by term from <paramref name="source"/> to <paramref name="target"/> (the run's and the checkpoint's groups).
    /// Returns what it did, one line for the run's notes.
    /// </summary>
    /// <exception cref="UserError">A network's file does not fit even after the mapping (other hidden widths, another action width).</exception>
    public static string Transplant(string checkpoint, AlgorithmState state, IReadOnlyList<RunObservationGroup> source, IReadOnlyList<RunObservationGroup> target)
    {
        var spec = state.Spec;
        var lines = new List<string>();
        var (policySource, policyTarget) = (Group(source, ObservationGroup.Policy), Group(target, ObservationGroup.Policy));
        Copy(checkpoint, "actor", state.Actor, new GaussianActor(policySource.Dim, spec.ActionDim, spec.Network), policySource, policyTarget, state.Actor.NormalizeObservations, lines);
        if (state.Critic is { } critic)
        {
            var (criticSource, criticTarget) = (CriticGroup(source), CriticGroup(target));
            Copy(checkpoint, "critic", critic, new Critic(criticSource.Dim, spec.Network), criticSource, criticTarget, critic.NormalizeObservations, lines);
        }
        // Adam's moments have the old shapes; what has none (learning rate, generator, regularizers) comes along.
        state.LoadAllButNetworks(checkpoint);
        return $"--init-from {checkpoint}: observations differ from that run's; {string.Join("; ", lines)}. " +
               "New inputs start with zero weights (the networks begin as that run's); the optimizer starts fresh";
    }

    /// <summary>Whether <paramref name="path"/> names an exported policy (<c>.onnx</c>) rather than a checkpoint folder.</summary>
    public static bool IsPolicyFile(string path) => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Loads the actor of the exported policy <paramref name="onnx"/> into <paramref name="state"/>: its layers and its
    /// normalizer, as if from <see cref="PolicyFileSamples"/> samples. Its policy terms must be <paramref name="policy"/>'s (names,
    /// widths, scales, in order) and its layers this run's network. The noise σ stays the run's <c>--init-noise</c> and the
    /// critic fresh (an .onnx file carries neither): <see cref="Algorithms.CriticWarmup"/> fits the critic first. Returns one line for the run's notes.
    /// </summary>
    /// <exception cref="UserError">The file is not the exporter's, or its observations or layers do not fit this run.</exception>
    public static string FromPolicyFile(string onnx, AlgorithmState state, RunObservationGroup policy)
    {
        var (shape, run) = LoadActor(onnx, state.Actor, state.Spec.Network.Activation, policy);
        using var sigma = state.Actor.LogStd.mean().exp();
        return $"--init-from {Path.GetFullPath(onnx)}: the actor ({shape}) and its normalizer from the exported policy of run {run}; " +
               $"noise σ {sigma.item<float>():0.###} (--init-noise); the critic is new";
    }

    /// <summary>
    /// Loads the layers and normalizer of the exported policy <paramref name="onnx"/> into <paramref name="actor"/>, whose hidden
    /// layers use <paramref name="activation"/>; the policy's terms must be <paramref name="policy"/>'s. Returns the layer widths
    /// (<c>45→512→256→128→12</c>) and the policy's training run.
    /// </summary>
    /// <exception cref="UserError">The file is not the exporter's, or its observations or layers do not fit.</exception>
    public static (string Shape, string Run) LoadActor(string onnx, GaussianActor actor, ActivationFunction activation, RunObservationGroup policy)
    {
        var file = Path.GetFullPath(onnx);
        var contract = Robotics.Deploy.Runtime.OnnxPolicy.ReadContract(file);
        string Terms(IEnumerable<(string Name, int Width, float Scale)> terms) => string.Join(", ", terms.Select(t => $"{t.Name} [{t.Width}] ×{t.Scale:g4}"));
        var theirs = contract.Observation.Select(t => (t.Name, t.Width, t.Scale)).ToArray();
        var ours = policy.Terms.Select(t => (t.Name, t.Width, t.Scale)).ToArray();
        if (!theirs.SequenceEqual(ours))
            throw new UserError($"--init-from {file}: the policy observes {Terms(theirs)}; this run's policy group is {Terms(ours)}");

        var (mean, std, layers) = Export.OnnxWeights.Read(file);
        var linears = actor.Network.children().OfType<TorchSharp.Modules.Linear>().ToArray();
        string Shape(IEnumerable<long> widths) => string.Join("→", widths);
        var want = linears.Select(l => l.weight!.shape[1]).Append(linears[^1].weight!.shape[0]);
        var have = layers.Select(l => (long)l.In).Append(layers[^1].Out);
        if (!want.SequenceEqual(have))
            throw new UserError($"--init-from {file}: its actor is {Shape(have)}, this run's {Shape(want)} (set --hidden to the policy's hidden widths)");
        var hidden = activation == ActivationFunction.Tanh ? Robotics.Deploy.Runtime.MlpActivation.Tanh : Robotics.Deploy.Runtime.MlpActivation.Elu;
        if (layers.SkipLast(1).Any(l => l.Activation != hidden))
            throw new UserError($"--init-from {file}: its hidden layers use {layers[0].Activation}, this run's {activation}");
        if (actor.NormalizeObservations != mean is not null)
            throw new UserError($"--init-from {file}: the policy {(mean is null ? "has no" : "has an")} observation normalizer; this run's actor {(actor.NormalizeObservations ? "has" : "has none")}");

        using (no_grad())
            for (int k = 0; k < linears.Length; k++)
            {
                using var w = tensor(layers[k].Weight).reshape(layers[k].Out, layers[k].In);
                using var b = tensor(layers[k].Bias);
                linears[k].weight!.copy_(w);
                linears[k].bias!.copy_(b);
            }
        if (mean is not null)
        {
            // The file holds √(σ² + ε); the normalizer keeps σ².
            float eps = actor.Normalizer.Epsilon;
            actor.Normalizer.Load(mean, std!.Select(d => Math.Max(0f, d * d - eps)).ToArray(), PolicyFileSamples);
        }
        return (Shape(have), contract.Provenance.RunId);
    }

    /// <summary>The sample count an exported policy's normalizer statistics are given: large, so that fine-tuning moves them slowly.</summary>
    public const double PolicyFileSamples = 1e6;

    private static RunObservationGroup Group(IReadOnlyList<RunObservationGroup> groups, string name) =>
        groups.FirstOrDefault(g => g.Name == name) ?? throw new UserError($"--init-from: no observation group '{name}' in the checkpoint's run");

    // The critic reads the policy group when a task has no critic group (as TrainingSession builds it).
    private static RunObservationGroup CriticGroup(IReadOnlyList<RunObservationGroup> groups) =>
        groups.FirstOrDefault(g => g.Name == ObservationGroup.Critic) ?? Group(groups, ObservationGroup.Policy);

    private static void Copy(string checkpoint, string name, nn.Module into, nn.Module scratch, RunObservationGroup source, RunObservationGroup target, bool normalized, List<string> lines)
    {
        using (scratch)
        {
            CheckpointFiles.Load(checkpoint, name, scratch);
            var from = scratch.state_dict();
            var to = into.state_dict();
            var (column, factor) = ColumnMap(source, target);
            using var _ = no_grad();
            foreach (var (key, dst) in to)
            {
                if (!from.TryGetValue(key, out var src)) throw new UserError($"{Path.Combine(checkpoint, name + ".pt")}: no '{key}'");
                if (src.shape.SequenceEqual(dst.shape)) dst.copy_(src);
                else if (src.dim() == 1 && src.shape[0] == source.Dim && dst.shape[0] == target.Dim) CopyNormalizer(key, src, dst, column, factor);
                else if (src.dim() == 2 && src.shape[1] == source.Dim && dst.shape[1] == target.Dim && src.shape[0] == dst.shape[0]) CopyInputWeights(src, dst, column, normalized ? null : factor);
                else throw new UserError($"{Path.Combine(checkpoint, name + ".pt")}: '{key}' is [{string.Join(", ", src.shape)}], this run's is [{string.Join(", ", dst.shape)}]: not only the observations differ");
            }
        }
        if (SameLayout(source, target)) { lines.Add($"{name}: as is"); return; }
        var added = target.Terms.Where(t => !source.Terms.Any(s => s.Name == t.Name && s.Width == t.Width)).Select(t => $"{t.Name} [{t.Width}]").ToArray();
        var dropped = source.Terms.Where(s => !target.Terms.Any(t => t.Name == s.Name && t.Width == s.Width)).Select(s => $"{s.Name} [{s.Width}]").ToArray();
        lines.Add($"{name}: {source.Dim} → {target.Dim} inputs, new {(added.Length > 0 ? string.Join(", ", added) : "none")}, dropped {(dropped.Length > 0 ? string.Join(", ", dropped) : "none")}");
    }

    // Normalizer buffers ([dim]): a term's statistics follow it and rescale with it; a new term's are the identity (mean 0, variance 1).
    private static void CopyNormalizer(string key, Tensor src, Tensor dst, int[] column, float[] factor)
    {
        bool variance = key.EndsWith(".var", StringComparison.Ordinal);
        var s = src.to(float32).data<float>().ToArray();
        var d = new float[column.Length];
        for (int c = 0; c < column.Length; c++)
            d[c] = column[c] < 0 ? (variance ? 1f : 0f) : s[column[c]] * (variance ? factor[c] * factor[c] : factor[c]);
        using var t = tensor(d).to(dst.dtype);
        dst.copy_(t);
    }

    // The first layer's weights ([out, dim]): a term's columns follow it (divided by its rescaling when no normalizer
    // absorbs that); a new term's are zero, so it changes nothing yet.
    private static void CopyInputWeights(Tensor src, Tensor dst, int[] column, float[]? factor)
    {
        dst.zero_();
        for (int c = 0; c < column.Length; c++)
            if (column[c] >= 0)
            {
                using var col = src.select(1, column[c]);
                using var into = dst.select(1, c);
                into.copy_(col);
                if (factor is not null) into.div_(factor[c]);
            }
    }
}
