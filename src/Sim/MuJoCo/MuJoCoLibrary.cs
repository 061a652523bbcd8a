using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Robotics.Sim.Interop;

namespace Robotics.Sim.MuJoCo;

/// <summary>
/// Loads libmujoco, checks that its version matches the headers the interop was generated from,
/// and routes MuJoCo's error and warning handlers into managed code.
/// </summary>
public static unsafe class MuJoCoLibrary
{
    // Debian's runtime package (libmujoco2.2.2) ships only the versioned name; -dev adds libmujoco.so.
    private static readonly string[] Candidates = { "libmujoco.so.2.2.2", "libmujoco.so", "mujoco" };
    private static int _initialized;
    private static long _warningCount;
    [ThreadStatic] private static string? _lastWarning;

    // The resolver must be in place before the first P/Invoke of this assembly, whoever makes it.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(MuJoCoLibrary).Assembly, (name, asm, path) =>
        {
            if (name != MuJoCoNative.LibraryName) return 0;
            foreach (var c in Candidates)
                if (NativeLibrary.TryLoad(c, asm, path, out var h)) return MuJoCoNative.LibraryHandle = h;
            throw new DllNotFoundException(
                "libmujoco (MuJoCo 2.2.2) was not found. Install it with: apt-get install libmujoco-dev, " +
                "or put libmujoco.so.2.2.2 on LD_LIBRARY_PATH.");
        });

    /// <summary>MuJoCo's version as the library reports it (222 for 2.2.2).</summary>
    public static int Version { get { EnsureInitialized(); return MuJoCoNative.mj_version(); } }

    /// <summary>Warnings MuJoCo raised since the process started (all threads).</summary>
    public static long WarningCount => Interlocked.Read(ref _warningCount);

    /// <summary>The last warning MuJoCo raised on the calling thread, or null.</summary>
    public static string? LastWarning => _lastWarning;

    /// <summary>Checks the library version once and installs the error and warning handlers.</summary>
    public static void EnsureInitialized()
    {
        if (Volatile.Read(ref _initialized) == 1) return;
        lock (Candidates)
        {
            if (_initialized == 1) return;
            int version = MuJoCoNative.mj_version();
            if (version != MuJoCoNative.mjVERSION_HEADER)
                throw new UserError(
                    $"libmujoco reports version {version}, but the interop was generated from headers of version " +
                    $"{MuJoCoNative.mjVERSION_HEADER}; regenerate it with tools/BindGen or install MuJoCo 2.2.2.");
            *MuJoCoNative.mju_user_error = &OnError;
            *MuJoCoNative.mju_user_warning = &OnWarning;
            Volatile.Write(ref _initialized, 1);
        }
    }

    // DESIGN: mju_error must not return (MuJoCo's state is undefined after it), and a managed exception
    // cannot unwind through native frames. The managed layer validates inputs before calling MuJoCo so
    // this path is not reached by bad input; if MuJoCo still hits an internal error (e.g. its stack
    // overflows), the process stops with MuJoCo's message instead of MuJoCo's silent exit(1).
    [UnmanagedCallersOnly]
    private static void OnError(byte* message) =>
        Environment.FailFast($"MuJoCo error: {Marshal.PtrToStringUTF8((nint)message)}");

    // Warnings (unstable simulation, too many contacts, ...) are counted; the default handler would
    // print them and append to MUJOCO_LOG.TXT in the working directory.
    [UnmanagedCallersOnly]
    private static void OnWarning(byte* message)
    {
        Interlocked.Increment(ref _warningCount);
        _lastWarning = Marshal.PtrToStringUTF8((nint)message);
    }
}
