using Robotics.Deploy.Contract;
using Robotics.RobotBridge.Dds;

namespace Robotics.RobotBridge.Node;

/// <summary>
/// Topics, QoS and the command format of a <see cref="DdsRobotIo"/>. Topic names are relative to the node's namespace
/// unless absolute. The policy's inputs (imu, cmd_vel, target_pose, object_pose) come from its contract, each on the
/// contract's topic unless <see cref="Remap"/> names another.
/// </summary>
public sealed record DdsRobotIoOptions
{
    /// <summary>sensor_msgs/JointState from the robot driver (ros2_control's joint_state_broadcaster publishes <c>joint_states</c>).</summary>
    public string JointStatesTopic { get; init; } = "joint_states";
    /// <summary>
    /// Input name (<c>imu</c>, <c>cmd_vel</c>, <c>target_pose</c>, <c>object_pose</c>) → the topic to take it from instead
    /// of the contract's (e.g. <c>target_pose</c> → <c>/goal</c>). Naming an input the policy does not read is an error.
    /// </summary>
    public IReadOnlyDictionary<string, string> Remap { get; init; } = new Dictionary<string, string>();
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
    /// <summary>QoS of the sensor streams (joint states, imu, object_pose): sensor data (best effort, keep-last 5) matches best-effort and reliable publishers alike.</summary>
    public QosProfile SensorQos { get; init; } = QosProfile.SensorData;
    /// <summary>QoS of cmd_vel, estop, joint commands and status: ROS 2's default (reliable, keep-last 10).</summary>
    public QosProfile ControlQos { get; init; } = QosProfile.Default;
    /// <summary>
    /// QoS of setpoints (target_pose): reliable, transient-local, keep-last 1, so a target published before the node
    /// started (by <c>robotics send-target</c> or <c>ros2 topic pub</c>, both transient-local) is delivered when it joins.
    /// </summary>
    // DESIGN: transient-local although such a reader matches only transient-local writers (DDS: requested durability
    // ≤ offered), so a volatile goal source (RViz's goal tool) needs SetpointQos = Default. Rejected: a volatile reader,
    // which matches every writer but loses a target sent a moment before the node came up — an arm that silently never moves.
    public QosProfile SetpointQos { get; init; } = QosProfile.Default with { Durability = Durability.TransientLocal, Depth = 1 };

    /// <summary>The topic of <paramref name="input"/>: <see cref="Remap"/>'s, else the contract's.</summary>
    public string InputTopic(PolicyInput input) => Remap.TryGetValue(input.Name, out var topic) ? topic : input.Topic;

    /// <summary>The topic of input <paramref name="kind"/> with the contract's default name (what a simulated robot publishes): <see cref="Remap"/>'s, else the name.</summary>
    public string InputTopic(InputKind kind) => Remap.TryGetValue(PolicyInputs.Name(kind), out var topic) ? topic : PolicyInputs.Name(kind);

    /// <summary>The QoS a subscription to input <paramref name="kind"/> uses: sensor streams <see cref="SensorQos"/>, cmd_vel <see cref="ControlQos"/>, target_pose <see cref="SetpointQos"/>.</summary>
    public QosProfile InputQos(InputKind kind) => kind switch
    {
        InputKind.CmdVel => ControlQos,
        InputKind.TargetPose => SetpointQos,
        _ => SensorQos,
    };

    /// <summary>Throws <see cref="UserError"/> naming the first bad field; returns this.</summary>
    public DdsRobotIoOptions Validate()
    {
        foreach (var (name, value) in new[] { (nameof(JointStatesTopic), JointStatesTopic), (nameof(EStopTopic), EStopTopic),
                     (nameof(JointCommandsTopic), JointCommandsTopic), (nameof(StatusTopic), StatusTopic) })
            if (string.IsNullOrWhiteSpace(value)) throw new UserError($"DdsRobotIoOptions.{name} is empty");
        if (Remap is null) throw new UserError("DdsRobotIoOptions.Remap is missing");
        foreach (var (input, topic) in Remap)
        {
            if (PolicyInputs.Kind(input ?? "") is null)
                throw new UserError($"DdsRobotIoOptions.Remap: '{input}' is not an input; known inputs: {string.Join(", ", Enumerable.Range(0, PolicyInputs.KindCount).Select(k => PolicyInputs.Name((InputKind)k)))}");
            if (string.IsNullOrWhiteSpace(topic)) throw new UserError($"DdsRobotIoOptions.Remap: '{input}' → '{topic}' has an empty topic");
        }
        if (JointRenames is null) throw new UserError("DdsRobotIoOptions.JointRenames is missing");
        foreach (var (from, to) in JointRenames)
            if (string.IsNullOrWhiteSpace(from) || string.IsNullOrWhiteSpace(to))
                throw new UserError($"DdsRobotIoOptions.JointRenames: '{from}' → '{to}' has an empty name");
        if (!Enum.IsDefined(CommandMode)) throw new UserError($"DdsRobotIoOptions.CommandMode {CommandMode} is not defined");
        (SensorQos ?? throw new UserError("DdsRobotIoOptions.SensorQos is missing")).Validate();
        (ControlQos ?? throw new UserError("DdsRobotIoOptions.ControlQos is missing")).Validate();
        (SetpointQos ?? throw new UserError("DdsRobotIoOptions.SetpointQos is missing")).Validate();
        return this;
    }
}
