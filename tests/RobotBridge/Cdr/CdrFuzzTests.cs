using Robotics.RobotBridge.Cdr;
using Robotics.RobotBridge.Messages.SensorMsgs;
using Robotics.RobotBridge.Messages.StdMsgs;

namespace Robotics.RobotBridge.Tests.Cdr;

/// <summary>
/// Malformed input: every decode either succeeds or throws <see cref="CdrFormatException"/> (nothing else),
/// and never allocates more than a small multiple of the message's own size.
/// </summary>
public class CdrFuzzTests
{
    private static byte[] Valid<T>(T m) where T : class, IRosMessage<T>, new() => RosMessage.Serialize(m, new CdrWriter()).ToArray();

    private static byte[] ValidJointState()
    {
        var js = new JointState();
        js.Header.FrameId = "base_link";
        js.Name.Set(["fl_hip", "fl_knee", "fr_hip"]);
        js.Position.Set([0.1, 0.2, 0.3]);
        js.Velocity.Set([1, 2, 3]);
        return Valid(js);
    }

    private static byte[] ValidMultiArray()
    {
        var m = new Float64MultiArray();
        m.Layout.Dim.Resize(2, () => new MultiArrayDimension());
        m.Layout.Dim[0].Label = "rows";
        m.Data.Set([1, 2, 3, 4]);
        return Valid(m);
    }

    [Fact]
    public void A_sequence_length_of_2_pow_31_is_refused_before_allocating()
    {
        var bytes = ValidJointState();
        // The name sequence's count sits after the header: stamp 8 + frame_id (4 + 10 = 14 → 22, pad to 24).
        Assert.Equal(3u, BitConverter.ToUInt32(bytes, 4 + 24));
        BitConverter.TryWriteBytes(bytes.AsSpan(4 + 24), 0x8000_0000u);
        var into = new JointState();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<CdrFormatException>(() => RosMessage.Deserialize(bytes, into));
        Assert.Contains("2147483648", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024, "refusal must not allocate the sequence");
        Assert.False(RosMessage.TryDeserialize(bytes, into));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(30)]
    public void Truncated_messages_are_refused(int keep)
    {
        var bytes = ValidJointState()[..keep];
        Assert.Throws<CdrFormatException>(() => RosMessage.Deserialize(bytes, new JointState()));
    }

    [Fact]
    public void A_string_without_its_NUL_or_longer_than_the_message_is_refused()
    {
        var bytes = ValidJointState();
        bytes[4 + 12 + 9] = (byte)'x';      // frame_id "base_link" (9 chars at payload 12..20): overwrite its NUL
        Assert.Throws<CdrFormatException>(() => RosMessage.Deserialize(bytes, new JointState()));
        bytes = ValidJointState();
        BitConverter.TryWriteBytes(bytes.AsSpan(4 + 8), 1000u);    // frame_id length 1000 in a ~150-byte message
        Assert.Throws<CdrFormatException>(() => RosMessage.Deserialize(bytes, new JointState()));
    }

    [Fact]
    public void Big_endian_and_unknown_encapsulations_are_refused()
    {
        var bytes = ValidJointState();
        bytes[1] = 0x00;   // CDR_BE
        Assert.Throws<CdrFormatException>(() => RosMessage.Deserialize(bytes, new JointState()));
        bytes[1] = 0x07;   // an XCDR2 kind
        Assert.Throws<CdrFormatException>(() => RosMessage.Deserialize(bytes, new JointState()));
    }

    [Fact]
    public void Random_and_mutated_messages_decode_or_are_refused_with_bounded_allocation()
    {
        var rng = new Random(1234);
        var seeds = new[] { ValidJointState(), ValidMultiArray(), Valid(new Imu()) };
        int refused = 0, decoded = 0;
        for (int i = 0; i < 20_000; i++)
        {
            var seed = seeds[i % seeds.Length];
            byte[] bytes = (i / seeds.Length % 4) switch
            {
                0 => RandomBytes(rng, seed.Length),                 // noise behind a valid header
                1 => Truncate(rng, seed),
                2 => FlipBits(rng, seed),
                _ => OverwriteWord(rng, seed),                       // a random or extreme uint32 at an aligned offset
            };
            bool ok = (i % seeds.Length) switch
            {
                0 => Decode<JointState>(bytes),
                1 => Decode<Float64MultiArray>(bytes),
                _ => Decode<Imu>(bytes),
            };
            if (ok) decoded++; else refused++;
        }
        // Both outcomes happen: the mutations neither always break nor never break the messages.
        Assert.True(refused > 1000, $"refused {refused}");
        Assert.True(decoded > 1000, $"decoded {decoded}");
    }

    // Decodes into a fresh instance; any exception other than CdrFormatException fails the test, and so does
    // allocating more than 64 bytes per message byte plus 16 KiB (an exception and its stack trace).
    private static bool Decode<T>(byte[] bytes) where T : class, IRosMessage<T>, new()
    {
        var into = new T();
        long before = GC.GetAllocatedBytesForCurrentThread();
        bool ok;
        try { RosMessage.Deserialize(bytes, into); ok = true; }
        catch (CdrFormatException) { ok = false; }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated <= 64L * bytes.Length + 16 * 1024, $"{typeof(T).Name}: {allocated} bytes allocated decoding {bytes.Length} bytes");
        return ok;
    }

    private static byte[] RandomBytes(Random rng, int length)
    {
        var b = new byte[length];
        rng.NextBytes(b);
        b[0] = 0; b[1] = 1;
        return b;
    }

    private static byte[] Truncate(Random rng, byte[] seed) => seed[..rng.Next(seed.Length)];

    private static byte[] FlipBits(Random rng, byte[] seed)
    {
        var b = (byte[])seed.Clone();
        for (int k = rng.Next(1, 4); k > 0; k--)
        {
            int i = rng.Next(4, b.Length);
            b[i] ^= (byte)(1 << rng.Next(8));
        }
        return b;
    }

    private static byte[] OverwriteWord(Random rng, byte[] seed)
    {
        var b = (byte[])seed.Clone();
        int offset = 4 + 4 * rng.Next((b.Length - 4) / 4);
        uint[] extremes = [0x8000_0000u, 0xFFFF_FFFFu, 0x7FFF_FFFFu, 0u, 1u, (uint)b.Length];
        uint value = rng.Next(2) == 0 ? extremes[rng.Next(extremes.Length)] : (uint)rng.Next();
        BitConverter.TryWriteBytes(b.AsSpan(offset), value);
        return b;
    }
}
