using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;
using Robotics.Deploy.Safety;

namespace Robotics.Deploy.Tests.RealTime;

/// <summary>The controller running an arm contract: measured-position actions, forward kinematics, clamps, the workspace.</summary>
public class ArmControllerTests
{
    // The arm of ArmConfig as an exported contract (version 1.2).
    private static PolicyContract Contract() => new()
    {
        Robot = "planar_arm",
        Task = "reach",
        JointNames = new[] { "j0", "j1" },
        DefaultJointPos = ArmConfig.Rest.ToArray(),
        Action = new ActionSpec { Scale = new[] { 0.5, 0.5 }, Offset = new double[2], Reference = ActionReference.MeasuredPosition },
        Drive = new DriveSpec { Kp = new[] { 20.0, 20 }, Kd = new[] { 0.5, 0.5 }, TorqueLimit = new[] { 30.0, 30 }, GravityCompensation = true },
        Limits = new JointLimits { PositionLower = new[] { -2.5, -2.5 }, PositionUpper = new[] { 2.5, 2.5 }, Velocity = new[] { 20.0, 20 } },
        Control = new ControlTiming { PolicyPeriod = 0.02, Decimation = 10 },
        Observation = ArmConfig.Group.Terms.ToArray(),
        Commands = ArmConfig.Commands,
        Inputs = ArmConfig.Create().Inputs,
        Kinematics = ArmConfig.Kinematics,
        Workspace = new WorkspaceBox { Min = new[] { 0.2, -0.6, 0.2 }, Max = new[] { 0.8, 0.6, 0.4 } },
        Stop = StopBehavior.Hold,
        Provenance = new Provenance { RunId = "", SourceCommit = "" },
    };

    [Fact]
    public void An_arm_contract_gives_a_controller_config_with_its_inputs_kinematics_workspace_commands_and_hold()
    {
        var contract = Contract().Validate();
        var config = ControllerConfig.FromContract(contract);
        Assert.Equal(ActionReference.MeasuredPosition, config.Action.Reference);
        Assert.Equal(contract.Inputs, config.Inputs);
        Assert.Equal(contract.Commands, config.Commands);
        Assert.Same(contract.Kinematics, config.Kinematics);
        Assert.Same(contract.Workspace, config.Workspace);
        Assert.Equal(StopBehavior.Hold, config.Stop);
        Assert.Equal(0.002, config.ControlPeriod, 15);

        var c = new Controller(config, new FakePolicy(config.Observation.Dim, 2), new FakeRobot(2));
        Assert.Equal(contract.BuildKinematics()!.Joints, c.Safety.Kinematics!.Joints);
    }

    [Fact]
    public void An_arm_contract_without_kinematics_is_refused_saying_to_export_it_again()
    {
        // A 1.1 arm contract: no chain, no workspace, stop not stated.
        var old = Contract() with
        {
            ContractVersion = "1.1", Kinematics = null, Workspace = null, Stop = StopBehavior.Damp,
            Observation = new[] { new ObservationTerm("joint_pos", 2), new ObservationTerm("target_pos", 3) },
            Commands = ArmConfig.Commands[..3],
        };
        var e = Assert.Throws<UserError>(() => ControllerConfig.FromContract(old.Validate()));
        Assert.Contains("policy contract of 'reach' (version 1.1) is an arm's but has no kinematic chain", e.Message);
        Assert.Contains("export the policy again", e.Message);
    }

    public static TheoryData<string, string> BadArmConfigs => new()
    {
        { "input_twice", "ControllerConfig.Inputs[1].Name = 'target_pose' appears twice" },
        { "unknown_input", "ControllerConfig.Inputs[0].Name = 'lidar' is not a known input" },
        { "max_age", "ControllerConfig.Inputs[1].MaxAge = 0 s ('object_pose'): must be positive" },
        { "range", "ControllerConfig.Commands[0] ('target_x') = [0.7, 0.3] m: must be finite with low ≤ high" },
        { "workspace_without_kinematics", "ControllerConfig.Workspace needs Kinematics" },
        { "yaw_without_kinematics", "ControllerConfig.Commands has 'target_yaw', which is relative to the tool's rest orientation: it needs Kinematics" },
        { "workspace_axis", "ControllerConfig.Workspace axis z = [0.4, 0.2] m" },
        { "chain_joint", "ControllerConfig.Kinematics: kinematic chain: moving joint 'elbow' is not among the policy's joints (j0, j1)" },
    };

    [Theory]
    [MemberData(nameof(BadArmConfigs))]
    public void Arm_config_errors_name_the_field(string bad, string message)
    {
        var good = ArmConfig.Create();
        var group = new ObservationGroup(ObservationGroup.Policy, new ObservationTerm[] { new("joint_pos", 2) });
        var config = bad switch
        {
            "input_twice" => good with { Inputs = new[] { good.Inputs[0], good.Inputs[0] } },
            "unknown_input" => good with { Inputs = new[] { good.Inputs[0] with { Name = "lidar" } } },
            "max_age" => good with { Inputs = new[] { good.Inputs[0], good.Inputs[1] with { MaxAge = 0 } } },
            "range" => good with { Commands = new[] { new CommandRange("target_x", "m", 0.7, 0.3) } },
            "workspace_without_kinematics" => good with { Observation = group, Commands = [], Kinematics = null },
            "yaw_without_kinematics" => good with { Observation = group, Workspace = null, Kinematics = null },
            "workspace_axis" => good with { Workspace = new WorkspaceBox { Min = new[] { 0.2, -0.6, 0.4 }, Max = new[] { 0.8, 0.6, 0.2 } } },
            "chain_joint" => good with { Kinematics = ArmConfig.Kinematics with { Joints = new[] { ArmConfig.Kinematics.Joints[0] with { Name = "elbow" } } } },
            _ => throw new ArgumentException(bad),
        };
        Assert.Contains(message, Assert.Throws<UserError>(() => config.Validate()).Message);
    }

    [Fact]
    public void Measured_position_targets_are_q_plus_scale_times_action_from_the_policy_tick_clamped_and_held_between()
    {
        var (c, robot, policy) = ArmConfig.Running(mirror: false);
        robot.JointPos[0] = 0.1; robot.JointPos[1] = 2.2;   // ee (0.231, 0.348, 0.3): inside the workspace
        policy.Output = new[] { 0.4f, 1f };
        ControllerTests.RunUntilPolicy(c);
        // q + 0.5 · a: 0.1 + 0.5 · 0.4 = 0.3; 2.2 + 0.5 · 1 = 2.7 → upper limit 2.5.
        Assert.Equal(0.1 + 0.5 * (double)0.4f, c.PolicyTargets[0], 15);
        Assert.Equal(2.5, c.PolicyTargets[1]);
        var held = c.PolicyTargets.ToArray();
        robot.JointPos[0] = 0.15;                      // the arm moves: the targets of the policy tick hold
        for (int i = 0; i < 9; i++) { c.Tick(); Assert.Equal(held, c.PolicyTargets.ToArray()); }
        c.Tick();                                      // the next policy tick maps from the new q
        Assert.Equal(0.15 + 0.5 * (double)0.4f, c.PolicyTargets[0], 15);
    }

    [Fact]
    public void The_frame_carries_the_end_effector_pose_of_the_measured_joints_and_the_policy_observes_it()
    {
        var (c, robot, policy) = ArmConfig.Running(mirror: false);
        robot.JointPos[0] = 0.3; robot.JointPos[1] = 1.2;
        ControllerTests.RunUntilPolicy(c);
        // ee = (0.5 cos 0.3 + 0.4 cos 1.5, 0.5 sin 0.3 + 0.4 sin 1.5, 0.3), R = Rz(1.5).
        double x = 0.5 * Math.Cos(0.3) + 0.4 * Math.Cos(1.5), y = 0.5 * Math.Sin(0.3) + 0.4 * Math.Sin(1.5);
        Assert.Equal(x, c.Frame.EePosition[0], 12);
        Assert.Equal(y, c.Frame.EePosition[1], 12);
        Assert.Equal(0.3, c.Frame.EePosition[2], 12);
        Assert.Equal(Math.Cos(1.5), c.Frame.EeRotation[0], 12);
        Assert.Equal(-Math.Sin(1.5), c.Frame.EeRotation[1], 12);
        int ee = ArmConfig.Group.Offset(ArmConfig.Group.IndexOf("ee_pos"));
        Assert.Equal((float)x, policy.LastObservation[ee]);
        // orientation_error: target Rz(π/2) vs tool Rz(1.5): (0, 0, π/2 − 1.5).
        int err = ArmConfig.Group.Offset(ArmConfig.Group.IndexOf("orientation_error"));
        Assert.Equal(Math.PI / 2 - 1.5, policy.LastObservation[err + 2], 6);
    }

    [Fact]
    public void Ten_thousand_arm_ticks_with_kinematics_clamps_and_the_workspace_allocate_zero_bytes()
    {
        // Every tick: forward kinematics, a new out-of-range target message (clamped, counted), the object streaming,
        // and a policy pushing the tool out of the workspace (held at the boundary by bisection).
        var (c, robot, policy) = ArmConfig.Running();
        using var loop = new RealTimeLoop(c, new LoopConfig { FifoPriority = 0, LockMemory = false });
        robot.TargetPosition[0] = 0.95;
        robot.Streaming[ArmConfig.TargetPose] = true;
        policy.Output = new[] { 0f, -2f };
        for (int i = 0; i < 2_000; i++) loop.Tick();   // warm-up: every path has run (and been JIT-compiled)
        long runs = c.PolicyRuns, inputClamps = c.Safety.InputClamps, workspaceClamps = c.Safety.WorkspaceClamps;

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) loop.Tick();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(SafetyState.Running, c.Safety.State);
        Assert.Equal(1_000, c.PolicyRuns - runs);
        Assert.Equal(10_000, c.Safety.InputClamps - inputClamps);           // one per message
        Assert.Equal(10_000, c.Safety.WorkspaceClamps - workspaceClamps);   // one per tick held at the boundary
        Assert.InRange(ArmConfig.EeX(robot.Last.Position), 0.8 - 1e-4, 0.8);

        // Entering Hold allocates nothing either.
        robot.EStopPressed = true;
        before = GC.GetAllocatedBytesForCurrentThread();
        loop.Tick();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(SafetyState.Hold, c.Safety.State);
    }
}
