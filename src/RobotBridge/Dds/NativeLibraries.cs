using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Robotics.RobotBridge.Dds;

/// <summary>
/// Resolves the two native libraries the bridge calls: Cyclone DDS (<c>ddsc</c>: Debian ships the runtime as
/// <c>libddsc.so.0debian</c>; <c>libddsc.so</c> exists only with cyclonedds-dev) and the raw-CDR shim
/// (<c>ddsraw</c>: <c>libddsraw.so</c>, built from native/ddsraw next to the assembly).
/// </summary>
internal static class NativeLibraries
{
    /// <summary>The shim's library name in [LibraryImport].</summary>
    public const string DdsRaw = "ddsraw";

#pragma warning disable CA2255 // a module initializer is the one place that runs before any P/Invoke of this assembly
    [ModuleInitializer]
    internal static void Register() => NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
#pragma warning restore CA2255

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        string[] candidates = name switch
        {
            CycloneDdsNative.LibraryName => ["libddsc.so.0debian", "libddsc.so.0", "libddsc.so"],
            DdsRaw => [Path.Combine(AppContext.BaseDirectory, "libddsraw.so"), Path.Combine(Path.GetDirectoryName(assembly.Location) ?? "", "libddsraw.so")],
            _ => [],
        };
        foreach (var c in candidates)
            if (NativeLibrary.TryLoad(c, out var handle)) return handle;
        if (name == CycloneDdsNative.LibraryName)
            throw new DllNotFoundException("Cyclone DDS (libddsc.so.0debian) not found: install it with apt-get install cyclonedds-dev (./robotics does)");
        if (name == DdsRaw)
            throw new DllNotFoundException($"libddsraw.so not found next to {assembly.Location}: it is built from native/ddsraw by src/RobotBridge's build (needs gcc and cyclonedds-dev)");
        return 0;
    }
}
