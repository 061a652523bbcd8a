using System.Reflection;
using System.Runtime.CompilerServices;

namespace Robotics.Deploy.RealTime;

/// <summary>
/// Compiles methods ahead of a real-time loop, so that no path the loop takes for the first time (a safety trip, the
/// first clamp, a new goal being scored) waits for the JIT inside the tick that needs it: on a loaded two-core computer
/// compiling such a path took longer than the 10 ms an arm's watchdog allows.
/// </summary>
// DESIGN: rather than ReadyToRun images (only made by `dotnet publish`, so a `dotnet build` tree would run without
// them) or running each path once on dummy data (a safety trip cannot be rehearsed on a live robot).
public static class JitWarmup
{
    /// <summary>
    /// Compiles every non-generic method and constructor declared by the types of <paramref name="assembly"/> whose
    /// namespace starts with one of <paramref name="namespaces"/> (all types when none is given). Returns how many were compiled.
    /// </summary>
    public static int Prepare(Assembly assembly, params string[] namespaces)
    {
        int prepared = 0;
        foreach (var type in LoadableTypes(assembly))
        {
            if (namespaces.Length > 0 && !namespaces.Any(n => type.Namespace?.StartsWith(n, StringComparison.Ordinal) == true)) continue;
            prepared += Prepare(type);
        }
        return prepared;
    }

    /// <summary>Compiles every non-generic method and constructor <paramref name="type"/> declares. Returns how many were compiled.</summary>
    public static int Prepare(Type type)
    {
        if (type.ContainsGenericParameters) return 0;
        int prepared = 0;
        const BindingFlags all = BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;
        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (method.IsAbstract || method.ContainsGenericParameters || (method.MethodImplementationFlags & MethodImplAttributes.InternalCall) != 0) continue;
            if (method.Attributes.HasFlag(MethodAttributes.PinvokeImpl)) continue;
            try
            {
                RuntimeHelpers.PrepareMethod(method.MethodHandle);
                prepared++;
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidOperationException or TypeLoadException or BadImageFormatException)
            {
                // Not compilable on its own (e.g. a method of a ref struct's closure the runtime builds lazily): it JITs on first call as before.
            }
        }
        return prepared;
    }

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try { return assembly.GetTypes(); }
        catch (ReflectionTypeLoadException e) { return e.Types.Where(t => t is not null)!; }
    }
}
