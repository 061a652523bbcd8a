using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Robotics.RobotBridge.Node;
using Robotics.RobotBridge.SimRobot;
using Robotics.Sim.Tasks;
using Robotics.Sim.Terrain;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Tasks.Manipulation;

namespace Robotics.Cli;

/// <summary>
/// <c>robotics sim-robot --robot urdf/go1.urdf</c> (or <c>--task go1_velocity</c>, <c>panda_reach</c>, <c>panda_push</c>): the simulated robot
/// behind ROS 2 — joint states out and joint commands in; a legged robot's IMU out and cmd_vel in; an arm's target_pose in and, for push,
/// the cube's object_pose out — wall-clock paced or lock-step; prints and optionally writes what it scored (tracking, or each target).
/// </summary>
internal static class SimRobotCommand
{
    public static Command Create()
    {
        var task = new Option<string?>("--task") { Description = "task (name or .toml) whose robot to simulate: legged or arm (default: go1_velocity)" };
        var robot = new Option<string?>("--robot") { Description = "the robot's URDF; its legged (or else reach) task file in src/Sim/Tasks/Configs supplies the actuator model" };
        var domain = new Option<uint>("--domain") { Description = "ROS_DOMAIN_ID (0–232)", DefaultValueFactory = _ => 0u };
        var latency = new Option<double>("--latency") { Description = "command latency [s]", DefaultValueFactory = _ => 0.0 };
        var lockstep = new Option<bool>("--lockstep") { Description = "advance one control period per joint command received" };
        var pace = new Option<double>("--pace") { Description = "lock-step: at most this many simulated seconds per wall-clock second (0: as fast as the node answers)", DefaultValueFactory = _ => 0.0 };
        var priority = new Option<int>("--priority") { Description = "wall-clock runs: SCHED_FIFO priority of the stepping thread where the OS grants it, below the deploy node's (0: normal)", DefaultValueFactory = _ => new SimRobotNodeOptions().FifoPriority };
        var seconds = new Option<double>("--seconds") { Description = "simulated time to run [s]", DefaultValueFactory = _ => 10.0 };
        var silence = new Option<double?>("--silence-after") { Description = "stop publishing joint states, IMU and object poses after this simulated time [s]" };
        var report = new Option<string?>("--report") { Description = "write what was scored as JSON to this file (tracking; an arm's targets and success rate)" };
        var loopback = new Option<bool>("--loopback") { Description = "keep DDS traffic on the loopback interface" };
        var objectLatency = new Option<double>("--object-latency") { Description = "push: delay from a camera frame of the cube to its object_pose [s]", DefaultValueFactory = _ => 0.0 };
        var objectRate = new Option<double>("--object-rate") { Description = "push: frames per second of the camera that reports the cube [Hz]", DefaultValueFactory = _ => new SimRobotNodeOptions().ObjectRate };
        var objectNoise = new Option<double>("--object-noise") { Description = "push: half-width of the uniform noise on each axis of object_pose [m]", DefaultValueFactory = _ => 0.0 };
        var cube = new Option<string?>("--cube") { Description = "push: the cube's start X,Y in the base frame [m] (default: the middle of the task's cube region)" };
        var io = new Option<string>("--io") { Description = "the interface to present: ros2 (joint_states / joint_commands) or unitree-go2 (the Go2's rt/lowstate / rt/lowcmd, legged tasks)", DefaultValueFactory = _ => "ros2" };
        var tile = new Option<string?>("--tile") { Description = "terrain tasks (go1_rough): stand on this tile, type:level, e.g. stairs_up:3 (default: the first tile of level 0)" };
        var remoteEStop = new Option<double?>("--remote-estop-at") { Description = "unitree-go2: from this simulated time [s] on, the lowstate's wireless_remote shows the e-stop chord L2+B held" };
        var cmd = new Command("sim-robot", "The simulated robot behind ROS 2: publishes joint_states (and imu, or the cube's object_pose), applies joint_commands, scores cmd_vel tracking or target_pose goals from ground truth.")
        {
            task, robot, domain, latency, lockstep, pace, priority, seconds, silence, report, loopback, objectLatency, objectNoise, objectRate, cube, tile, io, remoteEStop,
        };
        var security = new SecurityFlags("/sim_robot");
        security.AddTo(cmd);
        cmd.SetAction(r => Run(r.GetValue(task), r.GetValue(robot), new SimRobotNodeOptions
        {
            Security = security.Resolve(r),
            DomainId = r.GetValue(domain), Loopback = r.GetValue(loopback), Latency = r.GetValue(latency), LockStep = r.GetValue(lockstep), Pace = r.GetValue(pace), FifoPriority = r.GetValue(priority),
            Seconds = r.GetValue(seconds), SilenceAfter = r.GetValue(silence),
            ObjectLatency = r.GetValue(objectLatency), ObjectNoise = r.GetValue(objectNoise), ObjectRate = r.GetValue(objectRate), Cube = ParseCube(r.GetValue(cube)),
        }, r.GetValue(report), RobotInterfaces.Parse(r.GetValue(io)!), r.GetValue(remoteEStop), r.GetValue(tile)));
        return cmd;
    }

    private static double[]? ParseCube(string? text)
    {
        if (text is null) return null;
        var parts = text.Split(',');
        if (parts.Length == 2 && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double x)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double y) && double.IsFinite(x) && double.IsFinite(y))
            return [x, y];
        throw new UserError($"--cube {text}: expected X,Y in metres, e.g. 0.45,0.05");
    }

    // The task file of a URDF: its legged one, else its reach one (an arm's default task).
    private static string TaskForRobot(string urdf)
    {
        try { return TaskCatalog.ForRobot(urdf, TaskKind.Locomotion); }
        catch (UserError legged)
        {
            try { return TaskCatalog.ForRobot(urdf, TaskKind.Reach); }
            catch (UserError reach) { throw new UserError(legged.Message == reach.Message ? legged.Message : $"{legged.Message}; {reach.Message}"); }
        }
    }

    private static int Run(string? taskArg, string? robotArg, SimRobotNodeOptions options, string? report, RobotInterface io = RobotInterface.Ros2, double? remoteEStopAt = null,
        string? tile = null)
    {
        if (remoteEStopAt is not null && io != RobotInterface.UnitreeGo2) throw new UserError("--remote-estop-at: the remote's chord is part of --io unitree-go2");
        string taskName = taskArg ?? "go1_velocity";
        if (robotArg is not null)
        {
            if (taskArg is not null) throw new UserError("--robot and --task both name the robot; give one");
            taskName = Path.GetFileNameWithoutExtension(TaskForRobot(robotArg));
        }
        var loaded = TaskCatalog.Load(taskName);
        if (loaded is not (LocomotionTask or ManipulationTask))
        {
            (loaded as IDisposable)?.Dispose();
            throw new UserError($"--task {taskName}: has no robot to simulate (a legged or arm task is needed)");
        }
        if (options.Cube is not null && loaded is not ManipulationTask { Config.Kind: TaskKind.Push })
        {
            (loaded as IDisposable)?.Dispose();
            throw new UserError($"--cube: task {taskName} has no cube to push");
        }
        using var task = (IDisposable)loaded;
        if (tile is not null)
        {
            if (loaded is not LocomotionTask { Terrain: { } map }) throw new UserError($"--tile '{tile}': task '{taskName}' has no terrain grid");
            options = options with { Tile = TileChoice.Parse(tile, map) };
        }
        if (io == RobotInterface.UnitreeGo2)
        {
            if (loaded is not LocomotionTask go2Task) throw new UserError($"--io unitree-go2: task {taskName} is not legged");
            return RunGo2(taskName, go2Task, options, report, remoteEStopAt);
        }
        using var node = loaded is LocomotionTask legged ? new SimRobotNode(legged, options) : new SimRobotNode((ManipulationTask)loaded, options);
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
        var inv = CultureInfo.InvariantCulture;
        var o = options;
        Console.WriteLine(string.Create(inv, $"sim-robot: {taskName}, {node.Robot.Joints} joints ({string.Join(", ", node.Robot.JointNames)}), control {1 / node.ControlPeriod:0} Hz, " +
            $"{(o.LockStep ? o.Pace > 0 ? $"lock-step at most {o.Pace:0.##}× real time" : "lock-step" : "real time")}, latency {o.Latency * 1000:0} ms, domain {o.DomainId}{(o.Loopback ? " (loopback)" : "")}"));
        var r = node.Run(line => Console.WriteLine(line), cancel.Token);
        if (r.Kind == TaskKind.Locomotion)
            Console.WriteLine(r.Samples == 0
                ? $"tracking: no cmd_vel received, nothing to score; fell: {(r.Fell ? "yes" : "no")}"
                : string.Create(inv, $"tracking: lin vel error {r.LinVelError:0.0000} m/s, yaw rate error {r.YawRateError:0.0000} rad/s over {r.Samples} samples; fell: {(r.Fell ? "yes" : "no")}"));
        else
        {
            Console.WriteLine(r.Targets.Count == 0
                ? "targets: no target_pose received, nothing to score"
                : string.Create(inv, $"targets: {r.Targets.Count(t => t.Score.Success)} of {r.Targets.Count} reached ({r.SuccessRate:P1}), mean final error {r.Targets.Average(t => t.Score.PositionError) * 1000:0.0} mm") +
                  (r.Kind == TaskKind.Reach ? string.Create(inv, $", {r.Targets.Average(t => t.Score.OrientationError):0.000} rad") : ""));
            if (r.TargetsRejected > 0) Console.WriteLine($"targets rejected {r.TargetsRejected} ({r.LastTargetError})");
        }
        Console.WriteLine(string.Create(inv, $"simulated {r.SimSeconds:0.000} s in {r.Steps} steps; commands applied {r.CommandsApplied}, rejected {r.CommandsRejected}{(r.LastCommandError is null ? "" : $" ({r.LastCommandError})")}"));
        if (report is not null) File.WriteAllText(report, r.ToJson());
        return r.Fell ? 1 : 0;
    }

    private static int RunGo2(string taskName, LocomotionTask task, SimRobotNodeOptions o, string? report, double? remoteEStopAt)
    {
        using var node = new UnitreeGo2SimRobot(task, o, remoteEStopAt);
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"sim-robot: {taskName} as a Unitree Go2 (rt/lowstate out, rt/lowcmd in), {node.Robot.Joints} joints, control {1 / node.ControlPeriod:0} Hz, " +
            $"{(o.LockStep ? o.Pace > 0 ? $"lock-step at most {o.Pace:0.##}× real time" : "lock-step" : "real time")}, latency {o.Latency * 1000:0} ms, domain {o.DomainId}{(o.Loopback ? " (loopback)" : "")}" +
            $"{(remoteEStopAt is { } at ? $", remote e-stop chord from {at:0.###} s" : "")}"));
        var r = node.Run(line => Console.WriteLine(line), cancel.Token);
        Console.WriteLine(r.Samples == 0
            ? $"tracking: no cmd_vel received, nothing to score; fell: {(r.Fell ? "yes" : "no")}"
            : string.Create(inv, $"tracking: lin vel error {r.LinVelError:0.0000} m/s, yaw rate error {r.YawRateError:0.0000} rad/s over {r.Samples} samples; fell: {(r.Fell ? "yes" : "no")}"));
        Console.WriteLine(string.Create(inv, $"simulated {r.SimSeconds:0.000} s in {r.Steps} steps; LowCmd applied {r.CommandsApplied}, rejected {r.CommandsRejected}{(r.LastCommandError is null ? "" : $" ({r.LastCommandError})")}"));
        if (report is not null) File.WriteAllText(report, r.ToJson());
        return r.Fell ? 1 : 0;
    }
}
