using System.Runtime.CompilerServices;
using System.Diagnostics;

namespace Robotics.RobotBridge.Ros2;

/// <summary>
/// A single-producer, single-consumer "latest value" handoff of byte payloads: a triple buffer. The
/// producer (the node's receive thread) fills its back slot and swaps it with the middle one; the
/// consumer (the real-time loop) swaps the middle slot into its front slot when it holds something new.
/// Both sides are wait-free: one <see cref="Interlocked.Exchange(ref int, int)"/> each, no locks, no
/// blocking, and the consumer never allocates. Older values the consumer did not take are overwritten.
/// </summary>
internal sealed class LatestValue
{
    private const int FreshBit = 4;     // set in _middle when the producer put a value the consumer has not taken
    private const int IndexMask = 3;

    private readonly byte[][] _slots;
    private readonly int[] _lengths = new int[3];
    private readonly long[] _sequences = new long[3];
    private readonly long[] _received = new long[3];   // [Stopwatch timestamp]
    private int _middle = 1;            // slot index | FreshBit; shared, only touched with Interlocked
    private int _back = 2;              // producer's private slot
    private int _front;                 // consumer's private slot

    /// <summary>Three slots of <paramref name="capacity"/> bytes each; the producer grows its own slot when needed.</summary>
    public LatestValue(int capacity) => _slots = [new byte[capacity], new byte[capacity], new byte[capacity]];

    /// <summary>Producer: publishes a copy of <paramref name="payload"/> with its sequence number and when it was received [Stopwatch timestamp].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Put(ReadOnlySpan<byte> payload, long sequence, long received = 0)
    {
        int b = _back;
        if (_slots[b].Length < payload.Length) _slots[b] = new byte[Math.Max(payload.Length, _slots[b].Length * 2)];
        payload.CopyTo(_slots[b]);
        _lengths[b] = payload.Length;
        _sequences[b] = sequence;
        _received[b] = received;
        int previous = Interlocked.Exchange(ref _middle, b | FreshBit);
        _back = previous & IndexMask;
        Debug.Assert(_back != b && _back != _front, "triple buffer: producer slot collides");
    }

    /// <summary>Consumer: the newest payload not taken yet, or false when nothing new arrived.</summary>
    /// <param name="payload">Valid until the next take.</param>
    /// <param name="sequence">The payload's sequence number.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryTake(out ReadOnlySpan<byte> payload, out long sequence) => TryTake(out payload, out sequence, out _);

    /// <summary>As <see cref="TryTake(out ReadOnlySpan{byte}, out long)"/>, also giving when the payload was received [Stopwatch timestamp; 0 unknown].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryTake(out ReadOnlySpan<byte> payload, out long sequence, out long received)
    {
        if ((Volatile.Read(ref _middle) & FreshBit) == 0)
        {
            payload = default;
            sequence = received = 0;
            return false;
        }
        int previous = Interlocked.Exchange(ref _middle, _front);
        _front = previous & IndexMask;
        payload = _slots[_front].AsSpan(0, _lengths[_front]);
        sequence = _sequences[_front];
        received = _received[_front];
        return true;
    }
}
