using Robotics.Deploy.Contract;
using Robotics.RobotBridge.Dds;

namespace Robotics.RobotBridge.Node;

/// <summary>One of the policy's inputs as a <see cref="DdsRobotIo"/> subscribed to it.</summary>
/// <param name="Kind">The input.</param>
/// <param name="Input">The contract's entry (name, type, required frame, freshness limit).</param>
/// <param name="Topic">The fully qualified topic subscribed to (the contract's, or <see cref="DdsRobotIoOptions.Remap"/>'s).</param>
/// <param name="Qos">The subscription's QoS.</param>
public sealed record InputSubscription(InputKind Kind, PolicyInput Input, string Topic, QosProfile Qos)
{
    /// <summary>E.g. <c>target_pose (geometry_msgs/msg/PoseStamped on /target_pose)</c>: what the node waits for and logs.</summary>
    public string Describe() => $"{Input.Name} ({Input.Type} on {Topic})";
}
