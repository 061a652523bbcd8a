using System.Reflection;
using Google.Protobuf;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Runtime;
using Robotics.Training.Export.Onnx;
using Robotics.Training.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Robotics.Training.Export;

/// <summary>
/// Writes the actor's deterministic path as an ONNX model with its <see cref="PolicyContract"/> in the
/// metadata, the contract stamped with the <see cref="WeightsHash"/> of the graph's initializers and its observation layout: input <c>obs</c> [batch, obsDim] → (x − μ) / √(σ² + ε) (when the actor normalizes) →
/// Gemm → Elu|Tanh → … → Gemm → output <c>actions</c> [batch, actDim]. Standard operators only,
/// opset 17, IR version 8, weights as float initializers; no Python, no onnx package. The graph's
/// input and output names are the ones <see cref="OnnxPolicy"/> binds.
/// </summary>
// DESIGN: normalization stays two nodes (Sub, Div) instead of being folded into the first Gemm
// (W' = W / σ, b' = b − W'μ): folding rounds differently from the training graph, and where σ is small
// the difference exceeds the 1e-5 the parity tests hold the export to. Two element-wise ops on 45
// values cost nothing next to the Gemms.
public static class OnnxExporter
{
    /// <summary>Operator set of the default domain the graph binds to.</summary>
    public const int Opset = 17;

    /// <summary>IR version: 8 is the one released with opset 17 (ONNX 1.12); runtimes reject an IR older than an opset needs.</summary>
    public const long IrVersion = 8;

    /// <summary>Writes <paramref name="actor"/> and <paramref name="contract"/> to <paramref name="path"/> (atomically: a temp file, then a rename).</summary>
    /// <exception cref="ArgumentException">The contract's observation width or joint count does not fit the actor.</exception>
    public static void Export(GaussianActor actor, PolicyContract contract, string path)
    {
        var bytes = Build(actor, contract).ToByteArray();
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>The ONNX model of <paramref name="actor"/>'s deterministic path with <paramref name="contract"/> in its metadata.</summary>
    internal static ModelProto Build(GaussianActor actor, PolicyContract contract)
    {
        ArgumentNullException.ThrowIfNull(actor);
        contract.Validate();
        using var _ = no_grad();
        using var scope = NewDisposeScope();

        // The MLP's layers in order: Linear weights [out, in] and biases [out], activations between.
        var layers = new List<(float[] W, float[] B, int In, int Out)>();
        var activations = new List<(string Op, float Alpha)>();
        foreach (var (name, module) in actor.Network.named_children())
        {
            switch (module)
            {
                case Linear linear:
                    var w = linear.weight.detach().cpu().contiguous();
                    var b = linear.bias?.detach().cpu().contiguous() ?? zeros(w.shape[0]);
                    layers.Add((w.data<float>().ToArray(), b.data<float>().ToArray(), (int)w.shape[1], (int)w.shape[0]));
                    break;
                case ELU elu: activations.Add(("Elu", (float)elu.alpha)); break;
                case Tanh: activations.Add(("Tanh", 0)); break;
                default: throw new NotSupportedException($"actor layer '{name}' ({module.GetType().Name}) has no ONNX export; Linear, ELU and Tanh do");
            }
        }
        if (layers.Count != activations.Count + 1) throw new NotSupportedException($"actor MLP has {layers.Count} linear layers and {activations.Count} activations; expected one activation between each pair");
        int obsDim = layers[0].In, actDim = layers[^1].Out;
        if (contract.ObservationDim != obsDim)
            throw new ArgumentException($"policy contract: the observation layout has width {contract.ObservationDim} ({contract.PolicyGroup()}), but the actor reads {obsDim}");
        if (contract.JointCount != actDim)
            throw new ArgumentException($"policy contract: {contract.JointCount} joints ({string.Join(", ", contract.JointNames)}), but the actor writes {actDim} actions");

        var graph = new GraphProto { Name = "policy", DocString = $"actor of {contract.Task}: normalizer + MLP, deterministic (mean action)" };
        graph.Input.Add(Value(OnnxPolicy.InputName, obsDim));
        graph.Output.Add(Value(OnnxPolicy.OutputName, actDim));
        string x = OnnxPolicy.InputName;

        // Normalization as the normalizer computes it, in float32: (x − mean) / sqrt(var + ε); the divisor
        // is evaluated by the same torch operation, so ONNX divides by exactly the same numbers.
        if (actor.NormalizeObservations)
        {
            var n = actor.Normalizer;
            graph.Initializer.Add(Tensor("obs_mean", n.Mean.detach().cpu().to_type(ScalarType.Float32).data<float>().ToArray(), obsDim));
            graph.Initializer.Add(Tensor("obs_std", sqrt(n.Variance.detach().cpu() + n.Epsilon).to_type(ScalarType.Float32).data<float>().ToArray(), obsDim));
            graph.Node.Add(Node("Sub", "normalize_sub", new[] { x, "obs_mean" }, "obs_centered"));
            graph.Node.Add(Node("Div", "normalize_div", new[] { "obs_centered", "obs_std" }, "obs_normalized"));
            x = "obs_normalized";
        }

        // Gemm computes x · Wᵀ + b with transB = 1, the torch Linear's layout; the last one is the output.
        for (int i = 0; i < layers.Count; i++)
        {
            var (w, b, inDim, outDim) = layers[i];
            bool last = i == layers.Count - 1;
            graph.Initializer.Add(Tensor($"linear{i}.weight", w, outDim, inDim));
            graph.Initializer.Add(Tensor($"linear{i}.bias", b, outDim));
            string y = last ? OnnxPolicy.OutputName : $"linear{i}";
            var gemm = Node("Gemm", $"gemm{i}", new[] { x, $"linear{i}.weight", $"linear{i}.bias" }, y);
            gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            graph.Node.Add(gemm);
            x = y;
            if (last) break;
            var (op, alpha) = activations[i];
            var act = Node(op, $"{op.ToLowerInvariant()}{i}", new[] { x }, $"act{i}");
            if (op == "Elu") act.Attribute.Add(new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, F = alpha });
            graph.Node.Add(act);
            x = $"act{i}";
        }

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "robotics",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0",
            Domain = "robotics.policy",
            ModelVersion = 1,
            DocString = $"{contract.Robot} policy for {contract.Task}; run {contract.Provenance.RunId}, commit {contract.Provenance.SourceCommit}",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        // The hash reads the initializers only, so the model without its metadata gives the file's.
        var stamped = contract with { WeightsSha256 = WeightsHash.Compute(model.ToByteArray(), contract.Observation, "(export)") };
        model.MetadataProps.Add(new StringStringEntryProto { Key = PolicyContract.MetadataKey, Value = stamped.ToJson() });
        return model;
    }

    private static ValueInfoProto Value(string name, int width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static TensorProto Tensor(string name, float[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.Add(dims);
        t.FloatData.Add(values);
        return t;
    }

    private static NodeProto Node(string op, string name, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.Add(inputs);
        node.Output.Add(output);
        return node;
    }
}
