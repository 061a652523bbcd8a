using Microsoft.ML.OnnxRuntime;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Runtime;
using Robotics.Training.Devices;
using Robotics.Training.Export;
using Robotics.Training.Export.Onnx;
using Robotics.Training.Models;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Export;

public class OnnxExporterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onnx-export-").FullName;

    private readonly Xunit.Abstractions.ITestOutputHelper _out;

    public OnnxExporterTests(Xunit.Abstractions.ITestOutputHelper output)
    {
        _out = output;
        TorchRuntime.Initialize(ComputeDevice.Cpu);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// A contract for an actor of <paramref name="obsDim"/> → <paramref name="joints"/>: measured terms that make up the width, three-wide
    /// (projected_gravity, base_ang_vel, commands) and joint-wide (joint_pos, joint_vel, last_action).
    /// </summary>
    internal static PolicyContract Contract(int obsDim, int joints)
    {
        string[] three = ["projected_gravity", "base_ang_vel", "commands"], perJoint = ["joint_pos", "joint_vel", "last_action"];
        var (a, b) = (from x in Enumerable.Range(0, 4) from y in Enumerable.Range(0, 4) where 3 * x + joints * y == obsDim select (x, y)).First();
        var terms = three.Take(a).Select(t => new ObservationTerm(t, 3)).Concat(perJoint.Take(b).Select(t => new ObservationTerm(t, joints))).ToArray();
        return new PolicyContract
        {
            Robot = "test_bot",
            Task = "test_task",
            JointNames = Enumerable.Range(0, joints).Select(i => $"j{i}").ToArray(),
            DefaultJointPos = new double[joints],
            Action = new ActionSpec { Scale = Enumerable.Repeat(0.25, joints).ToArray(), Offset = new double[joints], Reference = ActionReference.Offset },
            Drive = new DriveSpec { Kp = Enumerable.Repeat(20.0, joints).ToArray(), Kd = Enumerable.Repeat(0.5, joints).ToArray(), TorqueLimit = Enumerable.Repeat(23.7, joints).ToArray() },
            Limits = new JointLimits { PositionLower = Enumerable.Repeat(-1.0, joints).ToArray(), PositionUpper = Enumerable.Repeat(1.0, joints).ToArray(), Velocity = Enumerable.Repeat(21.0, joints).ToArray() },
            Control = new ControlTiming { PolicyPeriod = 0.02, Decimation = 4 },
            Observation = terms,
            Commands = Array.Empty<CommandRange>(),
            Inputs = PolicyInputs.Defaults(terms.Select(t => t.Name), ""),
            Provenance = new Provenance { RunId = "test_run", SourceCommit = "0123abc" },
        };
    }

    /// <summary>An actor whose normalizer has seen data far from N(0, 1): mean ≈ 3·i − 20, std ≈ 0.1 … 10.</summary>
    internal static GaussianActor TrainedLookingActor(int obsDim, int actDim, ActivationFunction activation, int seed)
    {
        manual_seed(seed);
        var actor = new GaussianActor(obsDim, actDim, new NetworkConfig { Hidden = new[] { 64, 32 }, Activation = activation });
        using var scope = NewDisposeScope();
        var scale = logspace(-1, 1, obsDim);               // [obsDim] 0.1 … 10
        var offset = arange(obsDim, dtype: float32) * 3 - 20;
        for (int i = 0; i < 3; i++) actor.Normalizer.Update(randn(256, obsDim) * scale + offset);
        actor.eval();
        return actor;
    }

    [Theory]
    [InlineData(ActivationFunction.Elu)]
    [InlineData(ActivationFunction.Tanh)]
    public void Onnx_matches_TorchSharp_on_1000_random_inputs(ActivationFunction activation)
    {
        const int obsDim = 45, actDim = 12, batch = 1000;
        using var actor = TrainedLookingActor(obsDim, actDim, activation, seed: 7);
        var path = Path.Combine(_dir, $"{activation}.onnx");
        OnnxExporter.Export(actor, Contract(obsDim, actDim), path);

        // Inputs spread like the data the normalizer saw, so normalization matters (and is checked).
        manual_seed(11);
        using var x = randn(batch, obsDim) * logspace(-1, 1, obsDim) + (arange(obsDim, dtype: float32) * 3 - 20);
        float[] expected;
        using (no_grad()) expected = actor.forward(x).data<float>().ToArray();
        var input = x.data<float>().ToArray();

        // ONNX Runtime at batch 1000 (the batch dimension is dynamic).
        using var session = new InferenceSession(path);
        using var value = OrtValue.CreateTensorValueFromMemory(input, new long[] { batch, obsDim });
        using var outputs = session.Run(new RunOptions(), new[] { "obs" }, new[] { value }, new[] { "actions" });
        var actual = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(batch * actDim, actual.Length);
        double maxDiff = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(maxDiff < 1e-5, $"max |ONNX − TorchSharp| = {maxDiff:E2} over {batch} inputs");
        _out.WriteLine($"{activation}: max |ONNX − TorchSharp| = {maxDiff:E2} over {batch} inputs × {actDim} actions");

        // Without the normalizer the outputs would be far off: the statistics are really in the graph.
        using var raw = actor.Network.forward(x);
        double unnormalized = raw.data<float>().ToArray().Zip(expected, (r, e) => Math.Abs(r - e)).Max();
        Assert.True(unnormalized > 1e-2, $"normalizer made no difference ({unnormalized:E2}); the test would not see it missing");

        // The deploy runtime at batch 1 gives the same actions.
        using var policy = OnnxPolicy.Load(path, Contract(obsDim, actDim).JointNames);
        var a = new float[actDim];
        for (int i = 0; i < 100; i++)
        {
            policy.Run(input.AsSpan(i * obsDim, obsDim), a);
            for (int k = 0; k < actDim; k++) Assert.True(Math.Abs(a[k] - expected[i * actDim + k]) < 1e-5, $"row {i}, action {k}: {a[k]} vs {expected[i * actDim + k]}");
        }
    }

    [Fact]
    public void The_file_is_ir8_opset17_with_a_dynamic_batch_and_the_contract_in_metadata()
    {
        using var actor = TrainedLookingActor(6, 2, ActivationFunction.Elu, seed: 1);
        var path = Path.Combine(_dir, "p.onnx");
        var contract = Contract(6, 2);
        OnnxExporter.Export(actor, contract, path);

        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        Assert.Equal(8, model.IrVersion);
        Assert.Equal(17, model.OpsetImport.Single(o => o.Domain == "").Version);
        var input = model.Graph.Input.Single();
        Assert.Equal("obs", input.Name);
        Assert.Equal("batch", input.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(6, input.Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Equal("actions", model.Graph.Output.Single().Name);
        Assert.Equal(2, model.Graph.Output.Single().Type.TensorType.Shape.Dim[1].DimValue);
        // Sub, Div (normalizer), then Gemm Elu Gemm Elu Gemm for hidden [64, 32].
        Assert.Equal(new[] { "Sub", "Div", "Gemm", "Elu", "Gemm", "Elu", "Gemm" }, model.Graph.Node.Select(n => n.OpType));
        var json = model.MetadataProps.Single(p => p.Key == PolicyContract.MetadataKey).Value;
        // The contract as given, stamped with the hash of the written weights and its observation layout.
        var hash = WeightsHash.Compute(File.ReadAllBytes(path), contract.Observation, path);
        Assert.Equal((contract with { WeightsSha256 = hash }).ToJson(), PolicyContract.FromJson(json, path).ToJson());
        Assert.Equal("test_run", OnnxPolicy.ReadContract(path).Provenance.RunId);
    }

    [Fact]
    public void A_contract_that_does_not_fit_the_actor_is_refused_by_name()
    {
        using var actor = TrainedLookingActor(6, 2, ActivationFunction.Elu, seed: 1);
        var e = Assert.Throws<ArgumentException>(() => OnnxExporter.Export(actor, Contract(7, 2), Path.Combine(_dir, "x.onnx")));
        Assert.Contains("width 7", e.Message);
        Assert.Contains("reads 6", e.Message);
        e = Assert.Throws<ArgumentException>(() => OnnxExporter.Export(actor, Contract(6, 3), Path.Combine(_dir, "x.onnx")));
        Assert.Contains("3 joints", e.Message);
        Assert.False(File.Exists(Path.Combine(_dir, "x.onnx")));
    }
}
