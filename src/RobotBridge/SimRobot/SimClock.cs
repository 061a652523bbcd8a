using System.Diagnostics;
using Robotics.Deploy.RealTime;
using Robotics.Sim.Robots;

namespace Robotics.RobotBridge.SimRobot;

/// <summary>
/// How a simulated robot keeps time, whichever interface it speaks (ROS 2 joint topics, the Unitree low-level topics):
/// lock-step (one command, one control period, the new state) or the wall clock (absolute deadlines, the stepping
/// thread on SCHED_FIFO where the OS grants it, as hardware with its own CPU does not stall).
/// </summary>
internal sealed class SimClock(SimulatedRobot robot, SimRobotNodeOptions options)
{
    /// <summary>What the clock drives each period.</summary>
    /// <param name="Arrived">Set when a command may have arrived (the subscription's signal; lock-step waits on it).</param>
    /// <param name="TakeCommand">Takes the latest command when there is a usable one.</param>
    /// <param name="Apply">Applies the command taken.</param>
    /// <param name="Step">One control period and the new state published.</param>
    /// <param name="Silence">Lock-step without a command: publish the state again (a node may have matched after it went out).</param>
    /// <param name="Command">What a command is called, for the idle message ("joint command").</param>
    public sealed record Hooks(ManualResetEventSlim Arrived, Func<bool> TakeCommand, Action Apply, Action Step, Action Silence, string Command);

    /// <summary>Runs until the options' simulated seconds or <paramref name="cancel"/>; <paramref name="receiveScheduler"/> names how the DDS receive thread runs.</summary>
    public void Run(Hooks hooks, Func<string> receiveScheduler, Action<string> log, CancellationToken cancel)
    {
        // Like a robot's firmware, the simulated one must not pause its state stream: a path taken for the first time
        // mid-run (scoring the first goal when the next arrives) would otherwise wait for the JIT past an arm's 10 ms watchdog.
        JitWarmup.Prepare(typeof(SimClock).Assembly, "Robotics.RobotBridge.SimRobot", "Robotics.RobotBridge.Unitree", "Robotics.RobotBridge.Hil",
            "Robotics.RobotBridge.Ros2", "Robotics.RobotBridge.Dds", "Robotics.RobotBridge.Cdr");
        JitWarmup.Prepare(typeof(SimulatedRobot).Assembly, "Robotics.Sim.Robots");
        if (options.LockStep) { LockStep(hooks, log, cancel); return; }
        var gc = System.Runtime.GCSettings.LatencyMode;
        var setup = LinuxRealTime.Apply(new LoopConfig { FifoPriority = options.FifoPriority, LockMemory = false, LowLatencyGc = true });
        log($"scheduler: {setup.Scheduler}; receive thread {receiveScheduler()}");
        try { RealTime(hooks, cancel); }
        finally
        {
            if (setup.Fifo) LinuxRealTime.ResetScheduler();
            System.Runtime.GCSettings.LatencyMode = gc;
        }
    }

    // One command → one control period → the new state. Silence on the command side: the state again, up to the idle timeout.
    private void LockStep(Hooks h, Action<string> log, CancellationToken cancel)
    {
        var idle = Stopwatch.StartNew();
        var wall = Stopwatch.StartNew();
        double simStart = robot.Time, period = robot.ControlPeriod;
        while (robot.Time < options.Seconds - 1e-9 && !cancel.IsCancellationRequested)
        {
            if (!h.Arrived.Wait(50))
            {
                if (idle.Elapsed.TotalSeconds > options.IdleTimeout) { log($"no {h.Command} for {options.IdleTimeout:0.#} s: stopping"); return; }
                h.Silence();
                continue;
            }
            h.Arrived.Reset();
            if (!h.TakeCommand()) continue;
            idle.Restart();
            if (options.Pace > 0)
            {
                // The step this command asks for ends at simulated time Time + period: not before its wall-clock share.
                double ahead = (robot.Time + period - simStart) / options.Pace - wall.Elapsed.TotalSeconds;
                if (ahead > 0) LinuxRealTime.Sleep((long)(ahead * 1e9));
            }
            h.Apply();
            h.Step();
        }
    }

    // Wall-clock pacing against absolute deadlines: the latest command, one period, the new state.
    private void RealTime(Hooks h, CancellationToken cancel)
    {
        long period = (long)Math.Round(robot.ControlPeriod * Stopwatch.Frequency);
        long next = Stopwatch.GetTimestamp() + period;
        while (robot.Time < options.Seconds - 1e-9 && !cancel.IsCancellationRequested)
        {
            long wait = next - Stopwatch.GetTimestamp();
            if (wait > 0) LinuxRealTime.Sleep((long)(wait * 1e9 / Stopwatch.Frequency));
            next += period;
            if (h.TakeCommand()) h.Apply();
            h.Step();
        }
    }
}
