using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Robotics.RobotBridge.Cdr;

/// <summary>
/// Writes one XCDR1 little-endian message (DDS-XTypes 1.3 §7.4.3, "PLAIN_CDR", as ROS 2 uses it):
/// the encapsulation header <c>00 01 00 pp</c>, then the fields, each primitive aligned to its own size
/// (8 for 64-bit types) counted from the first byte after the header. <see cref="Finish"/> pads the
/// payload to 4 bytes and records the pad count <c>pp</c> in the options, as Cyclone does.
/// The buffer is reused across messages and only grows, so a steady publisher allocates nothing.
/// </summary>
public sealed class CdrWriter
{
    /// <summary>Bytes of the encapsulation header in front of the payload.</summary>
    public const int HeaderSize = 4;

    private byte[] _buffer;
    private int _position;

    /// <summary>A writer whose buffer starts at <paramref name="capacity"/> bytes.</summary>
    public CdrWriter(int capacity = 256)
    {
        _buffer = new byte[Math.Max(capacity, 16)];
        Reset();
    }

    /// <summary>Bytes written so far, header included.</summary>
    public int Length => _position;

    /// <summary>The message written so far, header included; valid until the next write.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _position);

    /// <summary>Starts a new message: writes the encapsulation header CDR_LE (<c>00 01 00 00</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Reset()
    {
        _buffer[0] = 0x00; _buffer[1] = 0x01; _buffer[2] = 0x00; _buffer[3] = 0x00;
        _position = HeaderSize;
    }

    /// <summary>Pads the payload to a multiple of 4 bytes (zeros) and stores the pad count in the options byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<byte> Finish()
    {
        int pad = (4 - ((_position - HeaderSize) & 3)) & 3;
        Reserve(pad);
        _buffer.AsSpan(_position, pad).Clear();
        _position += pad;
        _buffer[3] = (byte)pad;
        return WrittenSpan;
    }

    // ---------------------------------------------------------------- primitives

    /// <summary>Writes a primitive (bool as one byte 0/1), aligned to its size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write<T>(T value) where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        Align(size);
        Reserve(size);
        Unsafe.WriteUnaligned(ref _buffer[_position], value);
        _position += size;
    }

    /// <summary>Writes a bool as one byte, 0 or 1.</summary>
    public void WriteBool(bool value) => Write<byte>(value ? (byte)1 : (byte)0);

    /// <summary>Writes a string: uint32 length counting the terminating NUL, the UTF-8 bytes, the NUL.</summary>
    /// <param name="value">The text (null is written as empty).</param>
    /// <param name="bound">Maximum length in bytes from the .msg (<c>string&lt;=N</c>); 0 for unbounded.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteString(string? value, int bound = 0)
    {
        value ??= "";
        int bytes = Encoding.UTF8.GetByteCount(value);
        if (bound > 0 && bytes > bound) throw new ArgumentException($"string of {bytes} bytes exceeds its bound of {bound}", nameof(value));
        Write((uint)(bytes + 1));
        Reserve(bytes + 1);
        Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_position));
        _buffer[_position + bytes] = 0;
        _position += bytes + 1;
    }

    /// <summary>Writes primitives back to back (a fixed array or a sequence's elements): aligned once, then copied.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteSpan<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        if (values.IsEmpty) return;
        Align(Unsafe.SizeOf<T>());
        var bytes = MemoryMarshal.AsBytes(values);
        Reserve(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_position));
        _position += bytes.Length;
    }

    /// <summary>Writes a sequence of primitives: uint32 count, then the elements (aligned only when there are any).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteSequence<T>(ReadOnlySpan<T> values, int bound = 0) where T : unmanaged
    {
        WriteSequenceLength(values.Length, bound);
        WriteSpan(values);
    }

    /// <summary>Writes a sequence's length, checked against its bound (0: unbounded).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteSequenceLength(int count, int bound = 0)
    {
        if (bound > 0 && count > bound) throw new ArgumentException($"sequence of {count} exceeds its bound of {bound}", nameof(count));
        Write((uint)count);
    }

    // ---------------------------------------------------------------- buffer

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Align(int alignment)
    {
        int pad = (alignment - ((_position - HeaderSize) & (alignment - 1))) & (alignment - 1);
        if (pad == 0) return;
        Reserve(pad);
        _buffer.AsSpan(_position, pad).Clear();
        _position += pad;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Reserve(int bytes)
    {
        if (_position + bytes > _buffer.Length) Grow(bytes);
    }

    private void Grow(int bytes)
    {
        long needed = (long)_position + bytes;
        if (needed > Array.MaxLength) throw new InvalidOperationException($"message larger than {Array.MaxLength} bytes");
        Array.Resize(ref _buffer, (int)Math.Min(Array.MaxLength, Math.Max(needed, _buffer.Length * 2L)));
    }

    // Primitives are copied in the host's byte order: x86-64 and AArch64 are little-endian, as the header says.
    static CdrWriter()
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("CdrWriter needs a little-endian machine");
    }
}
