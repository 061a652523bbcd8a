using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Robotics.Cli.Tests;

/// <summary><c>./robotics help</c> lists every verb the CLI has, one line each, so the script's list cannot drift from the code.</summary>
public sealed class HelpTests
{
    [Fact]
    public void The_scripts_help_lists_every_cli_verb_and_bench_verb_on_one_line()
    {
        var help = Run("bash", $"\"{TestPaths.Repo("robotics")}\" help");
        var dll = $"\"{TestPaths.Repo("src/Cli/bin/Release/net10.0/linux-x64/robotics.dll")}\"";
        var verbs = Commands(Run("dotnet", $"{dll} --help")).Where(v => v != "bench").ToList();
        var bench = Commands(Run("dotnet", $"{dll} bench --help")).Select(v => "bench " + v).ToList();
        Assert.Contains("train", verbs);
        Assert.Contains("bench dds", bench);
        foreach (var verb in verbs.Concat(bench).Concat(["demo", "test", "bindgen", "msggen"]))
            Assert.True(Regex.IsMatch(help, $@"^  {Regex.Escape(verb)}\s{{2,}}\S", RegexOptions.Multiline), $"./robotics help does not list '{verb}':\n{help}");
        Assert.Equal(help, Run("bash", $"\"{TestPaths.Repo("robotics")}\" --help"));
        Assert.Equal(help, Run("bash", $"\"{TestPaths.Repo("robotics")}\""));
    }

    // The names under "Commands:" in System.CommandLine's help ("  inspect <file>  …" gives inspect).
    private static IEnumerable<string> Commands(string help) =>
        help[help.IndexOf("Commands:", StringComparison.Ordinal)..].Split('\n').Skip(1)
            .Select(l => Regex.Match(l, @"^  ([a-z][a-z-]*)")).Where(m => m.Success).Select(m => m.Groups[1].Value);

    private static string Run(string file, string arguments)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), $"{file} {arguments} did not exit within 60 s");
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {arguments} exited {p.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }
}
