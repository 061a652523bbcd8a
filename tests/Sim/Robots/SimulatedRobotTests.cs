using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;
using Robotics.Sim.Robots;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Tests.Tasks;

namespace Robotics.Sim.Tests.Robots;

public class SimulatedRobotTests
{
    private static LocomotionTask Go1() => LocomotionTask.Load(LocomotionTaskTests.TaskFile);

    // The default pose with the task's own gains, as the deploy node commands it.
    private static JointCommand Stand(LocomotionTask task)
    {
        var c = new JointCommand(task.ActionDim);
        for (int i = 0; i < c.Joints; i++)
        {
            c.Position[i] = task.Config.DefaultJointPos[i];
            c.Kp[i] = task.Config.Kp;
            c.Kd[i] = task.Config.Kd;
        }
        return c;
    }

    [Fact]
    public void Commanded_to_its_default_pose_the_robot_stands_and_passive_it_sinks()
    {
        using var task = Go1();
        using var robot = new SimulatedRobot(task);
        var frame = new SensorFrame(robot.Joints, robot.Joints);
        robot.Write(Stand(task));
        for (int t = 0; t < 400; t++) robot.Advance();   // 2 s at 200 Hz
        robot.Read(frame);
        double standing = robot.BaseHeight;
        Assert.True(standing > 0.2, $"base at {standing:0.000} m");
        // Kp 35 N·m/rad carries the 12.8 kg body with some sag (the calves ≈ 0.27 rad seen here).
        for (int i = 0; i < robot.Joints; i++)
            Assert.True(Math.Abs(frame.JointPos[i] - task.Config.DefaultJointPos[i]) < 0.35, $"{robot.JointNames[i]}: {frame.JointPos[i]:0.000} vs {task.Config.DefaultJointPos[i]:0.000}");
        // Upright: gravity along the IMU's −z, i.e. the orientation near identity up to yaw.
        Span<float> g = stackalloc float[3];
        ObservationWriter.ProjectedGravity(frame.Orientation, g);
        Assert.True(g[2] < -0.95f, $"projected gravity z {g[2]}");

        robot.Write(new JointCommand(robot.Joints));   // motors passive
        for (int t = 0; t < 400; t++) robot.Advance();
        Assert.True(robot.BaseHeight < standing - 0.05, $"passive: {robot.BaseHeight:0.000} m, standing {standing:0.000} m");
    }

    [Fact]
    public void A_command_reaches_the_motors_after_the_latency_and_readings_advance_each_period()
    {
        using var task = Go1();
        // dt 5 ms: a 10 ms latency is two physics steps; one physics step per control period.
        using var robot = new SimulatedRobot(task, new SimulatedRobotOptions { ControlPeriod = 0.005, Latency = 0.010 });
        Assert.Equal(2, robot.LatencySteps);
        var frame = new SensorFrame(robot.Joints, robot.Joints);
        var push = new JointCommand(robot.Joints);
        push.Torque[0] = 5;   // feed-forward only: τ = 5 N·m on the first joint
        robot.Write(push);
        robot.Advance();
        Assert.Equal(0, robot.AppliedTorque[0]);
        robot.Advance();
        Assert.Equal(0, robot.AppliedTorque[0]);
        robot.Advance();
        Assert.Equal(5, robot.AppliedTorque[0]);
        robot.SetCommand(0.5, -0.2, 0.3);
        robot.Read(frame);
        Assert.Equal(3, frame.Sequence);
        Assert.Equal(5, frame.JointTorque[0]);
        Assert.Equal(new[] { 0.5, -0.2, 0.3 }, frame.Command);

        using var prompt = new SimulatedRobot(task, new SimulatedRobotOptions { ControlPeriod = 0.01 });
        Assert.Equal(2, prompt.Substeps);
        prompt.Write(push);
        prompt.Advance();
        Assert.Equal(5, prompt.AppliedTorque[0]);
    }

    [Fact]
    public void Bad_commands_and_options_are_refused_by_name()
    {
        using var task = Go1();
        using var robot = new SimulatedRobot(task);
        Assert.Contains("12", Assert.Throws<ArgumentException>(() => robot.Write(new JointCommand(3))).Message);
        var bad = Stand(task);
        bad.Position[4] = double.NaN;
        Assert.Contains(robot.JointNames[4], Assert.Throws<ArgumentException>(() => robot.Write(bad)).Message);
        Assert.Contains("ControlPeriod", Assert.Throws<UserError>(() => new SimulatedRobot(task, new SimulatedRobotOptions { ControlPeriod = 0.007 })).Message);
        Assert.Contains("Latency", Assert.Throws<UserError>(() => new SimulatedRobot(task, new SimulatedRobotOptions { Latency = -1 })).Message);
    }

    [Fact]
    public void Reading_writing_and_advancing_allocate_nothing()
    {
        using var task = Go1();
        using var robot = new SimulatedRobot(task, new SimulatedRobotOptions { Latency = 0.01 });
        var frame = new SensorFrame(robot.Joints, robot.Joints);
        var stand = Stand(task);
        for (int t = 0; t < 10; t++) { robot.Read(frame); robot.Write(stand); robot.Advance(); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 0; t < 1000; t++) { robot.Read(frame); robot.Write(stand); robot.Advance(); }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
