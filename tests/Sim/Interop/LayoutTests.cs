using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Robotics.Sim.Interop;

namespace Robotics.Sim.Tests.Interop;

/// <summary>
/// Every generated struct field's offset and size, and every struct's size, equals what gcc computes
/// from the installed MuJoCo headers. The C program is written from the C# types at test time.
/// </summary>
public class LayoutTests
{
    private static readonly Type[] Structs = typeof(MuJoCoNative).Assembly.GetTypes()
        .Where(t => t.Namespace == typeof(MuJoCoNative).Namespace && t.IsValueType && !t.IsEnum
                    && t.StructLayoutAttribute?.Value == LayoutKind.Explicit)
        .OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();

    [Fact]
    public void Every_field_offset_and_size_matches_gcc()
    {
        var cNames = CTypeExpressions();
        var expected = new List<(string Key, long Value)>();
        var c = new StringBuilder("#include <stddef.h>\n#include <stdio.h>\n#include <mujoco/mujoco.h>\nint main(void) {\n");
        foreach (var t in Structs)
        {
            var ct = cNames[t];
            c.Append($"  printf(\"%s %zu\\n\", \"{t.Name}\", sizeof({ct}));\n");
            expected.Add((t.Name, Unsafe(t)));
            foreach (var f in t.GetFields(BindingFlags.Public | BindingFlags.Instance))
            {
                var offset = f.GetCustomAttribute<FieldOffsetAttribute>()!.Value;
                c.Append($"  printf(\"%s %zu\\n\", \"{t.Name}.{f.Name}@\", offsetof({ct}, {f.Name}));\n");
                c.Append($"  printf(\"%s %zu\\n\", \"{t.Name}.{f.Name}#\", sizeof((({ct}*)0)->{f.Name}));\n");
                expected.Add(($"{t.Name}.{f.Name}@", offset));
                expected.Add(($"{t.Name}.{f.Name}#", FieldSize(f)));
            }
        }
        c.Append("  return 0;\n}\n");

        var actual = CompileAndRun(c.ToString());
        var mismatches = expected.Where(e => !actual.TryGetValue(e.Key, out var v) || v != e.Value)
            .Select(e => $"{e.Key}: C# {e.Value}, C {(actual.TryGetValue(e.Key, out var v) ? v : "missing")}").ToList();
        Assert.True(mismatches.Count == 0, "layout mismatches:\n" + string.Join("\n", mismatches));
        // The structs the interop must cover; make sure the generator did not drop any.
        foreach (var name in new[] { "mjModel", "mjData", "mjOption", "mjContact", "mjStatistic", "mjLROpt", "mjVisual", "mjvScene", "mjrContext" })
            Assert.Contains(Structs, t => t.Name == name);
        Assert.True(expected.Count > 1000, $"only {expected.Count} layout facts checked");
    }

    // The C spelling of each C# struct: the typedef name; a tag for untypedef'd ones (mjuiItemSingle_);
    // for the unnamed member structs the generator names Owner_field, the type of that member.
    private static Dictionary<Type, string> CTypeExpressions()
    {
        var names = new Dictionary<Type, string>();
        foreach (var t in Structs) names[t] = t.Name.EndsWith('_') ? "struct " + t.Name : t.Name;
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var owner in Structs)
                foreach (var f in owner.GetFields(BindingFlags.Public | BindingFlags.Instance))
                    if (f.FieldType.Name == $"{owner.Name}_{f.Name}" && names[f.FieldType] == f.FieldType.Name)
                    {
                        names[f.FieldType] = $"__typeof__((({names[owner]}*)0)->{f.Name})";
                        changed = true;
                    }
        }
        return names;
    }

    private static long FieldSize(FieldInfo f) =>
        f.FieldType.IsPointer || f.FieldType.IsFunctionPointer || f.FieldType.IsUnmanagedFunctionPointer ? IntPtr.Size : Unsafe(f.FieldType);

    private static long Unsafe(Type t) =>
        (int)typeof(Unsafe).GetMethod(nameof(System.Runtime.CompilerServices.Unsafe.SizeOf))!.MakeGenericMethod(t).Invoke(null, null)!;

    private static Dictionary<string, long> CompileAndRun(string source)
    {
        var dir = Directory.CreateTempSubdirectory("robotics-layout-");
        try
        {
            var src = Path.Combine(dir.FullName, "layout.c");
            var exe = Path.Combine(dir.FullName, "layout");
            File.WriteAllText(src, source);
            Run("gcc", $"-std=gnu11 -I/usr/include -o {exe} {src}", out _);
            Run(exe, "", out var output);
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(' '))
                .ToDictionary(p => p[0], p => long.Parse(p[1]));
        }
        finally { dir.Delete(recursive: true); }
    }

    private static void Run(string file, string args, out string stdout)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        stdout = stdoutTask.Result;
        Assert.True(p.ExitCode == 0, $"{file} {args} failed ({p.ExitCode}):\n{stderr}");
    }
}
