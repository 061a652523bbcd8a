namespace Robotics.Deploy.Contract;

/// <summary>
/// What a robot measures and receives in one control period, in SI units, preallocated: the IMU's angular
/// velocity and orientation, joint positions, velocities and torques, the operator's velocity command,
/// an arm's end-effector pose (forward kinematics on the robot, MuJoCo in training), its target pose and the
/// object's pose (perception), and the policy's last action. The simulator fills it from MuJoCo; the deploy
/// node fills it from ROS 2 messages; <see cref="ObservationWriter"/> turns it into the policy's observation
/// the same way for both. Positions and rotations of the arm are in the robot's base frame.
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

    /// <summary>End-effector position in the base frame [m]: forward kinematics of <see cref="JointPos"/> on the robot. [3]</summary>
    public double[] EePosition { get; } = new double[3];

    /// <summary>End-effector orientation, base from end effector, row-major. [9]</summary>
    public double[] EeRotation { get; } = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };

    /// <summary>The goal position in the base frame [m]: reach, the end effector's; push, the object's. [3]</summary>
    public double[] TargetPosition { get; } = new double[3];

    /// <summary>The goal orientation of the end effector (reach), base from target, row-major. [9]</summary>
    public double[] TargetRotation { get; } = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };

    /// <summary>The manipulated object's position in the base frame [m] (push: the cube, from perception). [3]</summary>
    public double[] ObjectPosition { get; } = new double[3];

    /// <summary>
    /// Counter the sensor source advances with every new joint state. The deploy watchdog declares the
    /// data stale when it stops advancing for a number of control periods; the simulator ignores it.
    /// </summary>
    public long Sequence { get; set; }

    /// <summary>
    /// The joint state's header stamp [ns] on the clock of whoever measured it (ROS time, or simulated time from a simulator);
    /// −1 when the source gives none. The controller measures the age of the state it acts on from it (<see cref="RealTime.StateAgeMeter"/>).
    /// </summary>
    public long JointStateStamp { get; set; } = -1;

    /// <summary>When this process received the joint state [<see cref="System.Diagnostics.Stopwatch"/> timestamp]; 0 when unknown.</summary>
    public long JointStateReceived { get; set; }

    /// <summary>
    /// Per input (indexed by <see cref="InputKind"/>): messages received so far; 0 = never. The deploy node refuses
    /// to start until each input its policy needs has arrived once, and trips when one with a freshness limit
    /// stops advancing. [<see cref="PolicyInputs.KindCount"/>]
    /// </summary>
    public long[] InputSequence { get; } = new long[PolicyInputs.KindCount];
}
