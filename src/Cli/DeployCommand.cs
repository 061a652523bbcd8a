using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Safety;
using Robotics.RobotBridge.Node;

namespace Robotics.Cli;

/// <summary>
/// <c>robotics deploy --policy models/x.onnx</c>: the real-time ROS 2 node (joint states, the e-stop and the inputs the
/// policy's contract lists in — imu and cmd_vel for the Go1, target_pose and object_pose for the arm; joint commands and
/// status out), on the wall clock or in lock-step with <c>sim-robot --lockstep</c>. <c>--io unitree-go2</c> takes the joints
/// and the IMU from the Unitree Go2's rt/lowstate and writes rt/lowcmd instead (cmd_vel, estop and the status stay ROS 2).
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
        var autostart = new Option<bool>("--autostart") { Description = "request a start once joint states and every input the policy reads are live" };
        var loopback = new Option<bool>("--loopback") { Description = "keep DDS traffic on the loopback interface" };
        var renames = new Option<string?>("--joint-names") { Description = "the driver's names for the policy's joints where they differ: policy=robot,… (e.g. FR_hip_joint=fr_hip)" };
        var remap = new Option<string?>("--remap") { Description = "take a policy input from another topic: input=topic,… (e.g. target_pose=/goal); inputs: cmd_vel, imu, target_pose, object_pose" };
        var commandsTopic = new Option<string>("--commands-topic") { Description = "topic of the joint commands (e.g. /position_controller/commands for ros2_control)", DefaultValueFactory = _ => "joint_commands" };
        var commandTimeout = new Option<double?>("--command-timeout") { Description = $"a cmd_vel older than this [s] is replaced by zero (stand still) [default: {SafetyConfig.DefaultCommandTimeout}]" };
        var lockstepTimeout = new Option<double>("--lockstep-timeout") { Description = "lock-step: wall-clock silence [s] of joint states after which the node trips (StaleSensors)", DefaultValueFactory = _ => DeployNodeOptions.DefaultLockStepTimeout };
        var io = new Option<string>("--io") { Description = "the robot's interface: ros2 (joint_states / joint_commands) or unitree-go2 (the Go2's rt/lowstate / rt/lowcmd; cmd_vel and estop stay ROS 2)", DefaultValueFactory = _ => "ros2" };
        var deploy = new Command("deploy", "The real-time ROS 2 deploy node: policy + safety layer between the robot's topics and its joint commands.")
        {
            policy, domain, mode, lockstep, seconds, autostart, loopback, renames, remap, commandsTopic, commandTimeout, lockstepTimeout, io,
        };
        var security = new SecurityFlags("/deploy");
        security.AddTo(deploy);
        deploy.SetAction(r => Run(r.GetValue(policy)!, r.GetValue(domain), r.GetValue(mode)!, r.GetValue(lockstep), r.GetValue(seconds), r.GetValue(autostart), r.GetValue(loopback),
            r.GetValue(renames), r.GetValue(remap), r.GetValue(commandsTopic)!, r.GetValue(commandTimeout), r.GetValue(lockstepTimeout), security.Resolve(r), RobotInterfaces.Parse(r.GetValue(io)!)));
        return deploy;
    }

    /// <summary>Parses <c>policy=robot,…</c>; throws <see cref="UserError"/> naming the bad pair.</summary>
    internal static IReadOnlyDictionary<string, string> ParseRenames(string? text) => ParsePairs(text, "--joint-names", "policy_joint=robot_joint");

    /// <summary>Parses <c>input=topic,…</c>; throws <see cref="UserError"/> naming the bad pair (unknown inputs are the node's to refuse).</summary>
    internal static IReadOnlyDictionary<string, string> ParseRemap(string? text) => ParsePairs(text, "--remap", "input=topic");

    private static Dictionary<string, string> ParsePairs(string? text, string option, string form)
    {
        var pairs = new Dictionary<string, string>();
        if (string.IsNullOrWhiteSpace(text)) return pairs;
        foreach (var pair in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new UserError($"{option}: '{pair}' is not {form}");
            if (!pairs.TryAdd(parts[0], parts[1])) throw new UserError($"{option}: '{parts[0]}' is given twice");
        }
        return pairs;
    }

    private static int Run(string path, uint domain, string mode, bool lockstep, double seconds, bool autostart, bool loopback, string? renames, string? remap, string commandsTopic,
        double? commandTimeout, double lockstepTimeout, Robotics.RobotBridge.Security.Ros2SecurityOptions? security, RobotInterface robotInterface)
    {
        DeployNode node;
        var commandMode = mode switch
        {
            "pd" => JointCommandMode.Pd,
            "position" => JointCommandMode.Position,
            _ => throw new UserError($"--command-mode '{mode}': use pd or position"),
        };
        node = new DeployNode(new DeployNodeOptions
        {
            PolicyPath = path, DomainId = domain, Loopback = loopback, LockStep = lockstep, Seconds = seconds, AutoStart = autostart, Security = security,
            CommandTimeout = commandTimeout, LockStepTimeout = lockstepTimeout, Interface = robotInterface,
            Io = new DdsRobotIoOptions { CommandMode = commandMode, JointRenames = ParseRenames(renames), Remap = ParseRemap(remap), JointCommandsTopic = commandsTopic },
        });
        using (node)
        {
            using var cancel = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
            var c = node.Config;
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(inv, $"deploy: {node.Contract.Task} policy {Path.GetFileName(path)}, {c.Joints} joints, control {1 / c.ControlPeriod:0} Hz, policy {1 / c.PolicyPeriod:0} Hz, " +
                $"{(lockstep ? "lock-step" : "real time")}, io {robotInterface.Name()}, domain {domain}{(loopback ? " (loopback)" : "")}, commands {mode}, " +
                $"{(security is null ? "no DDS Security" : $"DDS Security enclave {security.Enclave}")}"));
            Console.WriteLine(node.Io is Robotics.RobotBridge.Unitree.UnitreeGo2Io go2
                ? $"motor slots on {go2.JointCommandsTopic}: {string.Join(", ", go2.RobotJointNames.Select((j, i) => $"{j}={go2.Slots[i]}"))}; e-stop chord on the remote: L2+B"
                : $"joint order of joint_commands: {string.Join(", ", node.Io.RobotJointNames)}");
            Console.WriteLine($"inputs: {(node.Io is Robotics.RobotBridge.Unitree.UnitreeGo2Io ? "joints (unitree_go/LowState)" : "joint_states")} on {node.Io.JointStatesTopic}{string.Concat(node.Io.Inputs.Select(s =>
                $", {s.Input.Name} ({s.Input.Type} on {s.Topic}{(s.Input.Frame.Length > 0 ? $", frame {s.Input.Frame}" : "")}" +
                $"{(s.Input.MaxAge is { } age ? string.Create(inv, $", stale after {age * 1e3:0} ms") : "")}" +
                $"{(s.Kind == InputKind.CmdVel ? string.Create(inv, $", zero after {c.Safety.CommandTimeout * 1e3:0} ms without a new one") : "")})"))}");
            var r = node.Run(line => Console.WriteLine(line), cancel.Token);
            if (node.Setup is { } setup) Console.WriteLine($"{setup}\nDDS receive thread: {node.ReceiveScheduler}");
            Console.WriteLine($"final state {r.FinalState} ({r.LastCause}); ticks {r.Ticks}; policy runs {r.PolicyRuns}");
            if (lockstep)
                Console.WriteLine(string.Create(inv, $"tick compute time: p50 {r.TickP50 * 1e6:0.0} µs, p99 {r.TickP99 * 1e6:0.0} µs, max {r.TickMax * 1e6:0.0} µs"));
            else
                Console.WriteLine(string.Create(inv, $"loop period error: p50 {r.TickP50 * 1e6:0.0} µs, p99 {r.TickP99 * 1e6:0.0} µs, max {r.TickMax * 1e6:0.0} µs; overruns {r.Overruns}; allocated after warm-up {r.AllocatedBytes} B"));
            Console.WriteLine(r.StateAge);
            Console.WriteLine(r.TrainedLatency);
            if (r.EStopReceivedTick >= 0)
                Console.WriteLine($"e-stop: arrived after {r.EStopReceivedTick} ticks read, stop command written at tick {r.EStopTick} (latency {r.EStopTick - r.EStopReceivedTick + 1} tick(s))");
            // A node that never drove the robot because something stood in the way has failed, whatever --seconds said.
            if (r.Refusal is { } refusal) throw new UserError($"the node refused to start: {refusal}");
            return r.FinalState is SafetyState.Damping or SafetyState.EStop or SafetyState.Hold && r.LastCause is not (SafetyCause.StopRequest or SafetyCause.EStopInput or SafetyCause.EStopRequest) ? 1 : 0;
        }
    }
}
