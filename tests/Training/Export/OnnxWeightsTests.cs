using Robotics.Deploy.Runtime;
using Robotics.Training.Devices;
using Robotics.Training.Export;
using Robotics.Training.Models;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Export;

/// <summary>The SIMD floor built from an .onnx file gives ONNX Runtime's actions.</summary>
public class OnnxWeightsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onnx-weights-").FullName;

    public OnnxWeightsTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // The real exported Go1 actor (45 → 512 → 256 → 128 → 12, ELU, normalized).
    [Fact]
    public void SimdMlp_read_from_the_go1_policy_matches_OnnxRuntime_within_1e5()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "models/go1_velocity.onnx");
        using var ort = OnnxPolicy.Load(path, OnnxPolicy.ReadContract(path).JointNames);
        var simd = OnnxWeights.ReadSimdMlp(path);
        Assert.Equal((45, 12), (simd.ObservationDim, simd.ActionDim));
        AssertSameActions(ort, simd, scale: 1, inputs: 1000);
        AssertSameActions(ort, simd, scale: 5, inputs: 200);   // far outside the training data too
    }

    // Exported actors of both activations, with a normalizer whose statistics are far from N(0, 1).
    [Theory]
    [InlineData(ActivationFunction.Elu)]
    [InlineData(ActivationFunction.Tanh)]
    public void SimdMlp_read_from_an_exported_actor_matches_OnnxRuntime(ActivationFunction activation)
    {
        using var actor = OnnxExporterTests.TrainedLookingActor(45, 12, activation, seed: 3);
        var path = Path.Combine(_dir, $"{activation}.onnx");
        OnnxExporter.Export(actor, OnnxExporterTests.Contract(45, 12), path);
        using var ort = OnnxPolicy.Load(path, OnnxExporterTests.Contract(45, 12).JointNames);
        AssertSameActions(ort, OnnxWeights.ReadSimdMlp(path), scale: 20, inputs: 500);
    }

    [Fact]
    public void A_file_that_is_not_the_exporters_mlp_is_refused_by_name()
    {
        var missing = Path.Combine(_dir, "none.onnx");
        Assert.Contains("not found", Assert.Throws<UserError>(() => OnnxWeights.ReadSimdMlp(missing)).Message);
        var garbage = Path.Combine(_dir, "garbage.onnx");
        File.WriteAllBytes(garbage, new byte[] { 0xff, 0xff, 0xff, 0xff, 0x0f });
        Assert.Contains("garbage.onnx", Assert.Throws<UserError>(() => OnnxWeights.ReadSimdMlp(garbage)).Message);
    }

    // Random observations uniform in [−scale, scale]; every action within 1e-5 of ONNX Runtime's, relative to
    // the action's size where it exceeds 1 (float32 sums in another order differ by a few ulps of the result).
    private static void AssertSameActions(IPolicy ort, IPolicy simd, float scale, int inputs)
    {
        var rng = new Random(42);
        var obs = new float[ort.ObservationDim];
        var a = new float[ort.ActionDim];
        var b = new float[ort.ActionDim];
        double maxDiff = 0, maxAction = 0;
        for (int i = 0; i < inputs; i++)
        {
            for (int k = 0; k < obs.Length; k++) obs[k] = scale * (float)(2 * rng.NextDouble() - 1);
            ort.Run(obs, a);
            simd.Run(obs, b);
            for (int k = 0; k < a.Length; k++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(a[k] - b[k]) / Math.Max(1, Math.Abs(a[k])));
                maxAction = Math.Max(maxAction, Math.Abs(a[k]));
            }
        }
        Assert.True(maxDiff <= 1e-5, $"max |ORT − SIMD| / max(1, |ORT|) = {maxDiff:E2} over {inputs} inputs (largest action {maxAction:0.00})");
        Assert.True(maxAction > 1e-2, $"actions all ≈ 0 (max {maxAction:E2}); the comparison would see nothing");
    }

}
