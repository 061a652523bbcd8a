using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;
using Robotics.Deploy.Safety;
using Robotics.Deploy.Tests.RealTime;

namespace Robotics.Deploy.Tests.Safety;

/// <summary>The safety layer of an arm (stop = hold) on the planar two-link arm of <see cref="ArmConfig"/>.</summary>
public class ArmSafetyTests
{
    public static TheoryData<string> Faults => new()
    {
        "stale_object", "workspace", "nan_target", "nan_object", "velocity", "stop_request", "estop_input", "estop_request",
    };

    // Sets off one trigger on a Running arm; returns its expected cause.
    private static SafetyCause Inject(string fault, Controller c, FakeRobot robot)
    {
        switch (fault)
        {
            // The object's last message 5 ticks ago (max age 0.01 s / 2 ms): this tick is the 5th without one.
            case "stale_object": robot.Streaming[ArmConfig.ObjectPose] = false; for (int i = 0; i < 4; i++) c.Tick(); return SafetyCause.StaleInput;
            // q1 = 0.5: ee x = 0.5 + 0.4 cos 0.5 = 0.851 m, 0.051 m beyond x ≤ 0.8 (trip margin 0.01).
            case "workspace": robot.Mirror = false; robot.JointPos[1] = 0.5; return SafetyCause.WorkspaceExit;
            case "nan_target": robot.TargetRotation[4] = double.NaN; return SafetyCause.NonFiniteSensor;
            case "nan_object": robot.ObjectPosition[0] = double.PositiveInfinity; return SafetyCause.NonFiniteSensor;
            case "velocity": robot.JointVel[1] = -30.5; return SafetyCause.VelocityLimit;
            case "stop_request": c.Safety.RequestStop(); return SafetyCause.StopRequest;
            case "estop_input": robot.EStopPressed = true; return SafetyCause.EStopInput;
            case "estop_request": c.Safety.RequestEStop(); return SafetyCause.EStopRequest;
            default: throw new ArgumentException(fault);
        }
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public void Each_arm_trigger_reaches_Hold_within_the_tick_that_sees_it_holding_the_measured_position(string fault)
    {
        var (c, robot, _) = ArmConfig.Running();
        for (int i = 0; i < 7; i++) c.Tick();   // somewhere between policy ticks
        TestConfig.Drain(c.Events);

        var cause = Inject(fault, c, robot);
        c.Tick();

        Assert.Equal(SafetyState.Hold, c.Safety.State);
        Assert.Equal(cause, c.Safety.LastCause);
        var e = Assert.Single(TestConfig.Drain(c.Events));
        Assert.Equal((LoopEventKind.Transition, SafetyState.Running, SafetyState.Hold, cause), (e.Kind, e.From, e.To, e.Cause));
        Assert.Equal(c.Ticks - 1, e.Tick);
        // The measured joint positions of that tick, with the nominal drive (the driver adds gravity compensation).
        ArmConfig.AssertHoldCommand(robot.Last, c.Frame.JointPos);
        if (fault == "stale_object") Assert.Equal((ArmConfig.ObjectPose, 0.01), (e.Joint, Math.Round(e.Value, 12)));
        if (fault == "workspace") Assert.Equal(0.5 + 0.4 * Math.Cos(0.5) - 0.8, e.Value, 12);
    }

    [Fact]
    public void Hold_keeps_the_latched_position_while_the_arm_moves_and_is_left_only_by_a_reset_with_the_estop_released()
    {
        var (c, robot, _) = ArmConfig.Running(mirror: false);
        robot.JointPos[0] = 0.1; robot.JointPos[1] = 1.4;
        robot.EStopPressed = true;
        c.Tick();
        Assert.Equal(SafetyState.Hold, c.Safety.State);
        double[] latched = { 0.1, 1.4 };
        ArmConfig.AssertHoldCommand(robot.Last, latched);

        robot.JointPos[1] = 1.3;                   // sagging: the command does not follow
        robot.JointPos[0] = double.NaN;            // nor a sensor glitch (a fault in Hold changes nothing)
        for (int i = 0; i < 20; i++) c.Tick();
        Assert.Equal(SafetyState.Hold, c.Safety.State);
        ArmConfig.AssertHoldCommand(robot.Last, latched);
        robot.JointPos[0] = 0.1;

        c.Safety.RequestStart(); c.Tick();         // refused: Hold is latched
        c.Safety.RequestReset(); c.Tick();         // refused: the e-stop is still pressed
        Assert.Equal(SafetyState.Hold, c.Safety.State);
        robot.EStopPressed = false;
        c.Safety.RequestReset(); c.Tick();
        Assert.Equal(SafetyState.Idle, c.Safety.State);
        SafetyTriggerTests.AssertDampingCommand(robot.Last, kd: 0);

        var log = TestConfig.Drain(c.Events).SkipWhile(e => e.To != SafetyState.Hold).Select(e => (e.Kind, e.From, e.To, e.Cause));
        Assert.Equal(new[]
        {
            (LoopEventKind.Transition, SafetyState.Running, SafetyState.Hold, SafetyCause.EStopInput),
            (LoopEventKind.Refused, SafetyState.Hold, SafetyState.Hold, SafetyCause.NotAllowed),
            (LoopEventKind.Refused, SafetyState.Hold, SafetyState.Hold, SafetyCause.EStopInput),
            (LoopEventKind.Transition, SafetyState.Hold, SafetyState.Idle, SafetyCause.ResetRequest),
        }, log);
    }

    [Fact]
    public void A_non_finite_joint_position_holds_the_last_finite_one()
    {
        var (c, robot, _) = ArmConfig.Running(mirror: false);
        robot.JointPos[0] = 0.2;
        c.Tick();
        robot.JointPos[0] = double.NaN;
        c.Tick();
        Assert.Equal((SafetyState.Hold, SafetyCause.NonFiniteSensor), (c.Safety.State, c.Safety.LastCause));
        ArmConfig.AssertHoldCommand(robot.Last, new[] { 0.2, Math.PI / 2 });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_estop_in_Idle_goes_to_Hold_for_an_arm(bool input)
    {
        var (c, robot, _) = ArmConfig.Idle();
        if (input) robot.EStopPressed = true; else c.Safety.RequestEStop();
        c.Tick();
        Assert.Equal(SafetyState.Hold, c.Safety.State);
        ArmConfig.AssertHoldCommand(robot.Last, ArmConfig.Rest);
    }

    [Fact]
    public void A_start_without_a_received_input_is_refused_naming_it()
    {
        var (c, robot, _) = ArmConfig.Idle();
        robot.Streaming[ArmConfig.ObjectPose] = false;
        robot.InputSequence[ArmConfig.ObjectPose] = 0;   // no object pose yet
        TestConfig.Drain(c.Events);
        c.Safety.RequestStart();
        c.Tick();
        Assert.Equal(SafetyState.Idle, c.Safety.State);
        var e = Assert.Single(TestConfig.Drain(c.Events));
        Assert.Equal((LoopEventKind.Refused, SafetyCause.MissingInput, (int)InputKind.ObjectPose), (e.Kind, e.Cause, e.Joint));
        Assert.Contains("refused in Idle (MissingInput, input object_pose", e.ToString());

        // A setpoint (target_pose, no max age) is required once too.
        robot.Streaming[ArmConfig.ObjectPose] = true;
        robot.InputSequence[ArmConfig.TargetPose] = 0;
        c.Safety.RequestStart(); c.Tick();
        e = Assert.Single(TestConfig.Drain(c.Events));
        Assert.Equal((SafetyCause.MissingInput, (int)InputKind.TargetPose), (e.Cause, e.Joint));

        robot.InputSequence[ArmConfig.TargetPose] = 1;
        c.Safety.RequestStart(); c.Tick();
        Assert.Equal(SafetyState.SoftStart, c.Safety.State);
    }

    [Theory]
    [InlineData(0.01, 5)]
    [InlineData(0.05, 25)]    // 0.05 / 0.002 = 25.000000000000004 in doubles: still 25 ticks
    [InlineData(0.011, 6)]    // ceil(5.5)
    public void An_input_going_stale_trips_on_the_tick_its_max_age_is_reached_and_blocks_a_start(double maxAge, int ticks)
    {
        var (c, robot, _) = ArmConfig.Running(ArmConfig.Create(objectMaxAge: maxAge));
        robot.Streaming[ArmConfig.ObjectPose] = false;
        for (int i = 1; i < ticks; i++) { c.Tick(); Assert.Equal(SafetyState.Running, c.Safety.State); }
        c.Tick();
        Assert.Equal((SafetyState.Hold, SafetyCause.StaleInput), (c.Safety.State, c.Safety.LastCause));

        c.Safety.RequestReset(); c.Tick();
        Assert.Equal(SafetyState.Idle, c.Safety.State);
        TestConfig.Drain(c.Events);
        c.Safety.RequestStart(); c.Tick();         // still stale: refused
        var e = Assert.Single(TestConfig.Drain(c.Events));
        Assert.Equal((LoopEventKind.Refused, SafetyCause.StaleInput, ArmConfig.ObjectPose), (e.Kind, e.Cause, e.Joint));
        robot.Streaming[ArmConfig.ObjectPose] = true;
        c.Safety.RequestStart(); c.Tick();
        Assert.Equal(SafetyState.SoftStart, c.Safety.State);
    }

    [Fact]
    public void A_setpoint_input_never_goes_stale()
    {
        var (c, _, _) = ArmConfig.Running();   // target_pose arrived once, at the start, and never again
        for (int i = 0; i < 2_000; i++) c.Tick();
        Assert.Equal(SafetyState.Running, c.Safety.State);
    }

    [Fact]
    public void A_start_with_the_end_effector_outside_the_workspace_is_refused()
    {
        var (c, robot, _) = ArmConfig.Idle(mirror: false);
        robot.JointPos[1] = 0.5;   // ee x = 0.851 m
        c.Tick();
        TestConfig.Drain(c.Events);
        c.Safety.RequestStart(); c.Tick();
        var e = Assert.Single(TestConfig.Drain(c.Events));
        Assert.Equal((LoopEventKind.Refused, SafetyCause.WorkspaceExit), (e.Kind, e.Cause));
    }

    [Fact]
    public void The_end_effector_just_beyond_the_box_but_within_the_trip_margin_does_not_trip()
    {
        var (c, robot, _) = ArmConfig.Running(mirror: false);
        robot.JointPos[1] = Math.Acos(0.7625);   // cos q1 = 0.7625: ee x = 0.805 m, 5 mm beyond (margin 10 mm)
        Assert.Equal(0.805, ArmConfig.EeX(robot.JointPos), 12);
        for (int i = 0; i < 30; i++) c.Tick();
        Assert.Equal(SafetyState.Running, c.Safety.State);
        Assert.Equal(0.805, c.Frame.EePosition[0], 12);
    }

    [Fact]
    public void A_target_that_would_leave_the_workspace_is_held_at_the_boundary_and_counted_once_per_tick()
    {
        // Rate limit 1000 rad/s = 2 rad per tick and the torque window ±30/20 = 1.5 rad: only the workspace limits the step.
        // Rate limits out of the way (the global one and the joints' rated speeds): the boundary is what holds the target.
        var config = ArmConfig.Create() with { Safety = ArmConfig.Create().Safety with { RateLimit = 1000, VelocityLimits = [1000, 1000] } };
        var (c, robot, policy) = ArmConfig.Running(config);
        long before = c.Safety.WorkspaceClamps;
        policy.Output = new[] { 0f, -2f };
        ControllerTests.RunUntilPolicy(c);
        // q1 target = π/2 + 0.5 · (−2) = 0.571 rad: ee x = 0.5 + 0.4 cos 0.571 = 0.837 > 0.8. The boundary: cos q1 = 0.75,
        // q1 = 0.7227 rad; 12 bisection steps on the 1 rad step leave it at most 1/4096 rad inside (6.5e-5 m in x).
        Assert.Equal(Math.PI / 2 - 1, c.PolicyTargets[1], 12);
        Assert.InRange(robot.Last.Position[1], Math.Acos(0.75), Math.Acos(0.75) + 1.0 / 4096);
        Assert.InRange(ArmConfig.EeX(robot.Last.Position), 0.8 - 1e-4, 0.8);
        Assert.Equal(before + 1, c.Safety.WorkspaceClamps);

        for (int i = 0; i < 25; i++) c.Tick();    // the policy keeps pushing out: held there, counted each tick
        Assert.Equal(SafetyState.Running, c.Safety.State);
        Assert.Equal(before + 26, c.Safety.WorkspaceClamps);
        Assert.InRange(ArmConfig.EeX(robot.Last.Position), 0.8 - 1e-4, 0.8);

        policy.Output = new[] { 0f, 0.5f };        // back inside: no more clamps
        ControllerTests.RunUntilPolicy(c);
        long after = c.Safety.WorkspaceClamps;
        for (int i = 0; i < 30; i++) c.Tick();
        Assert.Equal(after, c.Safety.WorkspaceClamps);
        Assert.True(ArmConfig.EeX(robot.Last.Position) < 0.8 - 0.05);
    }
}
