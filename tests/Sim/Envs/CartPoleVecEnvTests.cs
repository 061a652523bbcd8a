using Robotics.Sim.Envs;
using Robotics.Sim.Tasks;
using Robotics.Deploy.Contract;

namespace Robotics.Sim.Tests.Envs;

/// <summary>The VecEnv contract, run against the real MuJoCo cart-pole.</summary>
public sealed class CartPoleVecEnvTests : VecEnvContract
{
    protected override IVecEnv Create(int numEnvs, int threads, ulong seed, int maxEpisodeSteps) =>
        new MjVecEnv(new CartPole(new CartPoleConfig { MaxEpisodeSteps = maxEpisodeSteps }), numEnvs, threads, seed, ownsTask: true);

    // Full push to the right: the cart passes 1.5 m in well under 100 steps (2 s).
    protected override float[] TerminatingAction => new[] { 1f };
    protected override int StepsToTerminate => 100;
    protected override string? TimeRemainingTerm => "time_remaining";

    [Fact]
    public void Observation_groups_are_named_and_annotated()
    {
        using var task = new CartPole();
        var policy = task.ObservationGroups.Single(g => g.Name == ObservationGroup.Policy);
        var critic = task.ObservationGroups.Single(g => g.Name == ObservationGroup.Critic);
        Assert.Equal(5, policy.Dim);
        Assert.Equal(7, critic.Dim);
        Assert.Equal(1, policy.OffsetOf("pole_cos_sin"));
        Assert.Equal(5, critic.OffsetOf("tip_height"));
    }

    [Fact]
    public void Swing_up_starts_hanging_and_upright_pays_most()
    {
        using var env = Create(1, 1, 0, 500);
        var o = env.Observations(ObservationGroup.Policy);
        Assert.InRange(o[1], -1f, -0.99f);   // cos θ ≈ −1: hanging down
        env.Step(new[] { 0f });
        Assert.InRange(env.Rewards[0], 0f, 0.05f);   // upright term ≈ 0 while hanging
    }

    [Fact]
    public void Config_errors_name_the_field()
    {
        var e = Assert.Throws<UserError>(() => new CartPoleConfig { CartLimit = 3 }.Validate());
        Assert.Contains("CartLimit", e.Message);
        Assert.Contains("(0, 1.8]", e.Message);
        Assert.Throws<UserError>(() => new CartPole(new CartPoleConfig { Decimation = 0 }));
    }
}
