using Robotics.Deploy.Contract;
using Robotics.Deploy.Kinematics;
using Robotics.Deploy.Safety;
using Robotics.Deploy.Tests.RealTime;

namespace Robotics.Deploy.Tests.Safety;

/// <summary>Inputs clamped to their trained ranges (<see cref="ArmConfig"/>: x [0.3, 0.7], y [−0.5, 0.5], z = 0.3, yaw [−0.5, 0.5]).</summary>
public class InputLimiterTests
{
    [Fact]
    public void A_target_outside_the_trained_range_is_clamped_every_tick_and_counted_once_per_message()
    {
        var (c, robot, _) = ArmConfig.Running();
        long before = c.Safety.InputClamps;
        robot.TargetPosition[0] = 0.9;          // x beyond 0.7
        robot.TargetPosition[1] = -0.2;         // in range
        robot.InputSequence[ArmConfig.TargetPose]++;
        for (int i = 0; i < 50; i++)
        {
            c.Tick();
            Assert.Equal(new[] { 0.7, -0.2, 0.3 }, c.Frame.TargetPosition);   // the robot re-sends 0.9 every tick
        }
        Assert.Equal(before + 1, c.Safety.InputClamps);
        Assert.Equal(SafetyState.Running, c.Safety.State);

        robot.InputSequence[ArmConfig.TargetPose]++;   // the same value in a new message: counted again
        c.Tick();
        Assert.Equal(before + 2, c.Safety.InputClamps);

        // The policy sees the clamped goal: ee_to_target = (0.7, −0.2, 0.3) − ee (0.5, 0.4, 0.3) at the default pose.
        ControllerTests.RunUntilPolicy(c);
        int offset = ArmConfig.Group.Offset(ArmConfig.Group.IndexOf("ee_to_target"));
        var eeToTarget = c.Observation.Slice(offset, 3).ToArray();
        Assert.Equal(0.2, eeToTarget[0], 6);
        Assert.Equal(-0.6, eeToTarget[1], 6);
        Assert.Equal(0.0, eeToTarget[2], 6);
    }

    [Fact]
    public void An_in_range_target_is_never_modified_and_a_constant_axis_is_set_without_counting()
    {
        var (c, robot, _) = ArmConfig.Running();
        long before = c.Safety.InputClamps;
        double[] p = { 0.3000000001, -0.4999999, 0.25 };   // z is a constant (the table): 0.3 whatever is sent
        var r = ArmConfig.TargetRotation(0.4999);
        r[0] = Math.BitIncrement(r[0]);                    // a rounding-level tilt: still a pure yaw
        p.CopyTo(robot.TargetPosition, 0);
        r.CopyTo(robot.TargetRotation, 0);
        robot.InputSequence[ArmConfig.TargetPose]++;
        c.Tick();
        Assert.Equal(new[] { p[0], p[1], 0.3 }, c.Frame.TargetPosition);
        Assert.Equal(r, c.Frame.TargetRotation);            // bit for bit
        Assert.Equal(before, c.Safety.InputClamps);
    }

    [Fact]
    public void A_yaw_beyond_the_range_is_clamped_about_the_rest_orientation()
    {
        var (c, robot, _) = ArmConfig.Running();
        long before = c.Safety.InputClamps;
        ArmConfig.TargetRotation(0.8).CopyTo(robot.TargetRotation, 0);   // yaw 0.8 > 0.5
        robot.InputSequence[ArmConfig.TargetPose]++;
        c.Tick();
        AssertRotation(ArmConfig.TargetRotation(0.5), c.Frame.TargetRotation);   // Rz(0.5) · Rz(π/2)
        Assert.Equal(before + 1, c.Safety.InputClamps);

        ArmConfig.TargetRotation(-3.0).CopyTo(robot.TargetRotation, 0);  // −3 rad: nearer −0.5 (2.5) than 0.5 (2.78) the other way round
        robot.InputSequence[ArmConfig.TargetPose]++;
        c.Tick();
        AssertRotation(ArmConfig.TargetRotation(-0.5), c.Frame.TargetRotation);
        Assert.Equal(before + 2, c.Safety.InputClamps);
    }

    [Fact]
    public void A_tilted_target_orientation_is_projected_onto_the_yaw_family()
    {
        // T = Rz(0.3) · Rx(0.2) · R_rest: tilted 0.2 rad (> 0.01) from the trained family; the nearest yaw is 0.3.
        var (c, robot, _) = ArmConfig.Running();
        long before = c.Safety.InputClamps;
        var tilt = new double[9];
        var tilted = new double[9];
        Rotation.FromAxisAngle(1, 0, 0, 0.2, tilt);
        Rotation.Multiply(tilt, ArmConfig.TargetRotation(0), tilted);
        Rotation.Yawed(0.3, tilted, robot.TargetRotation);
        robot.InputSequence[ArmConfig.TargetPose]++;
        c.Tick();
        AssertRotation(ArmConfig.TargetRotation(0.3), c.Frame.TargetRotation);
        Assert.Equal(before + 1, c.Safety.InputClamps);

        // 0.005 rad of tilt is within the tolerance: left as sent.
        Rotation.FromAxisAngle(1, 0, 0, 0.005, tilt);
        Rotation.Multiply(tilt, ArmConfig.TargetRotation(0.1), robot.TargetRotation);
        var sent = robot.TargetRotation.ToArray();
        robot.InputSequence[ArmConfig.TargetPose]++;
        c.Tick();
        Assert.Equal(sent, c.Frame.TargetRotation);
        Assert.Equal(before + 1, c.Safety.InputClamps);
    }

    [Fact]
    public void A_legged_velocity_command_is_clamped_to_vx_vy_yaw_rate_and_counted_once_per_message()
    {
        var config = TestConfig.Create() with
        {
            Commands = new[] { new CommandRange("vx", "m/s", -0.5, 1.0), new CommandRange("vy", "m/s", -0.3, 0.3), new CommandRange("yaw_rate", "rad/s", -1, 1) },
        };
        var (c, robot, _) = TestConfig.Running(config);
        robot.Command[0] = 2.0; robot.Command[1] = 0.1; robot.Command[2] = -1.5;
        robot.InputSequence[(int)InputKind.CmdVel] = 7;
        for (int i = 0; i < 20; i++) c.Tick();
        Assert.Equal(new[] { 1.0, 0.1, -1.0 }, c.Frame.Command);
        Assert.Equal(1, c.Safety.InputClamps);
        Assert.Equal(0, c.Safety.WorkspaceClamps);
    }

    [Fact]
    public void A_non_finite_input_is_left_for_the_safety_layer_to_trip_on()
    {
        var (c, robot, _) = ArmConfig.Running();
        robot.TargetPosition[0] = double.NaN;
        robot.InputSequence[ArmConfig.TargetPose]++;
        c.Tick();
        Assert.True(double.IsNaN(c.Frame.TargetPosition[0]));
        Assert.Equal(0, c.Safety.InputClamps);
        Assert.Equal((SafetyState.Hold, SafetyCause.NonFiniteSensor), (c.Safety.State, c.Safety.LastCause));
    }

    private static void AssertRotation(double[] expected, double[] actual)
    {
        for (int k = 0; k < 9; k++) Assert.Equal(expected[k], actual[k], 12);
    }
}
