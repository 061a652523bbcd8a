using System.Runtime.InteropServices;

namespace Robotics.RobotBridge.Dds;

/// <summary>
/// The raw-CDR sample of native/ddsraw: a buffer C# owns, holding a serialized payload (encapsulation
/// header first). On take, <see cref="Size"/> is the received size even when it exceeded <see cref="Capacity"/>
/// (then nothing was copied).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct RawSample
{
    /// <summary>Payload bytes.</summary>
    public byte* Data;
    /// <summary>Payload length [bytes].</summary>
    public uint Size;
    /// <summary>Bytes available at <see cref="Data"/> (take only).</summary>
    public uint Capacity;
}

/// <summary>The shim's two entry points (native/ddsraw/ddsraw.c).</summary>
internal static unsafe partial class DdsRaw
{
    /// <summary>Creates (or finds) a keyless topic whose samples are raw XCDR1 buffers; a topic entity or a negative return code.</summary>
    [LibraryImport(NativeLibraries.DdsRaw, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ddsraw_create_topic(int participant, string name, string typeName, dds_qos_t* qos);

    /// <summary>sizeof(ddsraw_sample) in C, to check <see cref="RawSample"/> against.</summary>
    [LibraryImport(NativeLibraries.DdsRaw)]
    public static partial uint ddsraw_sample_size();
}
