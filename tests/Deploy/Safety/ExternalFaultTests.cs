using Robotics.Deploy.RealTime;
using Robotics.Deploy.Safety;
using Robotics.Deploy.Tests.RealTime;

namespace Robotics.Deploy.Tests.Safety;

/// <summary>A fault found outside the loop (another writer on the command topic) acts on the next tick and blocks a start.</summary>
public class ExternalFaultTests
{
    [Fact]
    public void Another_command_writer_sends_a_running_robot_to_damping_on_the_next_tick()
    {
        var (c, _, _) = TestConfig.Running();
        c.Safety.SetExternalFault(SafetyCause.ForeignWriter);
        c.Tick();
        Assert.Equal((SafetyState.Damping, SafetyCause.ForeignWriter), (c.Safety.State, c.Safety.LastCause));
        Assert.All(c.Command.Kp, kp => Assert.Equal(0, kp));   // that tick's command is already the damping one
    }

    [Fact]
    public void A_start_is_refused_while_the_condition_holds_and_allowed_once_it_is_cleared()
    {
        var (c, _, _) = TestConfig.Idle();
        c.Safety.SetExternalFault(SafetyCause.ForeignWriter);
        c.Safety.RequestStart();
        c.Tick();
        Assert.Equal(SafetyState.Idle, c.Safety.State);
        Assert.Equal(SafetyCause.ForeignWriter, c.Safety.LastRefused);
        c.Safety.SetExternalFault(SafetyCause.None);
        TestConfig.StartUntilRunning(c);
    }

    [Fact]
    public void Only_a_fault_can_be_set()
    {
        var (c, _, _) = TestConfig.Idle();
        Assert.Throws<ArgumentException>(() => c.Safety.SetExternalFault(SafetyCause.StartRequest));
    }
}
