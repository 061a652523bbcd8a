using Robotics.Sim.Robots;
using Robotics.Sim.Tasks;
using Robotics.Sim.Tasks.Locomotion;

namespace Robotics.Sim.Tests.Tasks;

/// <summary>Bad task files and URDFs: each a clear error naming the file, the field and what is allowed.</summary>
public class TaskFileErrorTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("robotics-task-");
    private readonly string _original = File.ReadAllText(LocomotionTaskTests.TaskFile);

    public void Dispose() => _dir.Delete(true);

    // A copy of the Go1 task file with one edit, next to a copy of the URDF.
    private string Write(Func<string, string> edit, string? urdf = null)
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "go1.urdf"), urdf ?? File.ReadAllText(TestPaths.Repo("urdf/go1.urdf")));
        var text = edit(_original.Replace("urdf = \"../../../../urdf/go1.urdf\"", "urdf = \"go1.urdf\""));
        var path = Path.Combine(_dir.FullName, "task.toml");
        File.WriteAllText(path, text);
        return path;
    }

    private UserError Fails(Func<string, string> edit, string? urdf = null) =>
        Assert.Throws<UserError>(() => LocomotionConfig.Load(Write(edit, urdf)));

    [Fact]
    public void The_unedited_copy_loads() => Assert.Equal("go1_velocity", LocomotionConfig.Load(Write(t => t)).Name);

    [Fact]
    public void Overrides_replace_and_add_settings_as_if_the_file_said_them()
    {
        var plain = LocomotionConfig.Load(Write(t => t));
        var c = LocomotionConfig.Load(Write(t => t), new[] { "randomization.push_interval_s=\"=U(2, 6)\"", "rewards.CostTermination = 250", "control.kp=30" });
        Assert.Equal((5.0, 15.0), (plain.Randomization.PushInterval!.Low, plain.Randomization.PushInterval.High));
        Assert.Equal((2.0, 6.0), (c.Randomization.PushInterval!.Low, c.Randomization.PushInterval.High));
        Assert.Equal(250, c.RewardScales[LocomotionTerms.CostTermination]);
        Assert.False(plain.RewardScales.ContainsKey(LocomotionTerms.CostTermination));
        Assert.Equal(30, c.Kp);
        Assert.Equal(plain.Kd, c.Kd);   // untouched settings keep the file's values
        Assert.Equal(plain.Randomization.PushVelocity, c.Randomization.PushVelocity);
    }

    [Fact]
    public void Bad_overrides_are_named()
    {
        var file = Write(t => t);
        UserError Bad(string o) => Assert.Throws<UserError>(() => LocomotionConfig.Load(file, new[] { o }));
        Assert.Contains("rewards.CostTermnation", Bad("rewards.CostTermnation=1").Message);            // the loader's own check
        Assert.Contains("[0, 1000]", Bad("control.kp=-3").Message);                                     // and its ranges
        Assert.Contains("not a TOML value", Bad("rewards.CostTermination=abc").Message);
        Assert.Contains("control.kp is not a table", Bad("control.kp.x=1").Message);
        Assert.Contains("dotted.key=value", Bad("=3").Message);
    }

    [Fact]
    public void Unknown_reward_term_is_named_with_the_known_ones()
    {
        var e = Fails(t => t.Replace("CostJointLimits = 10.0", "CostJointLimits = 10.0\nCostWiggle = 1.0"));
        Assert.Contains("rewards.CostWiggle", e.Message);
        Assert.Contains("RewardTrackLinVel", e.Message);
        Assert.Contains("task.toml", e.Message);
    }

    [Fact]
    public void Joint_names_that_do_not_match_the_urdf_are_named()
    {
        var e = Fails(t => t.Replace("\"*_hip_joint\" = 0.0", "\"*_abad_joint\" = 0.0"));
        Assert.Contains("*_abad_joint", e.Message);
        Assert.Contains("FR_hip_joint", e.Message);   // the joints there are
    }

    [Fact]
    public void Inverted_or_out_of_range_values_give_the_allowed_range()
    {
        Assert.Contains("inverted range", Fails(t => t.Replace("vx = [-1.0, 1.0]", "vx = [1.0, -1.0]")).Message);
        var kp = Fails(t => t.Replace("kp = 35.0", "kp = -5.0"));
        Assert.Contains("control.kp", kp.Message);
        Assert.Contains("[0, 1000]", kp.Message);
        Assert.Contains("randomization.friction", Fails(t => t.Replace("\"=U(0.4, 1.25)\"", "\"=U(1.25, 0.4)\"")).Message);
        Assert.Contains("outside joint", Fails(t => t.Replace("\"*_calf_joint\" = -1.8", "\"*_calf_joint\" = 0.5")).Message);
    }

    [Theory]
    [InlineData("kp = 35.0", "kp = nan", "control.kp")]
    [InlineData("kp = 35.0", "kp = 1e30", "control.kp")]
    [InlineData("vx = [-1.0, 1.0]", "vx = [nan, 1.0]", "commands.vx")]      // NaN compares false with every bound
    [InlineData("vx = [-1.0, 1.0]", "vx = [-inf, 1.0]", "commands.vx")]
    [InlineData("vx = [-1.0, 1.0]", "vx = [-1e30, 1.0]", "commands.vx")]
    public void Nan_infinite_and_huge_numbers_in_a_task_file_are_named(string from, string to, string field)
    {
        var e = Fails(t => t.Replace(from, to));
        Assert.Contains(field, e.Message);
    }

    [Theory]
    [InlineData("target.position_min=[nan, -0.25, 0.55]", "target.position_min")]
    [InlineData("target.position_max=[0.6, inf, 0.85]", "target.position_max")]
    [InlineData("target.yaw_range=[nan, 0.5]", "target.yaw_range")]
    public void Nan_and_infinite_numbers_in_an_arm_task_file_are_named(string setting, string field)
    {
        var file = TestPaths.Repo("src/Sim/Tasks/Configs/panda_reach.toml");
        var e = Assert.Throws<UserError>(() => Robotics.Sim.Tasks.Manipulation.ManipulationConfig.Load(file, new[] { setting }));
        Assert.Contains(field, e.Message);
        Assert.Contains("finite", e.Message);
    }

    [Fact]
    public void Typos_and_misplaced_terms_are_refused()
    {
        Assert.Contains("control.kpp", Fails(t => t.Replace("kp = 35.0", "kpp = 20.0")).Message);
        var e = Fails(t => t.Replace("policy = [\"base_ang_vel\",", "policy = [\"base_lin_vel\", \"base_ang_vel\","));
        Assert.Contains("privileged", e.Message);
        Assert.Contains("not a link", Fails(t => t.Replace("imu_link = \"imu\"", "imu_link = \"imu_link\"")).Message);
        Assert.Contains("not valid TOML", Fails(t => t.Replace("kp = 35.0", "kp = ")).Message);
    }

    [Fact]
    public void A_key_written_twice_is_named_with_the_file_and_line_not_silently_the_last()
    {
        var path = Write(t => t.Replace("kp = 35.0", "kp = 35.0\nkp = 20.0"));
        int line = File.ReadAllLines(path).ToList().FindIndex(l => l.StartsWith("kp = 20.0", StringComparison.Ordinal)) + 1;
        var e = Assert.Throws<UserError>(() => LocomotionConfig.Load(path));
        Assert.StartsWith($"{path}:{line}: ", e.Message);
        Assert.Contains("kp", e.Message);

        var table = Write(t => t + "\n[control]\nkd = 0.7\n");
        var t2 = Assert.Throws<UserError>(() => LocomotionConfig.Load(table));
        Assert.Contains("control", t2.Message);
        Assert.Contains(table, t2.Message);
    }

    [Fact]
    public void Broken_urdfs_are_named_with_file_and_line()
    {
        var urdf = File.ReadAllText(TestPaths.Repo("urdf/go1.urdf"));
        var inverted = Fails(t => t, urdf.Replace("lower=\"-0.863\" upper=\"0.863\"", "lower=\"0.863\" upper=\"-0.863\""));
        Assert.Contains("inverted range", inverted.Message);
        Assert.Matches(@"go1\.urdf:\d+:", inverted.Message);

        var mesh = Fails(t => t, urdf.Replace("<sphere radius=\"0.02\"/>", "<mesh filename=\"package://go1/meshes/foot.stl\"/>"));
        Assert.Contains("foot.stl", mesh.Message);
        Assert.Contains("not found", mesh.Message);

        var e = Assert.Throws<UserError>(() => UrdfRobot.Parse("<robot name='r'><link name='a'/><joint name='j' type='revolute'><parent link='a'/><child link='b'/></joint></robot>", "r.urdf", "."));
        Assert.Contains("child link 'b' is not defined", e.Message);
    }
}

/// <summary>A new legged robot needs only its URDF and a task file: a renamed, heavier variant of the Go1 runs with no code.</summary>
public class NewRobotTests
{
    [Fact]
    public void Renamed_robot_with_its_own_task_file_loads_and_steps()
    {
        var dir = Directory.CreateTempSubdirectory("robotics-newrobot-");
        try
        {
            var urdf = File.ReadAllText(TestPaths.Repo("urdf/go1.urdf"))
                .Replace("name=\"go1\"", "name=\"dog\"")
                .Replace("FR_", "front_right_").Replace("FL_", "front_left_").Replace("RR_", "rear_right_").Replace("RL_", "rear_left_")
                .Replace("\"trunk\"", "\"body\"").Replace("mass value=\"5.2\"", "mass value=\"6.0\"");
            File.WriteAllText(Path.Combine(dir.FullName, "dog.urdf"), urdf);
            var task = File.ReadAllText(LocomotionTaskTests.TaskFile)
                .Replace("name = \"go1_velocity\"", "name = \"dog_velocity\"")
                .Replace("urdf = \"../../../../urdf/go1.urdf\"", "urdf = \"dog.urdf\"")
                .Replace("base_link = \"trunk\"", "base_link = \"body\"")
                .Replace("feet = [\"FR_foot\", \"FL_foot\", \"RR_foot\", \"RL_foot\"]", "feet = [\"front_right_foot\", \"front_left_foot\", \"rear_right_foot\", \"rear_left_foot\"]")
                .Replace("terminate_contacts = [\"trunk\", \"hip\"]", "terminate_contacts = [\"body\", \"hip\"]");
            var path = Path.Combine(dir.FullName, "dog_velocity.toml");
            File.WriteAllText(path, task);

            using var env = new Robotics.Sim.Envs.MjVecEnv(Robotics.Sim.Tasks.TaskCatalog.Load(path), 2, 1, seed: 1, ownsTask: true);
            Assert.Equal("dog_velocity", env.Task.Name);
            Assert.Equal(12, env.ActionDim);
            for (int t = 0; t < 50; t++) env.Step(new float[24]);
            Assert.False(env.Terminated[0]);
            Assert.Contains(((Robotics.Sim.Tasks.Locomotion.LocomotionTask)env.Task).Actuators.JointNames, j => j == "rear_left_calf_joint");
        }
        finally { dir.Delete(true); }
    }
}
