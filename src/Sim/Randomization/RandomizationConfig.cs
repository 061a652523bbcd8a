namespace Robotics.Sim.Randomization;

/// <summary>Domain randomization of a robot and its scene, from a task file's [randomization] table; a null entry is not randomized. Applied per episode.</summary>
public sealed record RandomizationConfig
{
    /// <summary>Friction coefficient of the contact surfaces (ground and feet; table and cube) (e.g. =U(0.4, 1.25)).</summary>
    public Sampled? Friction { get; init; }
    /// <summary>Every link's mass (and inertia), independently (e.g. *U(0.9, 1.1)).</summary>
    public Sampled? LinkMass { get; init; }
    /// <summary>Payload added to the base [kg] (e.g. +U(−1, 3)).</summary>
    public Sampled? BasePayload { get; init; }
    /// <summary>Base centre-of-mass offset per axis [m] (e.g. +U(−0.05, 0.05)).</summary>
    public Sampled? ComOffset { get; init; }
    /// <summary>Motor strength factor per motor.</summary>
    public Sampled? MotorStrength { get; init; }
    /// <summary>Kp per motor.</summary>
    public Sampled? Kp { get; init; }
    /// <summary>Kd per motor.</summary>
    public Sampled? Kd { get; init; }
    /// <summary>Joint damping per joint.</summary>
    public Sampled? JointDamping { get; init; }
    /// <summary>Joint dry friction (frictionloss) per joint.</summary>
    public Sampled? JointFriction { get; init; }
    /// <summary>Rotor armature per joint.</summary>
    public Sampled? Armature { get; init; }
    /// <summary>Action latency [physics steps], rounded down; at most three policy periods.</summary>
    public Sampled? ActionLatency { get; init; }
    /// <summary>
    /// The fewest and most physics steps of action latency an episode draws, as <see cref="Randomizer"/> draws them: ⌊U(a, b)⌋ of a
    /// set or added range (so b itself is drawn only when a = b), none of a scaled one (its nominal is 0); (0, 0) when not randomized.
    /// </summary>
    public (int Low, int High) LatencySteps()
    {
        if (ActionLatency is not { } l || l.Op == SampleOp.Scale) return (0, 0);
        int low = (int)Math.Floor(l.Low);
        return l.Low == l.High ? (low, low) : (low, Math.Max(low, (int)Math.Ceiling(l.High) - 1));
    }

    /// <summary>Gyro bias per axis [rad/s].</summary>
    public Sampled? ImuBias { get; init; }
    /// <summary>Seconds between pushes.</summary>
    public Sampled? PushInterval { get; init; }
    /// <summary>Horizontal speed of a push [m/s], in a random direction.</summary>
    public Sampled? PushVelocity { get; init; }

    /// <summary>The same randomization with every range widened by <paramref name="factor"/> (held-out evaluation).</summary>
    public RandomizationConfig Widen(double factor) => new()
    {
        Friction = Friction?.Widen(factor), LinkMass = LinkMass?.Widen(factor), BasePayload = BasePayload?.Widen(factor),
        ComOffset = ComOffset?.Widen(factor), MotorStrength = MotorStrength?.Widen(factor), Kp = Kp?.Widen(factor),
        Kd = Kd?.Widen(factor), JointDamping = JointDamping?.Widen(factor), JointFriction = JointFriction?.Widen(factor),
        Armature = Armature?.Widen(factor), ActionLatency = ActionLatency, ImuBias = ImuBias?.Widen(factor),
        PushInterval = PushInterval, PushVelocity = PushVelocity?.Widen(factor),
    };

    /// <summary>
    /// The held-out evaluation set: every range widened by <paramref name="widen"/> about its centre and
    /// <paramref name="extraLatencySteps"/> more physics steps of action latency.
    /// </summary>
    public RandomizationConfig HeldOut(double widen, int extraLatencySteps) => Widen(widen) with
    {
        ActionLatency = ActionLatency is { } l
            ? l with { Low = l.Low + extraLatencySteps, High = l.High + extraLatencySteps }
            : new Sampled(SampleOp.Set, extraLatencySteps, extraLatencySteps),
    };
}
