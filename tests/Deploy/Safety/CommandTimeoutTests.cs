using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;
using Robotics.Deploy.Safety;
using Robotics.Deploy.Tests.RealTime;

namespace Robotics.Deploy.Tests.Safety;

/// <summary>
/// A velocity command without a new message for <see cref="SafetyConfig.CommandTimeout"/> becomes zero (stand still) and
/// comes back with the next message; clamping to the trained ranges stays on. At 2 ms per tick, 0.1 s is 50 ticks.
/// </summary>
public class CommandTimeoutTests
{
    private const int CmdVel = (int)InputKind.CmdVel;

    private static ControllerConfig Legged(double timeout = 0.1, bool readsCmdVel = true)
    {
        var c = TestConfig.Create();
        return c with
        {
            Safety = c.Safety with { CommandTimeout = timeout },
            Inputs = readsCmdVel ? [PolicyInputs.Default(InputKind.CmdVel, "base")] : [],
            Commands = [new CommandRange("vx", "m/s", -1, 1), new CommandRange("vy", "m/s", -0.5, 0.5), new CommandRange("yaw_rate", "rad/s", -1, 1)],
        };
    }

    private static void Send(FakeRobot robot, double vx, double vy, double yaw)
    {
        robot.Command[0] = vx; robot.Command[1] = vy; robot.Command[2] = yaw;
        robot.InputSequence[CmdVel]++;
    }

    [Fact]
    public void A_command_older_than_the_timeout_becomes_zero_on_the_tick_it_expires_and_returns_with_the_next_message()
    {
        var (c, robot, _) = TestConfig.Running(Legged());
        Assert.Equal(50, c.Safety.Inputs.CommandTimeoutTicks);
        Send(robot, 0.8, 0.2, -0.5);
        c.Tick();                                            // the message's tick: age 0
        for (int i = 1; i < 50; i++) c.Tick();               // ages 1 … 49: still the operator's command
        Assert.Equal(new[] { 0.8, 0.2, -0.5 }, c.Frame.Command);
        Assert.False(c.Safety.Inputs.CommandTimedOut);
        c.Tick();                                            // age 50 = 0.1 s: gone
        Assert.Equal(new[] { 0.0, 0.0, 0.0 }, c.Frame.Command);
        Assert.True(c.Safety.Inputs.CommandTimedOut);
        Assert.Equal(1, c.Safety.Inputs.CommandTimeouts);
        // The policy sees the zero command (the observation's commands slice), and the robot keeps running.
        for (int i = 0; i < 20; i++) c.Tick();
        Assert.Equal(SafetyState.Running, c.Safety.State);
        Assert.Equal(new[] { 0f, 0f, 0f }, c.Observation.Slice(6, 3).ToArray());

        Send(robot, 0.3, 0, 0);
        c.Tick();
        Assert.Equal(new[] { 0.3, 0.0, 0.0 }, c.Frame.Command);
        Assert.False(c.Safety.Inputs.CommandTimedOut);
        Assert.Equal(1, c.Safety.Inputs.CommandTimeouts);   // one silence, counted once

        var lines = new List<string>();
        while (c.Events.TryRead(out var e)) lines.Add(e.ToString());
        Assert.Contains(lines, l => l.Contains("cmd_vel timed out (no new message for 0.1 s): command zero"));
        Assert.Contains(lines, l => l.Contains("cmd_vel resumed"));
    }

    [Fact]
    public void A_command_that_keeps_coming_never_times_out_and_an_out_of_range_one_is_still_clamped()
    {
        var (c, robot, _) = TestConfig.Running(Legged());
        for (int i = 0; i < 500; i++)
        {
            if (i % 25 == 0) Send(robot, 50, 0, 0);          // a 50 m/s command every 50 ms
            c.Tick();
            Assert.Equal(1.0, c.Frame.Command[0]);
        }
        Assert.Equal(0, c.Safety.Inputs.CommandTimeouts);
        Assert.Equal(20, c.Safety.InputClamps);              // once per message
    }

    [Fact]
    public void A_policy_without_cmd_vel_has_no_command_timeout()
    {
        var (c, robot, _) = TestConfig.Running(Legged(readsCmdVel: false));
        Assert.Equal(0, c.Safety.Inputs.CommandTimeoutTicks);
        Send(robot, 0.5, 0, 0);
        for (int i = 0; i < 200; i++) c.Tick();
        Assert.Equal(0.5, c.Frame.Command[0]);
    }

    [Fact]
    public void The_timeout_is_validated()
    {
        var e = Assert.Throws<UserError>(() => Legged(timeout: 0).Validate());
        Assert.Contains("CommandTimeout = 0 s", e.Message);
    }
}
