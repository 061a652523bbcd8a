namespace Robotics.Tools.BindGen;

/// <summary>Reads MuJoCo's header and returns the text of MuJoCo.g.cs; used by the CLI and by the regeneration test.</summary>
public static class Generator
{
    /// <summary>Where the raw interop goes, relative to the repository root.</summary>
    public const string InteropPath = "src/Sim/Interop/MuJoCo.g.cs";

    /// <summary>Where the managed span properties go, relative to the repository root.</summary>
    public const string ArraysPath = "src/Sim/MuJoCo/MjArrays.g.cs";

    /// <summary>The command that rewrites the committed files, from the repository root.</summary>
    public const string RegenerateCommand = "dotnet run --project tools/BindGen";

    /// <summary>Generates the interop for <paramref name="header"/>, keeping declarations from files under <paramref name="includeDir"/>.</summary>
    public static string Generate(string header = "/usr/include/mujoco/mujoco.h", string includeDir = "/usr/include/mujoco") =>
        GenerateAll(header, includeDir).Interop;

    /// <summary>Both generated files: the raw interop, and the managed span properties from mjxmacro.h.</summary>
    public static (string Interop, string Arrays) GenerateAll(string header = "/usr/include/mujoco/mujoco.h", string includeDir = "/usr/include/mujoco")
    {
        if (!File.Exists(header))
            throw new InvalidOperationException($"{header} not found. Install MuJoCo's headers with: apt-get install libmujoco-dev");
        var reader = new HeaderReader(includeDir);
        // -I/usr/include so that <mujoco/mjdata.h> resolves; clang's own builtin headers come from libclang-common-14-dev.
        var clangArgs = new[] { "-x", "c", "-std=c11", "-I/usr/include", "-I" + Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(header)))! };
        reader.Read(header, clangArgs);
        var xmacro = Path.Combine(includeDir, "mjxmacro.h");
        reader.ReadXMacros(xmacro, clangArgs, "MJMODEL_POINTERS", "MJDATA_POINTERS");
        return (CSharpWriter.Write(reader.Decls, reader.Notes, "Robotics.Sim.Interop", "MuJoCoNative", "mujoco", header, RegenerateCommand),
                ArrayWriter.Write(reader.Decls, reader.XArrays, xmacro, RegenerateCommand));
    }
}
