using Robotics.RobotBridge.Dds;

namespace Robotics.RobotBridge.Node;

/// <summary>Topics, QoS and the command format of a <see cref="DdsRobotIo"/>. Topic names are relative to the node's namespace unless absolute.</summary>
public sealed record DdsRobotIoOptions
{
    /// <summary>sensor_msgs/JointState from the robot driver (ros2_control's joint_state_broadcaster publishes <c>joint_states</c>).</summary>
    public string JointStatesTopic { get; init; } = "joint_states";
    /// <summary>sensor_msgs/Imu from the robot's IMU driver.</summary>
    public string ImuTopic { get; init; } = "imu";
    /// <summary>geometry_msgs/Twist from the operator (teleop): linear.x, linear.y [m/s] and angular.z [rad/s] are the policy's command.</summary>
    public string CmdVelTopic { get; init; } = "cmd_vel";
    /// <summary>std_msgs/Bool, true = e-stop pressed; latched until a false arrives.</summary>
    public string EStopTopic { get; init; } = "estop";
    /// <summary>std_msgs/Float64MultiArray joint commands, format per <see cref="CommandMode"/>.</summary>
    public string JointCommandsTopic { get; init; } = "joint_commands";
    /// <summary>std_msgs/Float64MultiArray status, one per tick (<see cref="DeployStatus"/>).</summary>
    public string StatusTopic { get; init; } = "deploy_status";
    /// <summary>Command format: full PD commands or position targets only.</summary>
    public JointCommandMode CommandMode { get; init; } = JointCommandMode.Pd;
    /// <summary>
    /// Policy joint → the robot driver's name for it, for drivers that name joints differently from the URDF the
    /// policy was trained on (e.g. <c>FR_hip_joint</c> → <c>fr_hip</c>). Joints not listed keep their name. The
    /// mapping is explicit, never guessed.
    /// </summary>
    public IReadOnlyDictionary<string, string> JointRenames { get; init; } = new Dictionary<string, string>();
    /// <summary>QoS of the sensor subscriptions: sensor data (best effort, keep-last 5) matches best-effort and reliable publishers alike.</summary>
    public QosProfile SensorQos { get; init; } = QosProfile.SensorData;
    /// <summary>QoS of cmd_vel, estop, joint commands and status: ROS 2's default (reliable, keep-last 10).</summary>
    public QosProfile ControlQos { get; init; } = QosProfile.Default;

    /// <summary>Throws <see cref="UserError"/> naming the first bad field; returns this.</summary>
    public DdsRobotIoOptions Validate()
    {
        foreach (var (name, value) in new[] { (nameof(JointStatesTopic), JointStatesTopic), (nameof(ImuTopic), ImuTopic), (nameof(CmdVelTopic), CmdVelTopic),
                     (nameof(EStopTopic), EStopTopic), (nameof(JointCommandsTopic), JointCommandsTopic), (nameof(StatusTopic), StatusTopic) })
            if (string.IsNullOrWhiteSpace(value)) throw new UserError($"DdsRobotIoOptions.{name} is empty");
        if (JointRenames is null) throw new UserError("DdsRobotIoOptions.JointRenames is missing");
        foreach (var (from, to) in JointRenames)
            if (string.IsNullOrWhiteSpace(from) || string.IsNullOrWhiteSpace(to))
                throw new UserError($"DdsRobotIoOptions.JointRenames: '{from}' → '{to}' has an empty name");
        if (!Enum.IsDefined(CommandMode)) throw new UserError($"DdsRobotIoOptions.CommandMode {CommandMode} is not defined");
        (SensorQos ?? throw new UserError("DdsRobotIoOptions.SensorQos is missing")).Validate();
        (ControlQos ?? throw new UserError("DdsRobotIoOptions.ControlQos is missing")).Validate();
        return this;
    }
}
