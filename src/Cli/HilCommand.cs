using System.CommandLine;
using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;
using Robotics.Deploy.Runtime;
using Robotics.Deploy.Safety;
using Robotics.RobotBridge.Hil;
using Robotics.Sim.Evaluation;
using Robotics.Sim.Robots;
using Robotics.Sim.Tasks;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Tasks.Manipulation;
using Spectre.Console;

namespace Robotics.Cli;

/// <summary>
/// <c>robotics hil --policy models/x.onnx</c>: the deploy controller (ONNX policy, contract, safety layer)
/// drives the simulated robot in lock-step — a legged robot through a command schedule (tracking), an arm through
/// the task's seeded episodes (success and final errors, beside <c>robotics eval</c>'s on the same episodes) —
/// and prints tick timing and the safety state.
/// </summary>
internal static class HilCommand
{
    public static Command Create()
    {
        var policy = new Option<string>("--policy") { Description = "exported policy (.onnx with its contract)", DefaultValueFactory = _ => "models/go1_velocity.onnx" };
        var segment = new Option<double>("--segment") { Description = "seconds per command of the schedule (forward, turning, sideways, backward)", DefaultValueFactory = _ => 3.0 };
        var latency = new Option<double>("--latency") { Description = "robot's command latency [s]", DefaultValueFactory = _ => 0.0 };
        var episodes = new Option<int>("--episodes") { Description = "arms: episodes, drawn by the task's own reset", DefaultValueFactory = _ => 16 };
        var seed = new Option<ulong>("--seed") { Description = "arms: seed of the episodes (eval's with as many environments as episodes)", DefaultValueFactory = _ => 0UL };
        var hil = new Command("hil", "Hardware-in-the-loop in one process: the deploy controller drives the simulated robot through a command schedule (legged) or the task's episodes (arms).")
        {
            policy, segment, latency, episodes, seed,
        };
        hil.SetAction(r =>
        {
            string path = r.GetValue(policy)!;
            return TaskCatalog.Kind(TaskCatalog.Resolve(OnnxPolicy.ReadContract(path).Task)) == TaskKind.Locomotion
                ? Run(path, r.GetValue(segment), r.GetValue(latency))
                : RunArm(path, r.GetValue(episodes), r.GetValue(seed), r.GetValue(latency));
        });
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
    /// <summary>
    /// Runs an arm policy file through <paramref name="episodes"/> seeded episodes of its task on the simulated arm, then
    /// <c>robotics eval</c>'s nominal condition on the same episodes; prints both. Exit 1 when the safety layer left Running for a fault.
    /// </summary>
    internal static int RunArm(string path, int episodes, ulong seed, double latency)
    {
        if (episodes < 1) throw new UserError($"--episodes {episodes}: must be ≥ 1");
        var contract = OnnxPolicy.ReadContract(path);
        using var task = TaskCatalog.Load(contract.Task) as ManipulationTask
            ?? throw new UserError($"{path}: task '{contract.Task}' is neither a legged nor an arm task");
        using var onnx = OnnxPolicy.Load(path, task.Actuators.JointNames);
        // The file's own contract, as the robot reads it (one without the kinematic chain is refused, naming the fix).
        var config = ControllerConfig.FromContract(onnx.Contract);
        using var robot = new SimulatedRobot(task, new SimulatedRobotOptions { ControlPeriod = config.ControlPeriod, Latency = latency, Seed = seed });
        var controller = new Controller(config, onnx, robot);
        var schedule = ArmSchedule.Sample(task.Config, episodes, seed);
        var r = LockStepHil.RunEpisodes(controller, robot, schedule);
        var eval = ManipulationEvaluator.Run(EvaluationConditions.Under(EvaluationCondition.Nominal, task.Config), Policies.Batch(onnx),
            EvaluationCondition.Nominal.Name(), episodes, envs: episodes, threads: Math.Min(Environment.ProcessorCount, episodes), seed: seed);

        bool reach = task.Config.Kind == TaskKind.Reach;
        AnsiConsole.MarkupLineInterpolated($"[bold]{contract.Task}[/] policy {Path.GetFileName(path)} on the simulated {contract.Robot}: control {1 / config.ControlPeriod:0} Hz, policy {1 / config.PolicyPeriod:0} Hz, latency {latency * 1000:0} ms, {episodes} episodes of {schedule.EpisodeSeconds:0.#} s, seed {seed}");
        var table = new Table().AddColumns("measurement", "hil", "eval (nominal, same episodes)");
        table.AddRow("success", $"{r.SuccessRate:P0} ({r.Targets.Count(t => t.Success)}/{r.Targets.Count})", $"{eval.SuccessRate:P0}");
        table.AddRow(reach ? "final tool-to-target distance" : "final cube-to-target distance (x y)", $"{r.MeanPositionError * 1000:0.0} mm", $"{eval.FinalDistance * 1000:0.0} mm");
        if (reach) table.AddRow("final orientation error", $"{r.MeanOrientationError:0.000} rad", $"{eval.FinalOrientationError:0.000} rad");
        table.AddRow("soft start → running", $"{r.SoftStartSeconds:0.000} s", "");
        var faults = r.Targets.Where(t => t.State != SafetyState.Running).ToList();
        table.AddRow("faults", faults.Count == 0 ? "none" : $"[red]{faults.Count}[/]: {string.Join(", ", faults.GroupBy(t => t.Cause).Select(g => $"{g.Count()} × {g.Key}"))}", "");
        table.AddRow("final safety state", $"{r.FinalState} ({r.FinalCause})", "");
        table.AddRow("controller ticks / tick p50", $"{r.Ticks} / {r.TickMicroseconds:0.0} µs", "");
        AnsiConsole.Write(table);
        return faults.Count == 0 ? 0 : 1;
    }
}
