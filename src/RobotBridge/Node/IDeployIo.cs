using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;
using Robotics.RobotBridge.Ros2;

namespace Robotics.RobotBridge.Node;

/// <summary>
/// A robot interface a <see cref="DeployNode"/> drives: the loop's <see cref="IRobotIo"/> plus what the node's
/// supervising thread watches (sensors live, input errors, another writer on the command topic) and the lock-step wait.
/// <see cref="DdsRobotIo"/> (ROS 2 joint_states / joint_commands) and <see cref="Unitree.UnitreeGo2Io"/> (the Go2's
/// rt/lowstate / rt/lowcmd) implement it.
/// </summary>
public interface IDeployIo : IRobotIo
{
    /// <summary>The robot's names of the policy's joints, in action order (what the command's slots are labelled with in logs).</summary>
    IReadOnlyList<string> RobotJointNames { get; }

    /// <summary>The fully qualified topic joint data comes in on.</summary>
    string JointStatesTopic { get; }

    /// <summary>The ROS 2 type of the joint data (e.g. <c>sensor_msgs/msg/JointState</c>), for what the node says it waits for.</summary>
    string JointStatesType { get; }

    /// <summary>The fully qualified topic commands go out on.</summary>
    string JointCommandsTopic { get; }

    /// <summary>The policy's inputs, in <see cref="InputKind"/> order, with the topic each comes from.</summary>
    IReadOnlyList<InputSubscription> Inputs { get; }

    /// <summary>Messages of input <paramref name="kind"/> used so far (0: none yet, or not read).</summary>
    long InputsReceived(InputKind kind);

    /// <summary>Why the last message of input <paramref name="kind"/> was not used, or null.</summary>
    string? InputError(InputKind kind);

    /// <summary>The inputs a start waits for that have not arrived once yet (allocates; supervisor only).</summary>
    IReadOnlyList<InputSubscription> MissingInputs { get; }

    /// <summary>Why the last joint data could not be used, or null.</summary>
    string? JointStateError { get; }

    /// <summary>True once usable joint data and one message of every input a start waits for have been read.</summary>
    bool SensorsLive { get; }

    /// <summary>Usable joint-data messages read (the <see cref="SensorFrame.Sequence"/> the watchdog watches).</summary>
    long Sequence { get; }

    /// <summary>Ticks read before the first e-stop press arrived; −1 when none did.</summary>
    long EStopReceivedTick { get; }

    /// <summary>The first tick whose status was the stop of an e-stop, or −1.</summary>
    long EStopTick { get; }

    /// <summary>The controller whose state the io publishes as the node's status each tick.</summary>
    Controller? StatusSource { get; set; }

    /// <summary>Writers of other participants on the command topic (allocates; supervisor only).</summary>
    IReadOnlyList<RemoteWriter> ForeignCommandWriters { get; }

    /// <summary>Lock-step: waits up to <paramref name="timeout"/> for joint data newer than the data read last; true when some is ready for the next <see cref="IRobotIo.Read"/>.</summary>
    bool WaitForNewState(TimeSpan timeout, TimeSpan streamGrace);
}
