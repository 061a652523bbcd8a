using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;
using Robotics.Deploy.Safety;

namespace Robotics.Deploy.Tests.RealTime;

public class ControllerTests
{
    [Fact]
    public void Ten_thousand_loop_ticks_allocate_zero_bytes()
    {
        // A 12-joint quadruped-sized setup, Running with the policy every 10th tick, through the loop's Tick(), measuring state ages.
        var (c, robot, policy) = TestConfig.Running(TestConfig.Create(12) with { TrainedActionLatency = new LatencyRange { Low = 0, High = 0.005 } });
        robot.Timed = true;
        using var loop = new RealTimeLoop(c, new LoopConfig { FifoPriority = 0, LockMemory = false });
        for (int i = 0; i < 2_000; i++) loop.Tick();   // warm-up: every path has run (and been JIT-compiled)
        long runsBefore = c.PolicyRuns, writesBefore = robot.Writes, agesBefore = c.StateAge.Histogram.Count;

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) loop.Tick();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(SafetyState.Running, c.Safety.State);
        Assert.Equal(1_000, c.PolicyRuns - runsBefore);   // 10,000 ticks / decimation 10
        Assert.Equal(10_000, robot.Writes - writesBefore);       // one Write per tick
        Assert.Equal(10_000, c.StateAge.Histogram.Count - agesBefore);   // one state age per tick
        Assert.Equal(StateAgeClock.Stamp, c.StateAge.Clock);
        Assert.False(c.StateAge.Exceeds);   // read in the same tick it was stamped: far below 5 ms + 2 ms
        Assert.NotEqual(0f, policy.LastObservation[3 + 3 + 3]);   // the policy saw real joint positions, not zeros
    }

    [Fact]
    public void A_fault_tick_allocates_nothing_either()
    {
        // The trip path (transition + event into the ring + damping command) is on the hot path too.
        var (c, robot, _) = TestConfig.Running();
        robot.Orientation[0] = 1; robot.Orientation[1] = 0;
        for (int i = 0; i < 100; i++) c.Tick();
        robot.Orientation[0] = Math.Cos(0.6); robot.Orientation[1] = Math.Sin(0.6);   // tilt 1.2 rad > 0.8

        long before = GC.GetAllocatedBytesForCurrentThread();
        c.Tick();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(SafetyState.Damping, c.Safety.State);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Observation_is_built_by_the_training_code_with_scale_and_clip()
    {
        var config = TestConfig.Create(2);
        var (c, robot, policy) = TestConfig.Running(config, mirror: false);
        robot.Gyro[0] = 2; robot.Gyro[2] = -4;               // × 0.25 → 0.5, −1
        robot.Command[0] = 0.7;
        robot.JointPos[0] = 0.3; robot.JointPos[1] = -0.2;   // minus default 0.1 → 0.2, −0.3
        robot.JointVel[0] = 10;                              // × 0.05 → 0.5
        policy.Output = new[] { 0.4f, -0.8f };
        RunUntilPolicy(c);     // this policy tick writes action (0.4, −0.8) as the last action
        RunUntilPolicy(c);     // the next one observes it

        float[] expected =
        {
            0.5f, 0f, -1f,                  // base_ang_vel × 0.25
            -0f, -0f, -1f,                  // projected_gravity of the identity quaternion: (0, 0, −1)
            0.7f, 0f, 0f,                   // commands
            (float)(0.3 - 0.1), (float)(-0.2 - 0.1),   // joint_pos − default
            0.5f, 0f,                       // joint_vel × 0.05
            0.4f, -0.8f,                    // last_action
        };
        Assert.Equal(expected, policy.LastObservation);
        Assert.Equal(expected, c.Observation.ToArray());

        // The same numbers from ObservationBuilder directly, as the golden trace builds them.
        var builder = new ObservationBuilder(config.Observation, config.DefaultJointPos);
        var o = new float[builder.Dim];
        builder.Build(c.Frame, o);
        Assert.Equal(expected, o);
    }

    [Fact]
    public void Controller_refuses_a_policy_that_reads_a_height_scan_naming_the_missing_height_map()
    {
        var config = TestConfig.Create(2);
        var scanning = config with
        {
            Observation = new ObservationGroup("policy", new ObservationTerm[] { new("joint_pos", 2), new(ObservationWriter.HeightScan, 187) }),
        };
        var message = Assert.Throws<UserError>(() => new Controller(scanning, new FakePolicy(189, 2), new FakeRobot(2))).Message;
        Assert.Contains("'height_scan'", message);
        Assert.Contains("no height-map input", message);
    }

    [Fact]
    public void Controller_refuses_privileged_terms_and_observation_widths_that_do_not_fit_the_robot()
    {
        var config = TestConfig.Create(2);
        var privileged = config with { Observation = new ObservationGroup("policy", new ObservationTerm[] { new("base_lin_vel", 3) }) };
        Assert.Contains("'base_lin_vel' is not measured", Assert.Throws<UserError>(() => new Controller(privileged, new FakePolicy(3, 2), new FakeRobot(2))).Message);
        var narrow = new ObservationGroup("policy", new ObservationTerm[] { new("joint_pos", 1) });
        Assert.Contains("width 1, but a robot with 2 joints measures 2", Assert.Throws<UserError>(() => new ObservationBuilder(narrow, new double[2])).Message);
    }

    [Fact]
    public void Action_is_clipped_at_the_contract_bound_then_mapped_to_offset_plus_scale_times_action()
    {
        var config = TestConfig.Create(2) with { Action = new ActionSpec { Scale = new[] { 0.25, 0.25 }, Offset = new[] { 0.15, 0.05 }, Reference = ActionReference.Offset, Clip = 10 } };
        var (c, robot, policy) = TestConfig.Running(config);
        policy.Output = new[] { 0.4f, -50f };   // the second is clipped to −action.clip = −10
        RunUntilPolicy(c);
        Assert.Equal(new[] { 0.4f, -10f }, c.Action.ToArray());
        // targets: 0.15 + 0.25·0.4 = 0.25 (0.4 as a float is 0.4000000059…);  0.05 + 0.25·(−10) = −2.45
        Assert.Equal(0.15 + 0.25 * (double)0.4f, c.PolicyTargets[0], 15);
        Assert.Equal(0.25, c.PolicyTargets[0], 7);
        Assert.Equal(-2.45, c.PolicyTargets[1], 12);
        // What goes to the motors is then limited: −2.45 is clamped to the lower limit −1 and further by the
        // rate limit (0.2 rad per tick from the previous target) and the torque window (±30/20 = 1.5 rad around q).
        Assert.InRange(robot.Last.Position[1], -1, 1);
        Assert.Equal(new[] { 20.0, 20.0 }, robot.Last.Kp);
        Assert.Equal(new[] { 0.5, 0.5 }, robot.Last.Kd);
        Assert.Equal(new[] { 0.0, 0.0 }, robot.Last.Torque);
    }

    [Fact]
    public void A_non_finite_action_trips_and_holds_the_targets_and_the_last_action()
    {
        var (c, _, policy) = TestConfig.Running(mirror: false);
        policy.Output = new[] { 0.4f, -0.8f };
        RunUntilPolicy(c);
        var held = c.PolicyTargets.ToArray();
        policy.Output = new[] { 0.2f, float.NaN };
        RunUntilPolicy(c);
        Assert.Equal(SafetyState.Damping, c.Safety.State);
        Assert.Equal(SafetyCause.NonFiniteAction, c.Safety.LastCause);
        Assert.Equal(held, c.PolicyTargets.ToArray());
        Assert.Equal(new[] { 0.4f, -0.8f }, c.Action.ToArray());
    }

    [Fact]
    public void Policy_runs_every_decimation_ticks_from_the_first_running_tick_and_targets_are_held()
    {
        var config = TestConfig.Create(2) with { PolicyDecimation = 4 };
        var (c, _, policy) = TestConfig.Idle(config);
        c.Safety.RequestStart();
        int calls = policy.Calls;
        while (c.Safety.State != SafetyState.Running) c.Tick();
        Assert.Equal(calls + 1, policy.Calls);          // the tick that entered Running ran it
        for (int i = 0; i < 39; i++) c.Tick();          // 40 running ticks in all → runs at 0, 4, …, 36 = 10
        Assert.Equal(calls + 10, policy.Calls);
    }

    [Fact]
    public void Widths_that_do_not_fit_are_refused_before_anything_runs()
    {
        var config = TestConfig.Create(2);
        var robot = new FakeRobot(2);
        var e = Assert.Throws<UserError>(() => new Controller(config, new FakePolicy(14, 2), robot));
        Assert.Contains("reads 14 observation values", e.Message);
        Assert.Contains("has 15", e.Message);
        e = Assert.Throws<UserError>(() => new Controller(config, new FakePolicy(15, 3), robot));
        Assert.Contains("writes 3 actions", e.Message);
        e = Assert.Throws<UserError>(() => new Controller(config, new FakePolicy(15, 2), new FakeRobot(3)));
        Assert.Contains("robot has 3 joints", e.Message);
        e = Assert.Throws<UserError>(() => new Controller(config with { Kp = new[] { 20.0 } }, new FakePolicy(15, 2), robot));
        Assert.Contains("ControllerConfig.Kp has 1 values for 2 joints", e.Message);
    }

    // Ticks until the policy has run once more.
    internal static void RunUntilPolicy(Controller c)
    {
        long runs = c.PolicyRuns;
        for (int i = 0; i < 1000 && c.PolicyRuns == runs; i++) c.Tick();
        Assert.Equal(runs + 1, c.PolicyRuns);
    }
}
