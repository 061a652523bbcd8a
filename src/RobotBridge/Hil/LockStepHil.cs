using System.Diagnostics;
using Robotics.Deploy.RealTime;
using Robotics.Deploy.Runtime;
using Robotics.Deploy.Safety;
using Robotics.Sim.Robots;

namespace Robotics.RobotBridge.Hil;

/// <summary>What a hardware-in-the-loop run gave.</summary>
/// <param name="SoftStartSeconds">Simulated time from the start request until the safety layer reached Running [s] (NaN if it never did).</param>
/// <param name="LinVelError">Mean |v*xy − vxy| over the policy periods of the command schedule [m/s].</param>
/// <param name="YawRateError">Mean |ω*z − ωz| over the same periods [rad/s].</param>
/// <param name="Fell">The base went below the fall height.</param>
/// <param name="FinalState">The safety layer's state at the end.</param>
/// <param name="Ticks">Control ticks run.</param>
/// <param name="TickMicroseconds">Median wall-clock time of one controller tick (read, safety, policy when due, write) [µs].</param>
public sealed record HilResult(double SoftStartSeconds, double LinVelError, double YawRateError, bool Fell, SafetyState FinalState, long Ticks, double TickMicroseconds);

/// <summary>
/// The deploy controller (ONNX policy, observation builder, safety layer) driving the simulated robot in
/// lock-step within one process: each control period the controller ticks once (Read → Update → Write) and
/// the robot advances once. It is the in-process reference the hardware-in-the-loop run over DDS is held
/// to, and it proves the deploy path — contract, observations, safety — against the physics.
/// </summary>
public static class LockStepHil
{
    /// <summary>
    /// Starts the controller (soft start to the default pose), then runs <paramref name="schedule"/>: the robot
    /// reports each command as the operator's, and tracking is scored at every policy period while Running.
    /// <paramref name="everyTick"/> (optional) may inject faults (e-stop, stale sensors) by tick.
    /// </summary>
    public static HilResult Run(Controller controller, SimulatedRobot robot, IReadOnlyList<CommandStep> schedule, Action<long>? everyTick = null)
    {
        var config = controller.Config;
        if (Math.Abs(robot.Substeps * robot.Data.Model.Timestep - config.ControlPeriod) > 1e-9)
            throw new UserError($"the robot advances {robot.Substeps * robot.Data.Model.Timestep} s per tick; the controller's period is {config.ControlPeriod} s");
        var score = new TrackingScore();
        var ticks = new List<long>();
        double startedAt = double.NaN, t0 = robot.Time;
        long scheduleTicks = (long)Math.Round(CommandSchedule.Length(schedule) / config.ControlPeriod);
        long softStartLimit = (long)Math.Ceiling((config.Safety.SoftStartTime + 1) / config.ControlPeriod);

        controller.Safety.RequestStart();
        long running = 0;
        for (long tick = 0; running < scheduleTicks && tick < softStartLimit + scheduleTicks; tick++)
        {
            everyTick?.Invoke(tick);
            bool isRunning = controller.Safety.State == SafetyState.Running;
            var command = CommandSchedule.At(schedule, running * config.ControlPeriod);
            if (isRunning) robot.SetCommand(command.Vx, command.Vy, command.YawRate);

            long start = Stopwatch.GetTimestamp();
            controller.Tick();
            ticks.Add(Stopwatch.GetTimestamp() - start);
            robot.Advance();

            if (controller.Safety.State == SafetyState.Running)
            {
                if (double.IsNaN(startedAt)) startedAt = robot.Time - t0;
                if (running % config.PolicyDecimation == 0) score.Sample(robot, command);
                running++;
            }
            else if (!double.IsNaN(startedAt)) break;   // left Running: a trip ends the run
        }
        ticks.Sort();
        double median = ticks.Count > 0 ? ticks[ticks.Count / 2] * 1e6 / Stopwatch.Frequency : double.NaN;
        return new HilResult(startedAt, score.LinVelError, score.YawRateError, score.Fell, controller.Safety.State, controller.Ticks, median);
    }
}
