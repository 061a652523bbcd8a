namespace Robotics.Deploy.Contract;

/// <summary>The inputs from the world a policy may need beyond joint states, each carried by one ROS 2 topic.</summary>
public enum InputKind
{
    /// <summary><c>cmd_vel</c>, geometry_msgs/Twist: the operator's velocity command (legged).</summary>
    CmdVel,
    /// <summary><c>imu</c>, sensor_msgs/Imu: angular velocity and orientation (legged).</summary>
    Imu,
    /// <summary><c>target_pose</c>, geometry_msgs/PoseStamped in the base frame: reach, the tool's goal pose; push, the object's goal position.</summary>
    TargetPose,
    /// <summary><c>object_pose</c>, geometry_msgs/PoseStamped in the base frame: the manipulated object as perception measured it.</summary>
    ObjectPose,
}

/// <summary>
/// One input the policy needs, as the contract lists it: the deploy node subscribes to exactly these, refuses to start
/// until each has arrived once (but cmd_vel, whose absence means zero: <see cref="PolicyInputs.HasNeutral"/>), and trips
/// its watchdog when one with a freshness limit goes stale.
/// </summary>
/// <param name="Name">The input, snake_case (<c>cmd_vel</c>, <c>imu</c>, <c>target_pose</c>, <c>object_pose</c>): found by name.</param>
/// <param name="Topic">The ROS 2 topic, relative to the node's namespace unless absolute.</param>
/// <param name="Type">The ROS 2 message type, e.g. <c>geometry_msgs/msg/PoseStamped</c>.</param>
/// <param name="Frame">The <c>header.frame_id</c> a message must carry (the robot's base link for poses); empty = not checked (a Twist has no header).</param>
/// <param name="MaxAge">Freshness limit [s]: the watchdog trips when no new message arrived for this long; null = a setpoint, held until replaced.</param>
public sealed record PolicyInput(string Name, string Topic, string Type, string Frame, double? MaxAge);

/// <summary>The input kinds' names, message types and defaults, and which observation terms need which input.</summary>
public static class PolicyInputs
{
    /// <summary>Number of <see cref="InputKind"/> values (the length of <see cref="SensorFrame.InputSequence"/>).</summary>
    public const int KindCount = 4;

    /// <summary>Freshness limit of the IMU stream [s] (the driver publishes it with every joint state).</summary>
    public const double ImuMaxAge = 0.05;

    /// <summary>Freshness limit of the object's pose [s]: a camera at 30 Hz with its processing latency, and a few frames lost.</summary>
    public const double ObjectMaxAge = 0.25;

    /// <summary>The input's snake_case name (also its default topic).</summary>
    public static string Name(InputKind kind) => kind switch
    {
        InputKind.CmdVel => "cmd_vel",
        InputKind.Imu => "imu",
        InputKind.TargetPose => "target_pose",
        InputKind.ObjectPose => "object_pose",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The kind an input name denotes, or null.</summary>
    public static InputKind? Kind(string name)
    {
        for (int k = 0; k < KindCount; k++) if (Name((InputKind)k) == name) return (InputKind)k;
        return null;
    }

    /// <summary>
    /// True for an input whose absence has a safe meaning, so that a start need not wait for it: no velocity command
    /// means zero (stand still), as ROS 2 teleop conventions have it. A goal or a measurement has no such value.
    /// </summary>
    public static bool HasNeutral(InputKind kind) => kind == InputKind.CmdVel;

    /// <summary>The ROS 2 message type an input kind is carried by.</summary>
    public static string MessageType(InputKind kind) => kind switch
    {
        InputKind.CmdVel => "geometry_msgs/msg/Twist",
        InputKind.Imu => "sensor_msgs/msg/Imu",
        _ => "geometry_msgs/msg/PoseStamped",
    };

    /// <summary>The input as a policy of a robot with base link <paramref name="baseFrame"/> lists it by default.</summary>
    public static PolicyInput Default(InputKind kind, string baseFrame) => kind switch
    {
        InputKind.CmdVel => new(Name(kind), Name(kind), MessageType(kind), "", null),
        InputKind.Imu => new(Name(kind), Name(kind), MessageType(kind), "", ImuMaxAge),
        InputKind.TargetPose => new(Name(kind), Name(kind), MessageType(kind), baseFrame, null),
        _ => new(Name(kind), Name(kind), MessageType(kind), baseFrame, ObjectMaxAge),
    };

    /// <summary>The inputs the measured terms of <paramref name="terms"/> read, in <see cref="InputKind"/> order.</summary>
    public static IReadOnlyList<InputKind> Required(IEnumerable<string> terms)
    {
        var needed = new bool[KindCount];
        foreach (var term in terms)
            foreach (var kind in ObservationWriter.Inputs(ObservationWriter.Resolve(term)))
                needed[(int)kind] = true;
        return Enumerable.Range(0, KindCount).Where(k => needed[k]).Select(k => (InputKind)k).ToList();
    }

    /// <summary>The default input list of a policy whose observation has <paramref name="terms"/>.</summary>
    public static PolicyInput[] Defaults(IEnumerable<string> terms, string baseFrame) =>
        Required(terms).Select(k => Default(k, baseFrame)).ToArray();
}
