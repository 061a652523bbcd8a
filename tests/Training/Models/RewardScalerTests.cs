using Robotics.Training.Devices;
using Robotics.Training.Models;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Models;

public class RewardScalerTests
{
    public RewardScalerTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    [Fact]
    public void Two_steps_by_hand()
    {
        // γ = 0.5, two environments; environment 1's episode ends after step 1.
        // Step 1: R = [1, 3] → mean 2, population variance 1 → scaled r = r / √(1 + ε) = [1, 3]. R becomes [1, 0].
        // Step 2: r = [2, 0] → R = [0.5·1 + 2, 0.5·0 + 0] = [2.5, 0]. All R seen: {1, 3, 2.5, 0}: mean 6.5/4 = 1.625,
        // squared deviations 0.390625 + 1.890625 + 0.765625 + 2.640625 = 5.6875, variance 5.6875/4 = 1.421875,
        // σ = 1.1924240 → scaled r = [2 / 1.1924240, 0] = [1.6772557, 0].
        using var scaler = new RewardScaler(2, 0.5, CPU);
        var s1 = scaler.Apply(tensor(new float[] { 1, 3 }), tensor(new float[] { 0, 1 })).data<float>().ToArray();
        Assert.Equal(1f, s1[0], 5);
        Assert.Equal(3f, s1[1], 5);
        Assert.Equal(1.0, scaler.Variance, 6);
        var s2 = scaler.Apply(tensor(new float[] { 2, 0 }), tensor(new float[] { 0, 0 })).data<float>().ToArray();
        Assert.Equal(4, scaler.Count);
        Assert.Equal(1.625, scaler.Mean, 6);
        Assert.Equal(1.421875, scaler.Variance, 6);
        Assert.Equal(1.6772557f, s2[0], 5);
        Assert.Equal(0f, s2[1]);
    }

    [Fact]
    public void Running_statistics_equal_those_of_all_discounted_returns_and_scaled_rewards_are_clipped()
    {
        // 8 environments, 50 steps of random rewards and episode ends; the discounted returns recomputed here
        // in double precision must have the scaler's mean and population variance.
        const int n = 8, steps = 50;
        const double gamma = 0.9;
        var random = new System.Random(4);
        using var scaler = new RewardScaler(n, gamma, CPU, clip: 3);
        var running = new double[n];
        var all = new List<double>();
        for (int t = 0; t < steps; t++)
        {
            var r = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 4 - 1)).ToArray();
            var d = Enumerable.Range(0, n).Select(_ => random.NextDouble() < 0.1 ? 1f : 0f).ToArray();
            var scaled = scaler.Apply(tensor(r), tensor(d)).data<float>().ToArray();
            for (int i = 0; i < n; i++) { running[i] = gamma * running[i] + r[i]; all.Add(running[i]); }
            double mean = all.Average(), variance = all.Sum(x => (x - mean) * (x - mean)) / all.Count;
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(Math.Clamp(r[i] / Math.Sqrt(variance + 1e-8), -3, 3), scaled[i], 3);
                if (d[i] == 1) running[i] = 0;
            }
        }
        double m = all.Average();
        Assert.Equal(m, scaler.Mean, 4);
        Assert.Equal(all.Sum(x => (x - m) * (x - m)) / all.Count, scaler.Variance, 4);
        Assert.Equal(n * steps, scaler.Count);
        // A reward far outside the spread is clipped to ±3.
        Assert.Equal(3f, scaler.Apply(full(n, 1000f), zeros(n)).data<float>()[0]);
    }

    [Fact]
    public void Bad_settings_are_named()
    {
        Assert.Contains("gamma", Assert.Throws<ArgumentException>(() => new RewardScaler(2, 0, CPU)).Message);
        Assert.Contains("clip", Assert.Throws<ArgumentException>(() => new RewardScaler(2, 0.9, CPU, clip: 0)).Message);
    }
}
