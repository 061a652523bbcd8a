namespace Robotics.Deploy.RealTime;

/// <summary>
/// Drains an <see cref="EventRing"/> on its own background thread and hands each event, formatted, to a
/// sink (a logger, the console). Formatting allocates, which is why it happens here and not in the loop.
/// </summary>
public sealed class EventLogPump : IDisposable
{
    private readonly EventRing _ring;
    private readonly Action<string> _sink;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new();
    private readonly TimeSpan _interval;
    private long _reportedDrops;

    /// <summary>Starts draining <paramref name="ring"/> every <paramref name="interval"/> (default 20 ms).</summary>
    public EventLogPump(EventRing ring, Action<string> sink, TimeSpan? interval = null)
    {
        _ring = ring ?? throw new ArgumentNullException(nameof(ring));
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        _interval = interval ?? TimeSpan.FromMilliseconds(20);
        _thread = new Thread(Run) { IsBackground = true, Name = "robotics-rt-log" };
        _thread.Start();
    }

    /// <summary>Events handed to the sink so far.</summary>
    public long Written { get; private set; }

    private void Run()
    {
        while (!_stop.Wait(_interval)) Drain();
        Drain();
    }

    private void Drain()
    {
        while (_ring.TryRead(out var e))
        {
            _sink(e.ToString());
            Written++;
        }
        long dropped = _ring.Dropped;
        if (dropped > _reportedDrops)
        {
            _sink($"event ring full: {dropped - _reportedDrops} event(s) dropped");
            _reportedDrops = dropped;
        }
    }

    /// <summary>Drains what is left and stops the thread.</summary>
    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        _stop.Dispose();
    }
}
