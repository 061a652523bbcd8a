using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Sim.Randomization;
using Robotics.Sim.Tests.Envs;
using Robotics.Sim.Tasks.Locomotion;

namespace Robotics.Sim.Tests.Tasks;

public class LocomotionTaskTests
{
    internal static string TaskFile => TestPaths.Repo("src/Sim/Tasks/Configs/go1_velocity.toml");

    internal static LocomotionTask Nominal() =>
        new(LocomotionConfig.Load(TaskFile) with { Randomization = new RandomizationConfig(), ResetJointNoise = 0 });

    [Fact]
    public void Go1_maps_twelve_joints_to_motors_by_name()
    {
        using var task = Nominal();
        Assert.Equal(12, task.ActionDim);
        Assert.Equal(task.Robot.Actuated.Select(j => j.Name), task.Actuators.JointNames);
        for (int i = 0; i < 12; i++)
        {
            var name = task.Actuators.JointNames[i];
            Assert.Equal(name, task.Model.Name(Robotics.Sim.Interop.mjtObj.mjOBJ_ACTUATOR, task.Actuators.Motor[i]));
            Assert.Equal(task.Model.JntQposadr[task.Model.JointId(name)], task.Actuators.QposAddress[i]);
            Assert.Equal(task.Robot.Joint(name).Effort, task.Model.ActuatorCtrlrange[2 * task.Actuators.Motor[i] + 1]);
        }
        Assert.Equal(7 + 12, task.Model.Nq);   // free joint + 12 hinges
    }

    [Fact]
    public void Observation_widths_and_order()
    {
        using var task = Nominal();
        var policy = task.ObservationGroups.Single(g => g.Name == ObservationGroup.Policy);
        var critic = task.ObservationGroups.Single(g => g.Name == ObservationGroup.Critic);
        // ang vel 3, gravity 3, commands 3, joint pos 12, joint vel 12, last action 12
        Assert.Equal(new[] { 3, 3, 3, 12, 12, 12 }, policy.Terms.Select(t => t.Width));
        Assert.Equal(45, policy.Dim);
        // the policy's 45, then lin vel 3, friction 1, added mass 1, strength 12, contact forces 4, foot heights 4, push 3, latency 1
        Assert.Equal(45 + 3 + 1 + 1 + 12 + 4 + 4 + 3 + 1, critic.Dim);
        Assert.Equal(45, critic.OffsetOf("base_lin_vel"));
        Assert.All(critic.Terms, t => Assert.Equal(0f, t.Noise));
        Assert.Equal(0.2f, policy.Terms[0].Noise);
        Assert.Equal(0.25f, policy.Terms[0].Scale);
    }

    [Fact]
    public void Zero_action_stands_in_the_default_pose()
    {
        using var env = new MjVecEnv(Nominal(), 2, 1, seed: 3, ownsTask: true);
        var task = (LocomotionTask)env.Task;
        var zero = new float[2 * 12];
        for (int t = 0; t < 150; t++)   // 3 s
        {
            env.Step(zero);
            Assert.False(env.Terminated[0], $"fell at step {t}");
        }
        var data = env.Data(0);
        // Base height [m]: 0.285 with rigid joints; a 20 N·m/rad PD under 12.8 kg sags about 8 cm (the
        // policy learns to offset it).
        Assert.InRange(data.Qpos[2], 0.18, 0.30);
        var critic = env.Observations(ObservationGroup.Critic);   // noise-free
        Assert.InRange(critic[5], -1.0f, -0.97f);         // projected gravity z ≈ −1: within 14° of upright
        Assert.InRange(Math.Abs(task.BaseLinVel(0)[0]), 0, 0.1);
    }

    [Fact]
    public void Collapsing_terminates_and_time_limit_truncates()
    {
        // Joint targets far outside the range fold the legs: the trunk or hips hit the ground.
        using var env = new MjVecEnv(Nominal(), 1, 1, seed: 4, ownsTask: true);
        var fold = Enumerable.Range(0, 12).Select(i => i % 3 == 2 ? 8f : -8f).ToArray();
        int steps = 0;
        while (!env.Terminated[0] && steps < 250) { env.Step(fold); steps++; }
        Assert.True(env.Terminated[0], "the robot did not terminate when collapsing");
        Assert.False(env.Truncated[0]);

        using var shortEnv = new MjVecEnv(new LocomotionTask(LocomotionConfig.Load(TaskFile) with { EpisodeSeconds = 0.2 }), 1, 1, seed: 4, ownsTask: true);
        var zero = new float[12];
        for (int t = 0; t < 9; t++) { shortEnv.Step(zero); Assert.False(shortEnv.Truncated[0]); }
        shortEnv.Step(zero);   // 10 steps × 20 ms = 0.2 s
        Assert.True(shortEnv.Truncated[0]);
    }

    [Fact]
    public void Reward_terms_add_up_to_the_reward_clipped_at_zero()
    {
        using var env = new MjVecEnv(Nominal(), 2, 1, seed: 5, ownsTask: true);
        Assert.True(((LocomotionTask)env.Task).Config.OnlyPositiveRewards);
        Assert.Equal(LocomotionTerms.All.Where(t => t != LocomotionTerms.CostTermination), env.RewardTermNames);   // the file does not scale it
        var rng = Robotics.Sim.Random.Rng.For(5, "test");
        var a = new float[24];
        for (int t = 0; t < 20; t++)
        {
            for (int i = 0; i < a.Length; i++) a[i] = (float)rng.Uniform(-0.3, 0.3);
            env.Step(a);
            for (int e = 0; e < 2; e++)
            {
                float sum = 0;
                for (int k = 0; k < env.RewardTermNames.Count; k++) sum += env.RewardTermValues[e * env.RewardTermNames.Count + k];
                Assert.Equal(Math.Max(0, sum), env.Rewards[e], 4);   // only_positive_rewards
            }
        }
        // Tracking terms are positive, costs negative.
        int lin = env.RewardTermNames.ToList().IndexOf(LocomotionTerms.RewardTrackLinVel);
        int torque = env.RewardTermNames.ToList().IndexOf("CostTorques");
        Assert.True(env.RewardTermValues[lin] > 0);
        Assert.True(env.RewardTermValues[torque] < 0);
    }
}

/// <summary>The termination cost: paid once, on the step that falls, whatever the clip at zero did to the rest.</summary>
public class TerminationCostTests
{
    [Fact]
    public void A_fall_costs_its_scale_after_the_clip_and_nothing_before()
    {
        var c = LocomotionTaskTests.Nominal().Config;
        var scales = new Dictionary<string, double>(c.RewardScales) { [LocomotionTerms.CostTermination] = 250 };
        using var env = new MjVecEnv(new LocomotionTask(c with { RewardScales = scales }), 1, 1, seed: 6, ownsTask: true);
        int term = env.RewardTermNames.ToList().IndexOf(LocomotionTerms.CostTermination);
        Assert.True(term >= 0);
        var flail = Enumerable.Range(0, 12).Select(i => i % 3 == 2 ? 8f : -8f).ToArray();   // folds the legs: a fall
        int n = env.RewardTermNames.Count;
        for (int t = 0; t < 300; t++)
        {
            env.Step(flail);
            float others = 0;
            for (int k = 0; k < n; k++) if (k != term) others += env.RewardTermValues[k];
            float cost = env.RewardTermValues[term];
            Assert.Equal(Math.Max(0, others) + cost, env.Rewards[0], 4);
            if (!env.Terminated[0])
            {
                Assert.Equal(0f, cost);
                continue;
            }
            Assert.Equal(-250 * 0.02, cost, 4);   // scale × policy dt
            return;
        }
        Assert.Fail("the flailing robot never fell");
    }
}

/// <summary>The VecEnv contract, run against the quadruped with full domain randomization.</summary>
public sealed class LocomotionVecEnvTests : VecEnvContract
{
    protected override IVecEnv Create(int numEnvs, int threads, ulong seed, int maxEpisodeSteps) =>
        new MjVecEnv(new LocomotionTask(LocomotionConfig.Load(LocomotionTaskTests.TaskFile) with { EpisodeSeconds = maxEpisodeSteps * 0.02 }),
            numEnvs, threads, seed, ownsTask: true);

    protected override float[] TerminatingAction => Enumerable.Range(0, 12).Select(i => i % 3 == 2 ? 8f : -8f).ToArray();
    protected override int StepsToTerminate => 250;
}
