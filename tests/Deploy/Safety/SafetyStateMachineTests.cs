using Robotics.Deploy.RealTime;
using Robotics.Deploy.Safety;
using Robotics.Deploy.Tests.RealTime;

namespace Robotics.Deploy.Tests.Safety;

public class SafetyStateMachineTests
{
    [Fact]
    public void Transition_table_allows_exactly_the_listed_edges()
    {
        var allowed = new HashSet<(SafetyState, SafetyState)>
        {
            (SafetyState.Idle, SafetyState.SoftStart),
            (SafetyState.SoftStart, SafetyState.Running),
            (SafetyState.SoftStart, SafetyState.Damping),
            (SafetyState.Running, SafetyState.Damping),
            (SafetyState.Damping, SafetyState.Idle),
            (SafetyState.Idle, SafetyState.EStop),
            (SafetyState.SoftStart, SafetyState.EStop),
            (SafetyState.Running, SafetyState.EStop),
            (SafetyState.Damping, SafetyState.EStop),
            (SafetyState.EStop, SafetyState.Idle),
            (SafetyState.Idle, SafetyState.Hold),        // an arm's e-stop
            (SafetyState.SoftStart, SafetyState.Hold),   // an arm's fault, stop or e-stop
            (SafetyState.Running, SafetyState.Hold),
            (SafetyState.Hold, SafetyState.Idle),
        };
        foreach (var from in Enum.GetValues<SafetyState>())
            foreach (var to in Enum.GetValues<SafetyState>())
                Assert.True(allowed.Contains((from, to)) == SafetyTransitions.IsAllowed(from, to), $"{from} → {to}");
    }

    [Fact]
    public void EStop_is_latched_until_released_and_reset_then_needs_a_new_start()
    {
        var (c, robot, _) = TestConfig.Running();
        robot.EStopPressed = true;
        c.Tick();
        Assert.Equal(SafetyState.EStop, c.Safety.State);

        robot.EStopPressed = false;              // released: still latched
        for (int i = 0; i < 20; i++) c.Tick();
        Assert.Equal(SafetyState.EStop, c.Safety.State);

        c.Safety.RequestStart(); c.Tick();       // start from EStop: refused
        Assert.Equal(SafetyState.EStop, c.Safety.State);

        robot.EStopPressed = true;               // reset while pressed: refused
        c.Safety.RequestReset(); c.Tick();
        Assert.Equal(SafetyState.EStop, c.Safety.State);

        robot.EStopPressed = false;
        c.Safety.RequestReset(); c.Tick();
        Assert.Equal(SafetyState.Idle, c.Safety.State);
        for (int i = 0; i < 20; i++) c.Tick();
        Assert.Equal(SafetyState.Idle, c.Safety.State);   // Idle stays Idle: no automatic restart
        AssertPassive(robot.Last);

        c.Safety.RequestStart(); c.Tick();
        Assert.Equal(SafetyState.SoftStart, c.Safety.State);

        var log = TestConfig.Drain(c.Events).Select(e => (e.Kind, e.From, e.To, e.Cause)).ToList();
        Assert.Equal(new[]
        {
            (LoopEventKind.Transition, SafetyState.Idle, SafetyState.SoftStart, SafetyCause.StartRequest),
            (LoopEventKind.Transition, SafetyState.SoftStart, SafetyState.Running, SafetyCause.SoftStartDone),
            (LoopEventKind.Transition, SafetyState.Running, SafetyState.EStop, SafetyCause.EStopInput),
            (LoopEventKind.Refused, SafetyState.EStop, SafetyState.EStop, SafetyCause.NotAllowed),
            (LoopEventKind.Refused, SafetyState.EStop, SafetyState.EStop, SafetyCause.EStopInput),
            (LoopEventKind.Transition, SafetyState.EStop, SafetyState.Idle, SafetyCause.ResetRequest),
            (LoopEventKind.Transition, SafetyState.Idle, SafetyState.SoftStart, SafetyCause.StartRequest),
        }, log);
    }

    [Fact]
    public void Damping_holds_until_reset_and_never_returns_to_running_directly()
    {
        var (c, robot, _) = TestConfig.Running();
        c.Safety.RequestStop(); c.Tick();
        Assert.Equal(SafetyState.Damping, c.Safety.State);
        c.Safety.RequestStart(); c.Tick();
        Assert.Equal(SafetyState.Damping, c.Safety.State);
        for (int i = 0; i < 50; i++) c.Tick();
        Assert.Equal(SafetyState.Damping, c.Safety.State);
        SafetyTriggerTests.AssertDampingCommand(robot.Last, kd: 1.5);
        c.Safety.RequestReset(); c.Tick();
        Assert.Equal(SafetyState.Idle, c.Safety.State);
        AssertPassive(robot.Last);
    }

    [Fact]
    public void A_fault_in_damping_or_idle_changes_nothing()
    {
        var (c, robot, _) = TestConfig.Idle();
        robot.JointVel[0] = 100;    // over the limit while Idle: no transition (start would be refused)
        c.Tick();
        Assert.Equal(SafetyState.Idle, c.Safety.State);
        robot.JointVel[0] = 0;
        c.Safety.RequestStart(); c.Tick();
        c.Safety.RequestStop(); c.Tick();
        robot.JointVel[0] = 100;
        c.Tick();
        Assert.Equal(SafetyState.Damping, c.Safety.State);
        Assert.Equal(SafetyCause.StopRequest, c.Safety.LastCause);
        Assert.Throws<ArgumentException>(() => c.Safety.Trip(SafetyCause.StartRequest));
    }

    [Fact]
    public void Requests_from_another_thread_are_applied_at_the_next_tick()
    {
        var (c, _, _) = TestConfig.Idle();
        var t = new Thread(() => c.Safety.RequestStart());
        t.Start(); t.Join();
        Assert.Equal(SafetyState.Idle, c.Safety.State);   // nothing happens between ticks
        c.Tick();
        Assert.Equal(SafetyState.SoftStart, c.Safety.State);
    }

    private static void AssertPassive(JointCommand cmd) => SafetyTriggerTests.AssertDampingCommand(cmd, kd: 0);
}
