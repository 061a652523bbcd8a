namespace Robotics.Deploy.Contract;

/// <summary>
/// What a legged robot measures in one control period, in SI units, preallocated: the IMU's angular
/// velocity and orientation, joint positions and velocities, the operator's command and the policy's
/// last action. The simulator fills it from MuJoCo; the deploy node fills it from ROS 2 messages;
/// <see cref="ObservationWriter"/> turns it into the policy's observation the same way for both.
/// </summary>
public sealed class SensorFrame
{
    /// <summary>Allocates a frame for <paramref name="joints"/> joints and <paramref name="actions"/> actions.</summary>
    public SensorFrame(int joints, int actions)
    {
        JointPos = new double[joints];
        JointVel = new double[joints];
        JointTorque = new double[joints];
        LastAction = new float[actions];
    }

    /// <summary>IMU angular velocity in the IMU frame [rad/s]. [3]</summary>
    public double[] Gyro { get; } = new double[3];

    /// <summary>IMU orientation, world from IMU, as a unit quaternion w x y z. [4]</summary>
    public double[] Orientation { get; } = { 1, 0, 0, 0 };

    /// <summary>Joint positions [rad], in action order. [n]</summary>
    public double[] JointPos { get; }

    /// <summary>Joint velocities [rad/s], in action order. [n]</summary>
    public double[] JointVel { get; }

    /// <summary>Velocity command: forward [m/s], lateral [m/s], yaw rate [rad/s]. [3]</summary>
    public double[] Command { get; } = new double[3];

    /// <summary>The action the policy sent last. [n]</summary>
    public float[] LastAction { get; }

    /// <summary>
    /// Measured joint torques [N·m] (e.g. motor current × torque constant), in action order; left at 0
    /// by a robot that cannot estimate them. The safety layer trips on them; no observation term reads them. [n]
    /// </summary>
    public double[] JointTorque { get; }

    /// <summary>
    /// Counter the sensor source advances with every new measurement. The deploy watchdog declares the
    /// data stale when it stops advancing for a number of control periods; the simulator ignores it.
    /// </summary>
    public long Sequence { get; set; }
}
