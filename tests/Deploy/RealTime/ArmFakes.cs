using Robotics.Deploy.Contract;
using Robotics.Deploy.Kinematics;
using Robotics.Deploy.RealTime;
using Robotics.Deploy.Safety;

namespace Robotics.Deploy.Tests.RealTime;

/// <summary>
/// A planar two-link arm for the arm tests, with forward kinematics by hand: j0 turns about the base's z at height
/// 0.3 m, a 0.5 m link, j1 about z, a 0.4 m link to the tool:
/// ee = (0.5 cos q0 + 0.4 cos(q0 + q1), 0.5 sin q0 + 0.4 sin(q0 + q1), 0.3), R = Rz(q0 + q1).
/// Default pose (0, π/2): ee (0.5, 0.4, 0.3), R_rest = Rz(π/2). Workspace x [0.2, 0.8], y [−0.6, 0.6], z [0.2, 0.4].
/// Trained goals: x [0.3, 0.7], y [−0.5, 0.5], z = 0.3 (constant), yaw [−0.5, 0.5] rad from R_rest. Inputs: target_pose
/// (a setpoint) and object_pose (fresh within 0.01 s = 5 ticks at 2 ms). Stop = hold.
/// </summary>
internal static class ArmConfig
{
    public const int TargetPose = (int)InputKind.TargetPose, ObjectPose = (int)InputKind.ObjectPose;

    public static readonly double[] Rest = { 0, Math.PI / 2 };

    public static KinematicsSpec Kinematics => new()
    {
        BaseLink = "base",
        EeLink = "tool",
        Joints = new KinematicJoint[]
        {
            new("j0", KinematicJointType.Revolute, new[] { 0, 0, 0.3 }, new double[3], new double[] { 0, 0, 1 }),
            new("j1", KinematicJointType.Revolute, new[] { 0.5, 0, 0 }, new double[3], new double[] { 0, 0, 1 }),
            new("tool_joint", KinematicJointType.Fixed, new[] { 0.4, 0, 0 }, new double[3], new double[3]),
        },
    };

    public static readonly ObservationGroup Group = new(ObservationGroup.Policy, new ObservationTerm[]
    {
        new("joint_pos", 2), new("joint_vel", 2) { Scale = 0.05f }, new("ee_pos", 3), new("ee_to_target", 3),
        new("orientation_error", 3), new("cube_pos", 3), new("last_action", 2),
    });

    public static readonly CommandRange[] Commands =
    {
        new("target_x", "m", 0.3, 0.7), new("target_y", "m", -0.5, 0.5), new("target_z", "m", 0.3, 0.3), new("target_yaw", "rad", -0.5, 0.5),
    };

    public static ControllerConfig Create(double objectMaxAge = 0.01) => TestConfig.Create(2) with
    {
        DefaultJointPos = Rest.ToArray(),
        Action = new ActionSpec { Scale = new[] { 0.5, 0.5 }, Offset = new double[2], Reference = ActionReference.MeasuredPosition },
        Observation = Group,
        Safety = TestConfig.Create(2).Safety with { PositionLower = TestConfig.Fill(2, -2.5), PositionUpper = TestConfig.Fill(2, 2.5) },
        Inputs = new PolicyInput[]
        {
            PolicyInputs.Default(InputKind.TargetPose, "base"),
            PolicyInputs.Default(InputKind.ObjectPose, "base") with { MaxAge = objectMaxAge },
        },
        Commands = Commands,
        Kinematics = Kinematics,
        Workspace = new WorkspaceBox { Min = new[] { 0.2, -0.6, 0.2 }, Max = new[] { 0.8, 0.6, 0.4 } },
        Stop = StopBehavior.Hold,
    };

    /// <summary>Rz(yaw) · R_rest = Rz(π/2 + yaw). [9]</summary>
    public static double[] TargetRotation(double yaw)
    {
        var r = new double[9];
        Rotation.FromAxisAngle(0, 0, 1, Math.PI / 2 + yaw, r);
        return r;
    }

    /// <summary>An arm controller in Idle at the default pose, a target (0.5, 0.2, 0.3) at yaw 0 received, the object streaming.</summary>
    public static (Controller Controller, FakeRobot Robot, FakePolicy Policy) Idle(ControllerConfig? config = null, bool mirror = true)
    {
        config ??= Create();
        var robot = new FakeRobot(config.Joints) { Mirror = mirror };
        config.DefaultJointPos.CopyTo(robot.JointPos, 0);
        new[] { 0.5, 0.2, 0.3 }.CopyTo(robot.TargetPosition, 0);
        TargetRotation(0).CopyTo(robot.TargetRotation, 0);
        new[] { 0.6, 0.0, 0.3 }.CopyTo(robot.ObjectPosition, 0);
        robot.InputSequence[TargetPose] = 1;
        robot.Streaming[ObjectPose] = true;
        var policy = new FakePolicy(config.Observation.Dim, config.Joints) { Output = new float[config.Joints] };
        var c = new Controller(config, policy, robot, new EventRing(1024));
        c.Tick();
        Assert.Equal(SafetyState.Idle, c.Safety.State);
        return (c, robot, policy);
    }

    /// <summary>The same, started and run until Running.</summary>
    public static (Controller Controller, FakeRobot Robot, FakePolicy Policy) Running(ControllerConfig? config = null, bool mirror = true)
    {
        var (c, robot, policy) = Idle(config, mirror);
        TestConfig.StartUntilRunning(c);
        return (c, robot, policy);
    }

    /// <summary>The tool's x [m] at joint positions q.</summary>
    public static double EeX(ReadOnlySpan<double> q) => 0.5 * Math.Cos(q[0]) + 0.4 * Math.Cos(q[0] + q[1]);

    /// <summary>Kp = 20, Kd = 0.5, τ = 0 at <paramref name="position"/>: the nominal drive holding it.</summary>
    public static void AssertHoldCommand(JointCommand cmd, ReadOnlySpan<double> position)
    {
        Assert.Equal(position.ToArray(), cmd.Position);
        Assert.All(cmd.Kp, v => Assert.Equal(20, v));
        Assert.All(cmd.Kd, v => Assert.Equal(0.5, v));
        Assert.All(cmd.Torque, v => Assert.Equal(0, v));
    }
}
