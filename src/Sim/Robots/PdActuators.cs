using Robotics.Sim.Interop;
using Robotics.Sim.MuJoCo;

namespace Robotics.Sim.Robots;

/// <summary>
/// The law a real motor driver runs, at the physics rate: τ = clamp(s · (Kp (q* − q) − Kd q̇), ±τmax),
/// with s the motor-strength factor and τmax the URDF's effort limit. Beyond the URDF's velocity limit
/// the motor cannot push further in the direction of motion (its torque–speed envelope), so speed is
/// limited the way a real drive limits it. Joints map by name to qpos, qvel and motor indices.
/// </summary>
public sealed class PdActuators
{
    /// <summary>Maps the robot's actuated joints, in the order given, onto the model's.</summary>
    /// <exception cref="KeyNotFoundException">A joint or its motor is missing from the model.</exception>
    public PdActuators(MjModel model, UrdfRobot robot, IReadOnlyList<string>? jointOrder = null)
    {
        var names = jointOrder ?? robot.Actuated.Select(j => j.Name).ToList();
        int n = names.Count;
        JointNames = names;
        QposAddress = new int[n];
        DofAddress = new int[n];
        Motor = new int[n];
        Effort = new double[n];
        VelocityLimit = new double[n];
        Lower = new double[n];
        Upper = new double[n];
        for (int i = 0; i < n; i++)
        {
            var joint = robot.Joint(names[i]);
            int id = model.JointId(names[i]);
            QposAddress[i] = model.JntQposadr[id];
            DofAddress[i] = model.JntDofadr[id];
            Motor[i] = model.ActuatorId(names[i]);
            Effort[i] = joint.Effort;
            VelocityLimit[i] = joint.Velocity;
            Lower[i] = joint.Lower;
            Upper[i] = joint.Upper;
        }
    }

    /// <summary>Joint names in action order.</summary>
    public IReadOnlyList<string> JointNames { get; }
    /// <summary>Index into qpos of each joint. [n]</summary>
    public int[] QposAddress { get; }
    /// <summary>Index into qvel of each joint. [n]</summary>
    public int[] DofAddress { get; }
    /// <summary>Motor (actuator) id of each joint. [n]</summary>
    public int[] Motor { get; }
    /// <summary>Torque limit [N·m] from the URDF. [n]</summary>
    public double[] Effort { get; }
    /// <summary>Speed limit [rad/s] from the URDF. [n]</summary>
    public double[] VelocityLimit { get; }
    /// <summary>Lower position limit [rad]. [n]</summary>
    public double[] Lower { get; }
    /// <summary>Upper position limit [rad]. [n]</summary>
    public double[] Upper { get; }

    /// <summary>Number of actuated joints.</summary>
    public int Count => Motor.Length;

    /// <summary>The PD law for one joint; see the class summary.</summary>
    /// <param name="target">q* [rad]</param><param name="q">q [rad]</param><param name="qd">q̇ [rad/s]</param>
    /// <param name="kp">Kp [N·m/rad]</param><param name="kd">Kd [N·m·s/rad]</param><param name="strength">s, 1 = nominal</param>
    /// <param name="effort">τmax [N·m]</param><param name="velocityLimit">q̇max [rad/s]</param>
    /// <param name="feedforward">Torque added before the clamp (gravity compensation) [N·m].</param>
    public static double Torque(double target, double q, double qd, double kp, double kd, double strength, double effort, double velocityLimit, double feedforward = 0)
    {
        double tau = strength * (kp * (target - q) - kd * qd) + feedforward;
        tau = Math.Clamp(tau, -effort, effort);
        if (Math.Abs(qd) > velocityLimit && tau * qd > 0) tau = 0;
        return tau;
    }

    /// <summary>
    /// How many policy steps old the target is that physics step <paramref name="p"/> of a policy step
    /// applies under a latency of <paramref name="latency"/> physics steps: ⌈(latency − p) / decimation⌉
    /// while p &lt; latency, else 0; at most <paramref name="depth"/> − 1 (the delay line's length).
    /// </summary>
    public static int TargetAge(int p, int latency, int decimation, int depth) =>
        p >= latency ? 0 : Math.Min(depth - 1, (latency - p + decimation - 1) / decimation);

    /// <summary>Writes the torques for <paramref name="targets"/> into the motors' controls, and into <paramref name="torques"/>. All spans [n].</summary>
    /// <param name="gravityCompensation">Add MuJoCo's bias forces (gravity, Coriolis) to each joint's PD torque before the clamp, as arm drivers do.</param>
    /// <param name="feedforward">Feed-forward torques a command carries [N·m], added before the clamp; empty for none. [n]</param>
    public void Apply(MjData data, ReadOnlySpan<double> targets, ReadOnlySpan<double> kp, ReadOnlySpan<double> kd,
        ReadOnlySpan<double> strength, Span<double> torques, bool gravityCompensation = false, ReadOnlySpan<double> feedforward = default)
    {
        var qpos = data.Qpos;
        var qvel = data.Qvel;
        var ctrl = data.Ctrl;
        var bias = gravityCompensation ? data.QfrcBias : default;
        for (int i = 0; i < Motor.Length; i++)
        {
            double extra = gravityCompensation ? bias[DofAddress[i]] : 0;
            if (!feedforward.IsEmpty) extra += feedforward[i];
            double tau = Torque(targets[i], qpos[QposAddress[i]], qvel[DofAddress[i]], kp[i], kd[i], strength[i], Effort[i], VelocityLimit[i], extra);
            torques[i] = tau;
            ctrl[Motor[i]] = tau;
        }
    }
}
