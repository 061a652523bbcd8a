using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;

namespace Robotics.Sim.Randomization;

/// <summary>One environment's sampled parameters, kept so the critic and evaluation can read them.</summary>
public sealed class EnvSample
{
    /// <summary>Allocates a sample for <paramref name="motors"/> motors.</summary>
    public EnvSample(int motors)
    {
        Kp = new double[motors];
        Kd = new double[motors];
        Strength = new double[motors];
    }

    /// <summary>Kp per motor [N·m/rad].</summary>
    public double[] Kp { get; }
    /// <summary>Kd per motor [N·m·s/rad].</summary>
    public double[] Kd { get; }
    /// <summary>Motor strength factor per motor.</summary>
    public double[] Strength { get; }
    /// <summary>Ground friction coefficient.</summary>
    public double Friction { get; set; }
    /// <summary>Mass added to the base [kg].</summary>
    public double AddedMass { get; set; }
    /// <summary>Base centre-of-mass offset [m]. [3]</summary>
    public double[] ComOffset { get; } = new double[3];
    /// <summary>Action latency [physics steps].</summary>
    public int Latency { get; set; }
    /// <summary>Gyro bias [rad/s]. [3]</summary>
    public double[] ImuBias { get; } = new double[3];
}

/// <summary>Model indices the randomizer writes, resolved once.</summary>
/// <param name="RobotBodies">Bodies of the robot (world and scene objects excluded).</param>
/// <param name="BaseBody">The floating base.</param>
/// <param name="FrictionGeoms">Geoms whose sliding friction is the randomized ground friction (floor and feet).</param>
/// <param name="Dofs">Degrees of freedom of the actuated joints.</param>
public sealed record RandomizerIndices(int[] RobotBodies, int BaseBody, int[] FrictionGeoms, int[] Dofs);

/// <summary>
/// Domain randomization of a robot: a pure function of (nominal model, random stream). Every
/// randomized field is recomputed from the nominal model, one block per parameter, so the result
/// never depends on earlier episodes; a parameter without a range keeps its nominal value, and a
/// zero-width ×1 or +0 range leaves it unchanged bit for bit.
/// </summary>
public static class Randomizer
{
    /// <summary>Writes a randomized copy of <paramref name="nominal"/> into <paramref name="model"/> and the non-model parameters into <paramref name="sample"/>; <paramref name="kp"/> and <paramref name="kd"/> are the nominal gains per motor.</summary>
    public static void Apply(RandomizationConfig r, RandomizerIndices ix, MjModel nominal, MjModel model,
        ReadOnlySpan<double> kp, ReadOnlySpan<double> kd, ref Rng rng, EnvSample sample)
    {
        // friction =U(a,b): sliding friction of the ground and the feet (MuJoCo takes the larger of a pair).
        var nf = nominal.GeomFriction;
        var f = model.GeomFriction;
        sample.Friction = nf[3 * ix.FrictionGeoms[0]];
        if (r.Friction is { IsIdentity: false } friction)
        {
            double s = friction.Sample(ref rng);
            foreach (var g in ix.FrictionGeoms) f[3 * g] = friction.Combine(nf[3 * g], s);
            sample.Friction = f[3 * ix.FrictionGeoms[0]];
        }

        // link_mass *U(a,b): each link's mass and inertia, independently.
        var nm = nominal.BodyMass;
        var ni = nominal.BodyInertia;
        var m = model.BodyMass;
        var inertia = model.BodyInertia;
        if (r.LinkMass is { } linkMass)
            foreach (var b in ix.RobotBodies)
            {
                if (linkMass.IsIdentity) { m[b] = nm[b]; for (int k = 0; k < 3; k++) inertia[3 * b + k] = ni[3 * b + k]; continue; }
                double factor = linkMass.Sample(ref rng);
                m[b] = nm[b] * factor;
                for (int k = 0; k < 3; k++) inertia[3 * b + k] = ni[3 * b + k] * factor;
            }

        // base_payload +U(a,b) [kg]: a payload on the base, its inertia growing with the mass.
        sample.AddedMass = 0;
        if (r.BasePayload is { } payload && !payload.IsIdentity)
        {
            int b = ix.BaseBody;
            double before = m[b];
            double after = Math.Max(0.1 * before, payload.Apply(before, ref rng));
            sample.AddedMass = after - before;
            m[b] = after;
            for (int k = 0; k < 3; k++) inertia[3 * b + k] *= after / before;
        }

        // com_offset +U(a,b) [m]: the base's centre of mass, per axis.
        var nIpos = nominal.BodyIpos;
        var ipos = model.BodyIpos;
        Array.Clear(sample.ComOffset);
        if (r.ComOffset is { } com)
            for (int k = 0; k < 3; k++)
            {
                int i = 3 * ix.BaseBody + k;
                ipos[i] = com.Apply(nIpos[i], ref rng);
                sample.ComOffset[k] = ipos[i] - nIpos[i];
            }

        // joint_damping, joint_friction, armature: per actuated joint.
        RandomizeDofs(r.JointDamping, nominal.DofDamping, model.DofDamping, ix.Dofs, ref rng);
        RandomizeDofs(r.JointFriction, nominal.DofFrictionloss, model.DofFrictionloss, ix.Dofs, ref rng);
        RandomizeDofs(r.Armature, nominal.DofArmature, model.DofArmature, ix.Dofs, ref rng);

        // motor_strength, kp, kd: per motor (the actuator model's parameters, not the model's).
        for (int i = 0; i < sample.Kp.Length; i++)
        {
            sample.Strength[i] = r.MotorStrength?.Apply(1.0, ref rng) ?? 1.0;
            sample.Kp[i] = r.Kp?.Apply(kp[i], ref rng) ?? kp[i];
            sample.Kd[i] = r.Kd?.Apply(kd[i], ref rng) ?? kd[i];
        }

        // action_latency =U(a,b) [physics steps], rounded down.
        sample.Latency = r.ActionLatency is { } latency ? (int)Math.Floor(latency.Apply(0, ref rng)) : 0;

        // imu_bias +U(a,b) [rad/s] per gyro axis.
        for (int k = 0; k < 3; k++) sample.ImuBias[k] = r.ImuBias?.Apply(0, ref rng) ?? 0;
    }

    private static void RandomizeDofs(Sampled? s, Span<double> nominal, Span<double> model, int[] dofs, ref Rng rng)
    {
        if (s is null) return;
        foreach (var d in dofs) model[d] = s.Apply(nominal[d], ref rng);
    }
}
