using System.Buffers.Binary;
using System.Text;

namespace Robotics.Training.Devices;

/// <summary>
/// Marks one version requirement of an ELF shared object as weak, so the dynamic loader accepts a
/// system library that lacks it. TorchSharp 0.107.0's libLibTorchSharp.so was built with GCC 13 and
/// requires GLIBCXX_3.4.32, which Debian 12's libstdc++ (3.4.30) lacks; the only symbol carrying that
/// version is <c>_ZSt21ios_base_library_initv</c>, a marker that nothing calls. Setting
/// VER_FLG_WEAK (0x2) on that entry of .gnu.version_r lets ld.so load it (readelf -V then shows
/// "Flags: WEAK"). Only ever applied to the build output's copy, never to the NuGet cache.
/// </summary>
public static class ElfVersionPatch
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>The version flags of <paramref name="version"/> in <paramref name="path"/>'s version needs, or null when it is not required.</summary>
    public static ushort? Flags(string path, string version)
    {
        var bytes = File.ReadAllBytes(path);
        return Find(bytes, version) is { } at ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at)) : null;
    }

    /// <summary>Makes <paramref name="version"/> weak in <paramref name="path"/>; returns true when it changed the file. Idempotent.</summary>
    /// <exception cref="InvalidDataException">The file is not a 64-bit little-endian ELF object.</exception>
    public static bool MakeWeak(string path, string version)
    {
        var bytes = File.ReadAllBytes(path);
        if (Find(bytes, version) is not { } at) return false;
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at));
        if ((flags & VerFlgWeak) != 0) return false;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), (ushort)(flags | VerFlgWeak));
        // Write beside and rename: a process that has the old file mapped keeps its copy intact.
        var temp = path + $".{Environment.ProcessId}.tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
        return true;
    }

    // Offset of vna_flags of the Vernaux entry named `version`, or null.
    private static int? Find(byte[] elf, string version)
    {
        var s = elf.AsSpan();
        if (s.Length < 64 || s[0] != 0x7f || s[1] != (byte)'E' || s[2] != (byte)'L' || s[3] != (byte)'F' || s[4] != 2 || s[5] != 1)
            throw new InvalidDataException("not a 64-bit little-endian ELF file");
        long shoff = BinaryPrimitives.ReadInt64LittleEndian(s[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(s[0x3A..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(s[0x3C..]);
        for (int i = 0; i < shnum; i++)
        {
            var sh = s.Slice((int)shoff + i * shentsize, shentsize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtGnuVerneed) continue;
            long offset = BinaryPrimitives.ReadInt64LittleEndian(sh[0x18..]);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);      // the string table
            var strtab = s.Slice((int)shoff + link * shentsize, shentsize);
            long strOffset = BinaryPrimitives.ReadInt64LittleEndian(strtab[0x18..]);

            // Elf64_Verneed {u16 version, u16 cnt, u32 file, u32 aux, u32 next}; Elf64_Vernaux {u32 hash, u16 flags, u16 other, u32 name, u32 next}.
            long need = offset;
            while (true)
            {
                int cnt = BinaryPrimitives.ReadUInt16LittleEndian(s[(int)(need + 2)..]);
                long aux = need + BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(need + 8)..]);
                for (int k = 0; k < cnt; k++)
                {
                    uint name = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(aux + 8)..]);
                    if (CString(s, (int)(strOffset + name)) == version) return (int)(aux + 4);
                    uint nextAux = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(aux + 12)..]);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(need + 12)..]);
                if (next == 0) break;
                need += next;
            }
        }
        return null;
    }

    private static string CString(ReadOnlySpan<byte> s, int at)
    {
        int end = s[at..].IndexOf((byte)0);
        return Encoding.ASCII.GetString(s.Slice(at, end));
    }
}
