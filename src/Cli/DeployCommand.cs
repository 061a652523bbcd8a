using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Safety;
using Robotics.RobotBridge.Node;

namespace Robotics.Cli;

/// <summary>
/// <c>robotics deploy --policy models/x.onnx</c>: the real-time ROS 2 node (joint states, IMU, cmd_vel and e-stop in;
/// joint commands and status out), on the wall clock or in lock-step with <c>sim-robot --lockstep</c>.
/// </summary>
internal static class DeployCommand
{
    public static Command Create()
    {
        var policy = new Option<string>("--policy") { Description = "exported policy (.onnx with its contract)", Required = true };
        var domain = new Option<uint>("--domain") { Description = "ROS_DOMAIN_ID (0–232)", DefaultValueFactory = _ => 0u };
        var mode = new Option<string>("--command-mode") { Description = "joint_commands format: pd (4·n: position, kp, kd, effort) or position (n, for forward_command_controller)", DefaultValueFactory = _ => "pd" };
        var lockstep = new Option<bool>("--lockstep") { Description = "one tick per new joint state instead of the wall clock (deterministic tests)" };
        var seconds = new Option<double>("--seconds") { Description = "run time [s]; 0 = until Ctrl+C", DefaultValueFactory = _ => 0.0 };
        var autostart = new Option<bool>("--autostart") { Description = "request a start once joint states and IMU are live" };
        var loopback = new Option<bool>("--loopback") { Description = "keep DDS traffic on the loopback interface" };
        var deploy = new Command("deploy", "The real-time ROS 2 deploy node: policy + safety layer between the robot's topics and its joint commands.")
        {
            policy, domain, mode, lockstep, seconds, autostart, loopback,
        };
        deploy.SetAction(r => Run(r.GetValue(policy)!, r.GetValue(domain), r.GetValue(mode)!, r.GetValue(lockstep), r.GetValue(seconds), r.GetValue(autostart), r.GetValue(loopback)));
        return deploy;
    }

    private static int Run(string path, uint domain, string mode, bool lockstep, double seconds, bool autostart, bool loopback)
    {
        DeployNode node;
        try
        {
            var commandMode = mode switch
            {
                "pd" => JointCommandMode.Pd,
                "position" => JointCommandMode.Position,
                _ => throw new ArgumentException($"--command-mode '{mode}': use pd or position"),
            };
            node = new DeployNode(new DeployNodeOptions
            {
                PolicyPath = path, DomainId = domain, Loopback = loopback, LockStep = lockstep, Seconds = seconds, AutoStart = autostart,
                Io = new DdsRobotIoOptions { CommandMode = commandMode },
            });
        }
        catch (Exception e) when (e is ArgumentException or PolicyContractException or Robotics.RobotBridge.Dds.DdsException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        using (node)
        {
            using var cancel = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
            var c = node.Config;
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(inv, $"deploy: {node.Contract.Task} policy {Path.GetFileName(path)}, {c.Joints} joints, control {1 / c.ControlPeriod:0} Hz, policy {1 / c.PolicyPeriod:0} Hz, " +
                $"{(lockstep ? "lock-step" : "real time")}, domain {domain}{(loopback ? " (loopback)" : "")}, commands {mode}"));
            Console.WriteLine($"joint order of joint_commands: {string.Join(", ", c.JointNames)}");
            var r = node.Run(line => Console.WriteLine(line), cancel.Token);
            if (node.Setup is { } setup) Console.WriteLine(setup.ToString());
            Console.WriteLine($"final state {r.FinalState} ({r.LastCause}); ticks {r.Ticks}; policy runs {r.PolicyRuns}");
            if (lockstep)
                Console.WriteLine(string.Create(inv, $"tick compute time: p50 {r.TickP50 * 1e6:0.0} µs, p99 {r.TickP99 * 1e6:0.0} µs, max {r.TickMax * 1e6:0.0} µs"));
            else
                Console.WriteLine(string.Create(inv, $"loop period error: p50 {r.TickP50 * 1e6:0.0} µs, p99 {r.TickP99 * 1e6:0.0} µs, max {r.TickMax * 1e6:0.0} µs; overruns {r.Overruns}; allocated after warm-up {r.AllocatedBytes} B"));
            if (r.EStopReceivedTick >= 0)
                Console.WriteLine($"e-stop: arrived after {r.EStopReceivedTick} ticks read, EStop command written at tick {r.EStopTick} (latency {r.EStopTick - r.EStopReceivedTick + 1} tick(s))");
            return r.FinalState is SafetyState.Damping or SafetyState.EStop && r.LastCause is not (SafetyCause.StopRequest or SafetyCause.EStopInput or SafetyCause.EStopRequest) ? 1 : 0;
        }
    }
}
