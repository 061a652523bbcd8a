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
}

/// <summary>
/// Builds observations from a <see cref="SensorFrame"/>: one piece of code for training and for the
/// robot. Terms are resolved by name once; writing allocates nothing.
/// </summary>
public static class ObservationWriter
{
    /// <summary>The measured term a name denotes, or <see cref="MeasuredTerm.None"/>.</summary>
    public static MeasuredTerm Resolve(string name) => name switch
    {
        "base_ang_vel" => MeasuredTerm.BaseAngVel,
        "projected_gravity" => MeasuredTerm.ProjectedGravity,
        "commands" => MeasuredTerm.Commands,
        "joint_pos" => MeasuredTerm.JointPos,
        "joint_vel" => MeasuredTerm.JointVel,
        "last_action" => MeasuredTerm.LastAction,
        _ => MeasuredTerm.None,
    };

    /// <summary>The width of a measured term for a robot with <paramref name="joints"/> joints.</summary>
    public static int Width(MeasuredTerm term, int joints) => term switch
    {
        MeasuredTerm.BaseAngVel or MeasuredTerm.ProjectedGravity or MeasuredTerm.Commands => 3,
        MeasuredTerm.JointPos or MeasuredTerm.JointVel or MeasuredTerm.LastAction => joints,
        _ => throw new ArgumentException($"{term} is not a measured term"),
    };

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
