using Robotics.Deploy.Contract;
using Robotics.Deploy.Runtime;
using Robotics.Deploy.Safety;

namespace Robotics.Deploy.RealTime;

/// <summary>Settings of <see cref="LoopBenchmark"/>.</summary>
public sealed record LoopBenchmarkConfig
{
    /// <summary>Loop rate [Hz] (500 = the command loop, 50 = the policy rate).</summary>
    public double RateHz { get; init; } = 500;

    /// <summary>Measured duration [s], after the warm-up.</summary>
    public double Seconds { get; init; } = 60;

    /// <summary>Warm-up [s], not measured (JIT tiers, caches).</summary>
    public double WarmupSeconds { get; init; } = 2;

    /// <summary>Joints of the fake robot (12 = a quadruped).</summary>
    public int Joints { get; init; } = 12;

    /// <summary>Real-time settings of the loop (affinity, SCHED_FIFO, spin time).</summary>
    public LoopConfig Loop { get; init; } = new();

    /// <summary>Throws <see cref="UserError"/> naming the first field out of range.</summary>
    public LoopBenchmarkConfig Validate()
    {
        if (!(RateHz >= 1 && RateHz <= 10_000)) throw new UserError($"LoopBenchmarkConfig.{nameof(RateHz)} = {RateHz}: allowed [1, 10000] Hz");
        if (!(Seconds > 0 && Seconds <= 3600)) throw new UserError($"LoopBenchmarkConfig.{nameof(Seconds)} = {Seconds}: allowed (0, 3600] s");
        if (!(WarmupSeconds >= 0 && WarmupSeconds <= 600)) throw new UserError($"LoopBenchmarkConfig.{nameof(WarmupSeconds)} = {WarmupSeconds}: allowed [0, 600] s");
        if (Joints < 1 || Joints > 256) throw new UserError($"LoopBenchmarkConfig.{nameof(Joints)} = {Joints}: allowed 1–256");
        Loop.Validate();
        return this;
    }
}

/// <summary>What <see cref="LoopBenchmark.Run"/> measured; times in microseconds.</summary>
/// <param name="Config">What was asked for.</param>
/// <param name="Ticks">Ticks measured (after warm-up).</param>
/// <param name="P50Us">Median |period error| [µs] (to one histogram bin).</param>
/// <param name="P99Us">99th percentile [µs].</param>
/// <param name="P999Us">99.9th percentile [µs].</param>
/// <param name="MaxUs">Largest |period error| [µs].</param>
/// <param name="MaxLatenessUs">Latest wake-up after a deadline [µs].</param>
/// <param name="Overruns">Ticks that ended after the next deadline.</param>
/// <param name="AllocatedBytes">Bytes the loop thread allocated while measured.</param>
/// <param name="FinalState">The safety state at the end (Running unless something tripped).</param>
/// <param name="Setup">What the OS granted the loop thread.</param>
public sealed record LoopBenchmarkResult(LoopBenchmarkConfig Config, long Ticks, double P50Us, double P99Us, double P999Us,
    double MaxUs, double MaxLatenessUs, long Overruns, long AllocatedBytes, SafetyState FinalState, RealTimeSetup Setup)
{
    /// <summary>One line of figures.</summary>
    public override string ToString() =>
        $"{Config.RateHz:G4} Hz × {Config.Seconds:G4} s: {Ticks} ticks, |period error| p50 {P50Us:F0} µs, p99 {P99Us:F0} µs, p99.9 {P999Us:F0} µs, max {MaxUs:F0} µs; "
        + $"max lateness {MaxLatenessUs:F0} µs; overruns {Overruns}; loop-thread allocations {AllocatedBytes} B; final state {FinalState}";
}

/// <summary>
/// Runs the real-time loop at a fixed rate for a while with an allocation-free fake robot (it mirrors
/// each command into its state, like ros2_control's mock hardware) and a fake 45→12 linear policy, the
/// safety layer soft-starting into Running, and reports the period-error percentiles and overruns.
/// </summary>
public static class LoopBenchmark
{
    /// <summary>Runs the benchmark; blocks for warm-up + measured seconds plus the soft start.</summary>
    public static LoopBenchmarkResult Run(LoopBenchmarkConfig config)
    {
        config.Validate();
        double period = 1 / config.RateHz;
        int n = config.Joints;
        var controllerConfig = FakeConfig(n, period);
        var robot = new MirrorRobot(n);
        var policy = new LinearPolicy(controllerConfig.Observation.Dim, n);
        var controller = new Controller(controllerConfig, policy, robot, new EventRing(4096));
        var loopConfig = config.Loop with { WarmupTicks = (int)Math.Ceiling((config.WarmupSeconds + controllerConfig.Safety.SoftStartTime) * config.RateHz) };
        using var loop = new RealTimeLoop(controller, loopConfig);

        controller.Safety.RequestStart();
        loop.Start();
        Thread.Sleep(TimeSpan.FromSeconds(config.WarmupSeconds + controllerConfig.Safety.SoftStartTime + config.Seconds));
        loop.Stop();
        if (loop.Failure is not null) throw new InvalidOperationException("the loop failed", loop.Failure);

        var h = loop.Histogram;
        return new LoopBenchmarkResult(config, h.Count, h.Percentile(0.5) * 1e6, h.Percentile(0.99) * 1e6, h.Percentile(0.999) * 1e6,
            h.Max * 1e6, loop.MaxLateness * 1e6, loop.Overruns, loop.AllocatedBytes, controller.Safety.State, loop.Setup!);
    }

    // A quadruped-like setup: ±π limits, 20/0.5 gains, a 50 Hz policy where the rate allows.
    private static ControllerConfig FakeConfig(int n, double period)
    {
        double[] Fill(double v) => Enumerable.Repeat(v, n).ToArray();
        var group = new ObservationGroup(ObservationGroup.Policy, new ObservationTerm[]
        {
            new("base_ang_vel", 3) { Scale = 0.25f }, new("projected_gravity", 3), new("commands", 3),
            new("joint_pos", n), new("joint_vel", n) { Scale = 0.05f }, new("last_action", n),
        });
        return new ControllerConfig
        {
            JointNames = Enumerable.Range(0, n).Select(i => $"joint{i}").ToArray(),
            DefaultJointPos = Fill(0.1), Kp = Fill(20), Kd = Fill(0.5),
            Action = new ActionSpec { Scale = Fill(0.25), Offset = Fill(0.1), Reference = ActionReference.Offset },
            ControlPeriod = period, PolicyDecimation = Math.Max(1, (int)Math.Round(0.02 / period)),
            Observation = group,
            Safety = new SafetyConfig
            {
                PositionLower = Fill(-Math.PI), PositionUpper = Fill(Math.PI), VelocityLimits = Fill(30), TorqueLimits = Fill(30),
                SoftStartTime = 0.5, WatchdogPeriods = 5,
            },
        }.Validate();
    }

    /// <summary>A robot whose joints go to the commanded targets at once; a new sensor sequence every read.</summary>
    private sealed class MirrorRobot(int joints) : IRobotIo
    {
        private readonly double[] _q = new double[joints];
        private long _sequence;
        public int Joints => joints;
        public bool EStopPressed => false;
        public void Read(SensorFrame frame)
        {
            _q.CopyTo(frame.JointPos, 0);
            Array.Clear(frame.JointVel);
            frame.Sequence = ++_sequence;
        }
        public void Write(JointCommand command) => command.Position.CopyTo(_q, 0);
    }

    /// <summary>action = tanh(W·obs), W fixed and small: an allocation-free stand-in for the network.</summary>
    private sealed class LinearPolicy : IPolicy
    {
        private readonly float[] _w;   // [actionDim, obsDim]
        public LinearPolicy(int observationDim, int actionDim)
        {
            ObservationDim = observationDim;
            ActionDim = actionDim;
            _w = new float[observationDim * actionDim];
            for (int i = 0; i < _w.Length; i++) _w[i] = 0.01f * MathF.Sin(i);
        }
        public int ObservationDim { get; }
        public int ActionDim { get; }
        public void Run(ReadOnlySpan<float> observation, Span<float> action)
        {
            for (int a = 0; a < ActionDim; a++)
            {
                float s = 0;
                var row = _w.AsSpan(a * ObservationDim, ObservationDim);
                for (int k = 0; k < row.Length; k++) s += row[k] * observation[k];
                action[a] = MathF.Tanh(s);
            }
        }
    }
}
