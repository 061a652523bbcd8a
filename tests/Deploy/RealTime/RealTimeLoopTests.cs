using Robotics.Deploy.RealTime;
using Robotics.Deploy.Safety;

namespace Robotics.Deploy.Tests.RealTime;

[Collection(TimingCollection.Name)]
public class RealTimeLoopTests
{
    // Tests run on a shared 2-core machine: no SCHED_FIFO or mlockall for the test process unless a test asks.
    private static readonly LoopConfig Quiet = new() { FifoPriority = 0, LockMemory = false };

    [Fact]
    public void Loop_keeps_its_period_on_its_own_thread_without_allocating()
    {
        var (c, robot, _) = TestConfig.Running();
        long ticks0 = c.Ticks;
        using var loop = new RealTimeLoop(c, Quiet with { WarmupTicks = 25 });
        loop.Start();
        Thread.Sleep(400);   // 0.4 s at 500 Hz ≈ 200 ticks
        loop.Stop();

        long ran = c.Ticks - ticks0;
        Assert.Null(loop.Failure);
        // Deadlines are absolute: never more than elapsed / period (+ start slack); fewer when a busy machine
        // makes the loop skip deadlines it missed.
        Assert.InRange(ran, 100, 205);
        Assert.Equal(ran - 25 - 1, loop.Histogram.Count);   // one period error per pair of measured wake-ups
        Assert.Equal(0, loop.AllocatedBytes);
        Assert.Equal(SafetyState.Running, c.Safety.State);
        Assert.NotNull(loop.Setup);
        Assert.Contains("SustainedLowLatency", loop.Setup!.GcLatency);
        Assert.Contains("not asked", loop.Setup.Scheduler);
        Assert.Throws<InvalidOperationException>(() => { loop.Start(); loop.Start(); });
        loop.Stop();
    }

    [Fact]
    public void A_slow_tick_is_an_overrun_logged_in_the_ring_and_missed_deadlines_are_skipped()
    {
        var (c, robot, _) = TestConfig.Running();
        TestConfig.Drain(c.Events);
        long slowAt = robot.Writes + 50;
        robot.OnRead = writes => { if (writes == slowAt) Thread.Sleep(7); };   // 7 ms in a 2 ms period
        using var loop = new RealTimeLoop(c, Quiet);
        loop.Start();
        Thread.Sleep(300);
        loop.Stop();

        Assert.True(loop.Overruns >= 1, $"overruns {loop.Overruns}");
        // The slow tick ends ≥ 7 ms after its own deadline, ≥ 5 ms after the next one: 5 ms late, and the
        // deadlines at +2, +4, +6 ms are skipped (⌊5 / 2⌋ + 1 = 3). A busy machine may add smaller overruns.
        var overrun = TestConfig.Drain(c.Events).Where(e => e.Kind == LoopEventKind.Overrun).MaxBy(e => e.Value);
        Assert.InRange(overrun.Value, 0.0045, 0.5);
        Assert.InRange(overrun.Joint, 3, 250);
        Assert.Contains("overrun", overrun.ToString());
        Assert.True(loop.Histogram.Max >= 0.005, $"max period error {loop.Histogram.Max}");
    }

    [Fact]
    public void A_failing_robot_stops_the_loop_after_a_damping_command()
    {
        var (c, robot, _) = TestConfig.Running();
        long failAt = robot.Writes + 20;
        robot.OnRead = writes => { if (writes >= failAt) throw new IOException("bus error"); };
        using var loop = new RealTimeLoop(c, Quiet);
        loop.Start();
        for (int i = 0; i < 200 && loop.IsRunning; i++) Thread.Sleep(10);
        Assert.False(loop.IsRunning);
        Assert.IsType<IOException>(loop.Failure);
        SafetyTriggerTests_Damping(robot.Last);
    }

    [Fact]
    public void Realtime_settings_are_granted_or_the_refusal_is_reported()
    {
        // Pinning to CPU 0 and SCHED_FIFO 10 for a 0.1 s run: either granted, or refused with the errno named.
        var (c, _, _) = TestConfig.Running();
        using var loop = new RealTimeLoop(c, Quiet with { CpuCore = 0, FifoPriority = 10 });
        loop.Start();
        Thread.Sleep(100);
        loop.Stop();
        var s = loop.Setup!;
        Assert.Matches(s.Fifo ? "^SCHED_FIFO priority 10$" : "SCHED_FIFO priority 10 refused: E[A-Z]+", s.Scheduler);
        Assert.Matches(s.Pinned ? "^pinned to CPU 0$" : "refused for CPU 0: E[A-Z]+", s.Affinity);

        // A CPU that does not exist is refused (EINVAL), and the loop still runs.
        var (c2, _, _) = TestConfig.Running();
        using var loop2 = new RealTimeLoop(c2, Quiet with { CpuCore = 1023 });
        long t0 = c2.Ticks;
        loop2.Start();
        Thread.Sleep(50);
        loop2.Stop();
        Assert.Contains("refused for CPU 1023: EINVAL", loop2.Setup!.Affinity);
        Assert.True(c2.Ticks > t0);
    }

    [Fact]
    public void Tick_by_hand_is_refused_while_the_thread_runs()
    {
        var (c, _, _) = TestConfig.Running();
        using var loop = new RealTimeLoop(c, Quiet);
        loop.Start();
        Assert.Throws<InvalidOperationException>(() => loop.Tick());
        loop.Stop();
        loop.Tick();
    }

    private static void SafetyTriggerTests_Damping(JointCommand cmd) => Robotics.Deploy.Tests.Safety.SafetyTriggerTests.AssertDampingCommand(cmd, kd: 1.5);
}
