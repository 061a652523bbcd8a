using Robotics.Training.Algorithms;
using Robotics.Training.Devices;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Algorithms;

public class PpoLossTests
{
    public PpoLossTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

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

public class PpoBaseKlTests
{
    public PpoBaseKlTests() => Robotics.Training.Devices.TorchRuntime.Initialize(Robotics.Training.Devices.ComputeDevice.Cpu);

    // PPO shares the Regularizer: a strong pull toward the base policy (its initial actor) keeps the learned
    // policy near it, where the same run without the pull moves away to solve the bandit.
    [Fact]
    public void A_kl_penalty_to_the_base_policy_holds_ppo_near_it()
    {
        double DriftFromBase(double coef)
        {
            using var env = new Robotics.Training.Tests.Runner.BanditEnv(64, 1);
            using var ppo = new Ppo(new AlgorithmSpec(1, 1, 1, 64, 8, new Robotics.Training.Models.NetworkConfig { Hidden = new[] { 16 } }, TorchSharp.torch.CPU, 1), new PpoConfig { BaseKlCoef = coef });
            using var initial = new Robotics.Training.Models.GaussianActor(1, 1, new Robotics.Training.Models.NetworkConfig { Hidden = new[] { 16 } });
            initial.load_state_dict(ppo.Actor.state_dict());
            new Robotics.Training.Runner.OnPolicyRunner(env, ppo, 8, TorchSharp.torch.CPU).Learn(15);
            using var x = TorchSharp.torch.linspace(-1, 1, 21).reshape(21, 1);
            using var _ = TorchSharp.torch.no_grad();
            return (ppo.Actor.forward(x) - initial.forward(x)).abs().mean().item<float>();
        }
        double free = DriftFromBase(0), held = DriftFromBase(100);
        Assert.True(held < 0.5 * free, $"mean |μ − μ_base|: {held:0.000} with the penalty, {free:0.000} without");
    }
}
