using Google.Protobuf;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Runtime;
using Robotics.Training.Export.Onnx;

namespace Robotics.Deploy.Tests.Runtime;

/// <summary>
/// Small ONNX policies with known weights for the deploy tests, written with the exporter's proto
/// subset: obs [batch, in] → Gemm → (Elu → Gemm)* → actions [batch, out]; and contracts to go with them.
/// </summary>
internal static class TestPolicies
{
    /// <summary>
    /// A contract for <paramref name="joints"/> joints named j0, j1, … and an observation of width <paramref name="obsDim"/> made of
    /// measured terms: three-wide ones (projected_gravity, base_ang_vel, commands) and joint-wide ones (joint_pos, joint_vel, last_action).
    /// </summary>
    public static PolicyContract Contract(int joints, int obsDim)
    {
        string[] three = ["projected_gravity", "base_ang_vel", "commands"], perJoint = ["joint_pos", "joint_vel", "last_action"];
        var split = (from a in Enumerable.Range(0, 4) from b in Enumerable.Range(0, 4) where 3 * a + joints * b == obsDim select (a, b)).FirstOrDefault((-1, -1));
        if (split.Item1 < 0) throw new ArgumentException($"no layout of measured terms is {obsDim} wide for {joints} joints");
        var terms = three.Take(split.Item1).Select(t => new ObservationTerm(t, 3)).Concat(perJoint.Take(split.Item2).Select(t => new ObservationTerm(t, joints)))
            .Select(t => t with { Scale = 0.5f, Clip = 100 }).ToArray();
        return new()
        {
            Robot = "test_bot",
            Task = "test_task",
            JointNames = Enumerable.Range(0, joints).Select(i => $"j{i}").ToArray(),
            DefaultJointPos = Enumerable.Range(0, joints).Select(i => 0.05 * i).ToArray(),
            Action = new ActionSpec { Scale = Enumerable.Repeat(0.25, joints).ToArray(), Offset = new double[joints], Reference = ActionReference.Offset },
            Drive = new DriveSpec { Kp = Enumerable.Repeat(20.0, joints).ToArray(), Kd = Enumerable.Repeat(0.5, joints).ToArray(), TorqueLimit = Enumerable.Repeat(23.7, joints).ToArray() },
            Limits = new JointLimits { PositionLower = Enumerable.Repeat(-1.0, joints).ToArray(), PositionUpper = Enumerable.Repeat(1.0, joints).ToArray(), Velocity = Enumerable.Repeat(21.0, joints).ToArray() },
            Control = new ControlTiming { PolicyPeriod = 0.02, Decimation = 4 },
            Observation = terms,
            Commands = new[] { new CommandRange("vx", "m/s", -1, 1) },
            Inputs = PolicyInputs.Defaults(terms.Select(t => t.Name), ""),
            Provenance = new Provenance { RunId = "run_1", SourceCommit = "abc123" },
        };
    }

    /// <summary>Writes a model of the given layers to <paramref name="path"/> with <paramref name="contract"/>, stamped with the model's weights hash, as the exporter does.</summary>
    public static string Write(string path, PolicyContract contract, params (float[] W, float[] B, int In, int Out)[] layers)
    {
        var bare = Model(layers);
        var stamped = contract with { WeightsSha256 = WeightsHash.Compute(bare.ToByteArray(), contract.Observation, path) };
        return Write(path, stamped.ToJson(), layers);
    }

    /// <summary>
    /// Writes a model of the given layers (weights [out, in] row-major, biases [out]) to <paramref name="path"/>
    /// with <paramref name="contractJson"/> in the metadata as given (none when null; no weights hash added).
    /// </summary>
    public static string Write(string path, string? contractJson, params (float[] W, float[] B, int In, int Out)[] layers)
    {
        var model = Model(layers);
        if (contractJson is not null) model.MetadataProps.Add(new StringStringEntryProto { Key = PolicyContract.MetadataKey, Value = contractJson });
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    private static ModelProto Model((float[] W, float[] B, int In, int Out)[] layers)
    {
        var graph = new GraphProto { Name = "test" };
        graph.Input.Add(Value("obs", layers[0].In));
        graph.Output.Add(Value("actions", layers[^1].Out));
        string x = "obs";
        for (int i = 0; i < layers.Length; i++)
        {
            var (w, b, inDim, outDim) = layers[i];
            graph.Initializer.Add(Tensor($"w{i}", w, outDim, inDim));
            graph.Initializer.Add(Tensor($"b{i}", b, outDim));
            string y = i == layers.Length - 1 ? "actions" : $"h{i}";
            var gemm = new NodeProto { OpType = "Gemm", Name = $"gemm{i}" };
            gemm.Input.Add(new[] { x, $"w{i}", $"b{i}" });
            gemm.Output.Add(y);
            gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            graph.Node.Add(gemm);
            x = y;
            if (i == layers.Length - 1) break;
            var elu = new NodeProto { OpType = "Elu", Name = $"elu{i}" };
            elu.Input.Add(x);
            elu.Output.Add($"a{i}");
            graph.Node.Add(elu);
            x = $"a{i}";
        }
        var model = new ModelProto { IrVersion = 8, ProducerName = "tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model;
    }

    /// <summary>A random MLP in → hidden… → out with weights U(−1/√in, 1/√in) (seeded).</summary>
    public static (float[] W, float[] B, int In, int Out)[] RandomMlp(int seed, params int[] widths)
    {
        var rng = new Random(seed);
        var layers = new (float[], float[], int, int)[widths.Length - 1];
        for (int i = 0; i < layers.Length; i++)
        {
            int inDim = widths[i], outDim = widths[i + 1];
            float bound = 1f / MathF.Sqrt(inDim);
            layers[i] = (Enumerable.Range(0, inDim * outDim).Select(_ => (float)(rng.NextDouble() * 2 - 1) * bound).ToArray(),
                Enumerable.Range(0, outDim).Select(_ => (float)(rng.NextDouble() * 2 - 1) * bound).ToArray(), inDim, outDim);
        }
        return layers;
    }

    private static ValueInfoProto Value(string name, int width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }

    private static TensorProto Tensor(string name, float[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = 1 };
        t.Dims.Add(dims);
        t.FloatData.Add(values);
        return t;
    }
}
