using Robotics.Deploy.Contract;
using Robotics.Deploy.Kinematics;
using Robotics.Deploy.RealTime;
using Robotics.Sim.Randomization;
using Robotics.Sim.Robots;
using Robotics.Sim.Tasks.Manipulation;
using Robotics.Sim.Tests.Tasks;

namespace Robotics.Sim.Tests.Robots;

public class SimulatedRobotArmTests
{
    private static ManipulationTask Task(string file, bool gravityCompensation = true) =>
        new(ManipulationConfig.Load(file) with { Randomization = new RandomizationConfig(), GravityCompensation = gravityCompensation });

    // The hold a stopped arm gets: the default pose with the trained gains (the driver adds gravity compensation).
    private static JointCommand Hold(ManipulationTask task)
    {
        var c = new JointCommand(task.ActionDim);
        task.Config.DefaultJointPos.CopyTo(c.Position, 0);
        task.Config.Kp.CopyTo(c.Kp, 0);
        task.Config.Kd.CopyTo(c.Kd, 0);
        return c;
    }

    [Fact]
    public void Held_at_its_default_pose_the_arm_stays_within_a_millimetre_and_passive_without_compensation_it_drops()
    {
        using var task = Task(ManipulationTaskTests.Reach);
        using var robot = new SimulatedRobot(task);
        Assert.True(robot.GravityCompensation);
        Assert.Equal(0.002, robot.ControlPeriod, 12);   // the task's physics step by default
        double[] start = new double[3], p = new double[3], r = new double[9];
        robot.EndEffector(start, r);
        // At the default pose the tool is where the task says it rests (base frame = world − (0, 0, 0.4)).
        for (int k = 0; k < 3; k++) Assert.Equal(task.RestPosition[k] - task.Config.BasePosition[k], start[k], 9);
        var hold = Hold(task);
        double worst = 0;
        for (int t = 0; t < 1000; t++)   // 2 s at 500 Hz
        {
            robot.Write(hold);
            robot.Advance();
            robot.EndEffector(p, r);
            worst = Math.Max(worst, Distance(p, start));
        }
        Assert.True(worst < 1e-3, $"the tool moved {worst * 1000:0.000} mm under the hold");

        using var bare = Task(ManipulationTaskTests.Reach, gravityCompensation: false);
        using var limp = new SimulatedRobot(bare);
        Assert.False(limp.GravityCompensation);
        limp.Write(new JointCommand(limp.Joints));   // zero gains, no torque, no compensation
        for (int t = 0; t < 500; t++) limp.Advance();   // 1 s
        limp.EndEffector(p, r);
        Assert.True(start[2] - p[2] > 0.05, $"passive without compensation the tool went from z {start[2]:0.000} to {p[2]:0.000} m");
    }

    [Fact]
    public void Position_commands_track_with_the_trained_gains_and_gravity_compensation()
    {
        using var task = Task(ManipulationTaskTests.Reach);
        using var robot = new SimulatedRobot(task);
        var goal = task.Config.DefaultJointPos.ToArray();
        goal[0] += 0.2;
        goal[3] += 0.2;
        var frame = new SensorFrame(robot.Joints, robot.Joints);
        for (int t = 0; t < 1000; t++) { robot.WritePositions(goal); robot.Advance(); }
        robot.Read(frame);
        for (int i = 0; i < robot.Joints; i++) Assert.True(Math.Abs(frame.JointPos[i] - goal[i]) < 2e-3, $"{robot.JointNames[i]}: {frame.JointPos[i]:0.0000} vs {goal[i]:0.0000}");
        Assert.Equal(1000, frame.Sequence);
        Assert.Contains("7 joints", Assert.Throws<ArgumentException>(() => robot.WritePositions(new double[3])).Message);
    }

    [Fact]
    public void Targets_and_the_cube_are_reported_in_the_base_frame_each_target_a_new_value()
    {
        using var task = Task(ManipulationTaskTests.Push);
        using var robot = new SimulatedRobot(task);
        var frame = new SensorFrame(robot.Joints, robot.Joints);
        robot.Read(frame);
        Assert.Equal(0, frame.InputSequence[(int)InputKind.TargetPose]);   // no operator target yet
        Assert.Equal(1, frame.InputSequence[(int)InputKind.ObjectPose]);   // the frame taken at the reset, no latency
        // Push starts with the cube in the middle of its region: world (0.45, 0), on the table (z 0.425) = base (0.45, 0, 0.025).
        Assert.Equal(new[] { 0.45, 0, 0.025 }, frame.ObjectPosition.Select(v => Math.Round(v, 9)));

        robot.SetTarget(new[] { 0.5, 0.1, 0.025 });
        robot.PlaceCube(0.4, -0.1);
        robot.Advance();
        robot.Read(frame);
        Assert.Equal(1, frame.InputSequence[(int)InputKind.TargetPose]);
        Assert.Equal(new[] { 0.5, 0.1, 0.025 }, frame.TargetPosition);
        // The marker is in the world: base + (0, 0, 0.4).
        Assert.Equal(0.425, robot.Data.MocapPos[2], 12);
        var cube = new double[3];
        robot.CubePosition(cube);
        Assert.Equal(0.4, cube[0], 6);
        Assert.Equal(-0.1, cube[1], 6);
        Assert.Throws<InvalidOperationException>(() => robot.BaseHeight);

        using var reach = Task(ManipulationTaskTests.Reach);
        using var arm = new SimulatedRobot(reach);
        var rotation = new double[9];
        Rotation.Yawed(0.3, reach.RestRotation, rotation);
        arm.SetTarget(new[] { 0.4, 0.1, 0.3 }, rotation);
        arm.SetTarget(new[] { 0.45, 0.1, 0.3 }, rotation);
        arm.Read(frame);
        Assert.Equal(2, frame.InputSequence[(int)InputKind.TargetPose]);
        Assert.Equal(rotation, frame.TargetRotation);
        Assert.Throws<ArgumentException>(() => arm.SetTarget(new[] { double.NaN, 0, 0 }, rotation));
    }

    [Fact]
    public void The_camera_reports_the_cube_at_its_rate_after_its_latency_and_stamps_when_it_saw_it()
    {
        using var task = Task(ManipulationTaskTests.Push);
        // 50 ms latency, 20 Hz: a frame every 25 control periods, reported 25 periods after it was taken.
        using var robot = new SimulatedRobot(task, new SimulatedRobotOptions { ObjectLatency = 0.05, ObjectRate = 20 });
        var frame = new SensorFrame(robot.Joints, robot.Joints);
        robot.Read(frame);
        Assert.Equal(0, frame.InputSequence[(int)InputKind.ObjectPose]);   // nothing arrived yet
        Assert.True(double.IsNaN(robot.ObjectMeasuredAt));
        robot.Write(Hold(task));
        var seen = new List<(double Time, long Sequence, double X, double Stamp)>();
        robot.PlaceCube(0.4, 0);
        for (int t = 1; t <= 100; t++)
        {
            if (t == 40) robot.PlaceCube(0.5, 0);   // at 0.080 s the cube jumps 10 cm
            robot.Advance();
            robot.Read(frame);
            seen.Add((robot.Time, frame.InputSequence[(int)InputKind.ObjectPose], frame.ObjectPosition[0], robot.ObjectMeasuredAt));
        }
        // Frames taken at 0, 0.05, 0.10, 0.15 s arrive at 0.05, 0.10, 0.15, 0.20 s.
        long SequenceAt(double time) => seen.First(s => Math.Abs(s.Time - time) < 1e-9).Sequence;
        Assert.Equal(0, SequenceAt(0.048));
        Assert.Equal(1, SequenceAt(0.050));
        Assert.Equal(1, SequenceAt(0.098));
        Assert.Equal(2, SequenceAt(0.100));
        Assert.Equal(4, SequenceAt(0.200));
        // The jump at 0.080 s is seen by the frame of 0.10 s, which arrives at 0.15 s.
        Assert.Equal(0.4, seen.First(s => Math.Abs(s.Time - 0.148) < 1e-9).X, 6);
        Assert.Equal(0.5, seen.First(s => Math.Abs(s.Time - 0.150) < 1e-9).X, 6);
        Assert.Equal(0.10, seen.First(s => Math.Abs(s.Time - 0.150) < 1e-9).Stamp, 9);
    }

    [Fact]
    public void Object_noise_is_uniform_within_its_half_width_and_follows_the_seed()
    {
        using var task = Task(ManipulationTaskTests.Push);
        double[] Errors(ulong seed)
        {
            using var robot = new SimulatedRobot(task, new SimulatedRobotOptions { ObjectNoise = 0.01, ObjectRate = 500, Seed = seed });
            var frame = new SensorFrame(robot.Joints, robot.Joints);
            var truth = new double[3];
            var errors = new List<double>();
            robot.Write(Hold(task));
            for (int t = 0; t < 2000; t++)
            {
                robot.Advance();
                robot.Read(frame);
                robot.CubePosition(truth);
                errors.Add(frame.ObjectPosition[0] - truth[0]);
            }
            return errors.ToArray();
        }
        var a = Errors(1);
        Assert.All(a, e => Assert.InRange(e, -0.01, 0.01));
        // U(−h, h): mean 0, standard deviation h / √3 = 5.77 mm; over 2000 samples within ±0.6 mm and ±0.3 mm.
        Assert.InRange(a.Average(), -6e-4, 6e-4);
        double sd = Math.Sqrt(a.Select(e => e * e).Average());
        Assert.InRange(sd, 0.01 / Math.Sqrt(3) - 3e-4, 0.01 / Math.Sqrt(3) + 3e-4);
        Assert.Equal(a, Errors(1));
        Assert.NotEqual(a, Errors(2));
    }

    [Fact]
    public void Bad_object_options_are_refused_by_name()
    {
        using var task = Task(ManipulationTaskTests.Reach);
        Assert.Contains("ObjectRate", Assert.Throws<UserError>(() => new SimulatedRobot(task, new SimulatedRobotOptions { ObjectRate = 0 })).Message);
        Assert.Contains("ObjectLatency", Assert.Throws<UserError>(() => new SimulatedRobot(task, new SimulatedRobotOptions { ObjectLatency = -0.1 })).Message);
        Assert.Contains("ObjectNoise", Assert.Throws<UserError>(() => new SimulatedRobot(task, new SimulatedRobotOptions { ObjectNoise = double.NaN })).Message);
        Assert.Contains("ControlPeriod", Assert.Throws<UserError>(() => new SimulatedRobot(task, new SimulatedRobotOptions { ControlPeriod = 0.005 })).Message);
    }

    [Fact]
    public void Reading_writing_and_advancing_the_arm_allocate_nothing()
    {
        using var task = Task(ManipulationTaskTests.Push);
        using var robot = new SimulatedRobot(task, new SimulatedRobotOptions { Latency = 0.004, ObjectLatency = 0.05, ObjectNoise = 0.002 });
        var frame = new SensorFrame(robot.Joints, robot.Joints);
        var hold = Hold(task);
        var targets = task.Config.DefaultJointPos.ToArray();
        for (int t = 0; t < 10; t++) { robot.Read(frame); robot.Write(hold); robot.Advance(); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 0; t < 1000; t++) { robot.Read(frame); robot.Write(hold); robot.WritePositions(targets); robot.Advance(); }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static double Distance(ReadOnlySpan<double> a, ReadOnlySpan<double> b) =>
        Math.Sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
}
