using Robotics.Tools.BindGen;

// bindgen [--header H] [--include-dir D] [--dds-header H] [--mpi-header H] [--root R] [--check]
// Reads MuJoCo's, Cyclone DDS's and Open MPI's headers with libclang and writes the four generated files under the
// repository root R.
// With --check it writes nothing and exits 1 when a committed file differs from what it would write.
string mpiHeader = "/usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h";
string header = "/usr/include/mujoco/mujoco.h", include = "/usr/include/mujoco", ddsHeader = "/usr/include/dds/dds.h", root = ".";
bool check = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--header": header = args[++i]; break;
        case "--include-dir": include = args[++i]; break;
        case "--dds-header": ddsHeader = args[++i]; break;
        case "--mpi-header": mpiHeader = args[++i]; break;
        case "--root": root = args[++i]; break;
        case "--check": check = true; break;
        default: Console.Error.WriteLine($"bindgen: unknown argument '{args[i]}'"); return 2;
    }
}
try
{
    var (interop, arrays) = Generator.GenerateAll(header, include);
    int stale = 0;
    var dds = Generator.GenerateDds(ddsHeader);
    var mpi = Generator.GenerateMpi(mpiHeader);
    foreach (var (rel, text) in new[] { (Generator.InteropPath, interop), (Generator.ArraysPath, arrays), (Generator.DdsPath, dds), (Generator.MpiPath, mpi) })
    {
        var path = Path.Combine(root, rel);
        if (check)
        {
            if (File.Exists(path) && File.ReadAllText(path) == text) { Console.WriteLine($"{rel} is up to date."); continue; }
            Console.Error.WriteLine($"{rel} differs from what the generator writes. Regenerate: {Generator.RegenerateCommand}");
            stale++;
            continue;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, text);
        Console.WriteLine($"Wrote {rel} ({text.Length:N0} chars).");
    }
    return stale == 0 ? 0 : 1;
}
catch (Exception e) when (e is InvalidOperationException or NotSupportedException or DllNotFoundException or IOException)
{
    Console.Error.WriteLine($"bindgen: {e.Message}");
    return 2;
}
