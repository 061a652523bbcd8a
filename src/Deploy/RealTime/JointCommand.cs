namespace Robotics.Deploy.RealTime;

/// <summary>
/// What the controller sends the motor drivers each control period, preallocated, in action order: per
/// joint a position target, PD gains and a feed-forward torque. The driver applies
/// τ = Kp·(target − q) + Kd·(0 − q̇) + τ_ff at its own rate.
/// </summary>
public sealed class JointCommand
{
    /// <summary>Allocates a command for <paramref name="joints"/> joints, all zero (motors passive).</summary>
    public JointCommand(int joints)
    {
        if (joints <= 0) throw new ArgumentException($"joints = {joints}: must be positive", nameof(joints));
        Position = new double[joints];
        Kp = new double[joints];
        Kd = new double[joints];
        Torque = new double[joints];
    }

    /// <summary>Joint count.</summary>
    public int Joints => Position.Length;

    /// <summary>Position targets [rad]. [n]</summary>
    public double[] Position { get; }

    /// <summary>Position gains Kp [N·m/rad]. [n]</summary>
    public double[] Kp { get; }

    /// <summary>Velocity (damping) gains Kd [N·m·s/rad]. [n]</summary>
    public double[] Kd { get; }

    /// <summary>Feed-forward torques [N·m]. [n]</summary>
    public double[] Torque { get; }

    /// <summary>Copies every field of <paramref name="other"/> (same joint count) into this command.</summary>
    public void CopyFrom(JointCommand other)
    {
        if (other.Joints != Joints) throw new ArgumentException($"command has {other.Joints} joints, this one {Joints}");
        other.Position.CopyTo(Position, 0);
        other.Kp.CopyTo(Kp, 0);
        other.Kd.CopyTo(Kd, 0);
        other.Torque.CopyTo(Torque, 0);
    }
}
