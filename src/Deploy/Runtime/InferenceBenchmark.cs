using System.Diagnostics;
using Robotics.Deploy.RealTime;

namespace Robotics.Deploy.Runtime;

/// <summary>Settings of <see cref="InferenceBenchmark"/>.</summary>
public sealed record InferenceBenchmarkConfig
{
    /// <summary>Timed calls per policy (split evenly over the rounds).</summary>
    public int Calls { get; init; } = 100_000;

    /// <summary>Rounds; each round times a block of calls of one policy, then of the other (order alternating), to cancel machine drift.</summary>
    public int Rounds { get; init; } = 20;

    /// <summary>Untimed calls per policy first (tiered JIT reaches its final code, caches fill).</summary>
    public int WarmupCalls { get; init; } = 30_000;

    /// <summary>CPU to pin the measuring thread to, or −1 for none.</summary>
    public int CpuCore { get; init; } = -1;

    /// <summary>SCHED_FIFO priority 1–99 for the measuring thread, or 0 for normal priority.</summary>
    public int FifoPriority { get; init; }

    /// <summary>Seed of the random observations (uniform in [−1, 1]).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Throws <see cref="UserError"/> naming the first field out of range.</summary>
    public InferenceBenchmarkConfig Validate()
    {
        if (Calls < 1 || Calls > 100_000_000) throw new UserError($"InferenceBenchmarkConfig.{nameof(Calls)} = {Calls}: allowed 1–100000000");
        if (Rounds < 1 || Rounds > Calls) throw new UserError($"InferenceBenchmarkConfig.{nameof(Rounds)} = {Rounds}: allowed 1–{nameof(Calls)} ({Calls})");
        if (WarmupCalls < 0 || WarmupCalls > 100_000_000) throw new UserError($"InferenceBenchmarkConfig.{nameof(WarmupCalls)} = {WarmupCalls}: allowed 0–100000000");
        if (CpuCore < -1 || CpuCore >= 1024) throw new UserError($"InferenceBenchmarkConfig.{nameof(CpuCore)} = {CpuCore}: allowed −1 (none) or 0–1023");
        if (FifoPriority < 0 || FifoPriority > 99) throw new UserError($"InferenceBenchmarkConfig.{nameof(FifoPriority)} = {FifoPriority}: allowed 0–99");
        return this;
    }
}

/// <summary>Latency of one policy's <see cref="IPolicy.Run"/> calls; times in microseconds.</summary>
/// <param name="Calls">Calls timed.</param>
/// <param name="P50Us">Median [µs].</param>
/// <param name="P99Us">99th percentile [µs].</param>
/// <param name="P999Us">99.9th percentile [µs].</param>
/// <param name="MaxUs">Slowest call [µs].</param>
/// <param name="MeanUs">Mean [µs].</param>
/// <param name="AllocatedBytes">Bytes the measuring thread allocated inside this policy's timed blocks.</param>
public sealed record LatencyStats(long Calls, double P50Us, double P99Us, double P999Us, double MaxUs, double MeanUs, long AllocatedBytes);

/// <summary>What <see cref="InferenceBenchmark.Run"/> measured.</summary>
/// <param name="Config">What was asked for.</param>
/// <param name="Candidate">The policy under test (ONNX Runtime).</param>
/// <param name="Floor">The reference (the hand-written SIMD forward).</param>
/// <param name="MaxAbsActionDifference">Largest |candidate − floor| over the warm-up inputs and actions.</param>
/// <param name="Setup">What the OS granted the measuring thread.</param>
public sealed record InferenceBenchmarkResult(InferenceBenchmarkConfig Config, LatencyStats Candidate, LatencyStats Floor, double MaxAbsActionDifference, RealTimeSetup Setup)
{
    /// <summary>The goal: candidate p99 ≤ this × floor p99.</summary>
    public const double GoalRatio = 1.5;

    /// <summary>Candidate p99 / floor p99.</summary>
    public double P99Ratio => Candidate.P99Us / Floor.P99Us;

    /// <summary>True when <see cref="P99Ratio"/> ≤ <see cref="GoalRatio"/>.</summary>
    public bool MeetsGoal => P99Ratio <= GoalRatio;
}

/// <summary>
/// Times <see cref="IPolicy.Run"/> of two policies of the same shape at batch 1, call by call with
/// <see cref="Stopwatch.GetTimestamp"/>, on one dedicated thread (pinned and SCHED_FIFO when asked):
/// warm-up first, then rounds that alternate the two so that load from elsewhere on the machine falls
/// on both alike. Both see the same random observations.
/// </summary>
public static class InferenceBenchmark
{
    private const int Inputs = 256;   // distinct observations, cycled

    /// <summary>Runs the benchmark; blocks until done.</summary>
    /// <exception cref="ArgumentException">The config is out of range or the two policies differ in shape.</exception>
    public static InferenceBenchmarkResult Run(IPolicy candidate, IPolicy floor, InferenceBenchmarkConfig config)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(floor);
        config.Validate();
        if (candidate.ObservationDim != floor.ObservationDim || candidate.ActionDim != floor.ActionDim)
            throw new ArgumentException($"InferenceBenchmark: candidate is {candidate.ObservationDim}→{candidate.ActionDim}, floor is {floor.ObservationDim}→{floor.ActionDim}; they must match");

        // A thread of its own, so pinning and SCHED_FIFO never stick to the caller's thread.
        InferenceBenchmarkResult? result = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { result = Measure(candidate, floor, config); }
            catch (Exception e) { failure = e; }
        }) { Name = "inference-benchmark", IsBackground = true };
        thread.Start();
        thread.Join();
        if (failure is not null) throw new InvalidOperationException($"InferenceBenchmark failed: {failure.Message}", failure);
        return result!;
    }

    private static InferenceBenchmarkResult Measure(IPolicy candidate, IPolicy floor, InferenceBenchmarkConfig config)
    {
        var setup = LinuxRealTime.Apply(new LoopConfig { CpuCore = config.CpuCore, FifoPriority = config.FifoPriority, LockMemory = false, LowLatencyGc = false });

        // Observations [Inputs, obsDim] uniform in [−1, 1]; one action buffer per policy.
        int obsDim = candidate.ObservationDim, actDim = candidate.ActionDim;
        var rng = new Random(config.Seed);
        var obs = new float[Inputs * obsDim];
        for (int i = 0; i < obs.Length; i++) obs[i] = (float)(2 * rng.NextDouble() - 1);
        var actA = new float[actDim];
        var actB = new float[actDim];

        // Warm-up, comparing the two policies' actions on the way.
        double maxDiff = 0;
        for (int i = 0; i < config.WarmupCalls; i++)
        {
            var o = obs.AsSpan(i % Inputs * obsDim, obsDim);
            candidate.Run(o, actA);
            floor.Run(o, actB);
            for (int k = 0; k < actDim; k++) maxDiff = Math.Max(maxDiff, Math.Abs(actA[k] - actB[k]));
        }

        // Timed rounds: blocks of calls, candidate first in even rounds and floor first in odd ones.
        var ticksA = new long[config.Calls];
        var ticksB = new long[config.Calls];
        long allocA = 0, allocB = 0;
        int done = 0;
        for (int r = 0; r < config.Rounds; r++)
        {
            int count = (int)((long)config.Calls * (r + 1) / config.Rounds) - done;
            if (r % 2 == 0)
            {
                allocA += TimeBlock(candidate, obs, obsDim, actA, ticksA.AsSpan(done, count), done);
                allocB += TimeBlock(floor, obs, obsDim, actB, ticksB.AsSpan(done, count), done);
            }
            else
            {
                allocB += TimeBlock(floor, obs, obsDim, actB, ticksB.AsSpan(done, count), done);
                allocA += TimeBlock(candidate, obs, obsDim, actA, ticksA.AsSpan(done, count), done);
            }
            done += count;
        }
        return new InferenceBenchmarkResult(config, Stats(ticksA, allocA), Stats(ticksB, allocB), maxDiff, setup);
    }

    // Times each call of one block into `ticks`; returns the bytes the thread allocated meanwhile.
    private static long TimeBlock(IPolicy policy, float[] obs, int obsDim, float[] action, Span<long> ticks, int first)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < ticks.Length; i++)
        {
            var o = obs.AsSpan((first + i) % Inputs * obsDim, obsDim);
            long t0 = Stopwatch.GetTimestamp();
            policy.Run(o, action);
            ticks[i] = Stopwatch.GetTimestamp() - t0;
        }
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    // Percentiles by rank in the sorted durations (nearest rank: the ⌈q·n⌉-th smallest).
    private static LatencyStats Stats(long[] ticks, long allocated)
    {
        Array.Sort(ticks);
        double us = 1e6 / Stopwatch.Frequency;
        double At(double q) => ticks[Math.Clamp((int)Math.Ceiling(q * ticks.Length) - 1, 0, ticks.Length - 1)] * us;
        double mean = ticks.Average() * us;
        return new LatencyStats(ticks.Length, At(0.5), At(0.99), At(0.999), ticks[^1] * us, mean, allocated);
    }
}
