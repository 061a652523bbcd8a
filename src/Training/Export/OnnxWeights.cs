using System.Buffers.Binary;
using Google.Protobuf;
using Robotics.Deploy.Runtime;
using Robotics.Training.Export.Onnx;

namespace Robotics.Training.Export;

/// <summary>
/// Reads the weights of a policy written by <see cref="OnnxExporter"/> back out of the .onnx file and
/// builds the same network as a <see cref="SimdMlp"/> (the floor of the inference benchmark). Only the
/// graph the exporter writes is understood: obs → [Sub(mean), Div(std)] → Gemm(transB = 1) →
/// (Elu|Tanh → Gemm)* → actions; anything else is refused with the node named.
/// </summary>
// DESIGN: the reader lives in Training, beside the generated proto subset it parses; Deploy reads only the
// initializers' bytes for the weights hash (WeightsHash, with Google.Protobuf's stream reader), and SimdMlp takes plain arrays.
public static class OnnxWeights
{
    /// <summary>The network in <paramref name="path"/> as a <see cref="SimdMlp"/>.</summary>
    /// <exception cref="UserError">The file is missing, not ONNX, or its graph is not the exporter's MLP; the message names the file and the node or tensor.</exception>
    public static SimdMlp ReadSimdMlp(string path)
    {
        var (mean, std, layers) = Read(path);
        try { return new SimdMlp(mean, std, layers); }
        catch (ArgumentException e) { throw new UserError($"{Path.GetFullPath(path)}: {e.Message}", e); }
    }

    /// <summary>
    /// The exporter's network in <paramref name="path"/>: the normalizer's mean and divisor √(σ² + ε) (null when it
    /// has none), each [obsDim], and the layers from observations to actions.
    /// </summary>
    /// <exception cref="UserError">The file is missing, not ONNX, or its graph is not the exporter's MLP; the message names the file and the node or tensor.</exception>
    public static (float[]? Mean, float[]? Std, IReadOnlyList<MlpLayer> Layers) Read(string path)
    {
        var file = Path.GetFullPath(path);
        if (!File.Exists(file)) throw new UserError($"policy file not found: {file}");
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(file)); }
        catch (InvalidProtocolBufferException e) { throw new UserError($"{file}: not an ONNX model: {e.Message}", e); }
        var graph = model.Graph ?? throw new UserError($"{file}: the model has no graph");
        var initializers = graph.Initializer.ToDictionary(t => t.Name);

        // Walk the nodes in order, following the one value that flows from obs to actions.
        float[]? mean = null, std = null;
        var layers = new List<MlpLayer>();
        string x = OnnxPolicy.InputName;
        foreach (var node in graph.Node)
        {
            string where = $"{file}: node '{node.Name}' ({node.OpType})";
            if (node.Input.Count == 0 || node.Input[0] != x || node.Output.Count != 1)
                throw new UserError($"{where} does not continue the chain from '{x}'; only the exporter's MLP is understood");
            switch (node.OpType)
            {
                case "Sub" when layers.Count == 0 && mean is null:
                    mean = Floats(initializers, node.Input[1], where);
                    break;
                case "Div" when layers.Count == 0 && mean is not null && std is null:
                    std = Floats(initializers, node.Input[1], where);
                    break;
                case "Gemm":
                    if (node.Input.Count != 3 || Int(node, "transB", 0) != 1 || Int(node, "transA", 0) != 0 || Float(node, "alpha", 1) != 1 || Float(node, "beta", 1) != 1)
                        throw new UserError($"{where}: expected Gemm(x, W, b) with transB = 1, transA = 0, alpha = beta = 1");
                    var (w, dims) = Tensor(initializers, node.Input[1], where);
                    if (dims.Length != 2) throw new UserError($"{where}: weight '{node.Input[1]}' has {dims.Length} dimensions; expected [out, in]");
                    var b = Floats(initializers, node.Input[2], where);
                    layers.Add(new MlpLayer(w, b, (int)dims[1], (int)dims[0]));
                    break;
                case "Elu" or "Tanh" when layers.Count > 0:
                    var activation = node.OpType == "Elu" ? MlpActivation.Elu : MlpActivation.Tanh;
                    layers[^1] = layers[^1] with { Activation = activation, Alpha = Float(node, "alpha", 1) };
                    break;
                default:
                    throw new UserError($"{where}: not part of the exporter's MLP (Sub, Div, Gemm, Elu, Tanh in that order)");
            }
            x = node.Output[0];
        }
        if (x != OnnxPolicy.OutputName) throw new UserError($"{file}: the chain of nodes ends at '{x}', not at the output '{OnnxPolicy.OutputName}'");
        if (layers.Count == 0) throw new UserError($"{file}: no Gemm layers");
        if (mean is not null && std is null) throw new UserError($"{file}: normalization has Sub but no Div");
        return (mean, std, layers);
    }

    private static float[] Floats(Dictionary<string, TensorProto> initializers, string name, string where) => Tensor(initializers, name, where).Values;

    // A float initializer's values, from float_data or little-endian raw_data, checked against its dims.
    private static (float[] Values, long[] Dims) Tensor(Dictionary<string, TensorProto> initializers, string name, string where)
    {
        if (!initializers.TryGetValue(name, out var t)) throw new UserError($"{where}: input '{name}' is not an initializer");
        if (t.DataType != (int)TensorProto.Types.DataType.Float) throw new UserError($"{where}: initializer '{name}' has data type {t.DataType}; expected FLOAT (1)");
        float[] values;
        if (t.FloatData.Count > 0) values = t.FloatData.ToArray();
        else
        {
            var raw = t.RawData.Span;
            if (raw.Length % 4 != 0) throw new UserError($"{where}: initializer '{name}' raw_data has {raw.Length} bytes, not a whole number of floats");
            values = new float[raw.Length / 4];
            for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]);
        }
        var dims = t.Dims.ToArray();
        long count = dims.Aggregate(1L, (a, d) => a * d);
        if (count != values.Length) throw new UserError($"{where}: initializer '{name}' has {values.Length} values; its dims [{string.Join(", ", dims)}] need {count}");
        return (values, dims);
    }

    private static long Int(NodeProto node, string name, long fallback) => node.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? fallback;

    private static float Float(NodeProto node, string name, float fallback) => node.Attribute.FirstOrDefault(a => a.Name == name)?.F ?? fallback;
}
