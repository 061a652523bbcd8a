using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Robotics.Sim.Tasks;
using Robotics.Training.Runner;

namespace Robotics.Training.Distributed;

/// <summary>
/// What every rank of a job must share, as one SHA-256: the binary (the entry and training assemblies' bytes), the
/// task (its file's bytes, or its built-in name) and the run settings (seed, environments per rank, algorithm and the
/// rest of the options, simulation threads excepted: they do not change results).
/// </summary>
public static class RunDigest
{
    /// <summary>The digest of a run of <paramref name="options"/> by this binary, as hex.</summary>
    public static string Of(TrainOptions options)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in new[] { Assembly.GetEntryAssembly()?.Location, typeof(RunDigest).Assembly.Location }.Distinct())
            if (!string.IsNullOrEmpty(file) && File.Exists(file)) sha.AppendData(File.ReadAllBytes(file));
        string task;
        try { task = TaskCatalog.Resolve(options.Task); }
        catch (UserError) { task = options.Task; }
        sha.AppendData(File.Exists(task) ? File.ReadAllBytes(task) : Encoding.UTF8.GetBytes(task));
        sha.AppendData(JsonSerializer.SerializeToUtf8Bytes(options with { Threads = 1 }, options.GetType()));
        return Convert.ToHexString(sha.GetHashAndReset());
    }
}

/// <summary>How a run with several ranks was launched, as its config.json records it.</summary>
/// <param name="Ranks">Ranks in the job.</param>
/// <param name="Command">The command each rank ran, behind the launcher (mpirun -np K …).</param>
/// <param name="Hosts">The host of each rank, in rank order.</param>
public sealed record Launch(int Ranks, string Command, IReadOnlyList<string> Hosts)
{
    /// <summary>The launch of <paramref name="parallel"/>'s job; null for a single process (its config.json stays as it was).</summary>
    public static Launch? Of(DataParallel parallel) => !parallel.IsActive ? null
        : new(parallel.Size, $"mpirun -np {parallel.Size} {string.Join(" ", Environment.GetCommandLineArgs().Select(Quote))}",
            Enumerable.Range(0, parallel.Size).Select(parallel.Host).ToArray());

    private static string Quote(string a) => a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || "-_./=,:".Contains(c)) ? a : $"'{a.Replace("'", "'\\''")}'";
}
