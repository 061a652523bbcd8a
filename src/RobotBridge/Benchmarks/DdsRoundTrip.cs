using System.Runtime.CompilerServices;
using System.Diagnostics;
using Robotics.RobotBridge.Dds;
using Robotics.RobotBridge.Messages.SensorMsgs;
using Robotics.RobotBridge.Ros2;

namespace Robotics.RobotBridge.Benchmarks;

/// <summary>Settings of the DDS round-trip benchmark.</summary>
public sealed record DdsRoundTripConfig
{
    /// <summary>Joints in the JointState sent back and forth (names, positions, velocities, efforts).</summary>
    public int Joints { get; init; } = 12;

    /// <summary>Round trips run first and not measured (JIT tiering, DDS buffers) [round trips].</summary>
    public int Warmup { get; init; } = 5000;

    /// <summary>Round trips measured per run [round trips].</summary>
    public int Count { get; init; } = 20000;

    /// <summary>Runs of each pairing; the table shows the median run per statistic.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>DDS domain; traffic stays on the loopback interface.</summary>
    public uint DomainId { get; init; } = (uint)(20 + Environment.ProcessId % 200);

    /// <summary>Checks the fields; returns this.</summary>
    /// <exception cref="UserError">Names the offending field.</exception>
    public DdsRoundTripConfig Validate()
    {
        if (Joints is < 1 or > 1000) throw new UserError($"DdsRoundTripConfig.Joints must be 1–1000 (got {Joints})");
        if (Warmup < 0) throw new UserError($"DdsRoundTripConfig.Warmup must be ≥ 0 (got {Warmup})");
        if (Count < 1000) throw new UserError($"DdsRoundTripConfig.Count must be ≥ 1000 for a p99.9 (got {Count})");
        if (Rounds < 1) throw new UserError($"DdsRoundTripConfig.Rounds must be ≥ 1 (got {Rounds})");
        if (DomainId > 232) throw new UserError($"DdsRoundTripConfig.DomainId must be 0–232 (got {DomainId})");
        return this;
    }
}

/// <summary>Round-trip percentiles of one run [µs].</summary>
public sealed record RoundTripStats(double P50, double P99, double P999, double Mean)
{
    /// <summary>Percentiles of <paramref name="ticks"/> (Stopwatch ticks; sorted in place).</summary>
    public static RoundTripStats FromTicks(long[] ticks)
    {
        Array.Sort(ticks);
        double us(long t) => t * 1e6 / Stopwatch.Frequency;
        return new RoundTripStats(us(ticks[ticks.Length / 2]), us(ticks[(int)(ticks.Length * 0.99)]),
            us(ticks[(int)(ticks.Length * 0.999)]), ticks.Average(t => us(t)));
    }

    /// <summary>The median of several runs, statistic by statistic.</summary>
    public static RoundTripStats Median(IReadOnlyList<RoundTripStats> runs)
    {
        static double M(IEnumerable<double> xs) { var a = xs.Order().ToArray(); return a[a.Length / 2]; }
        return new RoundTripStats(M(runs.Select(r => r.P50)), M(runs.Select(r => r.P99)), M(runs.Select(r => r.P999)), M(runs.Select(r => r.Mean)));
    }
}

/// <summary>
/// A JointState ping-pong over DDS between two processes: the ping side sends on <c>rt/bench_ping</c>,
/// the pong side echoes on <c>rt/bench_pong</c>, one message in flight. Both C# sides are <see cref="Ros2Node"/>s
/// that answer from their subscription callback (the receive thread), as Cyclone's C ping-pong
/// (native/ddsbench/pingpong.c) answers from its waitset loop; the topics and the type name are the same,
/// so a C# ping can also run against the C pong.
/// </summary>
public static class DdsRoundTrip
{
    /// <summary>Topics of the exchange (ROS names; on DDS <c>rt/bench_ping</c> and <c>rt/bench_pong</c>).</summary>
    public const string PingTopic = "bench_ping", PongTopic = "bench_pong";

    /// <summary>A JointState of <paramref name="joints"/> joints named joint_00..., as the C ping builds it.</summary>
    public static JointState Message(int joints)
    {
        var m = new JointState();
        m.Header.FrameId = "base_link";
        m.Name.Resize(joints, () => "");
        m.Position.Resize(joints);
        for (int i = 0; i < joints; i++)
        {
            m.Name[i] = $"joint_{i:00}";
            m.Position[i] = 0.1 * i;
        }
        m.Velocity.Set(m.Position.AsSpan());
        m.Effort.Set(m.Position.AsSpan());
        return m;
    }

    /// <summary>
    /// The echo side: a node that republishes every ping until <paramref name="stop"/> is cancelled.
    /// </summary>
    /// <param name="security">DDS Security of the node (an enclave allowed both bench topics); null = none.</param>
    public static void Pong(uint domainId, CancellationToken stop, Security.Ros2SecurityOptions? security = null)
    {
        using var node = new Ros2Node("bench_pong", Ros2NodeOptions.Loopback(domainId) with { Security = security });
        var pub = node.CreatePublisher<JointState>(PongTopic);
        node.CreateSubscription<JointState>(PingTopic, QosProfile.Default,
            [MethodImpl(MethodImplOptions.AggressiveOptimization)] (JointState m) => pub.Publish(m));
        stop.WaitHandle.WaitOne();
    }

    /// <summary>The measuring side: <see cref="DdsRoundTripConfig.Warmup"/> + <see cref="DdsRoundTripConfig.Count"/> round trips.</summary>
    /// <exception cref="UserError">No pong matched within 30 s, or an echo did not come back.</exception>
    /// <param name="security">DDS Security of the node (an enclave allowed both bench topics); null = none.</param>
    public static RoundTripStats Ping(DdsRoundTripConfig config, Security.Ros2SecurityOptions? security = null)
    {
        config.Validate();
        using var node = new Ros2Node("bench_ping", Ros2NodeOptions.Loopback(config.DomainId) with { Security = security });
        var pub = node.CreatePublisher<JointState>(PingTopic);
        var msg = Message(config.Joints);
        int total = config.Warmup + config.Count;
        var rtt = new long[config.Count];
        int next = 0;
        long sentAt = 0;
        using var done = new ManualResetEventSlim();

        // Each echo is timed and answered by the next ping, on the receive thread: one message in flight.
        var sub = node.CreateSubscription<JointState>(PongTopic, QosProfile.Default,
            [MethodImpl(MethodImplOptions.AggressiveOptimization)] (JointState reply) =>
        {
            if (reply.Header.Stamp.Sec != next) return;    // not ours (a stale echo)
            long now = Stopwatch.GetTimestamp();
            if (next >= config.Warmup) rtt[next - config.Warmup] = now - sentAt;
            if (++next == total) { done.Set(); return; }
            lock (msg)      // uncontended except while a resend (below) runs
            {
                msg.Header.Stamp.Sec = next;
                sentAt = Stopwatch.GetTimestamp();
                pub.Publish(msg);
            }
        });

        var deadline = Stopwatch.StartNew();
        while (pub.MatchedSubscriptions == 0 || sub.MatchedPublishers == 0)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30)) throw new UserError("no pong side matched within 30 s");
            Thread.Sleep(10);
        }
        Thread.Sleep(200);      // let discovery settle both ways before the first ping
        msg.Header.Stamp.Sec = 0;
        sentAt = Stopwatch.GetTimestamp();
        pub.Publish(msg);
        // An echo written before the pong side discovered our reader goes nowhere (volatile): when nothing
        // moves for 1 s, send the current ping again (a stale echo is ignored by its sequence number).
        int resends = 0, seen = -1;
        while (!done.Wait(TimeSpan.FromSeconds(1)))
        {
            int now = Volatile.Read(ref next);
            if (now != seen) { seen = now; continue; }
            if (++resends > 10) throw new UserError($"echo {now} of {total} did not come back");
            lock (msg) pub.Publish(msg);
        }
        return RoundTripStats.FromTicks(rtt);
    }
}
