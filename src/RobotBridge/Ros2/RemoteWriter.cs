namespace Robotics.RobotBridge.Ros2;

/// <summary>A writer of another participant, as DDS discovery announced it.</summary>
/// <param name="Endpoint">The writer's GUID.</param>
/// <param name="Participant">Its participant's GUID.</param>
/// <param name="Node">The ROS 2 node that owns it (<c>/namespace/name</c>), when its <c>ros_discovery_info</c> entry says so; null for a plain DDS writer.</param>
public sealed record RemoteWriter(Guid Endpoint, Guid Participant, string? Node)
{
    /// <summary>The node's name, or the participant's GUID for a writer that no ROS 2 node claims.</summary>
    public string Describe() => Node is { } n ? $"node {n} (participant {Participant:N})" : $"participant {Participant:N} (no ROS 2 node claims it)";
}
