using System.Diagnostics;
using Robotics.Deploy.Runtime;
using Robotics.Deploy.Safety;
using Robotics.RobotBridge.Hil;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Messages.StdMsgs;
using Robotics.RobotBridge.Node;
using Robotics.RobotBridge.Ros2;
using Robotics.RobotBridge.Security;
using Spectre.Console;

namespace Robotics.Cli;

/// <summary>
/// The demo's ROS 2 part: <c>robotics sim-robot</c> and <c>robotics deploy</c> as two processes on the wall clock
/// over Cyclone DDS (loopback), and this process as the operator publishing the command schedule on cmd_vel.
/// </summary>
internal static partial class DdsDemo
{
    [System.Runtime.InteropServices.LibraryImport("libc.so.6")]
    private static partial int kill(int pid, int signal);

    public static int Run(string policyPath, double segment, Ros2SecurityOptions? security, RobotInterface robotInterface = RobotInterface.Ros2)
    {
        string io = robotInterface == RobotInterface.Ros2 ? "" : $" --io {robotInterface.Name()}";
        var contract = OnnxPolicy.ReadContract(policyPath);
        var schedule = CommandSchedule.Walk(segment);
        uint domain = 100 + (uint)(Environment.ProcessId % 100);   // away from other runs on this machine
        double seconds = 60;   // both are stopped with SIGTERM once the schedule is through
        var cli = typeof(DdsDemo).Assembly.Location;

        using var op = new Ros2Node("operator", Ros2NodeOptions.Loopback(domain) with { Security = security });
        var cmdVel = op.CreatePublisher<Twist>("cmd_vel");
        var state = SafetyState.Idle;
        op.CreateSubscription<Float64MultiArray>("deploy_status", onMessage: m => { if (DeployStatus.TryDecode(m, out var s)) state = s.State; });

        using var sim = Start(cli, $"sim-robot --task {contract.Task} --domain {domain} --loopback --seconds {seconds:0.##}{io}{Keystore(security)}");
        using var deploy = Start(cli, $"deploy --policy \"{policyPath}\" --domain {domain} --loopback --autostart --seconds {seconds:0.##}{io}{Keystore(security)}");
        if (robotInterface == RobotInterface.UnitreeGo2)
            AnsiConsole.MarkupLineInterpolated($"domain {domain}: sim-robot (pid {sim.Id}) publishes rt/lowstate at 200 Hz and applies CRC-checked rt/lowcmd; deploy (pid {deploy.Id}) runs the policy; waiting for its soft start…");
        else AnsiConsole.MarkupLineInterpolated($"domain {domain}: sim-robot (pid {sim.Id}) publishes joint_states and imu at 200 Hz; deploy (pid {deploy.Id}) runs the policy; waiting for its soft start…");

        // Drive the schedule once the node reports Running; a command every 50 ms, as a joystick would. Until then a
        // zero command: the node starts only once every input its policy reads has arrived, cmd_vel included.
        var twist = new Twist();
        var clock = Stopwatch.StartNew();
        while (state != SafetyState.Running && clock.Elapsed.TotalSeconds < 30 && !deploy.HasExited) { cmdVel.Publish(twist); Thread.Sleep(10); }
        if (state != SafetyState.Running)
        {
            AnsiConsole.MarkupLine("[red]the deploy node never reached Running[/]");
            return Finish(sim, deploy, 1);
        }
        clock.Restart();
        while (clock.Elapsed.TotalSeconds < CommandSchedule.Length(schedule) && !deploy.HasExited)
        {
            var step = CommandSchedule.At(schedule, clock.Elapsed.TotalSeconds);
            twist.Linear.X = step.Vx; twist.Linear.Y = step.Vy; twist.Angular.Z = step.YawRate;
            cmdVel.Publish(twist);
            Thread.Sleep(50);
        }
        AnsiConsole.MarkupLineInterpolated($"schedule sent; the node's state: {state}");
        return Finish(sim, deploy, state == SafetyState.Running ? 0 : 1);
    }

    /// <summary>One goal of the arm demo in the base frame: position [m] and yaw of the tool from its rest orientation [rad].</summary>
    internal readonly record struct ArmGoal(double X, double Y, double Z, double Yaw);

    /// <summary>Goals inside the reach policy's trained box (x 0.3–0.6, y ±0.25, z 0.15–0.45 m, yaw ±0.785 rad in the base frame).</summary>
    internal static readonly ArmGoal[] ReachGoals =
    [
        new(0.45, 0.00, 0.30, 0.0),
        new(0.55, 0.15, 0.20, 0.4),
        new(0.35, -0.20, 0.40, -0.5),
        new(0.50, -0.10, 0.18, 0.7),
    ];

    /// <summary>
    /// The arm over ROS 2: <c>sim-robot --task panda_reach</c> and <c>deploy --policy</c> on the wall clock, an operator's
    /// terminal (<c>robotics send-target --stdin</c>, another process) setting each goal and this process holding it
    /// for <paramref name="secondsPerGoal"/>; the robot scores every goal from ground truth into its report.
    /// </summary>
    public static int RunArm(string policyPath, double secondsPerGoal, string reportPath, Ros2SecurityOptions? security)
    {
        var contract = OnnxPolicy.ReadContract(policyPath);
        uint domain = 100 + (uint)((Environment.ProcessId + 50) % 100);
        var cli = typeof(DdsDemo).Assembly.Location;
        using var op = new Ros2Node("operator", Ros2NodeOptions.Loopback(domain) with { Security = security });
        var state = SafetyState.Idle;
        long statuses = 0;
        op.CreateSubscription<Float64MultiArray>("deploy_status", onMessage: m => { if (DeployStatus.TryDecode(m, out var s)) { state = s.State; Interlocked.Increment(ref statuses); } });
        File.Delete(reportPath);
        // The operator's terminal starts first and stays up: a .NET process starting (JIT-compiling on both cores) while the
        // arm runs can starve the robot's 500 Hz joint states past the arm's 10 ms watchdog.
        using var send = Start(cli, $"send-target --stdin --policy \"{policyPath}\" --domain {domain} --loopback --wait 30 --linger 0{SecurityFlags.Arguments(security)}",
            operatorTerminal: true, stdin: true);
        long sent = 0;
        var sendOutput = new System.Collections.Concurrent.ConcurrentQueue<string>();
        send.OutputDataReceived += (_, e) => { if (e.Data is { } l) { sendOutput.Enqueue(l); if (l.StartsWith("sent target", StringComparison.Ordinal)) Interlocked.Increment(ref sent); } };
        send.ErrorDataReceived += (_, e) => { if (e.Data is { } l) sendOutput.Enqueue(l); };
        send.BeginOutputReadLine();
        send.BeginErrorReadLine();
        using var sim = Start(cli, $"sim-robot --task {contract.Task} --domain {domain} --loopback --seconds 120 --report \"{reportPath}\"{Keystore(security)}");
        using var deploy = Start(cli, $"deploy --policy \"{policyPath}\" --domain {domain} --loopback --autostart --seconds 120{Keystore(security)}");
        AnsiConsole.MarkupLineInterpolated($"domain {domain}: sim-robot (pid {sim.Id}) publishes the arm's joint_states at 500 Hz; deploy (pid {deploy.Id}) waits for its first target_pose…");

        int Fail(string why)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{why}[/]");
            foreach (var l in sendOutput) AnsiConsole.MarkupLineInterpolated($"  [grey]send-target:[/] {l}");
            send.StandardInput.Close();
            if (!send.WaitForExit(5_000)) send.Kill();
            return Finish(sim, deploy, 1);
        }

        // The first goal once the node runs (its status comes every tick, Idle included): it waits for that goal to start.
        var clock = Stopwatch.StartNew();
        while (Interlocked.Read(ref statuses) == 0 && clock.Elapsed.TotalSeconds < 30 && !deploy.HasExited) Thread.Sleep(10);
        int code = 0;
        foreach (var (goal, k) in ReachGoals.Select((g, k) => (g, k)))
        {
            send.StandardInput.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{goal.X} {goal.Y} {goal.Z} {goal.Yaw}"));
            send.StandardInput.Flush();
            clock.Restart();
            while (Interlocked.Read(ref sent) <= k && clock.Elapsed.TotalSeconds < 35 && !send.HasExited) Thread.Sleep(5);
            if (Interlocked.Read(ref sent) <= k) return Fail($"robotics send-target did not send goal {k + 1}");
            AnsiConsole.MarkupLineInterpolated($"  goal {k + 1}: {goal.X} {goal.Y} {goal.Z} {goal.Yaw}   (x y z [[m]], yaw [[rad]] on send-target's standard input)");
            if (k == 0)
            {
                // The node starts once the first goal arrived: soft start to the rest pose, then the policy.
                clock.Restart();
                while (state != SafetyState.Running && clock.Elapsed.TotalSeconds < 30 && !deploy.HasExited) Thread.Sleep(10);
                if (state != SafetyState.Running) return Fail("the deploy node never reached Running");
            }
            clock.Restart();
            while (clock.Elapsed.TotalSeconds < secondsPerGoal && !deploy.HasExited) Thread.Sleep(10);
            if (state != SafetyState.Running) { code = 1; break; }
        }
        send.StandardInput.Close();
        if (!send.WaitForExit(10_000)) { send.Kill(); code = 1; }
        else if (send.ExitCode != 0) code = 1;
        AnsiConsole.MarkupLineInterpolated($"goals sent; the node's state: {state}");
        code = Finish(sim, deploy, code);
        return File.Exists(reportPath) ? Math.Max(code, ArmReport(reportPath)) : 1;
    }

    // The robot's ground-truth score of each goal, from its report.
    private static int ArmReport(string path)
    {
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        var r = json.RootElement;
        var table = new Table().AddColumns("goal (base frame)", "reached", "final position error", "final orientation error");
        foreach (var t in r.GetProperty("targets").EnumerateArray())
        {
            var p = t.GetProperty("position").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            table.AddRow(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"({p[0]:0.00}, {p[1]:0.00}, {p[2]:0.00}) m"),
                t.GetProperty("success").GetBoolean() ? "yes" : "[red]no[/]",
                $"{t.GetProperty("position_error").GetDouble() * 1000:0.0} mm", $"{t.GetProperty("orientation_error").GetDouble():0.000} rad");
        }
        AnsiConsole.Write(table);
        double rate = r.GetProperty("success_rate").ValueKind == System.Text.Json.JsonValueKind.Number ? r.GetProperty("success_rate").GetDouble() : 0;
        AnsiConsole.MarkupLineInterpolated($"reach success over DDS: {rate:P0} (within 2 cm and 0.1 rad, from the simulator's ground truth)");
        return rate > 0 ? 0 : 1;
    }

    // The children run in their own enclaves (/sim_robot, /deploy) of the operator's keystore.
    private static string Keystore(Ros2SecurityOptions? security) => security is null ? "" : $" --keystore \"{Path.GetFullPath(security.Keystore)}\"";

    // The simulated robot stands in for hardware with its own CPU: it runs at a higher priority where the OS allows it (root),
    // and an operator's command (operatorTerminal) at a lower one, so that neither a .NET process JIT-compiling at start-up
    // nor anything else on a two-core machine starves the robot's 500 Hz joint states (a 10 ms gap trips the arm's watchdog).
    private static Process Start(string cli, string arguments, bool operatorTerminal = false, bool stdin = false)
    {
        var dotnet = $"\"{cli}\" {arguments}";
        string? niceness = operatorTerminal ? "10" : arguments.StartsWith("sim-robot", StringComparison.Ordinal) && Environment.IsPrivilegedProcess ? "-10" : null;
        var info = new ProcessStartInfo(niceness is null ? "dotnet" : "nice", niceness is null ? dotnet : $"-n {niceness} dotnet {dotnet}")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin, UseShellExecute = false,
        };
        var p = Process.Start(info) ?? throw new InvalidOperationException($"could not start robotics {arguments}");
        return p;
    }

    // Stops both (the robot first, so that its tracking score ends while the policy still drives it), then shows
    // what they reported: the robot's tracking from ground truth, the node's transitions and loop timing.
    private static int Finish(Process sim, Process deploy, int code)
    {
        foreach (var (name, p) in new[] { ("sim-robot", sim), ("deploy", deploy) })
        {
            if (!p.HasExited) kill(p.Id, 15);
            if (!p.WaitForExit(20_000)) { p.Kill(entireProcessTree: true); code = 1; }
        }
        foreach (var (name, p) in new[] { ("deploy", deploy), ("sim-robot", sim) })
        {
            var lines = (p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd()).Split('\n');
            foreach (var line in lines.Where(l => l.StartsWith("tracking", StringComparison.Ordinal) || l.StartsWith("final state", StringComparison.Ordinal)
                || l.StartsWith("loop period", StringComparison.Ordinal) || l.Contains("SCHED", StringComparison.Ordinal) || l.Contains("→", StringComparison.Ordinal)
                || l.StartsWith("error", StringComparison.Ordinal)))
                AnsiConsole.MarkupLineInterpolated($"  [grey]{name}:[/] {line.TrimEnd()}");
        }
        AnsiConsole.MarkupLine("  [grey](the robot is stopped first, so the node's last transition is its watchdog stopping the motors: Damping for a legged robot, Hold for an arm)[/]");
        return code;
    }
}
