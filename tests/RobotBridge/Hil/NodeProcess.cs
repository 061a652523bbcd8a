using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Robotics.RobotBridge.Tests.Hil;

/// <summary>
/// One `robotics` command (the built CLI, src/Cli/bin/Release/net10.0/linux-x64/robotics.dll) run as a separate
/// process, its output collected. Disposing kills it (and its children) if it still runs.
/// </summary>
internal sealed partial class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private bool _disposed;

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    /// <param name="arguments">The command line after <c>robotics</c>.</param>
    /// <param name="stdin">Written to the command's standard input, which is then closed; null: no input redirected.</param>
    public NodeProcess(string arguments, string? stdin = null)
    {
        var dll = TestPaths.Repo("src/Cli/bin/Release/net10.0/linux-x64/robotics.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"{dll} not built: dotnet build src/Cli -c Release", dll);
        var info = new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}")
        {
            WorkingDirectory = TestPaths.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (stdin is not null) { _process.StandardInput.Write(stdin); _process.StandardInput.Close(); }
        Arguments = arguments;
    }

    public string Arguments { get; }

    /// <summary>Everything written to stdout and stderr so far.</summary>
    public string Output { get { lock (_output) return _output.ToString(); } }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits for the exit; false on timeout.</summary>
    public bool WaitForExit(double seconds)
    {
        if (!_process.WaitForExit(TimeSpan.FromSeconds(seconds))) return false;
        _process.WaitForExit();   // drains the redirected streams
        return true;
    }

    /// <summary>SIGTERM: the commands stop gracefully and print their summary.</summary>
    public void Terminate()
    {
        if (!_process.HasExited) kill(_process.Id, 15);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { /* already gone */ }
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}
