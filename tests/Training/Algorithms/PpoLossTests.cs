using Robotics.Training.Algorithms;
using Robotics.Training.Devices;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Algorithms;

public class PpoLossTests
{
    public PpoLossTests() => TorchRuntime.Initialize("cpu");

    [Fact]
    public void Samples_clipped_on_the_pessimistic_side_have_zero_gradient()
    {
        // ε = 0.2. Sample 0: A > 0 and ρ = e^0.5 ≈ 1.65 > 1.2 → the clipped term is the max: no gradient.
        // Sample 1: A < 0 and ρ = e^−0.5 ≈ 0.61 < 0.8 → clipped, no gradient.
        // Sample 2: A > 0 and ρ = 1 → inside, gradient −A/3 on log π (mean over 3 samples).
        // Sample 3: A < 0 and ρ = e^0.5 > 1.2: the unclipped term −A·ρ is larger (pessimistic) → gradient flows.
        var logp = tensor(new float[] { 0.5f, -0.5f, 0f, 0.5f }, requires_grad: true);
        var old = zeros(4);
        var adv = tensor(new float[] { 1, -1, 2, -1 });
        var (loss, clipFraction) = Ppo.SurrogateLoss(logp, old, adv, 0.2);
        loss.backward();
        var g = logp.grad!.data<float>().ToArray();
        Assert.Equal(0f, g[0]);
        Assert.Equal(0f, g[1]);
        Assert.Equal(-2f / 4, g[2], 6);                          // d/dlogp of −A·ρ/4 at ρ = 1
        Assert.Equal(1f * MathF.Exp(0.5f) / 4, g[3], 5);          // −A·ρ/4 with A = −1
        Assert.Equal(0.75, clipFraction, 6);                       // ratios outside [0.8, 1.2]: samples 0, 1, 3
    }

    [Fact]
    public void Clipped_value_loss_takes_the_larger_error()
    {
        // old V = 0, new V = 1, return 0.5, ε = 0.2: plain (1 − 0.5)² = 0.25; clipped V = 0.2 → (0.2 − 0.5)² = 0.09; max = 0.25.
        // new V = 0.6, return 2: plain 1.96; clipped 0.2 → 3.24; max = 3.24.
        var v = tensor(new float[] { 1f, 0.6f });
        var old = zeros(2);
        var ret = tensor(new float[] { 0.5f, 2f });
        Assert.Equal((0.25f + 3.24f) / 2, Ppo.ValueLoss(v, old, ret, 0.2, clip: true).item<float>(), 5);
        Assert.Equal((0.25f + 1.96f) / 2, Ppo.ValueLoss(v, old, ret, 0.2, clip: false).item<float>(), 5);
    }
}
