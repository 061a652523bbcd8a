using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Robotics.Training.Tests.Distributed;

/// <summary>
/// MpiWorld over real Open MPI: tools/MpiProbe launched by mpirun with 2 ranks on loopback TCP, and the same
/// program without mpirun, where the world has one rank and the collectives change nothing.
/// </summary>
[Collection(MpiJobs.Name)]
public class MpiWorldTests
{
    private const int N = 5;

    // Root is allowed in CI containers; TCP on lo only, so no other interface is probed; shared memory (vader)
    // and UCX are left out so the path is the one a two-host job takes.
    private static readonly string[] LoopbackArgs =
    {
        "--allow-run-as-root", "--oversubscribe", "-np", "2", "--mca", "pml", "ob1", "--mca", "btl", "self,tcp",
        "--mca", "btl_tcp_if_include", "lo", "--mca", "oob_tcp_if_include", "lo",
    };

    [Fact]
    public void Two_ranks_on_loopback_sum_exactly_and_broadcast_the_roots_values()
    {
        var lines = Run("mpirun", LoopbackArgs.Concat(new[] { "dotnet", ProbePath, "collectives", N.ToString(CultureInfo.InvariantCulture) }));
        Assert.Equal(2, lines.Count);
        var ranks = lines.Select(Parse).OrderBy(r => r.Rank).ToList();
        Assert.Equal(new[] { 0, 1 }, ranks.Select(r => r.Rank));
        foreach (var r in ranks)
        {
            Assert.Equal(2, r.Size);
            Assert.True(r.Distributed);
            var expected = Enumerable.Range(0, N).Select(i => Contribution(0, i) + Contribution(1, i)).ToArray();
            Assert.Equal(expected, r.SumD);
            Assert.Equal(expected, r.SumF);
            // Broadcast from the last rank: rank 0 started from NaN and must now hold rank 1's values.
            Assert.Equal(Enumerable.Range(0, N).Select(i => 0.5 * i - 3), r.BcastD);
            Assert.Equal(Enumerable.Range(0, N).Select(i => (double)(0.25f * i + 1)), r.BcastF);
        }
    }

    [Fact]
    public void Misuse_is_a_UserError_naming_the_call_on_every_rank()
    {
        var lines = Run("mpirun", LoopbackArgs.Concat(new[] { "dotnet", ProbePath, "errors" }));
        Assert.Equal(4, lines.Count);
        Assert.Equal(2, lines.Count(l => l.Contains("error=MpiWorld.Broadcast: root 2 is not a rank of this world (0 to 1).", StringComparison.Ordinal)));
        Assert.Equal(2, lines.Count(l => l.Contains("error=MpiWorld.Barrier after Shutdown.", StringComparison.Ordinal)));
    }

    [Fact]
    public void Without_mpirun_the_world_is_one_rank_and_collectives_leave_buffers_unchanged()
    {
        var lines = Run("dotnet", new[] { ProbePath, "collectives", N.ToString(CultureInfo.InvariantCulture) });
        var r = Parse(Assert.Single(lines));
        Assert.Equal(0, r.Rank);
        Assert.Equal(1, r.Size);
        Assert.False(r.Distributed);
        Assert.Equal(Enumerable.Range(0, N).Select(i => Contribution(0, i)), r.SumD);
        Assert.Equal(Enumerable.Range(0, N).Select(i => Contribution(0, i)), r.SumF);
        Assert.Equal(Enumerable.Range(0, N).Select(i => 0.5 * i - 3), r.BcastD);
    }

    // The probe's per-rank values (tools/MpiProbe/Program.cs): integers and halves, exact in float and double.
    private static double Contribution(int rank, int i) => (rank + 1) * 100 + i + 0.5 * rank;

    private sealed record RankLine(int Rank, int Size, bool Distributed, double[] SumD, double[] SumF, double[] BcastD, double[] BcastF);

    private static RankLine Parse(string line)
    {
        string Field(string name)
        {
            var m = Regex.Match(line, $@"\b{name}=(\S+)");
            Assert.True(m.Success, $"no {name}= in probe output: {line}");
            return m.Groups[1].Value;
        }
        double[] Values(string name) => Field(name).Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return new RankLine(int.Parse(Field("rank"), CultureInfo.InvariantCulture), int.Parse(Field("size"), CultureInfo.InvariantCulture),
            bool.Parse(Field("distributed")), Values("sumd"), Values("sumf"), Values("bcastd"), Values("bcastf"));
    }

    // Built next to these tests by the ProjectReference in the test project, in the same configuration.
    private static string ProbePath
    {
        get
        {
            var config = typeof(MpiWorldTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            var path = TestPaths.Repo($"tools/MpiProbe/bin/{config}/net10.0/linux-x64/mpiprobe.dll");
            Assert.True(File.Exists(path), $"{path} is missing; build tools/MpiProbe");
            return path;
        }
    }

    private static List<string> Run(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // A test host started under mpirun must not make the child think it is a rank of that job.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("OMPI_", StringComparison.Ordinal) || k.StartsWith("PMIX_", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{file} did not finish within 60 s");
        }
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} exited {p.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result.Split('\n').Where(l => l.Contains("rank=", StringComparison.Ordinal)).ToList();
    }
}
