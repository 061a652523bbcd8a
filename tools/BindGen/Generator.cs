namespace Robotics.Tools.BindGen;

/// <summary>
/// Reads a library's C headers and returns the text of its generated interop; used by the CLI and by the
/// regeneration tests. Three targets: MuJoCo (mujoco.h), Cyclone DDS (dds/dds.h) and Open MPI (mpi.h).
/// </summary>
public static class Generator
{
    /// <summary>Where the raw interop goes, relative to the repository root.</summary>
    public const string InteropPath = "src/Sim/Interop/MuJoCo.g.cs";

    /// <summary>Where the managed span properties go, relative to the repository root.</summary>
    public const string ArraysPath = "src/Sim/MuJoCo/MjArrays.g.cs";

    /// <summary>Where Cyclone DDS's interop goes, relative to the repository root.</summary>
    public const string DdsPath = "src/RobotBridge/Dds/CycloneDds.g.cs";

    /// <summary>Where Open MPI's interop goes, relative to the repository root.</summary>
    public const string MpiPath = "src/Training/Distributed/OpenMpi.g.cs";

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

    /// <summary>
    /// Cyclone DDS's public C API: declarations from dds/dds.h and the public dds/ddsc/ headers it includes
    /// (dds_public_*.h, dds_basic_types.h). Internal headers (ddsi/, ddsrt/) are left out; structs they
    /// declare that the public API points at become opaque.
    /// </summary>
    public static string GenerateDds(string header = "/usr/include/dds/dds.h")
    {
        if (!File.Exists(header))
            throw new InvalidOperationException($"{header} not found. Install Cyclone DDS's headers with: apt-get install cyclonedds-dev");
        var dir = Path.GetDirectoryName(Path.GetFullPath(header))!;   // /usr/include/dds
        bool Public(string file) =>
            file == Path.GetFullPath(header) ||
            (file.StartsWith(Path.Combine(dir, "ddsc") + "/", StringComparison.Ordinal) &&
             (Path.GetFileName(file).StartsWith("dds_public_", StringComparison.Ordinal) || Path.GetFileName(file) == "dds_basic_types.h"));
        var reader = new HeaderReader(dir, Public);
        // features.h lives in the multiarch include directory on Debian.
        var clangArgs = new[] { "-x", "c", "-std=c11", "-I/usr/include", "-I/usr/include/x86_64-linux-gnu" };
        reader.Read(header, clangArgs);
        return CSharpWriter.Write(reader.Decls, reader.Notes, "Robotics.RobotBridge.Dds", "CycloneDdsNative", "ddsc", header,
            RegenerateCommand, resolvedBy: "Robotics.RobotBridge resolves it to libddsc.so.0debian (or libddsc.so)",
            layoutNote: "another compares the\n// sizes of the structs the bridge uses with what gcc computes.", namesOf: "Cyclone DDS's", opaqueStructs: true);
    }

    /// <summary>
    /// Open MPI's C API from mpi.h alone (not mpi_portable_platform.h or mpi-ext.h). Its predefined handles
    /// (MPI_COMM_WORLD, MPI_DOUBLE, MPI_SUM, ...) are macros taking the address of exported globals such as
    /// ompi_mpi_comm_world; those globals come out as exported-variable addresses, which is what a handle is.
    /// </summary>
    public static string GenerateMpi(string header = "/usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h")
    {
        if (!File.Exists(header))
            throw new InvalidOperationException($"{header} not found. Install Open MPI's headers with: apt-get install libopenmpi-dev");
        var full = Path.GetFullPath(header);
        var reader = new HeaderReader(Path.GetDirectoryName(full)!, file => file == full);
        var clangArgs = new[] { "-x", "c", "-std=c11", "-I/usr/include", "-I/usr/include/x86_64-linux-gnu", "-I" + Path.GetDirectoryName(full)! };
        reader.Read(header, clangArgs);
        return CSharpWriter.Write(reader.Decls, reader.Notes, "Robotics.Training.Distributed", "OpenMpiNative", "mpi", header,
            RegenerateCommand, resolvedBy: "Robotics.Training resolves it to libmpi.so.40 (or libmpi.so)",
            layoutNote: "the loopback test runs\n// it under mpirun.", namesOf: "Open MPI's", opaqueStructs: true);
    }
}
