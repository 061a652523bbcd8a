using Robotics.Deploy.Contract;

namespace Robotics.Deploy.RealTime;

/// <summary>
/// The hardware as the real-time loop sees it: read the latest measurements into a preallocated
/// <see cref="SensorFrame"/>, write a preallocated <see cref="JointCommand"/>. A ROS 2 node, a simulated
/// robot or a test fake implements it. Both calls run on the loop thread every control period, so they
/// must neither block nor allocate: a driver whose I/O blocks hands it to its own thread and exchanges
/// the latest values here (e.g. a lock-free double buffer).
/// </summary>
public interface IRobotIo
{
    /// <summary>Joints, in the policy's action order.</summary>
    int Joints { get; }

    /// <summary>
    /// Copies the latest measurements into <paramref name="frame"/>: Gyro, Orientation, JointPos, JointVel,
    /// JointTorque (0 where unmeasured) and Sequence, which advances only with new joint data (the watchdog reads it);
    /// and the latest value of each input (a setpoint is copied every tick until replaced): Command (the operator's
    /// velocity command), TargetPosition and TargetRotation, ObjectPosition (base frame), with
    /// InputSequence[kind] = messages received for that input (0 until the first; the safety layer refuses a start
    /// until each input the contract lists has arrived, and trips when one with a freshness limit stops advancing).
    /// Values are copied as received: the controller clamps them to their trained ranges. LastAction and the
    /// end-effector pose (EePosition, EeRotation: forward kinematics) belong to the controller.
    /// </summary>
    void Read(SensorFrame frame);

    /// <summary>State of the hardware e-stop input (a wireless stop button): true while pressed.</summary>
    bool EStopPressed { get; }

    /// <summary>Sends <paramref name="command"/> to the motor drivers; must not keep a reference to it.</summary>
    void Write(JointCommand command);
}
