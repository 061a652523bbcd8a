using System.Text.RegularExpressions;

namespace Robotics.RobotBridge.Ros2;

/// <summary>
/// ROS 2 names and their DDS spelling: a topic <c>joint_states</c> of a node in namespace <c>/robot</c> is
/// <c>/robot/joint_states</c>, on DDS <c>rt/robot/joint_states</c>; an absolute topic (<c>/cmd_vel</c>)
/// ignores the namespace.
/// </summary>
public static partial class RosNames
{
    /// <summary>Prefix ROS 2 puts in front of topic names on DDS.</summary>
    public const string TopicPrefix = "rt";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")] private static partial Regex NodeNameRx();
    [GeneratedRegex("^(/[A-Za-z_][A-Za-z0-9_]*)+$")] private static partial Regex AbsoluteRx();
    [GeneratedRegex("^[A-Za-z_~][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*$")] private static partial Regex RelativeRx();

    /// <summary>Checks a node name (letters, digits, underscores; not starting with a digit).</summary>
    /// <exception cref="UserError">Names the bad value.</exception>
    public static string ValidateNodeName(string name) =>
        NodeNameRx().IsMatch(name ?? "") ? name! : throw new UserError($"node name '{name}' must match [A-Za-z_][A-Za-z0-9_]*");

    /// <summary>Checks a namespace: <c>/</c> or absolute tokens (<c>/a/b</c>).</summary>
    public static string ValidateNamespace(string ns) =>
        ns == "/" || AbsoluteRx().IsMatch(ns ?? "") ? ns! : throw new UserError($"namespace '{ns}' must be '/' or like '/robot'");

    /// <summary>The fully qualified ROS topic name of <paramref name="topic"/> for a node in <paramref name="ns"/>.</summary>
    /// <exception cref="UserError">Not a valid topic name.</exception>
    public static string Resolve(string topic, string ns)
    {
        if (string.IsNullOrEmpty(topic)) throw new UserError("topic name is empty");
        if (topic.StartsWith('/'))
            return AbsoluteRx().IsMatch(topic) ? topic : throw new UserError($"topic '{topic}' is not a valid ROS 2 name");
        if (!RelativeRx().IsMatch(topic) || topic.StartsWith('~'))
            throw new UserError($"topic '{topic}' is not a valid ROS 2 name");
        return (ns == "/" ? "" : ns) + "/" + topic;
    }

    /// <summary>The DDS topic name of a fully qualified ROS topic: <c>/a/b</c> → <c>rt/a/b</c>.</summary>
    public static string ToDds(string fullyQualifiedTopic) => TopicPrefix + fullyQualifiedTopic;
}
