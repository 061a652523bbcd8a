using Robotics.Deploy.Kinematics;

namespace Robotics.Deploy.Contract;

/// <summary>The observation terms a real robot can provide, i.e. what a policy group may contain.</summary>
public enum MeasuredTerm
{
    /// <summary>Not measurable on the robot: privileged, computed by the simulator for the critic.</summary>
    None,
    /// <summary><c>base_ang_vel</c> [3]: IMU angular velocity [rad/s].</summary>
    BaseAngVel,
    /// <summary><c>projected_gravity</c> [3]: the unit gravity vector in the IMU frame.</summary>
    ProjectedGravity,
    /// <summary><c>commands</c> [3]: vx [m/s], vy [m/s], yaw rate [rad/s].</summary>
    Commands,
    /// <summary><c>joint_pos</c> [n]: joint positions relative to the default pose [rad].</summary>
    JointPos,
    /// <summary><c>joint_vel</c> [n]: joint velocities [rad/s].</summary>
    JointVel,
    /// <summary><c>last_action</c> [n]: the previous action.</summary>
    LastAction,
    /// <summary><c>ee_pos</c> [3]: end-effector position in the base frame [m] (forward kinematics).</summary>
    EePos,
    /// <summary><c>target_pos</c> [3]: goal position in the base frame [m] (<c>target_pose</c>).</summary>
    TargetPos,
    /// <summary><c>ee_to_target</c> [3]: goal − end effector [m].</summary>
    EeToTarget,
    /// <summary><c>orientation_error</c> [3]: rotation vector from the tool's orientation to the goal's [rad], base frame.</summary>
    OrientationError,
    /// <summary><c>cube_pos</c> [3]: the object's position in the base frame [m] (<c>object_pose</c>).</summary>
    CubePos,
    /// <summary><c>cube_to_target</c> [3]: goal − object [m].</summary>
    CubeToTarget,
    /// <summary><c>ee_to_cube</c> [3]: object − end effector [m].</summary>
    EeToCube,
}

/// <summary>
/// Builds observations from a <see cref="SensorFrame"/>: one piece of code for training and for the
/// robot. Terms are resolved by name once; writing allocates nothing.
/// </summary>
public static class ObservationWriter
{
    /// <summary>The measured terms' names, in <see cref="MeasuredTerm"/> order after <see cref="MeasuredTerm.None"/>.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "base_ang_vel", "projected_gravity", "commands", "joint_pos", "joint_vel", "last_action",
        "ee_pos", "target_pos", "ee_to_target", "orientation_error", "cube_pos", "cube_to_target", "ee_to_cube",
    ];

    /// <summary>A terrain height scan around the base (a height map), which a policy may read in simulation but no robot input supplies yet.</summary>
    public const string HeightScan = "height_scan";

    /// <summary>
    /// Terms a contract may list that a robot supplies from an input other than its sensor frame: a contract with one
    /// exports, and the controller refuses to start until that input exists.
    /// </summary>
    public static IReadOnlyList<string> InputTerms { get; } = [HeightScan];

    /// <summary>The measured term a name denotes, or <see cref="MeasuredTerm.None"/>.</summary>
    public static MeasuredTerm Resolve(string name)
    {
        for (int i = 0; i < Names.Count; i++) if (Names[i] == name) return (MeasuredTerm)(i + 1);
        return MeasuredTerm.None;
    }

    /// <summary>The width of a measured term for a robot with <paramref name="joints"/> joints.</summary>
    public static int Width(MeasuredTerm term, int joints) => term switch
    {
        MeasuredTerm.JointPos or MeasuredTerm.JointVel or MeasuredTerm.LastAction => joints,
        MeasuredTerm.None => throw new ArgumentException($"{term} is not a measured term"),
        _ => 3,
    };

    /// <summary>The inputs beyond joint states that a term reads (the contract must list them).</summary>
    public static ReadOnlySpan<InputKind> Inputs(MeasuredTerm term) => term switch
    {
        MeasuredTerm.BaseAngVel or MeasuredTerm.ProjectedGravity => [InputKind.Imu],
        MeasuredTerm.Commands => [InputKind.CmdVel],
        MeasuredTerm.TargetPos or MeasuredTerm.EeToTarget or MeasuredTerm.OrientationError => [InputKind.TargetPose],
        MeasuredTerm.CubePos or MeasuredTerm.EeToCube => [InputKind.ObjectPose],
        MeasuredTerm.CubeToTarget => [InputKind.TargetPose, InputKind.ObjectPose],
        _ => [],
    };

    /// <summary>True when the term reads the end-effector pose, which the robot computes by forward kinematics.</summary>
    public static bool NeedsKinematics(MeasuredTerm term) =>
        term is MeasuredTerm.EePos or MeasuredTerm.EeToTarget or MeasuredTerm.OrientationError or MeasuredTerm.EeToCube;

    /// <summary>Writes the raw (unscaled) value of <paramref name="term"/> into <paramref name="slice"/>.</summary>
    /// <param name="defaultJointPos">Default joint positions [rad], subtracted from joint_pos. [n]</param>
    public static void Write(MeasuredTerm term, SensorFrame f, ReadOnlySpan<double> defaultJointPos, Span<float> slice)
    {
        switch (term)
        {
            case MeasuredTerm.BaseAngVel:
                for (int i = 0; i < 3; i++) slice[i] = (float)f.Gyro[i];
                break;
            case MeasuredTerm.ProjectedGravity:
                ProjectedGravity(f.Orientation, slice);
                break;
            case MeasuredTerm.Commands:
                for (int i = 0; i < 3; i++) slice[i] = (float)f.Command[i];
                break;
            case MeasuredTerm.JointPos:
                for (int i = 0; i < slice.Length; i++) slice[i] = (float)(f.JointPos[i] - defaultJointPos[i]);
                break;
            case MeasuredTerm.JointVel:
                for (int i = 0; i < slice.Length; i++) slice[i] = (float)f.JointVel[i];
                break;
            case MeasuredTerm.LastAction:
                f.LastAction.AsSpan(0, slice.Length).CopyTo(slice);
                break;
            case MeasuredTerm.EePos:
                for (int i = 0; i < 3; i++) slice[i] = (float)f.EePosition[i];
                break;
            case MeasuredTerm.TargetPos:
                for (int i = 0; i < 3; i++) slice[i] = (float)f.TargetPosition[i];
                break;
            case MeasuredTerm.EeToTarget:
                for (int i = 0; i < 3; i++) slice[i] = (float)(f.TargetPosition[i] - f.EePosition[i]);
                break;
            case MeasuredTerm.OrientationError:
                Span<double> e = stackalloc double[3];
                Rotation.Error(f.TargetRotation, f.EeRotation, e);
                for (int i = 0; i < 3; i++) slice[i] = (float)e[i];
                break;
            case MeasuredTerm.CubePos:
                for (int i = 0; i < 3; i++) slice[i] = (float)f.ObjectPosition[i];
                break;
            case MeasuredTerm.CubeToTarget:
                for (int i = 0; i < 3; i++) slice[i] = (float)(f.TargetPosition[i] - f.ObjectPosition[i]);
                break;
            case MeasuredTerm.EeToCube:
                for (int i = 0; i < 3; i++) slice[i] = (float)(f.ObjectPosition[i] - f.EePosition[i]);
                break;
            default:
                throw new ArgumentException($"{term} cannot be written from a sensor frame");
        }
    }

    /// <summary>
    /// Gravity's direction (0, 0, −1) seen from the IMU frame: Rᵀ·(0, 0, −1) for the rotation R of the
    /// unit quaternion q = (w, x, y, z), i.e. minus R's third row.
    /// </summary>
    public static void ProjectedGravity(ReadOnlySpan<double> q, Span<float> g)
    {
        double w = q[0], x = q[1], y = q[2], z = q[3];
        g[0] = (float)-(2 * (x * z - w * y));
        g[1] = (float)-(2 * (y * z + w * x));
        g[2] = (float)-(1 - 2 * (x * x + y * y));
    }
}
