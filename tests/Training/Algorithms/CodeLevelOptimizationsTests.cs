using Robotics.Sim.Envs;
using Robotics.Sim.Tasks;
using Robotics.Training.Algorithms;
using Robotics.Training.Devices;
using Robotics.Training.Models;
using Robotics.Training.Runner;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Algorithms;

public class CodeLevelOptimizationsTests
{
    public CodeLevelOptimizationsTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    [Fact]
    public void All_and_none_set_every_switch_of_ppo_and_its_networks()
    {
        var ppo = new PpoConfig { Schedule = LearningRateSchedule.Adaptive, ClipValueLoss = true, MaxGradNorm = 1.0 };
        var net = new NetworkConfig { Activation = ActivationFunction.Elu, OrthogonalInit = false, NormalizeObservations = true };

        var on = CodeLevelOptimizations.All.ApplyTo(ppo);
        Assert.True(on.ClipValueLoss);
        Assert.True(on.ScaleRewards);
        Assert.Equal(LearningRateSchedule.Linear, on.Schedule);
        Assert.Equal(0.5, on.MaxGradNorm);
        var onNet = CodeLevelOptimizations.All.ApplyTo(net);
        Assert.Equal((ActivationFunction.Tanh, true, true), (onNet.Activation, onNet.OrthogonalInit, onNet.NormalizeObservations));

        var off = CodeLevelOptimizations.None.ApplyTo(ppo);
        Assert.False(off.ClipValueLoss);
        Assert.False(off.ScaleRewards);
        Assert.Equal(LearningRateSchedule.Fixed, off.Schedule);
        Assert.Equal(0, off.MaxGradNorm);
        var offNet = CodeLevelOptimizations.None.ApplyTo(net);
        Assert.Equal((ActivationFunction.Elu, false, false), (offNet.Activation, offNet.OrthogonalInit, offNet.NormalizeObservations));

        // Everything else is left as it was.
        Assert.Equal(ppo.LearningRate, off.LearningRate);
        Assert.Equal(ppo.ClipParam, on.ClipParam);
        Assert.Equal(net.Hidden, onNet.Hidden);
        Assert.Contains("GradientClipNorm", Assert.Throws<UserError>(() => (CodeLevelOptimizations.All with { GradientClipNorm = -1 }).ApplyTo(ppo)).Message);
        Assert.Equal("value-clip reward-scale obs-norm ortho lr-anneal grad-clip=0.5 tanh", CodeLevelOptimizations.All.ToString());
        Assert.Equal("elu", CodeLevelOptimizations.None.ToString());
    }

    [Fact]
    public void Trpo_plus_takes_the_switches_that_apply_to_a_trust_region_method_and_runs()
    {
        var on = CodeLevelOptimizations.All.ApplyTo(new TrpoConfig());
        Assert.True(on.ScaleRewards);
        Assert.Equal((true, true, 0.5), (on.ValueFit.ClipValueLoss, on.ValueFit.AnnealLearningRate, on.ValueFit.MaxGradNorm));
        var off = CodeLevelOptimizations.None.ApplyTo(new TrpoConfig());
        Assert.False(off.ScaleRewards);
        Assert.Equal((false, false, 0.0), (off.ValueFit.ClipValueLoss, off.ValueFit.AnnealLearningRate, off.ValueFit.MaxGradNorm));
        Assert.Equal(new[] { "PPO", "PPO-M", "GRPO", "TRPO", "TRPO+" }, AblationVariants.All.Select(v => v.Name));

        // TRPO+ end to end on the bandit: scaled rewards, clipped and annealed value fit, tanh networks.
        using var env = new Robotics.Training.Tests.Runner.BanditEnv(32, 1);
        using var trpo = new Trpo(new AlgorithmSpec(1, 1, 1, 32, 8, CodeLevelOptimizations.All.ApplyTo(new NetworkConfig { Hidden = new[] { 16 } }), CPU, 4), on);
        var stats = new List<IterationStats>();
        new OnPolicyRunner(env, trpo, 8, CPU).Learn(3, stats.Add);
        Assert.All(stats, s => Assert.True(double.IsFinite(s.Update.ValueLoss) && double.IsFinite(s.Update.Kl), $"value loss {s.Update.ValueLoss}, KL {s.Update.Kl}"));
    }

    [Fact]
    public void Ppo_with_reward_scaling_stores_scaled_rewards()
    {
        // Balance from upright: raw rewards ≈ 0.9 per step. The discounted returns (γ = 0.99) grow roughly as
        // R_t ≈ 0.9·t, so after 16 steps their population std is ≈ 0.9·√((16² − 1)/12) = 4.15 and the last
        // step's reward is stored as ≈ 0.9 / 4.15 ≈ 0.22. (The first steps are clipped at 10: one step's
        // returns barely differ across environments, as in baselines' VecNormalize.)
        using var env = new MjVecEnv(new CartPole(new CartPoleConfig { SwingUp = false, TerminateAngle = 0.4 }), 8, 1, 1, ownsTask: true);
        var config = CodeLevelOptimizations.All.ApplyTo(new PpoConfig());
        using var ppo = new Ppo(new AlgorithmSpec(5, 7, 1, 8, 16, CodeLevelOptimizations.All.ApplyTo(new NetworkConfig { Hidden = new[] { 16 } }), CPU, 1), config);
        var runner = new OnPolicyRunner(env, ppo, 16, CPU);
        double meanStepReward = 0;
        runner.Learn(1, s => meanStepReward = s.MeanStepReward);
        // The storage is cleared after the update but keeps its data: read the last step's stored rewards.
        double last = ppo.Storage.Rewards[15].mean().item<float>();
        Assert.True(meanStepReward > 0.7, $"raw reward per step {meanStepReward}");
        Assert.InRange(last, 0.1, 0.4);
    }
}
