namespace Robotics.Deploy.RealTime;

/// <summary>
/// How the <see cref="RealTimeLoop"/> keeps time and what it asks of the OS. The period itself is the
/// controller's <see cref="ControllerConfig.ControlPeriod"/>.
/// </summary>
public sealed record LoopConfig
{
    /// <summary>The last stretch before each deadline that the loop spins instead of sleeping [s] (covers the kernel's wake-up latency and timer slack).</summary>
    public double SpinTime { get; init; } = 200e-6;

    /// <summary>CPU to pin the loop thread to, or −1 for none.</summary>
    public int CpuCore { get; init; } = -1;

    /// <summary>SCHED_FIFO priority 1–99, or 0 to stay at normal priority.</summary>
    public int FifoPriority { get; init; } = 80;

    /// <summary>Lock the process's pages in memory (mlockall) so the loop never page-faults.</summary>
    public bool LockMemory { get; init; } = true;

    /// <summary>Set GCSettings.LatencyMode to SustainedLowLatency while the loop runs (restored after).</summary>
    public bool LowLatencyGc { get; init; } = true;

    /// <summary>Width of a period-error histogram bin [s].</summary>
    public double HistogramBinWidth { get; init; } = 1e-6;

    /// <summary>Number of histogram bins; errors beyond Bins × BinWidth count as overflow (the maximum is still exact).</summary>
    public int HistogramBins { get; init; } = 10_000;

    /// <summary>Ticks at the start not counted in the histogram and overruns (JIT and cache warm-up); they still control the robot.</summary>
    public int WarmupTicks { get; init; }

    /// <summary>Throws <see cref="UserError"/> naming the first field out of range.</summary>
    public LoopConfig Validate()
    {
        if (!(SpinTime >= 0 && SpinTime <= 0.1)) throw new UserError($"LoopConfig.{nameof(SpinTime)} = {SpinTime} s: allowed [0, 0.1]");
        if (CpuCore < -1 || CpuCore >= 1024) throw new UserError($"LoopConfig.{nameof(CpuCore)} = {CpuCore}: allowed −1 (none) or 0–1023");
        if (FifoPriority < 0 || FifoPriority > 99) throw new UserError($"LoopConfig.{nameof(FifoPriority)} = {FifoPriority}: allowed 0 (none) or 1–99");
        if (!(HistogramBinWidth > 0 && HistogramBinWidth <= 0.01)) throw new UserError($"LoopConfig.{nameof(HistogramBinWidth)} = {HistogramBinWidth} s: allowed (0, 0.01]");
        if (HistogramBins < 1 || HistogramBins > 10_000_000) throw new UserError($"LoopConfig.{nameof(HistogramBins)} = {HistogramBins}: allowed 1–10,000,000");
        if (WarmupTicks < 0) throw new UserError($"LoopConfig.{nameof(WarmupTicks)} = {WarmupTicks}: must be ≥ 0");
        return this;
    }
}
