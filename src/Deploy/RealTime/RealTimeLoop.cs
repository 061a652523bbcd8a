using System.Diagnostics;
using System.Runtime;

namespace Robotics.Deploy.RealTime;

/// <summary>
/// Runs a <see cref="Controller"/> at a fixed period on a dedicated thread, against absolute deadlines
/// (deadline k = start + k·period, so errors never accumulate): sleep until <see cref="LoopConfig.SpinTime"/>
/// before the deadline, spin the rest, tick, repeat. It records the period error (the time between
/// successive wake-ups minus the period) in a preallocated <see cref="PeriodHistogram"/> and counts
/// overruns (a tick that ends after the next deadline; the missed deadlines are skipped, never caught up
/// in a burst). On its thread it asks for CPU affinity, SCHED_FIFO and locked memory, and reports in
/// <see cref="Setup"/> what the OS granted. Nothing inside the loop blocks or allocates; its log goes into
/// the controller's <see cref="EventRing"/> for another thread to drain (<see cref="EventLogPump"/>).
/// </summary>
// DESIGN: Thread.Sleep was rejected for the coarse wait: it takes whole milliseconds, a fifth of a
// 500 Hz period. clock_nanosleep sleeps to the microsecond; it is called with a relative time computed
// from the Stopwatch deadline, so the loop needs no assumption that Stopwatch and CLOCK_MONOTONIC share
// an epoch, and the last SpinTime is spun anyway. A periodic timer (timerfd, System.Threading.PeriodicTimer)
// was rejected: PeriodicTimer wakes through the thread pool and allocates; timerfd gives nothing the
// absolute deadline does not. After an overrun the missed deadlines are skipped (ros2_control does the
// same) rather than caught up in a burst of back-to-back ticks, which would send the motors stale targets.
public sealed class RealTimeLoop : IDisposable
{
    private readonly Controller _controller;
    private readonly LoopConfig _config;
    private Thread? _thread;
    private volatile bool _stop;
    private GCLatencyMode _previousGcMode;
    private long _overruns;
    private long _maxLatenessTicks;
    private long _allocated = -1;

    /// <summary>Prepares a loop; nothing runs until <see cref="Start"/>.</summary>
    public RealTimeLoop(Controller controller, LoopConfig? config = null)
    {
        _controller = controller ?? throw new ArgumentNullException(nameof(controller));
        _config = (config ?? new LoopConfig()).Validate();
        Histogram = new PeriodHistogram(_config.HistogramBinWidth, _config.HistogramBins);
        PeriodTicks = (long)Math.Round(controller.Config.ControlPeriod * Stopwatch.Frequency);
    }

    /// <summary>The controller it ticks.</summary>
    public Controller Controller => _controller;

    /// <summary>Timing settings.</summary>
    public LoopConfig Config => _config;

    /// <summary>|period error| histogram of the ticks after warm-up (read it after <see cref="Stop"/>).</summary>
    public PeriodHistogram Histogram { get; }

    /// <summary>The period in Stopwatch ticks.</summary>
    public long PeriodTicks { get; }

    /// <summary>Ticks after warm-up that ended after the next deadline.</summary>
    public long Overruns => Volatile.Read(ref _overruns);

    /// <summary>Latest wake-up after a deadline seen after warm-up [s].</summary>
    public double MaxLateness => Volatile.Read(ref _maxLatenessTicks) / (double)Stopwatch.Frequency;

    /// <summary>Bytes the loop thread allocated from the end of warm-up to its stop; −1 until it stopped.</summary>
    public long AllocatedBytes => Volatile.Read(ref _allocated);

    /// <summary>What the OS granted the loop thread; null until it started.</summary>
    public RealTimeSetup? Setup { get; private set; }

    /// <summary>The exception that ended the loop, if one did (a damping command was then written).</summary>
    public Exception? Failure { get; private set; }

    /// <summary>True while the loop thread runs.</summary>
    public bool IsRunning => _thread is { IsAlive: true };

    /// <summary>One Read → Update → Write, on the caller's thread, without timing: for tests and stepping. Not while the loop runs.</summary>
    public void Tick()
    {
        if (_thread is not null) throw new InvalidOperationException("the loop thread is running; stop it before ticking by hand");
        _controller.Tick();
    }

    /// <summary>Starts the loop thread; returns once the thread applied its real-time settings (<see cref="Setup"/>).</summary>
    public void Start()
    {
        if (_thread is not null) throw new InvalidOperationException("the loop is already running");
        _stop = false;
        _previousGcMode = GCSettings.LatencyMode;
        using var ready = new ManualResetEventSlim();
        _thread = new Thread(() => Run(ready)) { IsBackground = true, Name = "robotics-rt-loop" };
        _thread.Start();
        ready.Wait();
    }

    /// <summary>Stops the loop after its current tick, joins the thread and restores the GC latency mode.</summary>
    public void Stop()
    {
        if (_thread is null) return;
        _stop = true;
        _thread.Join();
        _thread = null;
        GCSettings.LatencyMode = _previousGcMode;
    }

    /// <summary>Stops the loop.</summary>
    public void Dispose() => Stop();

    // The loop thread: settings, then deadlines until asked to stop.
    private void Run(ManualResetEventSlim ready)
    {
        try { Setup = LinuxRealTime.Apply(_config); }
        finally { ready.Set(); }

        long period = PeriodTicks;
        long spin = (long)(_config.SpinTime * Stopwatch.Frequency);
        long warmup = _config.WarmupTicks;
        var events = _controller.Events;
        long next = Stopwatch.GetTimestamp() + period, previousWake = 0, allocatedAtWarmup = 0;
        try
        {
            for (long k = 0; !_stop; k++)
            {
                WaitUntil(next, spin);
                long wake = Stopwatch.GetTimestamp();
                bool counted = k >= warmup;
                if (k == warmup) allocatedAtWarmup = GC.GetAllocatedBytesForCurrentThread();
                if (counted)
                {
                    if (k > warmup) Histogram.Add((wake - previousWake - period) / (double)Stopwatch.Frequency);
                    if (wake - next > _maxLatenessTicks) Volatile.Write(ref _maxLatenessTicks, wake - next);
                }
                previousWake = wake;

                _controller.Tick();

                // Overrun: the tick ended after the next deadline. Skip the deadlines already missed.
                next += period;
                long end = Stopwatch.GetTimestamp();
                if (end > next)
                {
                    long late = end - next, skipped = late / period + 1;
                    next += skipped * period;
                    if (counted) Interlocked.Increment(ref _overruns);
                    var state = _controller.Safety.State;
                    events.TryWrite(new LoopEvent(LoopEventKind.Overrun, _controller.Ticks - 1, end, state, state, Safety.SafetyCause.None,
                        (int)Math.Min(skipped, int.MaxValue), late / (double)Stopwatch.Frequency));
                }
            }
            Volatile.Write(ref _allocated, GC.GetAllocatedBytesForCurrentThread() - allocatedAtWarmup);
        }
        catch (Exception e)
        {
            Failure = e;
            try { _controller.WriteDampingCommand(); } catch { /* the robot itself failed: nothing more we can send */ }
        }
    }

    // Sleep until `spin` before the deadline, then spin to it.
    private static void WaitUntil(long deadline, long spin)
    {
        double nsPerTick = 1e9 / Stopwatch.Frequency;
        long remaining;
        while ((remaining = deadline - Stopwatch.GetTimestamp()) > spin)
            LinuxRealTime.Sleep((long)((remaining - spin) * nsPerTick));
        while (Stopwatch.GetTimestamp() < deadline) Thread.SpinWait(1);
    }
}
