using Robotics.Deploy.Kinematics;
using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Sim.Randomization;
using Robotics.Sim.Tasks;
using Robotics.Sim.Tasks.Manipulation;

namespace Robotics.Sim.Tests.Tasks;

public class ManipulationTaskTests
{
    internal static string Reach => TestPaths.Repo("src/Sim/Tasks/Configs/panda_reach.toml");
    internal static string Push => TestPaths.Repo("src/Sim/Tasks/Configs/panda_push.toml");

    internal static ManipulationTask Nominal(string file) =>
        new(ManipulationConfig.Load(file) with { Randomization = new RandomizationConfig(), ResetJointNoise = 0 });

    [Fact]
    public void Arm_maps_seven_joints_with_per_joint_gains()
    {
        using var task = Nominal(Reach);
        Assert.Equal(7, task.ActionDim);
        Assert.Equal(Enumerable.Range(1, 7).Select(i => $"joint{i}"), task.Actuators.JointNames);
        Assert.Equal(new[] { 400.0, 400, 400, 400, 150, 100, 50 }, task.Config.Kp);
        Assert.Equal(87, task.Actuators.Effort[0]);
        Assert.Equal(12, task.Actuators.Effort[6]);
        Assert.Equal(7 + 7, task.Model.Nq);   // 7 hinges + the cube's free joint
        Assert.Equal(250, task.MaxEpisodeSteps);   // 5 s at 50 Hz
    }

    [Fact]
    public void Observation_widths_and_order()
    {
        using var reach = Nominal(Reach);
        Assert.Equal(new[] { 7, 7, 3, 3, 7 }, reach.ObservationGroups[0].Terms.Select(t => t.Width));
        Assert.Equal(27 + 3 + 3 + 7 + 7, reach.ObservationGroups[1].Dim);
        using var push = Nominal(Push);
        Assert.Equal(7 + 7 + 3 + 3 + 3 + 3 + 7, push.ObservationGroups[0].Dim);
        Assert.Equal(33 + 3 + 3 + 1 + 7 + 7, push.ObservationGroups[1].Dim);
    }

    [Fact]
    public void Gravity_compensated_pd_holds_the_ready_pose()
    {
        using var env = new MjVecEnv(Nominal(Reach), 1, 1, seed: 1, ownsTask: true);
        var task = (ManipulationTask)env.Task;
        for (int t = 0; t < 100; t++) env.Step(new float[7]);   // 2 s of zero actions
        var frame = env.Observations(ObservationGroup.Critic);
        for (int i = 0; i < 7; i++) Assert.InRange(frame[i], -0.01f, 0.01f);   // joint_pos relative to default [rad]
        for (int i = 7; i < 14; i++) Assert.InRange(frame[i], -0.01f, 0.01f);  // joint_vel × 0.1
    }

    [Fact]
    public void A_goal_at_the_current_tool_pose_is_a_success_and_an_offset_one_is_not()
    {
        using var env = new MjVecEnv(Nominal(Reach), 1, 1, seed: 2, ownsTask: true);
        var task = (ManipulationTask)env.Task;
        var data = env.Data(0);
        env.Step(new float[7]);
        int ee = data.Model.BodyId("ee");
        var p = data.Xpos.Slice(3 * ee, 3).ToArray();
        task.SetGoal(0, data, p[0], p[1], p[2], yaw: 0);
        env.Step(new float[7]);
        Assert.True(task.Distance(0) < 0.005, $"distance {task.Distance(0)}");
        Assert.True(task.IsSuccess(0));
        task.SetGoal(0, data, p[0] + 0.03, p[1], p[2], yaw: 0);
        env.Step(new float[7]);
        Assert.False(task.IsSuccess(0));   // 3 cm > 2 cm
        task.SetGoal(0, data, p[0], p[1], p[2], yaw: 0.3);
        env.Step(new float[7]);
        Assert.InRange(task.OrientationError(0), 0.29, 0.31);
        Assert.False(task.IsSuccess(0));   // 0.3 rad > 0.1 rad
    }

    [Fact]
    public void Rotation_error_of_a_known_rotation()
    {
        // Target = Rz(0.5) · I; current = I → rotation vector (0, 0, 0.5).
        double c = Math.Cos(0.5), s = Math.Sin(0.5);
        var target = new[] { c, -s, 0, s, c, 0, 0, 0, 1 };
        var identity = new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
        var e = new double[3];
        Rotation.Error(target, identity, e);
        Assert.Equal(0, e[0], 12);
        Assert.Equal(0, e[1], 12);
        Assert.Equal(0.5, e[2], 12);
        Rotation.Error(identity, identity, e);
        Assert.Equal(new double[3], e);
    }

    [Fact]
    public void Push_places_cube_and_target_apart_and_a_fallen_cube_terminates()
    {
        using var env = new MjVecEnv(Nominal(Push), 4, 1, seed: 3, ownsTask: true);
        var task = (ManipulationTask)env.Task;
        for (int i = 0; i < 4; i++)
        {
            Assert.True(task.Distance(i) >= 0.1 - 1e-9, $"cube starts {task.Distance(i)} m from its target");
            Assert.InRange(task.Goal(i)[0], 0.35, 0.6);
        }
        var data = env.Data(0);
        int cube = data.Model.JntQposadr[data.Model.JointId("cube")];
        data.Qpos[cube] = 1.2;   // beyond the table's far edge: it falls
        int steps = 0;
        while (!env.Terminated[0] && steps < 50) { env.Step(new float[4 * 7]); steps++; }
        Assert.True(env.Terminated[0]);
        Assert.False(env.Truncated[0]);
    }

    [Fact]
    public void Same_seed_same_trajectory_on_one_and_two_threads()
    {
        List<float> Run(int threads)
        {
            using var env = new MjVecEnv(ManipulationTask.Load(Push), 3, threads, seed: 9, ownsTask: true);
            var rng = Robotics.Sim.Random.Rng.For(9, "test");
            var a = new float[21];
            var trace = new List<float>();
            for (int t = 0; t < 30; t++)
            {
                for (int i = 0; i < a.Length; i++) a[i] = (float)rng.Uniform(-1, 1);
                env.Step(a);
                trace.AddRange(env.Observations(ObservationGroup.Critic).ToArray());
                trace.AddRange(env.Rewards.ToArray());
            }
            return trace;
        }
        Assert.Equal(Run(1), Run(2));
    }

    // A temporary copy of an arm task file next to a copy of its URDF: Write(edit) writes the edited text, returns its path.
    private static void WithTaskCopy(string source, Action<Func<Func<string, string>, string>> body)
    {
        var dir = Directory.CreateTempSubdirectory("robotics-arm-");
        try
        {
            File.Copy(TestPaths.Repo("urdf/panda_arm.urdf"), Path.Combine(dir.FullName, "panda_arm.urdf"));
            body(edit =>
            {
                var text = edit(File.ReadAllText(source).Replace("urdf = \"../../../../urdf/panda_arm.urdf\"", "urdf = \"panda_arm.urdf\""));
                var path = Path.Combine(dir.FullName, "task.toml");
                File.WriteAllText(path, text);
                return path;
            });
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Arm_task_file_errors_name_the_field() => WithTaskCopy(Reach, Write =>
    {
        Assert.Equal("panda_reach", ManipulationConfig.Load(Write(t => t)).Name);
        Assert.Contains("does not apply to a reach task", Assert.Throws<UserError>(() => ManipulationConfig.Load(Write(t => t.Replace("RewardSuccess = 1.0", "RewardCubeToTarget = 1.0")))).Message);
        Assert.Contains("'cube_pos' belongs to a push task", Assert.Throws<UserError>(() => ManipulationConfig.Load(Write(t => t.Replace("\"ee_to_target\", \"orientation_error\", \"last_action\"]", "\"cube_pos\", \"last_action\"]")))).Message);
        Assert.Contains("floating-base robots only", Assert.Throws<UserError>(() => ManipulationConfig.Load(Write(t => t + "base_payload = \"+U(0, 1)\"\n"))).Message);
        Assert.Contains("matches no actuated joint", Assert.Throws<UserError>(() => ManipulationConfig.Load(Write(t => t.Replace("joint7 = 0.785", "wrist = 0.785")))).Message);
    });

    [Fact]
    public void Push_reward_kernel_widths_come_from_the_task_file_and_are_checked() => WithTaskCopy(Push, Write =>
    {
        var c = ManipulationConfig.Load(Write(t => t));
        Assert.Equal(0.3, c.EeToCubeStd);
        Assert.Equal(0.2, c.CubeToTargetStd);
        var defaults = ManipulationConfig.Load(Write(t => t.Replace("ee_to_cube_std = 0.3", "").Replace("cube_to_target_std = 0.2", "")));
        Assert.Equal(0.1, defaults.EeToCubeStd);
        var e = Assert.Throws<UserError>(() => ManipulationConfig.Load(Write(t => t.Replace("cube_to_target_std = 0.2", "cube_to_target_std = 0"))));
        Assert.Contains("cube_to_target_std", e.Message);
    });

    [Fact]
    public void Joint_speed_beyond_the_rated_speed_is_a_cost_and_within_it_costs_nothing()
    {
        var config = ManipulationConfig.Load(Reach) with { Randomization = new RandomizationConfig(),
            RewardScales = new Dictionary<string, double> { ["CostJointVelLimit"] = 1 } };
        using var env = new MjVecEnv(new ManipulationTask(config), 1, 1, seed: 3, ownsTask: true);
        var task = (ManipulationTask)env.Task;
        // Zero actions from rest: every joint well within its rated speed.
        env.Step(new float[env.ActionDim]);
        Assert.Equal(0f, env.Rewards[0]);
        // Joint 1 measured at twice its rated speed, joint 2 just under its own: only joint 1's excess costs.
        var frame = task.MeasuredFrame(0);
        double rated = task.Actuators.VelocityLimit[0];
        frame.JointVel[0] = 2 * rated;
        frame.JointVel[1] = -0.99 * task.Actuators.VelocityLimit[1];
        var terms = new float[1];
        float reward = task.Reward(0, env.Data(0), new float[env.ActionDim], terms);
        Assert.Equal(-(float)(rated * rated * task.PolicyDt), reward, 5);
    }

    [Fact]
    public void A_target_rate_limit_keeps_every_joint_at_its_rated_speed_as_the_robot_safety_layer_does()
    {
        // The largest action on every joint: a target 0.5 rad away each policy step.
        (double Travel, double Speed) Run(double limit)
        {
            // No safety trips: the episode runs on whatever speed the joints reach.
            var config = ManipulationConfig.Load(Push) with
            {
                Randomization = new RandomizationConfig(), ResetJointNoise = 0, TargetRateLimit = limit, VelocityTrip = 0, WorkspaceTrip = null,
            };
            using var env = new MjVecEnv(new ManipulationTask(config), 1, 1, seed: 3, ownsTask: true);
            var task = (ManipulationTask)env.Task;
            var pd = task.Actuators;
            var action = Enumerable.Repeat(10f, env.ActionDim).ToArray();
            for (int i = 0; i < env.ActionDim; i += 2) action[i] = -10f;
            double travel = 0, speed = 0;
            for (int step = 0; step < 15; step++)
            {
                var before = pd.QposAddress.Select(a => env.Data(0).Qpos[a]).ToArray();
                env.Step(action);
                var data = env.Data(0);
                for (int i = 0; i < pd.Count; i++)
                {
                    // Joints that reached a position limit stop there; the others move at the limit.
                    travel = Math.Max(travel, Math.Abs(data.Qpos[pd.QposAddress[i]] - before[i]) / (pd.VelocityLimit[i] * task.PolicyDt));
                    speed = Math.Max(speed, Math.Abs(data.Qvel[pd.DofAddress[i]]) / pd.VelocityLimit[i]);
                }
            }
            return (travel, speed);
        }
        var limited = Run(20);
        Assert.True(limited.Travel <= 1.02 && limited.Speed <= 1.1, $"rate-limited: travel {limited.Travel:0.00}, speed {limited.Speed:0.00} × rated");
        Assert.True(limited.Travel > 0.9, $"rate-limited joints should move at their rated speed: {limited.Travel:0.00} × rated");
        var free = Run(0);
        Assert.True(free.Speed > 1.3, $"without the limit the drive alone let the joints reach {free.Speed:0.00} × rated");
    }

    [Fact]
    public void A_wider_cube_to_target_kernel_pays_more_for_the_same_distance()
    {
        // The same start (same seed, zero actions): only the kernel width differs.
        float Reward(double std)
        {
            var config = ManipulationConfig.Load(Push) with { Randomization = new RandomizationConfig(), CubeToTargetStd = std,
                RewardScales = new Dictionary<string, double> { ["RewardCubeToTarget"] = 1 } };
            using var env = new MjVecEnv(new ManipulationTask(config), 1, 1, seed: 3, ownsTask: true);
            env.Step(new float[env.ActionDim]);
            return env.Rewards[0];
        }
        float narrow = Reward(0.1), wide = Reward(0.3);
        Assert.True(narrow > 0 && wide > narrow, $"narrow {narrow}, wide {wide}");
    }
}

public class SceneBuilderTests
{
    [Fact]
    public void Scene_carries_armature_motors_and_free_joint()
    {
        using var arm = ManipulationTaskTests.Nominal(ManipulationTaskTests.Reach);
        foreach (var d in arm.Actuators.DofAddress) Assert.Equal(0.05, arm.Model.DofArmature[d]);
        using var go1 = LocomotionTaskTests.Nominal();
        foreach (var d in go1.Actuators.DofAddress) Assert.Equal(0.01, go1.Model.DofArmature[d]);
        Assert.Equal((int)Robotics.Sim.Interop.mjtJoint.mjJNT_FREE, go1.Model.JntType[0]);
        Assert.Equal(12, go1.Model.Nu);
        Assert.Equal(4, go1.Model.Nsensor);   // gyro, accelerometer, orientation, velocimeter at the IMU
    }
}
