using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Sim.Tasks;
using Robotics.Sim.Tasks.Locomotion;

namespace Robotics.Sim.Tests.Envs;

/// <summary><see cref="IGroupResettable.ResetGroups"/>: one draw per group, shared by its copies.</summary>
public class GroupResetTests
{
    private static double[] State(MjVecEnv env, int i) => env.Data(i).Qpos.ToArray().Concat(env.Data(i).Qvel.ToArray()).ToArray();

    private static float[] Row(MjVecEnv env, string group, int i)
    {
        int dim = env.ObservationGroups.Single(g => g.Name == group).Dim;
        return env.Observations(group).Slice(i * dim, dim).ToArray();
    }

    [Fact]
    public void Cartpole_copies_of_a_group_share_state_and_observations_and_groups_differ()
    {
        // 12 environments in 3 groups of 4; the reset noise (±0.05 on all four coordinates) makes any two
        // independent draws differ.
        using var env = new MjVecEnv(new CartPole(new CartPoleConfig { InitialNoise = 0.05 }), 12, 2, seed: 1, ownsTask: true);
        env.ResetGroups(4, seed: 7);
        for (int g = 0; g < 3; g++)
            for (int k = 1; k < 4; k++)
            {
                int i = 4 * g + k;
                Assert.Equal(State(env, 4 * g), State(env, i));
                Assert.Equal(Row(env, ObservationGroup.Policy, 4 * g), Row(env, ObservationGroup.Policy, i));
                Assert.Equal(Row(env, ObservationGroup.Critic, 4 * g), Row(env, ObservationGroup.Critic, i));
            }
        Assert.NotEqual(State(env, 0), State(env, 4));
        Assert.NotEqual(State(env, 4), State(env, 8));
        Assert.NotEqual(Row(env, ObservationGroup.Policy, 0), Row(env, ObservationGroup.Policy, 8));

        // The copies stay identical under identical actions (common random numbers), and part under different ones.
        var actions = new float[12];
        for (int i = 0; i < 12; i++) actions[i] = i % 4 == 3 ? -0.5f : 0.5f;
        for (int t = 0; t < 5; t++) env.Step(actions);
        Assert.Equal(State(env, 0), State(env, 1));
        Assert.Equal(State(env, 0), State(env, 2));
        Assert.NotEqual(State(env, 0), State(env, 3));
    }

    [Fact]
    public void Same_seed_repeats_the_draws_and_another_seed_changes_them()
    {
        using var env = new MjVecEnv(new CartPole(), 4, 1, seed: 1, ownsTask: true);
        env.ResetGroups(2, 11);
        var a = Enumerable.Range(0, 4).Select(i => State(env, i)).ToArray();
        env.ResetGroups(2, 11);
        for (int i = 0; i < 4; i++) Assert.Equal(a[i], State(env, i));
        env.ResetGroups(2, 12);
        Assert.NotEqual(a[0], State(env, 0));
    }

    [Fact]
    public void Group_size_must_divide_the_environments()
    {
        using var env = new MjVecEnv(new CartPole(), 6, 1, seed: 1, ownsTask: true);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => env.ResetGroups(4, 1));
        Assert.Contains("divide the 6 environments", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => env.ResetGroups(0, 1));
    }

    [Fact]
    public void Go1_copies_share_command_randomized_model_state_and_observations()
    {
        // The full go1_velocity task: domain randomization (friction, added mass, gains, latency, IMU bias),
        // a sampled velocity command and joint noise at reset, observation noise.
        var task = LocomotionTask.Load(TestPaths.Repo("src/Sim/Tasks/Configs/go1_velocity.toml"));
        using var env = new MjVecEnv(task, 4, 2, seed: 3, ownsTask: true);
        env.ResetGroups(2, seed: 5);
        foreach (var (a, b) in new[] { (0, 1), (2, 3) })
        {
            Assert.Equal(State(env, a), State(env, b));
            Assert.Equal(task.Command(a).ToArray(), task.Command(b).ToArray());
            Assert.Equal(task.ModelFor(a).BodyMass.ToArray(), task.ModelFor(b).BodyMass.ToArray());
            Assert.Equal(task.ModelFor(a).GeomFriction.ToArray(), task.ModelFor(b).GeomFriction.ToArray());
            Assert.Equal(task.Sample(a).Kp, task.Sample(b).Kp);
            Assert.Equal(Row(env, ObservationGroup.Policy, a), Row(env, ObservationGroup.Policy, b));
            Assert.Equal(Row(env, ObservationGroup.Critic, a), Row(env, ObservationGroup.Critic, b));
        }
        Assert.NotEqual(task.Command(0).ToArray(), task.Command(2).ToArray());
        Assert.NotEqual(State(env, 0), State(env, 2));
        Assert.NotEqual(Row(env, ObservationGroup.Policy, 0), Row(env, ObservationGroup.Policy, 2));
    }
}
