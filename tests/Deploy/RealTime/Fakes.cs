using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;
using Robotics.Deploy.Runtime;
using Robotics.Deploy.Safety;

namespace Robotics.Deploy.Tests.RealTime;

/// <summary>
/// A robot for tests, allocation-free: its measurements are public arrays the test sets; each Read
/// copies them into the frame and advances the sequence (unless <see cref="Frozen"/>); each Write is
/// copied into <see cref="Last"/>. With <see cref="Mirror"/> the joints go to the commanded targets
/// (ros2_control's mock hardware). An arm's inputs (target, object, their sequences) are public arrays too;
/// an input marked in <see cref="Streaming"/> gets a new message every Read.
/// </summary>
internal sealed class FakeRobot : IRobotIo
{
    public FakeRobot(int joints)
    {
        Joints = joints;
        JointPos = new double[joints];
        JointVel = new double[joints];
        JointTorque = new double[joints];
        Last = new JointCommand(joints);
    }

    public int Joints { get; }
    public double[] Gyro { get; } = new double[3];
    public double[] Orientation { get; } = { 1, 0, 0, 0 };
    public double[] Command { get; } = new double[3];
    public double[] JointPos { get; }
    public double[] JointVel { get; }
    public double[] JointTorque { get; }
    public double[] TargetPosition { get; } = new double[3];
    public double[] TargetRotation { get; } = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
    public double[] ObjectPosition { get; } = new double[3];
    public long[] InputSequence { get; } = new long[PolicyInputs.KindCount];
    public bool[] Streaming { get; } = new bool[PolicyInputs.KindCount];
    public long Sequence { get; set; }
    public bool Frozen { get; set; }
    public bool Mirror { get; set; }
    public bool EStopPressed { get; set; }
    public JointCommand Last { get; }
    public long Writes { get; private set; }
    public Action<long>? OnRead { get; set; }
    /// <summary>Stamp each state with the wall clock and its receipt with the Stopwatch, as the DDS robot does.</summary>
    public bool Timed { get; set; }

    public void Read(SensorFrame frame)
    {
        OnRead?.Invoke(Writes);
        if (!Frozen) Sequence++;
        frame.Sequence = Sequence;
        if (Timed)
        {
            frame.JointStateStamp = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
            frame.JointStateReceived = System.Diagnostics.Stopwatch.GetTimestamp();
        }
        Gyro.CopyTo(frame.Gyro, 0);
        Orientation.CopyTo(frame.Orientation, 0);
        Command.CopyTo(frame.Command, 0);
        JointPos.CopyTo(frame.JointPos, 0);
        JointVel.CopyTo(frame.JointVel, 0);
        JointTorque.CopyTo(frame.JointTorque, 0);
        TargetPosition.CopyTo(frame.TargetPosition, 0);
        TargetRotation.CopyTo(frame.TargetRotation, 0);
        ObjectPosition.CopyTo(frame.ObjectPosition, 0);
        for (int k = 0; k < InputSequence.Length; k++) if (Streaming[k]) InputSequence[k]++;
        InputSequence.CopyTo(frame.InputSequence, 0);
    }

    public void Write(JointCommand command)
    {
        Last.CopyFrom(command);
        Writes++;
        if (Mirror) command.Position.CopyTo(JointPos, 0);
    }
}

/// <summary>A policy that writes <see cref="Output"/> (or, when null, a small fixed linear map with tanh) and keeps the last observation.</summary>
internal sealed class FakePolicy : IPolicy
{
    private readonly float[] _w;

    public FakePolicy(int observationDim, int actionDim)
    {
        ObservationDim = observationDim;
        ActionDim = actionDim;
        LastObservation = new float[observationDim];
        _w = new float[observationDim * actionDim];
        for (int i = 0; i < _w.Length; i++) _w[i] = 0.02f * MathF.Cos(i);
    }

    public int ObservationDim { get; }
    public int ActionDim { get; }
    public float[]? Output { get; set; }
    public float[] LastObservation { get; }
    public int Calls { get; private set; }

    public void Run(ReadOnlySpan<float> observation, Span<float> action)
    {
        Calls++;
        observation.CopyTo(LastObservation);
        if (Output is not null) { Output.CopyTo(action); return; }
        for (int a = 0; a < ActionDim; a++)
        {
            float s = 0;
            for (int k = 0; k < ObservationDim; k++) s += _w[a * ObservationDim + k] * observation[k];
            action[a] = MathF.Tanh(s);
        }
    }
}

/// <summary>Configurations for tests: n joints, 500 Hz loop, 50 Hz policy unless changed.</summary>
internal static class TestConfig
{
    public static ObservationGroup Group(int n) => new(ObservationGroup.Policy, new ObservationTerm[]
    {
        new("base_ang_vel", 3) { Scale = 0.25f },
        new("projected_gravity", 3),
        new("commands", 3),
        new("joint_pos", n) { Scale = 1f },
        new("joint_vel", n) { Scale = 0.05f },
        new("last_action", n),
    });

    public static double[] Fill(int n, double v) => Enumerable.Repeat(v, n).ToArray();

    public static ControllerConfig Create(int n = 2) => new()
    {
        JointNames = Enumerable.Range(0, n).Select(i => $"j{i}").ToArray(),
        DefaultJointPos = Fill(n, 0.1),
        Action = new ActionSpec { Scale = Fill(n, 0.25), Offset = Fill(n, 0.1), Reference = ActionReference.Offset },
        Kp = Fill(n, 20),
        Kd = Fill(n, 0.5),
        ControlPeriod = 0.002,
        PolicyDecimation = 10,
        Observation = Group(n),
        Safety = new SafetyConfig
        {
            PositionLower = Fill(n, -1),
            PositionUpper = Fill(n, 1),
            PositionTripMargin = 0.1,
            VelocityLimits = Fill(n, 20),
            TorqueLimits = Fill(n, 30),
            TorqueTripRatio = 1.25,
            TiltLimit = 0.8,
            SoftStartTime = 0.1,   // 50 ticks at 2 ms
            WatchdogPeriods = 3,
            RateLimit = 100,       // 0.2 rad per tick: loose unless a test tightens it
            DampingKd = 1.5,
        },
    };

    /// <summary>A controller with a fake robot and policy, started and run until Running (the soft start done).</summary>
    public static (Controller Controller, FakeRobot Robot, FakePolicy Policy) Running(ControllerConfig? config = null, bool mirror = true)
    {
        var (c, robot, policy) = Idle(config, mirror);
        StartUntilRunning(c);
        return (c, robot, policy);
    }

    /// <summary>Requests a start and ticks until the soft start is done.</summary>
    public static void StartUntilRunning(Controller c)
    {
        c.Safety.RequestStart();
        for (int i = 0; i < 10_000 && c.Safety.State != SafetyState.Running; i++) c.Tick();
        Assert.Equal(SafetyState.Running, c.Safety.State);
    }

    /// <summary>A controller in Idle with a fake robot at the default pose.</summary>
    public static (Controller Controller, FakeRobot Robot, FakePolicy Policy) Idle(ControllerConfig? config = null, bool mirror = true)
    {
        config ??= Create();
        var robot = new FakeRobot(config.Joints) { Mirror = mirror };
        config.DefaultJointPos.CopyTo(robot.JointPos, 0);
        var policy = new FakePolicy(config.Observation.Dim, config.Joints);
        var c = new Controller(config, policy, robot, new EventRing(1024));
        c.Tick();
        Assert.Equal(SafetyState.Idle, c.Safety.State);
        return (c, robot, policy);
    }

    /// <summary>All events in the ring, oldest first.</summary>
    public static List<LoopEvent> Drain(EventRing ring)
    {
        var list = new List<LoopEvent>();
        while (ring.TryRead(out var e)) list.Add(e);
        return list;
    }
}
