using System.Diagnostics;

namespace Robotics.Cli.Tests;

/// <summary>
/// Bad input through the real CLI: Program.cs's one handler prints exactly one line, <c>error: …</c>, to stderr,
/// naming the problem, with no stack trace, and exits 2.
/// </summary>
public sealed class TopLevelHandlerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cli-tests").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void An_unknown_task_is_one_line_naming_it()
    {
        var (code, stderr) = Robotics("bench task --task no_such_task --seconds 0.1");
        AssertOneErrorLine(code, stderr, "no_such_task");
    }

    [Fact]
    public void A_task_file_with_a_duplicate_key_is_one_line_naming_the_file_and_line()
    {
        var task = Path.Combine(_dir, "dup.toml");
        File.WriteAllText(task, "kind = \"locomotion\"\nkind = \"reach\"\n");
        var (code, stderr) = Robotics($"render --out {Path.Combine(_dir, "x.png")} --task {task}");
        AssertOneErrorLine(code, stderr, $"{task}:2");
    }

    [Fact]
    public void A_bad_flag_value_is_one_line_naming_the_flag()
    {
        var (code, stderr) = Robotics($"render --out {Path.Combine(_dir, "x.png")} --policy bogus");
        AssertOneErrorLine(code, stderr, "--policy 'bogus'");
    }

    [Fact]
    public void A_deploy_node_that_never_starts_exits_non_zero_with_the_reason()
    {
        // No robot on this domain (and no target_pose, were one there): the node cannot start within its second.
        var (code, stderr) = Robotics($"deploy --policy {TestPaths.Repo("models/panda_reach.onnx")} --lockstep --autostart --seconds 1 --loopback --domain 229");
        // Cyclone's own notice that lo has no multicast ("<time> [domain] …") is the native library's, not an error.
        stderr = string.Join('\n', stderr.Split('\n').Where(l => !System.Text.RegularExpressions.Regex.IsMatch(l, @"^\d+\.\d+ \[\d+\]")));
        AssertOneErrorLine(code, stderr, "the node refused to start: no ");
    }

    [Fact]
    public void A_keystore_without_the_enclave_is_one_line_naming_the_missing_file()
    {
        var (code, stderr) = Robotics($"deploy --policy models/go1_velocity.onnx --loopback --keystore {_dir}");
        AssertOneErrorLine(code, stderr, Path.Combine(_dir, "enclaves", "deploy", "identity_ca.cert.pem"));
    }

    [Fact]
    public void ROS_SECURITY_STRATEGY_Enforce_without_a_keystore_is_one_line()
    {
        var (code, stderr) = Robotics("sim-robot --loopback --seconds 0.1", new() { ["ROS_SECURITY_ENABLE"] = "true", ["ROS_SECURITY_STRATEGY"] = "Enforce", ["ROS_SECURITY_KEYSTORE"] = "" });
        AssertOneErrorLine(code, stderr, "ROS_SECURITY_KEYSTORE");
    }

    [Fact]
    public void An_enclave_with_no_permissions_is_one_line_naming_the_known_ones()
    {
        var (code, stderr) = Robotics($"keystore enclave {_dir} /teleop");
        AssertOneErrorLine(code, stderr, "/operator");
    }

    private static void AssertOneErrorLine(int code, string stderr, string names)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{stderr}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(names, lines[0]);
        Assert.DoesNotContain("   at ", stderr);
        Assert.Equal(2, code);
    }

    // The built CLI as a process; its stdout is drained and ignored.
    private static (int Code, string Stderr) Robotics(string arguments, Dictionary<string, string>? environment = null)
    {
        var dll = TestPaths.Repo("src/Cli/bin/Release/net10.0/linux-x64/robotics.dll");
        Assert.True(File.Exists(dll), $"{dll} not built: dotnet build src/Cli -c Release");
        var info = new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var (k, v) in environment ?? []) info.Environment[k] = v;
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), $"robotics {arguments} did not exit within 60 s");
        p.WaitForExit();
        _ = stdout.Result;
        return (p.ExitCode, stderr.Result);
    }
}
