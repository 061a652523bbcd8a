using System.CommandLine;
using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;
using Robotics.Deploy.Runtime;
using Robotics.RobotBridge.Hil;
using Robotics.Sim.Robots;
using Robotics.Sim.Tasks;
using Robotics.Sim.Tasks.Locomotion;
using Spectre.Console;

namespace Robotics.Cli;

/// <summary>
/// <c>robotics hil --policy models/x.onnx</c>: the deploy controller (ONNX policy, contract, safety layer)
/// drives the simulated robot in lock-step through a command schedule; prints tracking and tick timing.
/// </summary>
internal static class HilCommand
{
    public static Command Create()
    {
        var policy = new Option<string>("--policy") { Description = "exported policy (.onnx with its contract)", DefaultValueFactory = _ => "models/go1_velocity.onnx" };
        var segment = new Option<double>("--segment") { Description = "seconds per command of the schedule (forward, turning, sideways, backward)", DefaultValueFactory = _ => 3.0 };
        var latency = new Option<double>("--latency") { Description = "robot's command latency [s]", DefaultValueFactory = _ => 0.0 };
        var hil = new Command("hil", "Hardware-in-the-loop in one process: the deploy controller drives the simulated robot through a command schedule.")
        {
            policy, segment, latency,
        };
        hil.SetAction(r => Run(r.GetValue(policy)!, r.GetValue(segment), r.GetValue(latency)));
        return hil;
    }

    /// <summary>One sample of a run, every policy period while Running: time [s], commanded and measured vx [m/s] and yaw rate [rad/s].</summary>
    internal readonly record struct TraceSample(double Time, double CommandVx, double Vx, double CommandYawRate, double YawRate);

    /// <summary>Runs the policy file on the simulated robot, prints the table; <paramref name="trace"/> (optional) receives the samples.</summary>
    internal static int Run(string path, double segment, double latency, List<TraceSample>? trace = null)
    {
        LocomotionTask task;
        OnnxPolicy onnx;
        SimulatedRobot robot;
        Controller controller;
        if (!(segment > 0)) throw new UserError($"--segment {segment}: must be > 0");
        var contract = OnnxPolicy.ReadContract(path);
        task = TaskCatalog.Load(contract.Task) as LocomotionTask
            ?? throw new UserError($"{path}: task '{contract.Task}' is not a legged task; the simulated robot stands in for legged robots");
        onnx = OnnxPolicy.Load(path, task.Actuators.JointNames);
        var config = ControllerConfig.FromContract(onnx.Contract);
        robot = new SimulatedRobot(task, new SimulatedRobotOptions { ControlPeriod = config.ControlPeriod, Latency = latency });
        controller = new Controller(config, onnx, robot);
        using (task) using (onnx) using (robot)
        {
            var schedule = CommandSchedule.Walk(segment);
            var frame = new SensorFrame(robot.Joints, robot.Joints);
            var velocity = new double[3];
            var r = LockStepHil.Run(controller, robot, schedule, tick =>
            {
                // The state before this tick: sample at the policy rate while Running.
                if (trace is null || controller.Safety.State != Robotics.Deploy.Safety.SafetyState.Running || tick % controller.Config.PolicyDecimation != 0) return;
                robot.Read(frame);
                robot.BaseLinearVelocity(velocity);
                trace.Add(new TraceSample(robot.Time, frame.Command[0], velocity[0], frame.Command[2], robot.BaseAngularVelocityZ));
            });
            AnsiConsole.MarkupLineInterpolated($"[bold]{onnx.Contract.Task}[/] policy {Path.GetFileName(path)} on the simulated {onnx.Contract.Robot}: control {1 / controller.Config.ControlPeriod:0} Hz, policy {1 / controller.Config.PolicyPeriod:0} Hz, latency {latency * 1000:0} ms");
            var table = new Table().AddColumns("measurement", "value");
            table.AddRow("soft start → running", $"{r.SoftStartSeconds:0.000} s");
            table.AddRow("commands", string.Join(", ", schedule.Select(s => $"({s.Vx:0.0}, {s.Vy:0.0}, {s.YawRate:0.0}) {s.Seconds:0.#} s")));
            table.AddRow("lin vel error", $"{r.LinVelError:0.000} m/s");
            table.AddRow("yaw rate error", $"{r.YawRateError:0.000} rad/s");
            table.AddRow("fell", r.Fell ? "[red]yes[/]" : "no");
            table.AddRow("final safety state", $"{r.FinalState} ({controller.Safety.LastCause})");
            table.AddRow("controller ticks / tick p50", $"{r.Ticks} / {r.TickMicroseconds:0.0} µs");
            AnsiConsole.Write(table);
            return r.FinalState == Robotics.Deploy.Safety.SafetyState.Running && !r.Fell ? 0 : 1;
        }
    }
}
