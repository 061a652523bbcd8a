using Robotics.Deploy.Runtime;

namespace Robotics.Deploy.Tests.Runtime;

public class SimdMlpTests
{
    // mean [1, 2], std [2, 4]; layer 0: W [[1, 1], [1, −1], [0, 2]], b [0, 0, −1]; layer 1: W [[1, 1, 1]], b [0.1].
    private static SimdMlp Tiny(MlpActivation activation) => new(new[] { 1f, 2f }, new[] { 2f, 4f }, new[]
    {
        new MlpLayer(new[] { 1f, 1f, 1f, -1f, 0f, 2f }, new[] { 0f, 0f, -1f }, 2, 3, activation),
        new MlpLayer(new[] { 1f, 1f, 1f }, new[] { 0.1f }, 3, 1),
    });

    [Fact]
    public void Tiny_network_gives_the_hand_computed_action()
    {
        // obs [3, 0] → x = [(3 − 1)/2, (0 − 2)/4] = [1, −0.5]
        // h = W·x + b = [1 − 0.5, 1 + 0.5, 0 − 1 − 1] = [0.5, 1.5, −2]
        // ELU: [0.5, 1.5, e⁻² − 1 = −0.864664717]; y = 0.5 + 1.5 − 0.864664717 + 0.1 = 1.235335283
        // tanh: [0.462117157, 0.905148254, −0.964027580]; y = 0.403237831 + 0.1 = 0.503237831
        var y = new float[1];
        Tiny(MlpActivation.Elu).Run(new[] { 3f, 0f }, y);
        Assert.Equal(1.235335283, y[0], 1e-6);
        Tiny(MlpActivation.Tanh).Run(new[] { 3f, 0f }, y);
        Assert.Equal(0.503237831, y[0], 1e-6);
    }

    // 37 → 21 → 5: widths that are not multiples of 16 (padding) nor of 4 (the one-row tail).
    [Fact]
    public void Odd_widths_match_a_scalar_forward()
    {
        var rng = new Random(5);
        float[] R(int n, double s) => Enumerable.Range(0, n).Select(_ => (float)(s * (2 * rng.NextDouble() - 1))).ToArray();
        var mean = R(37, 3);
        var std = R(37, 1).Select(v => 0.1f + Math.Abs(v)).ToArray();
        var w0 = R(21 * 37, 0.5); var b0 = R(21, 0.5);
        var w1 = R(5 * 21, 0.5); var b1 = R(5, 0.5);
        var mlp = new SimdMlp(mean, std, new[] { new MlpLayer(w0, b0, 37, 21, MlpActivation.Elu, 0.7f), new MlpLayer(w1, b1, 21, 5) });

        var y = new float[5];
        for (int trial = 0; trial < 20; trial++)
        {
            var obs = R(37, 5);
            mlp.Run(obs, y);
            // The same forward in double, loop by loop.
            var h = new double[21];
            for (int o = 0; o < 21; o++)
            {
                double s = b0[o];
                for (int k = 0; k < 37; k++) s += w0[o * 37 + k] * ((obs[k] - mean[k]) / (double)std[k]);
                h[o] = s > 0 ? s : 0.7 * (Math.Exp(s) - 1);
            }
            for (int o = 0; o < 5; o++)
            {
                double s = b1[o];
                for (int k = 0; k < 21; k++) s += w1[o * 21 + k] * h[k];
                Assert.True(Math.Abs(s - y[o]) < 1e-4, $"trial {trial}, output {o}: SIMD {y[o]} vs scalar {s}");
            }
        }
    }

    [Fact]
    public void Run_allocates_nothing()
    {
        var rng = new Random(1);
        float[] R(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var mlp = new SimdMlp(R(45), R(45).Select(v => 1 + v).ToArray(), new[]
        {
            new MlpLayer(R(512 * 45), R(512), 45, 512), new MlpLayer(R(256 * 512), R(256), 512, 256),
            new MlpLayer(R(128 * 256), R(128), 256, 128), new MlpLayer(R(12 * 128), R(12), 128, 12),
        });
        var obs = R(45);
        var act = new float[12];
        for (int i = 0; i < 200; i++) mlp.Run(obs, act);   // JIT first
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) mlp.Run(obs, act);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Contains(act, a => a != 0);
    }

    [Fact]
    public void Bad_shapes_are_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => new SimdMlp(null, null, new[] { new MlpLayer(new float[5], new float[2], 3, 2) }));
        Assert.Contains("layer 0 Weight has 5", e.Message);
        e = Assert.Throws<ArgumentException>(() => new SimdMlp(null, null, new[] { new MlpLayer(new float[6], new float[2], 3, 2), new MlpLayer(new float[3], new float[1], 3, 1) }));
        Assert.Contains("layer 1 reads 3 values but layer 0 writes 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => new SimdMlp(new float[3], new[] { 1f, 0f, 1f }, new[] { new MlpLayer(new float[6], new float[2], 3, 2) }));
        Assert.Contains("std[1] = 0", e.Message);
        var y = new float[1];
        e = Assert.Throws<ArgumentException>(() => Tiny(MlpActivation.Elu).Run(new float[3], y));
        Assert.Contains("observation has 3 values", e.Message);
    }
}
