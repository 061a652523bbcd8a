using Robotics.Deploy.RealTime;
using Robotics.Deploy.Safety;
using Robotics.Deploy.Tests.RealTime;

namespace Robotics.Deploy.Tests.Safety;

public class SafetyTriggerTests
{
    public static TheoryData<string> Faults => new()
    {
        "nan_joint_pos", "inf_gyro", "tilt", "position", "velocity", "torque", "stop_request",
    };

    // Sets off one trigger on the robot (or the operator's side) of a Running controller; returns its expected cause.
    private static SafetyCause Inject(string fault, Controller c, FakeRobot robot)
    {
        switch (fault)
        {
            case "nan_joint_pos": robot.JointPos[1] = double.NaN; return SafetyCause.NonFiniteSensor;
            case "inf_gyro": robot.Gyro[2] = double.PositiveInfinity; return SafetyCause.NonFiniteSensor;
            // Rotation by 0.85 rad about x (limit 0.8): q = (cos 0.425, sin 0.425, 0, 0).
            case "tilt": robot.Orientation[0] = Math.Cos(0.425); robot.Orientation[1] = Math.Sin(0.425); return SafetyCause.Tilt;
            case "position": robot.Mirror = false; robot.JointPos[0] = 1.11; return SafetyCause.PositionLimit;   // upper 1 + margin 0.1
            case "velocity": robot.JointVel[1] = -30.5; return SafetyCause.VelocityLimit;                        // limit 20 × trip ratio 1.5
            case "torque": robot.JointTorque[0] = 37.6; return SafetyCause.TorqueLimit;                          // 30 × 1.25 = 37.5
            case "stop_request": c.Safety.RequestStop(); return SafetyCause.StopRequest;
            default: throw new ArgumentException(fault);
        }
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public void Each_fault_reaches_damping_within_the_tick_that_sees_it(string fault)
    {
        var (c, robot, _) = TestConfig.Running();
        for (int i = 0; i < 7; i++) c.Tick();   // somewhere between policy ticks
        TestConfig.Drain(c.Events);

        var cause = Inject(fault, c, robot);
        c.Tick();

        Assert.Equal(SafetyState.Damping, c.Safety.State);
        Assert.Equal(cause, c.Safety.LastCause);
        AssertDampingCommand(robot.Last, kd: 1.5);
        var e = Assert.Single(TestConfig.Drain(c.Events));
        Assert.Equal((LoopEventKind.Transition, SafetyState.Running, SafetyState.Damping, cause), (e.Kind, e.From, e.To, e.Cause));
        Assert.Equal(c.Ticks - 1, e.Tick);
    }

    [Fact]
    public void Limit_values_just_inside_do_not_trip()
    {
        var (c, robot, _) = TestConfig.Running(mirror: false);
        robot.JointPos[0] = 1.09;      // < 1 + 0.1
        robot.JointVel[1] = -29.9;     // < 20 × 1.5
        robot.JointTorque[0] = 37.4;   // < 37.5
        robot.Orientation[0] = Math.Cos(0.39); robot.Orientation[1] = Math.Sin(0.39);   // tilt 0.78 < 0.8
        for (int i = 0; i < 30; i++) c.Tick();
        Assert.Equal(SafetyState.Running, c.Safety.State);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EStop_input_or_request_reaches_EStop_within_one_tick_with_motors_passive(bool input)
    {
        var (c, robot, _) = TestConfig.Running();
        if (input) robot.EStopPressed = true; else c.Safety.RequestEStop();
        c.Tick();
        Assert.Equal(SafetyState.EStop, c.Safety.State);
        Assert.Equal(input ? SafetyCause.EStopInput : SafetyCause.EStopRequest, c.Safety.LastCause);
        AssertDampingCommand(robot.Last, kd: 0);   // passive: Kp = Kd = τ = 0
    }

    [Theory]
    [InlineData(SafetyState.Idle)]
    [InlineData(SafetyState.SoftStart)]
    [InlineData(SafetyState.Damping)]
    public void EStop_is_reached_from_every_other_state(SafetyState from)
    {
        var (c, robot, _) = TestConfig.Idle();
        if (from != SafetyState.Idle) { c.Safety.RequestStart(); c.Tick(); }
        if (from == SafetyState.Damping) { c.Safety.RequestStop(); c.Tick(); }
        Assert.Equal(from, c.Safety.State);
        robot.EStopPressed = true;
        c.Tick();
        Assert.Equal(SafetyState.EStop, c.Safety.State);
    }

    [Fact]
    public void Watchdog_trips_on_the_Nth_period_without_new_data()
    {
        // WatchdogPeriods = 3: the frame read at tick k repeats the sequence of tick k−1 ⇒ missed = 1, 2, 3.
        var (c, robot, _) = TestConfig.Running();
        robot.Frozen = true;
        c.Tick(); Assert.Equal(SafetyState.Running, c.Safety.State);   // missed 1
        c.Tick(); Assert.Equal(SafetyState.Running, c.Safety.State);   // missed 2
        Assert.False(c.Safety.SensorsStale);
        c.Tick();                                                       // missed 3 = N: stale, in this tick
        Assert.Equal(SafetyState.Damping, c.Safety.State);
        Assert.Equal(SafetyCause.StaleSensors, c.Safety.LastCause);
        AssertDampingCommand(robot.Last, kd: 1.5);

        // Fresh data again does not restart anything by itself, and start stays refused while stale.
        c.Safety.RequestReset(); c.Tick();
        Assert.Equal(SafetyState.Idle, c.Safety.State);
        c.Safety.RequestStart(); c.Tick();
        Assert.Equal(SafetyState.Idle, c.Safety.State);
        robot.Frozen = false;
        c.Safety.RequestStart(); c.Tick();
        Assert.Equal(SafetyState.SoftStart, c.Safety.State);
    }

    [Fact]
    public void Non_finite_observation_trips_on_the_policy_tick_that_builds_it()
    {
        // A command of 1e300 m/s is a finite double but becomes +∞ as the observation's float.
        var (c, robot, policy) = TestConfig.Running();
        ControllerTests.RunUntilPolicy(c);
        for (int i = 0; i < 9; i++) c.Tick();   // the next tick is a policy tick (decimation 10)
        int calls = policy.Calls;
        robot.Command[0] = 1e300;
        c.Tick();
        Assert.Equal(SafetyState.Damping, c.Safety.State);
        Assert.Equal(SafetyCause.NonFiniteObservation, c.Safety.LastCause);
        Assert.Equal(calls, policy.Calls);    // the policy never saw it
        AssertDampingCommand(robot.Last, kd: 1.5);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.NegativeInfinity)]
    public void Non_finite_action_trips_before_it_reaches_a_target(float bad)
    {
        var (c, robot, policy) = TestConfig.Running();
        var targets = c.PolicyTargets.ToArray();
        policy.Output = new[] { 0.1f, bad };
        ControllerTests.RunUntilPolicy(c);
        Assert.Equal(SafetyState.Damping, c.Safety.State);
        Assert.Equal(SafetyCause.NonFiniteAction, c.Safety.LastCause);
        Assert.Equal(targets, c.PolicyTargets.ToArray());   // nothing of that action was used
        AssertDampingCommand(robot.Last, kd: 1.5);
        Assert.All(robot.Last.Position, p => Assert.True(double.IsFinite(p)));
    }

    [Fact]
    public void Start_is_refused_while_a_trigger_is_active_and_the_refusal_is_logged()
    {
        var (c, robot, _) = TestConfig.Idle();
        robot.Orientation[0] = Math.Cos(0.5); robot.Orientation[2] = Math.Sin(0.5);   // tilt 1.0 about y
        TestConfig.Drain(c.Events);
        c.Safety.RequestStart();
        c.Tick();
        Assert.Equal(SafetyState.Idle, c.Safety.State);
        var e = Assert.Single(TestConfig.Drain(c.Events));
        Assert.Equal((LoopEventKind.Refused, SafetyCause.Tilt), (e.Kind, e.Cause));
        Assert.Equal(1.0, e.Value, 9);
        Assert.Contains("refused in Idle (Tilt", e.ToString());
    }

    internal static void AssertDampingCommand(JointCommand cmd, double kd)
    {
        Assert.All(cmd.Kp, v => Assert.Equal(0, v));
        Assert.All(cmd.Kd, v => Assert.Equal(kd, v));
        Assert.All(cmd.Torque, v => Assert.Equal(0, v));
    }
}
