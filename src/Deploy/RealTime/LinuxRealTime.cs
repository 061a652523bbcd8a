using System.Runtime;
using System.Runtime.InteropServices;

namespace Robotics.Deploy.RealTime;

/// <summary>What the loop thread asked of the OS and what it got, one line each, for the operator.</summary>
/// <param name="GcLatency">The GC latency mode in force.</param>
/// <param name="Affinity">CPU pinning: done, not asked, or refused and why.</param>
/// <param name="Scheduler">SCHED_FIFO: done, not asked, or refused and why.</param>
/// <param name="MemoryLock">mlockall: done, not asked, or refused and why.</param>
/// <param name="Sleep">How the loop sleeps before it spins.</param>
public sealed record RealTimeSetup(string GcLatency, string Affinity, string Scheduler, string MemoryLock, string Sleep)
{
    /// <summary>True when SCHED_FIFO was granted.</summary>
    public bool Fifo { get; init; }

    /// <summary>True when the thread was pinned to the requested CPU.</summary>
    public bool Pinned { get; init; }

    /// <summary>Five lines.</summary>
    public override string ToString() =>
        $"GC latency: {GcLatency}\nCPU affinity: {Affinity}\nscheduler: {Scheduler}\nmemory lock: {MemoryLock}\nsleep: {Sleep}";
}

/// <summary>
/// The Linux calls a real-time thread makes, through libc P/Invoke: sched_setaffinity,
/// sched_setscheduler(SCHED_FIFO), mlockall, and clock_nanosleep for sub-millisecond sleeps. Each call
/// that the OS refuses (EPERM without CAP_SYS_NICE or an rtprio limit, EINVAL for a CPU that does not
/// exist) is reported, never thrown: the loop keeps running at normal priority.
/// </summary>
public static partial class LinuxRealTime
{
    private const string Libc = "libc.so.6";
    private const int SchedOther = 0, SchedFifo = 1;
    private const int McLCurrent = 1, McLFuture = 2;
    private const int ClockMonotonic = 1;

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedParam { public int Priority; }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec { public long Seconds; public long Nanoseconds; }

    [LibraryImport(Libc, SetLastError = true)]
    private static unsafe partial int sched_setaffinity(int pid, nuint cpusetsize, ulong* mask);

    [LibraryImport(Libc, SetLastError = true)]
    private static unsafe partial int sched_setscheduler(int pid, int policy, SchedParam* param);

    [LibraryImport(Libc, SetLastError = true)]
    private static partial int mlockall(int flags);

    [LibraryImport(Libc)]
    private static unsafe partial int clock_nanosleep(int clockId, int flags, Timespec* request, Timespec* remain);

    /// <summary>True where these calls exist (Linux).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>
    /// Applies the loop's settings to the calling thread (and the GC mode to the process) and says what
    /// happened. Call it on the loop thread: pid 0 in sched_* means "this thread".
    /// </summary>
    public static RealTimeSetup Apply(LoopConfig config)
    {
        string refused = "";
        if (config.LowLatencyGc)
        {
            try { GCSettings.LatencyMode = GCLatencyMode.SustainedLowLatency; }
            catch (Exception e) { refused = $"; SustainedLowLatency refused: {e.Message}"; }
        }
        string gc = GCSettings.LatencyMode + (GCSettings.IsServerGC ? " (server GC)" : " (workstation GC)") + refused;

        if (!IsSupported)
            return new RealTimeSetup(gc, "not available (not Linux)", "not available (not Linux)", "not available (not Linux)", "Thread.Sleep in whole milliseconds, then spin");

        string affinity = "not asked", scheduler = "not asked (normal priority)", memory = "not asked";
        bool pinned = false, fifo = false;
        if (config.CpuCore >= 0)
        {
            int rc = PinToCpu(config.CpuCore, out int errno);
            pinned = rc == 0;
            affinity = pinned ? $"pinned to CPU {config.CpuCore}" : $"refused for CPU {config.CpuCore}: {Describe(errno)}; the thread may run on any CPU";
        }
        if (config.FifoPriority > 0)
        {
            int rc = SetFifo(config.FifoPriority, out int errno);
            fifo = rc == 0;
            scheduler = fifo ? $"SCHED_FIFO priority {config.FifoPriority}"
                : $"SCHED_FIFO priority {config.FifoPriority} refused: {Describe(errno)}; running at normal priority (grant CAP_SYS_NICE, or an rtprio limit in /etc/security/limits.conf)";
        }
        if (config.LockMemory)
        {
            int rc = mlockall(McLCurrent | McLFuture);
            memory = rc == 0 ? "mlockall(MCL_CURRENT | MCL_FUTURE)"
                : $"mlockall refused: {Describe(Marshal.GetLastPInvokeError())}; pages may fault in (raise the memlock limit)";
        }
        return new RealTimeSetup(gc, affinity, scheduler, memory, "clock_nanosleep(CLOCK_MONOTONIC) until close, then spin") { Fifo = fifo, Pinned = pinned };
    }

    /// <summary>Puts the calling thread on SCHED_FIFO at <paramref name="priority"/> (1–99); null when granted, else why not.</summary>
    public static string? SetFifo(int priority)
    {
        if (!IsSupported) return "not Linux";
        return SetFifo(priority, out int errno) == 0 ? null : Describe(errno);
    }

    /// <summary>
    /// Whether this process may put a thread on SCHED_FIFO at <paramref name="priority"/>: tried on a short-lived thread
    /// of its own, so that a library told to create real-time threads (Cyclone's receive thread) is told so only where
    /// it will not fail.
    /// </summary>
    public static bool FifoAllowed(int priority)
    {
        if (!IsSupported || priority is < 1 or > 99) return false;
        bool granted = false;
        var probe = new Thread(() => granted = SetFifo(priority) is null) { IsBackground = true, Name = "SCHED_FIFO probe" };
        probe.Start();
        probe.Join();
        return granted;
    }

    /// <summary>Puts the calling thread back on the normal scheduler (SCHED_OTHER) after <see cref="Apply"/>; false when the OS refused.</summary>
    public static unsafe bool ResetScheduler()
    {
        if (!IsSupported) return true;
        var param = new SchedParam { Priority = 0 };
        return sched_setscheduler(0, SchedOther, &param) == 0;
    }

    private static unsafe int PinToCpu(int cpu, out int errno)
    {
        // cpu_set_t: 1024 bits, CPU k is bit k % 64 of word k / 64.
        const int Words = 16;
        errno = 0;
        if (cpu >= Words * 64) { errno = 22; return -1; }
        ulong* mask = stackalloc ulong[Words];
        for (int i = 0; i < Words; i++) mask[i] = 0;
        mask[cpu / 64] = 1UL << (cpu % 64);
        int rc = sched_setaffinity(0, (nuint)(Words * sizeof(ulong)), mask);
        if (rc != 0) errno = Marshal.GetLastPInvokeError();
        return rc;
    }

    private static unsafe int SetFifo(int priority, out int errno)
    {
        var param = new SchedParam { Priority = priority };
        int rc = sched_setscheduler(0, SchedFifo, &param);
        errno = rc != 0 ? Marshal.GetLastPInvokeError() : 0;
        return rc;
    }

    /// <summary>Sleeps about <paramref name="nanoseconds"/> on CLOCK_MONOTONIC (Linux), else whole milliseconds; allocates nothing.</summary>
    public static unsafe void Sleep(long nanoseconds)
    {
        if (nanoseconds <= 0) return;
        if (!IsSupported)
        {
            Thread.Sleep((int)Math.Min(int.MaxValue, nanoseconds / 1_000_000));
            return;
        }
        var request = new Timespec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
        // A signal may cut the sleep short; the caller's deadline loop sleeps again or spins, so one call is enough.
        clock_nanosleep(ClockMonotonic, 0, &request, null);
    }

    private static string Describe(int errno) => errno switch
    {
        1 => "EPERM (not permitted)",
        3 => "ESRCH (no such thread)",
        22 => "EINVAL (invalid argument: no such CPU or priority)",
        _ => $"errno {errno}",
    };
}
