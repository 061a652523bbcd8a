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

    // --tile is checked before anything runs: against the task's grid, for the simulated robot and for a rendering.
    [Theory]
    [InlineData("sim-robot --tile stairs_up:3 --loopback --seconds 0.1", "--tile 'stairs_up:3': task 'go1_velocity' has no terrain grid")]
    [InlineData("sim-robot --task go1_rough --tile lava:3 --loopback --seconds 0.1", "--tile 'lava:3': this grid has no terrain type 'lava'")]
    [InlineData("sim-robot --task go1_rough --tile stairs_up:10 --loopback --seconds 0.1", "--tile 'stairs_up:10': level 10 is outside the grid")]
    [InlineData("render --task go1_rough --tile stairs_up --out x.png", "--tile 'stairs_up': expected type:level")]
    public void A_tile_the_grid_lacks_is_one_line_naming_it(string arguments, string names)
    {
        var (code, stderr) = Robotics(arguments);
        AssertOneErrorLine(code, stderr, names);
    }

    // A value that is not of its option's type, one per verb (System.CommandLine printed its message and the whole help, exit 1).
    [Theory]
    [InlineData("train --task cartpole_balance --envs abc", "--envs 'abc': expected an integer")]
    [InlineData("train --task cartpole_balance --seed -1", "--seed '-1': expected a whole number ≥ 0")]
    [InlineData("train --task cartpole_balance --hidden abc", "--hidden abc")]
    [InlineData("ablate --task cartpole_balance --seeds x", "--seeds 'x'")]
    [InlineData("bench task --envs 1.5", "--envs '1.5'")]
    [InlineData("bench dds --joints x", "--joints 'x'")]
    [InlineData("demo --segment x", "--segment 'x': expected a number")]
    [InlineData("deploy --domain -3", "--domain '-3'")]
    [InlineData("eval --episodes x", "--episodes 'x'")]
    [InlineData("hil --segment x", "--segment 'x'")]
    [InlineData("render --seconds x", "--seconds 'x'")]
    [InlineData("report --episodes x", "--episodes 'x'")]
    [InlineData("send-target --x x", "--x 'x'")]
    [InlineData("sim-robot --latency x", "--latency 'x'")]
    [InlineData("train --task cartpole_balance --envs", "--envs")]           // no value
    [InlineData("export --no-such-option 1", "--no-such-option")]           // not an option of the verb
    public void A_value_that_does_not_parse_is_one_line_naming_the_option(string arguments, string names)
    {
        var (code, stderr) = Robotics(arguments);
        AssertOneErrorLine(code, stderr, names);
    }

    [Fact]
    public void An_unknown_training_task_lists_the_tasks_the_help_offers()
    {
        var (code, stderr) = Robotics("train --task nosuchtask --iterations 1");
        AssertOneErrorLine(code, stderr, "nosuchtask");
        var listed = stderr[(stderr.IndexOf("known tasks: ", StringComparison.Ordinal) + "known tasks: ".Length)..].Trim().Split(", ");
        Assert.Contains("cartpole_balance", listed);
        Assert.Contains("go1_velocity", listed);

        var (_, help) = Robotics("train --help", stdout: true);
        var flat = string.Join(" ", help.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        const string Lead = "--task <task> task name (";
        int at = flat.IndexOf(Lead, StringComparison.Ordinal);
        Assert.True(at >= 0, help);
        var offered = flat[(at + Lead.Length)..flat.IndexOf(')', at)].Split(", ");
        Assert.Equal(offered, listed);
    }

    [Fact]
    public void Resuming_from_an_earlier_checkpoint_says_on_stdout_where_the_later_history_went()
    {
        const string Small = "--envs 8 --steps 8 --threads 1 --hidden 8";
        var (code, _) = Robotics($"train --task cartpole_balance --iterations 4 --checkpoint-every 2 {Small}", home: _dir);
        Assert.Equal(0, code);
        var run = Assert.Single(Directory.GetDirectories(Path.Combine(_dir, "runs")));

        var (resumed, stdout) = Robotics($"train --resume {Path.Combine(run, "checkpoint_000002")} --threads 1", stdout: true, home: _dir);
        Assert.Equal(0, resumed);
        var text = stdout.Replace("\n", "");   // the console wraps long paths
        Assert.Contains("note:", text);
        Assert.Contains("moved checkpoint_000004", text);
        var branch = Assert.Single(Directory.GetDirectories(Path.Combine(run, "branches")));
        Assert.Contains(branch, text);
        Assert.True(File.Exists(Path.Combine(branch, "checkpoint_000004", "run.json")));
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

    // The built CLI as a process: its exit code and its stderr (or, with stdout, its stdout).
    private static (int Code, string Output) Robotics(string arguments, Dictionary<string, string>? environment = null, bool stdout = false, string? home = null)
    {
        var dll = TestPaths.Repo("src/Cli/bin/Release/net10.0/linux-x64/robotics.dll");
        Assert.True(File.Exists(dll), $"{dll} not built: dotnet build src/Cli -c Release");
        var info = new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.Environment["ROBOTICS_HOME"] = home ?? TestPaths.RepoRoot;   // as ./robotics sets it: task files by name, runs/ under it
        foreach (var (k, v) in environment ?? []) info.Environment[k] = v;
        using var p = Process.Start(info)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var errors = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), $"robotics {arguments} did not exit within 60 s");
        p.WaitForExit();
        return (p.ExitCode, stdout ? output.Result : errors.Result);
    }
}
