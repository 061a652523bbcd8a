using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Robotics.RobotBridge.SimRobot;
using Robotics.Sim.Tasks;
using Robotics.Sim.Tasks.Locomotion;

namespace Robotics.Cli;

/// <summary>
/// <c>robotics sim-robot --robot urdf/go1.urdf</c> (or <c>--task go1_velocity</c>): the simulated robot behind ROS 2 (joint states and IMU out, joint
/// commands and cmd_vel in), wall-clock paced or lock-step; prints and optionally writes the tracking score.
/// </summary>
internal static class SimRobotCommand
{
    public static Command Create()
    {
        var task = new Option<string?>("--task") { Description = "legged task (name or .toml) whose robot to simulate (default: go1_velocity)" };
        var robot = new Option<string?>("--robot") { Description = "the robot's URDF; its legged task file in src/Sim/Tasks/Configs supplies the actuator model" };
        var domain = new Option<uint>("--domain") { Description = "ROS_DOMAIN_ID (0–232)", DefaultValueFactory = _ => 0u };
        var latency = new Option<double>("--latency") { Description = "command latency [s]", DefaultValueFactory = _ => 0.0 };
        var lockstep = new Option<bool>("--lockstep") { Description = "advance one control period per joint command received" };
        var seconds = new Option<double>("--seconds") { Description = "simulated time to run [s]", DefaultValueFactory = _ => 10.0 };
        var silence = new Option<double?>("--silence-after") { Description = "stop publishing joint states and IMU after this simulated time [s]" };
        var report = new Option<string?>("--report") { Description = "write the tracking score as JSON to this file" };
        var loopback = new Option<bool>("--loopback") { Description = "keep DDS traffic on the loopback interface" };
        var cmd = new Command("sim-robot", "The simulated robot behind ROS 2: publishes joint_states and imu, applies joint_commands, scores cmd_vel tracking from ground truth.")
        {
            task, robot, domain, latency, lockstep, seconds, silence, report, loopback,
        };
        cmd.SetAction(r => Run(r.GetValue(task), r.GetValue(robot), r.GetValue(domain), r.GetValue(latency), r.GetValue(lockstep), r.GetValue(seconds), r.GetValue(silence), r.GetValue(report), r.GetValue(loopback)));
        return cmd;
    }

    private static int Run(string? taskArg, string? robotArg, uint domain, double latency, bool lockstep, double seconds, double? silence, string? report, bool loopback)
    {
        LocomotionTask task;
        SimRobotNode node;
        string taskName = taskArg ?? "go1_velocity";
        if (robotArg is not null)
        {
            if (taskArg is not null) throw new UserError("--robot and --task both name the robot; give one");
            taskName = Path.GetFileNameWithoutExtension(TaskCatalog.ForRobot(robotArg, TaskKind.Locomotion));
        }
        task = TaskCatalog.Load(taskName) as LocomotionTask ?? throw new UserError($"--task {taskName}: not a legged task; the simulated robot stands in for legged robots");
        try
        {
            node = new SimRobotNode(task, new SimRobotNodeOptions
            {
                DomainId = domain, Loopback = loopback, Latency = latency, LockStep = lockstep, Seconds = seconds, SilenceAfter = silence,
            });
        }
        catch { task.Dispose(); throw; }
        using (task) using (node)
        {
            using var cancel = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(inv, $"sim-robot: {taskName}, {node.Robot.Joints} joints ({string.Join(", ", node.Robot.JointNames)}), control {1 / node.ControlPeriod:0} Hz, " +
                $"{(lockstep ? "lock-step" : "real time")}, latency {latency * 1000:0} ms, domain {domain}{(loopback ? " (loopback)" : "")}"));
            var r = node.Run(line => Console.WriteLine(line), cancel.Token);
            Console.WriteLine(r.Samples == 0
                ? $"tracking: no cmd_vel received, nothing to score; fell: {(r.Fell ? "yes" : "no")}"
                : string.Create(inv, $"tracking: lin vel error {r.LinVelError:0.0000} m/s, yaw rate error {r.YawRateError:0.0000} rad/s over {r.Samples} samples; fell: {(r.Fell ? "yes" : "no")}"));
            Console.WriteLine(string.Create(inv, $"simulated {r.SimSeconds:0.000} s in {r.Steps} steps; commands applied {r.CommandsApplied}, rejected {r.CommandsRejected}{(r.LastCommandError is null ? "" : $" ({r.LastCommandError})")}"));
            if (report is not null) File.WriteAllText(report, r.ToJson());
            return r.Fell ? 1 : 0;
        }
    }
}
