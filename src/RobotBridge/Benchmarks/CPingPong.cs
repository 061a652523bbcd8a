using System.Diagnostics;
using System.Globalization;

namespace Robotics.RobotBridge.Benchmarks;

/// <summary>
/// Cyclone DDS's own C round trip (native/ddsbench/pingpong.c), built on first use: idlc (cyclonedds-tools)
/// generates the C type of JointState.idl, gcc compiles both against libddsc.
/// </summary>
public static class CPingPong
{
    /// <summary>Builds the program into <paramref name="workDir"/> from the sources in <paramref name="sourceDir"/>; returns its path.</summary>
    /// <exception cref="UserError">idlc or gcc failed (their output is in the message).</exception>
    public static string Build(string sourceDir, string workDir)
    {
        Directory.CreateDirectory(workDir);
        Run("idlc", $"-l c -o \"{workDir}\" \"{Path.Combine(sourceDir, "JointState.idl")}\"", workDir);
        var exe = Path.Combine(workDir, "pingpong");
        Run("gcc", $"-O2 -I\"{workDir}\" -o \"{exe}\" \"{Path.Combine(sourceDir, "pingpong.c")}\" \"{Path.Combine(workDir, "JointState.c")}\" -lddsc", workDir);
        return exe;
    }

    /// <summary>Parses the ping side's output line "p50 p99 p999 mean" [µs].</summary>
    public static RoundTripStats Parse(string line)
    {
        var v = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        if (v.Length != 4) throw new UserError($"pingpong printed '{line.Trim()}', expected 'p50 p99 p999 mean'");
        return new RoundTripStats(v[0], v[1], v[2], v[3]);
    }

    private static void Run(string file, string args, string dir)
    {
        var psi = new ProcessStartInfo(file, args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UserError($"{file} not found ({e.Message}): apt-get install cyclonedds-tools gcc (./robotics does)");
        }
        using (p)
        {
            var output = p.StandardOutput.ReadToEndAsync();
            var error = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new UserError($"{file} {args} failed ({p.ExitCode}):\n{output.Result}{error}");
        }
    }
}
