namespace Robotics.RobotBridge.Node;

/// <summary>How a deploy node or simulated robot talks to the robot.</summary>
public enum RobotInterface
{
    /// <summary>ROS 2 topics: sensor_msgs/JointState on joint_states, std_msgs/Float64MultiArray on joint_commands (<see cref="DdsRobotIo"/>).</summary>
    Ros2,
    /// <summary>The Unitree Go2's low-level interface: unitree_go LowState on rt/lowstate, LowCmd on rt/lowcmd (<see cref="Unitree.UnitreeGo2Io"/>).</summary>
    UnitreeGo2,
}

/// <summary>The command-line names of <see cref="RobotInterface"/>.</summary>
public static class RobotInterfaces
{
    /// <summary><c>ros2</c> or <c>unitree-go2</c>.</summary>
    public static string Name(this RobotInterface io) => io == RobotInterface.UnitreeGo2 ? "unitree-go2" : "ros2";

    /// <summary>Parses <c>--io</c>; throws <see cref="UserError"/> naming the choices.</summary>
    public static RobotInterface Parse(string text) => text switch
    {
        "ros2" => RobotInterface.Ros2,
        "unitree-go2" => RobotInterface.UnitreeGo2,
        _ => throw new UserError($"--io '{text}': use ros2 (joint_states / joint_commands) or unitree-go2 (rt/lowstate / rt/lowcmd)"),
    };
}
