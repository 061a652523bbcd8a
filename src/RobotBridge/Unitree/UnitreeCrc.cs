using System.Buffers.Binary;
using Robotics.RobotBridge.Messages.UnitreeGo;

namespace Robotics.RobotBridge.Unitree;

/// <summary>
/// The CRC32 a Unitree Go2 checks on every <c>rt/lowcmd</c> frame; a command whose <see cref="LowCmd.Crc"/> does not
/// match is ignored by the robot. The CRC is not taken over the CDR bytes on the wire but over the Unitree SDK's C
/// struct of the command (unitree_ros2 <c>motor_crc.h</c>, no <c>#pragma pack</c>: natural alignment), as a little-endian
/// host lays it out; padding bytes are zero (the SDK value-initializes the struct).
/// </summary>
/// <remarks>
/// <para>CRC-32 with polynomial 0x04C11DB7, initial value 0xFFFFFFFF, no reflection, no final XOR, fed the struct as
/// 32-bit words, each word's most significant bit first, over all <see cref="CoveredWords"/> words before the
/// <c>crc</c> field. Feeding a word MSB first is feeding its four bytes in big-endian order, so this is the byte-wise
/// CRC-32/MPEG-2 over each word's bytes reversed; the table-driven loop below does that.</para>
/// <para>Layout of the C struct (offsets in bytes; sizeof 812, alignment 4):</para>
/// <code>
///   0  uint8_t  head[2]
///   2  uint8_t  levelFlag
///   3  uint8_t  frameReserve
///   4  uint32_t SN[2]
///  12  uint32_t version[2]
///  20  uint16_t bandWidth
///  22  (2 bytes padding: MotorCmd is 4-aligned)
///  24  MotorCmd motorCmd[20]      36 bytes each, up to 744:
///        +0 uint8_t mode, +1 (3 bytes padding), +4 float q, +8 float dq, +12 float tau,
///        +16 float Kp, +20 float Kd, +24 uint32_t reserve[3]
/// 744  BmsCmd   bms               uint8_t off, uint8_t reserve[3]
/// 748  uint8_t  wirelessRemote[40]
/// 788  uint8_t  led[12]
/// 800  uint8_t  fan[2]
/// 802  uint8_t  gpio
/// 803  (1 byte padding)
/// 804  uint32_t reserve
/// 808  uint32_t crc               not covered: the CRC runs over words 0..201 (808 bytes)
/// </code>
/// </remarks>
// DESIGN: the bitwise word loop of the SDK (32 shifts per word) was rejected for a 256-entry table over bytes: the
// same CRC, about 8 times fewer steps, and it runs every control tick.
public static class UnitreeCrc
{
    /// <summary>sizeof the SDK's C struct <c>LowCmd</c> [bytes].</summary>
    public const int LowCmdStructSize = 812;

    /// <summary>Offset of <c>crc</c>, the last word of the struct [bytes].</summary>
    public const int CrcOffset = 808;

    /// <summary>32-bit words the CRC covers: all but the last.</summary>
    public const int CoveredWords = LowCmdStructSize / 4 - 1;

    /// <summary>The CRC-32 generator polynomial (MSB-first form).</summary>
    public const uint Polynomial = 0x04C11DB7;

    /// <summary>The CRC register's initial value.</summary>
    public const uint InitialValue = 0xFFFFFFFF;

    /// <summary>Offset of <c>head[2]</c> [bytes].</summary>
    public const int HeadOffset = 0;
    /// <summary>Offset of <c>levelFlag</c> [bytes].</summary>
    public const int LevelFlagOffset = 2;
    /// <summary>Offset of <c>frameReserve</c> [bytes].</summary>
    public const int FrameReserveOffset = 3;
    /// <summary>Offset of <c>SN[2]</c> [bytes].</summary>
    public const int SnOffset = 4;
    /// <summary>Offset of <c>version[2]</c> [bytes].</summary>
    public const int VersionOffset = 12;
    /// <summary>Offset of <c>bandWidth</c> [bytes].</summary>
    public const int BandwidthOffset = 20;
    /// <summary>Offset of <c>motorCmd[0]</c> [bytes].</summary>
    public const int MotorCmdOffset = 24;
    /// <summary>sizeof the C struct <c>MotorCmd</c> [bytes].</summary>
    public const int MotorCmdStructSize = 36;
    /// <summary>Offset of <c>bms</c> [bytes].</summary>
    public const int BmsCmdOffset = 744;
    /// <summary>Offset of <c>wirelessRemote[40]</c> [bytes].</summary>
    public const int WirelessRemoteOffset = 748;
    /// <summary>Offset of <c>led[12]</c> [bytes].</summary>
    public const int LedOffset = 788;
    /// <summary>Offset of <c>fan[2]</c> [bytes].</summary>
    public const int FanOffset = 800;
    /// <summary>Offset of <c>gpio</c> [bytes].</summary>
    public const int GpioOffset = 802;
    /// <summary>Offset of <c>reserve</c> [bytes].</summary>
    public const int ReserveOffset = 804;

    /// <summary>Offsets inside one C <c>MotorCmd</c> [bytes].</summary>
    public static class MotorCmdField
    {
        /// <summary><c>mode</c>.</summary>
        public const int Mode = 0;
        /// <summary><c>q</c>.</summary>
        public const int Q = 4;
        /// <summary><c>dq</c>.</summary>
        public const int Dq = 8;
        /// <summary><c>tau</c>.</summary>
        public const int Tau = 12;
        /// <summary><c>Kp</c>.</summary>
        public const int Kp = 16;
        /// <summary><c>Kd</c>.</summary>
        public const int Kd = 20;
        /// <summary><c>reserve[3]</c>.</summary>
        public const int Reserve = 24;
    }

    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint b = 0; b < 256; b++)
        {
            uint r = b << 24;
            for (int k = 0; k < 8; k++) r = (r & 0x80000000) != 0 ? (r << 1) ^ Polynomial : r << 1;
            table[b] = r;
        }
        return table;
    }

    /// <summary>Writes <paramref name="command"/> into <paramref name="destination"/> as the SDK's C struct (padding zeroed).</summary>
    /// <param name="destination">At least <see cref="LowCmdStructSize"/> bytes; only the first that many are written.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short, or a motor slot holds null.</exception>
    public static void Pack(LowCmd command, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (destination.Length < LowCmdStructSize)
            throw new ArgumentException($"the LowCmd struct needs {LowCmdStructSize} bytes, the buffer has {destination.Length}", nameof(destination));
        var s = destination[..LowCmdStructSize];
        s.Clear();
        command.Head.AsSpan().CopyTo(s[HeadOffset..]);
        s[LevelFlagOffset] = command.LevelFlag;
        s[FrameReserveOffset] = command.FrameReserve;
        for (int i = 0; i < 2; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(s[(SnOffset + 4 * i)..], command.Sn[i]);
            BinaryPrimitives.WriteUInt32LittleEndian(s[(VersionOffset + 4 * i)..], command.Version[i]);
        }
        BinaryPrimitives.WriteUInt16LittleEndian(s[BandwidthOffset..], command.Bandwidth);
        var motors = command.MotorCmd;
        for (int i = 0; i < motors.Length; i++)
        {
            var m = motors[i] ?? throw new ArgumentException($"LowCmd.MotorCmd[{i}] is null", nameof(command));
            var d = s.Slice(MotorCmdOffset + i * MotorCmdStructSize, MotorCmdStructSize);
            d[MotorCmdField.Mode] = m.Mode;
            BinaryPrimitives.WriteSingleLittleEndian(d[MotorCmdField.Q..], m.Q);
            BinaryPrimitives.WriteSingleLittleEndian(d[MotorCmdField.Dq..], m.Dq);
            BinaryPrimitives.WriteSingleLittleEndian(d[MotorCmdField.Tau..], m.Tau);
            BinaryPrimitives.WriteSingleLittleEndian(d[MotorCmdField.Kp..], m.Kp);
            BinaryPrimitives.WriteSingleLittleEndian(d[MotorCmdField.Kd..], m.Kd);
            for (int k = 0; k < 3; k++) BinaryPrimitives.WriteUInt32LittleEndian(d[(MotorCmdField.Reserve + 4 * k)..], m.Reserve[k]);
        }
        s[BmsCmdOffset] = command.BmsCmd.Off;
        command.BmsCmd.Reserve.AsSpan().CopyTo(s[(BmsCmdOffset + 1)..]);
        command.WirelessRemote.AsSpan().CopyTo(s[WirelessRemoteOffset..]);
        command.Led.AsSpan().CopyTo(s[LedOffset..]);
        command.Fan.AsSpan().CopyTo(s[FanOffset..]);
        s[GpioOffset] = command.Gpio;
        BinaryPrimitives.WriteUInt32LittleEndian(s[ReserveOffset..], command.Reserve);
        BinaryPrimitives.WriteUInt32LittleEndian(s[CrcOffset..], command.Crc);
    }

    /// <summary>The CRC of a packed struct: its first <see cref="CoveredWords"/> little-endian words, each MSB first.</summary>
    /// <param name="packed">The struct as <see cref="Pack"/> writes it; at least <see cref="CrcOffset"/> bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="packed"/> is shorter than the covered words.</exception>
    public static uint Compute(ReadOnlySpan<byte> packed)
    {
        if (packed.Length < CrcOffset)
            throw new ArgumentException($"the CRC covers {CrcOffset} bytes, the buffer has {packed.Length}", nameof(packed));
        var table = Table;
        uint crc = InitialValue;
        for (int w = 0; w < CrcOffset; w += 4)
        {
            // Byte 3 of a little-endian word holds its most significant bits: it goes first.
            crc = (crc << 8) ^ table[(crc >> 24) ^ packed[w + 3]];
            crc = (crc << 8) ^ table[(crc >> 24) ^ packed[w + 2]];
            crc = (crc << 8) ^ table[(crc >> 24) ^ packed[w + 1]];
            crc = (crc << 8) ^ table[(crc >> 24) ^ packed[w]];
        }
        return crc;
    }

    /// <summary>The CRC the robot expects for <paramref name="command"/> (its current <c>crc</c> field is ignored).</summary>
    public static uint Compute(LowCmd command)
    {
        Span<byte> packed = stackalloc byte[LowCmdStructSize];
        Pack(command, packed);
        return Compute(packed);
    }

    /// <summary>Sets <see cref="LowCmd.Crc"/> from the other fields; call after the last change, before publishing. Allocates nothing.</summary>
    public static void Stamp(LowCmd command) => command.Crc = Compute(command);

    /// <summary>True when <see cref="LowCmd.Crc"/> matches the other fields.</summary>
    public static bool IsValid(LowCmd command) => Compute(command) == command.Crc;
}
