using System.Diagnostics;
using Robotics.Deploy.RealTime;
using Robotics.Deploy.Runtime;
using Robotics.Deploy.Safety;
using Robotics.Sim.Robots;
using Robotics.Sim.Tasks.Manipulation;

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
/// to, and it proves the deploy path — contract, observations, safety — against the physics. A legged robot runs a
/// schedule of velocity commands (<see cref="Run"/>); an arm runs the task's episodes (<see cref="RunEpisodes"/>) or
/// its goals one after another (<see cref="RunContinuous"/>).
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

        robot.SetCommand(0, 0, 0);   // the operator's joystick at rest: the command input has a value before the start
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
        return new HilResult(startedAt, score.LinVelError, score.YawRateError, score.Fell, controller.Safety.State, controller.Ticks, Median(ticks));
    }

    /// <summary>
    /// An arm's episodes as the task runs them: per episode the safety layer is stopped (Hold), the world reset — the arm at the
    /// episode's start pose, the cube, the goal — the layer reset (Idle) and started (soft start to the default pose, then
    /// Running), and the policy runs for the task's episode length; the episode is scored at its end exactly as the task scores
    /// it (<see cref="ArmScore"/>). An episode whose run the layer ends for a fault is scored where it stopped, as a failure.
    /// <paramref name="everyTick"/> (optional) may inject faults by tick (of the whole run).
    /// </summary>
    public static ArmHilResult RunEpisodes(Controller controller, SimulatedRobot robot, ArmSchedule schedule, Action<long>? everyTick = null)
    {
        var loop = new ArmLoop(controller, robot, everyTick);
        long episodeTicks = loop.TicksFor(schedule.EpisodeSeconds);
        var results = new List<ArmTargetResult>(schedule.Episodes.Count);
        var safety = controller.Safety;
        foreach (var e in schedule.Episodes)
        {
            if (safety.State is SafetyState.SoftStart or SafetyState.Running) { safety.RequestStop(); loop.Tick(); }
            robot.Reset(e.StartJointPos);
            robot.PlaceCube(e.Cube[0], e.Cube[1]);
            robot.SetTarget(e.TargetPosition, e.TargetRotation);
            // Reset before the hold command reaches the motors again: the hold keeps the pose before the world reset.
            if (safety.State != SafetyState.Idle) { safety.RequestReset(); loop.Tick(); }
            double softStart = loop.Start();
            for (long t = 0; t < episodeTicks && safety.State == SafetyState.Running; t++) loop.Tick();
            results.Add(loop.Score(results.Count, softStart, schedule.Task));
        }
        return loop.Result(results);
    }

    /// <summary>
    /// An arm's goals one after another without resets, as an operator sends them: the cube placed at the first episode's start,
    /// one soft start, then each episode's goal for <paramref name="secondsPerTarget"/> [s] of Running, scored (<see cref="ArmScore"/>)
    /// when the next one arrives and at the end; the arm moves on from wherever the last goal left it. A fault ends the run;
    /// the goals not reached are failures.
    /// </summary>
    public static ArmHilResult RunContinuous(Controller controller, SimulatedRobot robot, ArmSchedule schedule, double secondsPerTarget, Action<long>? everyTick = null)
    {
        if (!(secondsPerTarget > 0 && double.IsFinite(secondsPerTarget))) throw new UserError($"secondsPerTarget = {secondsPerTarget} s: must be positive");
        var loop = new ArmLoop(controller, robot, everyTick);
        long segmentTicks = loop.TicksFor(secondsPerTarget);
        var results = new List<ArmTargetResult>(schedule.Episodes.Count);
        var first = schedule.Episodes[0];
        robot.PlaceCube(first.Cube[0], first.Cube[1]);
        robot.SetTarget(first.TargetPosition, first.TargetRotation);
        double softStart = loop.Start();
        foreach (var e in schedule.Episodes)
        {
            if (results.Count > 0) robot.SetTarget(e.TargetPosition, e.TargetRotation);
            for (long t = 0; t < segmentTicks && controller.Safety.State == SafetyState.Running; t++) loop.Tick();
            results.Add(loop.Score(results.Count, results.Count == 0 ? softStart : 0, schedule.Task));
        }
        return loop.Result(results);
    }

    private static double Median(List<long> ticks)
    {
        ticks.Sort();
        return ticks.Count > 0 ? ticks[ticks.Count / 2] * 1e6 / Stopwatch.Frequency : double.NaN;
    }

    // The lock-step pair of the arm runs: one controller tick and one robot period at a time, each tick timed.
    private sealed class ArmLoop(Controller controller, SimulatedRobot robot, Action<long>? everyTick)
    {
        private readonly List<long> _ticks = new();
        private long _count;

        public long TicksFor(double seconds)
        {
            var config = controller.Config;
            if (Math.Abs(robot.ControlPeriod - config.ControlPeriod) > 1e-9)
                throw new UserError($"the robot advances {robot.ControlPeriod} s per tick; the controller's period is {config.ControlPeriod} s");
            return (long)Math.Round(seconds / config.ControlPeriod);
        }

        public void Tick()
        {
            everyTick?.Invoke(_count++);
            long start = Stopwatch.GetTimestamp();
            controller.Tick();
            _ticks.Add(Stopwatch.GetTimestamp() - start);
            robot.Advance();
        }

        // Start requests until the layer leaves Idle (a start is refused while an input has not arrived yet), then the soft start;
        // seconds from the first request to Running, NaN when it did not get there within the soft-start time and a second.
        public double Start()
        {
            var safety = controller.Safety;
            double t0 = robot.Time;
            long limit = (long)Math.Ceiling((controller.Config.Safety.SoftStartTime + 1) / controller.Config.ControlPeriod);
            for (long k = 0; k < limit; k++)
            {
                if (safety.State == SafetyState.Idle) safety.RequestStart();
                Tick();
                if (safety.State == SafetyState.Running) return robot.Time - t0;
                if (safety.State is not (SafetyState.Idle or SafetyState.SoftStart)) return double.NaN;
            }
            return double.NaN;
        }

        public ArmTargetResult Score(int index, double softStart, ManipulationConfig task)
        {
            var s = ArmScore.Of(robot, task);
            var safety = controller.Safety;
            bool running = safety.State == SafetyState.Running;
            return new ArmTargetResult(index, s.Success && running, s.PositionError, s.OrientationError, softStart, safety.State, safety.LastCause);
        }

        public ArmHilResult Result(List<ArmTargetResult> results) =>
            new(results, controller.Ticks, Median(_ticks), controller.Safety.State, controller.Safety.LastCause);
    }
}

/// <summary>One goal of an arm's run.</summary>
/// <param name="Index">Its place in the schedule.</param>
/// <param name="Success">Scored a success (<see cref="ArmScore"/>) with the safety layer still Running.</param>
/// <param name="PositionError">Reach: tool to target [m]; push: cube to target in x y [m]; at the end of its time.</param>
/// <param name="OrientationError">Reach: tool to target orientation [rad]; push: 0.</param>
/// <param name="SoftStartSeconds">Simulated time from the start request to Running [s]; NaN when it did not get there, 0 for a goal that needed no start.</param>
/// <param name="State">The safety layer's state when it was scored (Running unless a fault or a refused start ended it).</param>
/// <param name="Cause">The cause of the layer's last transition then.</param>
public sealed record ArmTargetResult(int Index, bool Success, double PositionError, double OrientationError, double SoftStartSeconds, SafetyState State, SafetyCause Cause);

/// <summary>What an arm's hardware-in-the-loop run gave.</summary>
/// <param name="Targets">Each goal, in order.</param>
/// <param name="Ticks">Control ticks run.</param>
/// <param name="TickMicroseconds">Median wall-clock time of one controller tick (read, kinematics, safety, policy when due, write) [µs].</param>
/// <param name="FinalState">The safety layer's state at the end.</param>
/// <param name="FinalCause">The cause of its last transition.</param>
public sealed record ArmHilResult(IReadOnlyList<ArmTargetResult> Targets, long Ticks, double TickMicroseconds, SafetyState FinalState, SafetyCause FinalCause)
{
    /// <summary>Fraction of goals scored a success.</summary>
    public double SuccessRate => Targets.Count == 0 ? double.NaN : (double)Targets.Count(t => t.Success) / Targets.Count;
    /// <summary>Mean final position error [m].</summary>
    public double MeanPositionError => Targets.Count == 0 ? double.NaN : Targets.Average(t => t.PositionError);
    /// <summary>Mean final orientation error [rad] (reach).</summary>
    public double MeanOrientationError => Targets.Count == 0 ? double.NaN : Targets.Average(t => t.OrientationError);
    /// <summary>Mean soft-start time over the starts that reached Running [s] (NaN when none did).</summary>
    public double SoftStartSeconds => Targets.Where(t => t.SoftStartSeconds > 0).Select(t => t.SoftStartSeconds).DefaultIfEmpty(double.NaN).Average();
    /// <summary>Goals that ended with the safety layer out of Running: a fault, or a start it refused.</summary>
    public int Faults => Targets.Count(t => t.State != SafetyState.Running);
}
