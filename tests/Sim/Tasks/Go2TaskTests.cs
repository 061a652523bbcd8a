using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Sim.Randomization;
using Robotics.Sim.Robots;
using Robotics.Sim.Tasks.Locomotion;

namespace Robotics.Sim.Tests.Tasks;

/// <summary>
/// The Go2 (urdf/go2.urdf, go2_velocity): Unitree's published figures arrive in the simulation, the robot stands,
/// and its task keeps the Go1 task's joints and observation layout so that a Go1 policy can seed it.
/// </summary>
public class Go2TaskTests
{
    internal static string TaskFile => TestPaths.Repo("src/Sim/Tasks/Configs/go2_velocity.toml");

    internal static LocomotionTask Nominal() =>
        new(LocomotionConfig.Load(TaskFile) with { Randomization = new RandomizationConfig(), ResetJointNoise = 0 });

    private static readonly string[] JointOrder =
    {
        "FR_hip_joint", "FR_thigh_joint", "FR_calf_joint", "FL_hip_joint", "FL_thigh_joint", "FL_calf_joint",
        "RR_hip_joint", "RR_thigh_joint", "RR_calf_joint", "RL_hip_joint", "RL_thigh_joint", "RL_calf_joint",
    };

    [Fact]
    public void The_urdf_has_twelve_actuated_joints_in_the_go1_order_with_the_published_limits()
    {
        var robot = UrdfRobot.Load(TestPaths.Repo("urdf/go2.urdf"));
        Assert.Equal(JointOrder, robot.Actuated.Select(j => j.Name));
        Assert.Equal(UrdfRobot.Load(TestPaths.Repo("urdf/go1.urdf")).Actuated.Select(j => j.Name), robot.Actuated.Select(j => j.Name));
        foreach (var j in robot.Actuated)
        {
            bool calf = j.Name.EndsWith("_calf_joint", StringComparison.Ordinal);
            Assert.Equal(calf ? 45.43 : 23.7, j.Effort);
            Assert.Equal(calf ? 20.07 : 30.1, j.Velocity);
        }
        Assert.Equal((-1.0472, 1.0472), (robot.Joint("FL_hip_joint").Lower, robot.Joint("FL_hip_joint").Upper));
        Assert.Equal((-1.5708, 3.4907), (robot.Joint("FR_thigh_joint").Lower, robot.Joint("FR_thigh_joint").Upper));
        Assert.Equal((-0.5236, 4.5379), (robot.Joint("RL_thigh_joint").Lower, robot.Joint("RL_thigh_joint").Upper));
        Assert.Equal((-2.7227, -0.83776), (robot.Joint("RR_calf_joint").Lower, robot.Joint("RR_calf_joint").Upper));
    }

    [Fact]
    public void The_simulated_go2_weighs_the_published_15_kg_and_its_motors_clamp_at_the_urdf_efforts()
    {
        using var task = Nominal();
        // base 6.921 + 4 × (hip 0.678 + thigh 1.152 + calf 0.154 + foot 0.04) + imu 0.001
        double total = 0;
        for (int b = 1; b < task.Model.Nbody; b++) total += task.Model.BodyMass[b];
        Assert.Equal(15.018, total, 3);
        Assert.Equal(6.921, task.Model.BodyMass[task.Model.BodyId("base")], 6);
        Assert.Equal(JointOrder, task.Actuators.JointNames);
        for (int i = 0; i < 12; i++)
            Assert.Equal(task.Robot.Joint(JointOrder[i]).Effort, task.Model.ActuatorCtrlrange[2 * task.Actuators.Motor[i] + 1]);
        Assert.Equal(7 + 12, task.Model.Nq);
        // The published joint origins (link lengths) [m], each body's position in its parent.
        double[] Pos(string body) => task.Model.BodyPos.Slice(3 * task.Model.BodyId(body), 3).ToArray();
        Assert.Equal(new[] { 0.1934, -0.0465, 0 }, Pos("FR_hip"));
        Assert.Equal(new[] { -0.1934, 0.0465, 0 }, Pos("RL_hip"));
        Assert.Equal(new[] { 0, 0.0955, 0 }, Pos("FL_thigh"));
        Assert.Equal(new[] { 0, 0, -0.213 }, Pos("RR_calf"));
        Assert.Equal(new[] { 0, 0, -0.213 }, Pos("FR_foot"));
        var c = task.Config;
        Assert.Equal((20.0, 0.5, 0.25, 0.42), (c.Kp, c.Kd, c.ActionScale, c.InitialHeight));
        Assert.Equal(new[] { -0.1, 0.8, -1.5, 0.1, 0.8, -1.5, -0.1, 1.0, -1.5, 0.1, 1.0, -1.5 }, c.DefaultJointPos);
    }

    [Fact]
    public void Zero_action_stands_in_the_default_pose_for_two_seconds()
    {
        using var env = new MjVecEnv(Nominal(), 2, 1, seed: 3, ownsTask: true);
        var task = (LocomotionTask)env.Task;
        int collision = env.RewardTermNames.ToList().IndexOf("CostCollision");
        var zero = new float[2 * 12];
        double lowest = double.MaxValue, highest = double.MinValue;
        for (int t = 0; t < 100; t++)   // 2 s at 50 Hz, from the 0.42 m drop of the reset
        {
            env.Step(zero);
            Assert.False(env.Terminated[0], $"fell at step {t}");
            if (t < 50) continue;
            lowest = Math.Min(lowest, env.Data(0).Qpos[2]);
            highest = Math.Max(highest, env.Data(0).Qpos[2]);
            Assert.Equal(0f, env.RewardTermValues[collision]);   // only the feet touch the ground
        }
        var data = env.Data(0);
        // Base height [m]: about 0.33 with rigid joints at the default pose (0.31 m hip to foot, foot radius
        // 0.022 m); go2_config's Kp 20 under 15 kg lets it sag to about 0.245 (its base_height_target is 0.25),
        // the knees about 0.3 rad and the hips about 0.2 rad outwards. After the first second it stays there.
        Assert.InRange(lowest, 0.22, 0.30);
        Assert.InRange(highest - lowest, 0, 0.02);
        var critic = env.Observations(ObservationGroup.Critic);   // noise-free
        Assert.InRange(critic[5], -1.0f, -0.99f);         // projected gravity z ≈ −1: upright
        Assert.InRange(Math.Abs(task.BaseLinVel(0)[0]), 0, 0.05);
        for (int i = 0; i < 12; i++)   // the joints hold near their defaults
            Assert.InRange(data.Qpos[task.Actuators.QposAddress[i]] - task.Config.DefaultJointPos[i], -0.4, 0.4);
    }

    [Fact]
    public void Go2_velocity_steps_with_randomization_and_observes_what_go1_velocity_does()
    {
        using var env = new MjVecEnv(LocomotionTask.Load(TaskFile), 4, 1, seed: 11, ownsTask: true);
        using var go1 = LocomotionTaskTests.Nominal();
        var task = (LocomotionTask)env.Task;
        foreach (var group in new[] { ObservationGroup.Policy, ObservationGroup.Critic })
        {
            var mine = task.ObservationGroups.Single(g => g.Name == group);
            var theirs = go1.ObservationGroups.Single(g => g.Name == group);
            Assert.Equal(theirs.Terms.Select(t => (t.Name, t.Width, t.Scale, t.Noise)), mine.Terms.Select(t => (t.Name, t.Width, t.Scale, t.Noise)));
        }
        Assert.Equal(go1.Actuators.JointNames, task.Actuators.JointNames);

        var rng = Robotics.Sim.Random.Rng.For(11, "go2");
        var a = new float[4 * 12];
        int dim = task.ObservationGroups.Single(g => g.Name == ObservationGroup.Critic).Dim;
        for (int t = 0; t < 150; t++)   // 3 s, resets included
        {
            for (int i = 0; i < a.Length; i++) a[i] = (float)rng.Uniform(-0.5, 0.5);
            env.Step(a);
            Assert.All(env.Rewards.ToArray(), r => Assert.True(float.IsFinite(r)));
            var obs = env.Observations(ObservationGroup.Critic);
            Assert.Equal(4 * dim, obs.Length);
            foreach (var v in obs) Assert.True(float.IsFinite(v));
        }
    }
}
