using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Robotics.RobotBridge.Cdr;

/// <summary>
/// Reads one XCDR1 little-endian message (encapsulation <c>00 01 xx xx</c>, see <see cref="CdrWriter"/>).
/// Every read is bounds-checked against the bytes received and every length is checked against what is
/// left before anything is allocated, so a malformed message (truncated, a sequence length of 2³¹, a string
/// without its NUL) ends in <see cref="CdrFormatException"/>, never in an unbounded allocation.
/// </summary>
public ref struct CdrReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Starts reading <paramref name="message"/>: checks the encapsulation header.</summary>
    /// <exception cref="CdrFormatException">Shorter than the header, or not CDR_LE (big-endian and XCDR2 are refused).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public CdrReader(ReadOnlySpan<byte> message)
    {
        if (message.Length < CdrWriter.HeaderSize)
            throw new CdrFormatException($"message of {message.Length} bytes is shorter than the 4-byte encapsulation header");
        if (message[0] != 0x00 || message[1] != 0x01)
            throw new CdrFormatException($"encapsulation {message[0]:x2} {message[1]:x2} is not CDR_LE (00 01)");
        _data = message;
        _position = CdrWriter.HeaderSize;
    }

    /// <summary>Bytes not read yet.</summary>
    public readonly int Remaining => _data.Length - _position;

    /// <summary>Reads a primitive aligned to its size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Read<T>() where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        Align(size);
        Need(size);
        var value = Unsafe.ReadUnaligned<T>(ref Unsafe.AsRef(in _data[_position]));
        _position += size;
        return value;
    }

    /// <summary>Reads a bool (one byte; any non-zero value is true).</summary>
    public bool ReadBool() => Read<byte>() != 0;

    /// <summary>
    /// Reads a string into <paramref name="current"/>; keeps the existing instance (no allocation) when the
    /// received bytes spell the same ASCII text.
    /// </summary>
    /// <param name="bound">Maximum length in bytes (<c>string&lt;=N</c>); 0 for unbounded.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ReadString(ref string current, int bound = 0)
    {
        uint length = Read<uint>();     // counts the terminating NUL
        if (length == 0) { current = ""; return; }     // some writers send 0 for an empty string
        if (length > (uint)Remaining) throw new CdrFormatException($"string length {length} exceeds the {Remaining} bytes left");
        int n = (int)length - 1;
        if (bound > 0 && n > bound) throw new CdrFormatException($"string of {n} bytes exceeds its bound of {bound}");
        var bytes = _data.Slice(_position, n);
        if (_data[_position + n] != 0) throw new CdrFormatException("string not terminated by NUL");
        _position += (int)length;
        if (!SameAscii(current, bytes)) current = Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Reads a string (allocates; for code off the real-time path).</summary>
    public string ReadString(int bound = 0)
    {
        string s = "";
        ReadString(ref s, bound);
        return s;
    }

    /// <summary>Reads primitives back to back into <paramref name="into"/> (a fixed array or a sequence's elements).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ReadSpan<T>(Span<T> into) where T : unmanaged
    {
        if (into.IsEmpty) return;
        Align(Unsafe.SizeOf<T>());
        var bytes = MemoryMarshal.AsBytes(into);
        Need(bytes.Length);
        _data.Slice(_position, bytes.Length).CopyTo(bytes);
        _position += bytes.Length;
    }

    /// <summary>
    /// Reads a sequence length and checks it: within <paramref name="bound"/> (0: unbounded) and small
    /// enough that <paramref name="minElementSize"/> bytes per element fit in what is left.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int ReadSequenceLength(int minElementSize, int bound = 0)
    {
        uint count = Read<uint>();
        if (bound > 0 && count > (uint)bound) throw new CdrFormatException($"sequence of {count} exceeds its bound of {bound}");
        if ((ulong)count * (ulong)Math.Max(1, minElementSize) > (ulong)Remaining)
            throw new CdrFormatException($"sequence of {count} elements of at least {minElementSize} bytes exceeds the {Remaining} bytes left");
        return (int)count;
    }

    /// <summary>Reads a sequence of primitives into <paramref name="into"/>, resizing it (grow-only storage).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ReadSequence<T>(CdrSequence<T> into, int bound = 0) where T : unmanaged
    {
        int count = ReadSequenceLength(Unsafe.SizeOf<T>(), bound);
        into.Resize(count);
        ReadSpan(into.AsSpan());
    }

    /// <summary>Reads a sequence of strings into <paramref name="into"/>, reusing equal strings.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ReadStringSequence(CdrSequence<string> into, int bound = 0, int stringBound = 0)
    {
        int count = ReadSequenceLength(4, bound);   // each string is at least its 4-byte length
        into.Resize(count, static () => "");
        var items = into.AsSpan();
        for (int i = 0; i < count; i++) ReadString(ref items[i], stringBound);
    }

    // ---------------------------------------------------------------- helpers

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Align(int alignment)
    {
        int pad = (alignment - ((_position - CdrWriter.HeaderSize) & (alignment - 1))) & (alignment - 1);
        if (pad == 0) return;
        Need(pad);
        _position += pad;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void Need(int bytes)
    {
        if (bytes > _data.Length - _position)
            throw new CdrFormatException($"truncated: {bytes} bytes needed at offset {_position}, {_data.Length - _position} left");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool SameAscii(string current, ReadOnlySpan<byte> bytes)
    {
        if (current is null || current.Length != bytes.Length) return false;
        for (int i = 0; i < bytes.Length; i++)
            if (bytes[i] >= 0x80 || current[i] != bytes[i]) return false;
        return true;
    }
}
