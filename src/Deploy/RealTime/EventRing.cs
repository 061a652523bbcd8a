using System.Diagnostics;

namespace Robotics.Deploy.RealTime;

/// <summary>
/// A fixed-capacity single-producer single-consumer ring of <see cref="LoopEvent"/>s: the loop thread
/// writes without blocking or allocating, another thread drains. When the ring is full the newest event
/// is dropped and counted (the loop never waits for the reader).
/// </summary>
// DESIGN: System.Threading.Channels' bounded channel was rejected: its TryWrite allocates when a
// reader waits, and it takes a lock. Two monotonically growing counters with acquire/release order are
// all a single producer and a single consumer need.
public sealed class EventRing
{
    private readonly LoopEvent[] _items;   // [capacity]
    private readonly int _mask;
    private long _written;                 // advanced only by the producer
    private long _read;                    // advanced only by the consumer
    private long _dropped;

    /// <summary>Creates a ring holding <paramref name="capacity"/> events (a power of two).</summary>
    public EventRing(int capacity = 1024)
    {
        if (capacity < 2 || (capacity & (capacity - 1)) != 0) throw new ArgumentException($"capacity = {capacity}: must be a power of two ≥ 2", nameof(capacity));
        _items = new LoopEvent[capacity];
        _mask = capacity - 1;
    }

    /// <summary>Events the ring holds at most.</summary>
    public int Capacity => _items.Length;

    /// <summary>Events dropped because the ring was full.</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>Events waiting to be read.</summary>
    public int Count => (int)(Volatile.Read(ref _written) - Volatile.Read(ref _read));

    /// <summary>Producer side: appends <paramref name="e"/>, or drops it when full. Never blocks or allocates.</summary>
    public bool TryWrite(in LoopEvent e)
    {
        long w = _written;
        if (w - Volatile.Read(ref _read) >= _items.Length)
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }
        _items[w & _mask] = e;
        Volatile.Write(ref _written, w + 1);   // publish after the item is stored
        return true;
    }

    /// <summary>Consumer side: takes the oldest event, if any.</summary>
    public bool TryRead(out LoopEvent e)
    {
        long r = _read;
        if (r == Volatile.Read(ref _written))
        {
            e = default;
            return false;
        }
        e = _items[r & _mask];
        Volatile.Write(ref _read, r + 1);      // release the slot after the item is copied
        Debug.Assert(_read <= Volatile.Read(ref _written));
        return true;
    }
}
