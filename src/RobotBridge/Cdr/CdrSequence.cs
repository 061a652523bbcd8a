namespace Robotics.RobotBridge.Cdr;

/// <summary>
/// A ROS 2 sequence (<c>T[]</c> or <c>T[&lt;=N]</c> in a .msg): <see cref="Count"/> items in a backing array
/// that only grows, so decoding into an existing message allocates nothing while lengths do not grow.
/// Reference-typed items (nested messages) are kept and reused when the sequence shrinks and grows back.
/// </summary>
/// <typeparam name="T">Element type: a primitive, <see cref="string"/> or a generated message.</typeparam>
public sealed class CdrSequence<T>
{
    private T[] _items = [];

    /// <summary>Number of items in the sequence.</summary>
    public int Count { get; private set; }

    /// <summary>Items the backing array holds before it must grow.</summary>
    public int Capacity => _items.Length;

    /// <summary>The items, <c>[Count]</c>; valid until the next resize.</summary>
    public Span<T> AsSpan() => _items.AsSpan(0, Count);

    /// <summary>Item <paramref name="i"/>, checked against <see cref="Count"/>.</summary>
    public ref T this[int i]
    {
        get
        {
            if ((uint)i >= (uint)Count) throw new IndexOutOfRangeException($"index {i} outside a sequence of {Count}");
            return ref _items[i];
        }
    }

    /// <summary>
    /// Sets the length to <paramref name="count"/>; grows the backing array (doubling) only when needed.
    /// New slots of a message type are filled by <paramref name="factory"/> when given.
    /// </summary>
    public void Resize(int count, Func<T>? factory = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > _items.Length)
        {
            int capacity = Math.Max(count, Math.Min(Array.MaxLength, Math.Max(4, _items.Length * 2)));
            Array.Resize(ref _items, capacity);
        }
        if (factory is not null)
            for (int i = Count; i < count; i++) _items[i] ??= factory();
        Count = count;
    }

    /// <summary>Replaces the contents with a copy of <paramref name="values"/>.</summary>
    public void Set(ReadOnlySpan<T> values)
    {
        Resize(values.Length);
        values.CopyTo(_items);
    }

    /// <summary>A copy of the items as a new array (allocates; for tests and non-real-time code).</summary>
    public T[] ToArray() => AsSpan().ToArray();
}
