using Robotics.Deploy.Contract;
using Robotics.Sim.Randomization;
using Robotics.Sim.Tasks;
using Robotics.Sim.Tasks.Manipulation;

namespace Robotics.Sim.Tests.Tasks;

public class PolicyContractSourceTests
{
    [Fact]
    public void Go1_states_its_joints_drive_timing_layout_and_commands()
    {
        using var task = LocomotionTaskTests.Nominal();
        var c = ((IPolicyContractSource)task).PolicyContract();
        Assert.Equal("go1", c.Robot);
        Assert.Equal("go1_velocity", c.Task);
        Assert.Equal(task.Actuators.JointNames, c.JointNames);
        Assert.Equal(task.Config.DefaultJointPos, c.DefaultJointPos);
        // target = default + 0.25 · action (go1_velocity.toml [control])
        Assert.Equal(ActionReference.Offset, c.Action.Reference);
        Assert.Equal(task.Config.DefaultJointPos, c.Action.Offset);
        Assert.All(c.Action.Scale, s => Assert.Equal(0.25, s));
        Assert.All(c.Drive.Kp, k => Assert.Equal(35.0, k));
        Assert.All(c.Drive.Kd, k => Assert.Equal(0.5, k));
        Assert.Equal(task.Actuators.Effort, c.Drive.TorqueLimit);
        Assert.Equal(task.Actuators.Lower, c.Limits!.PositionLower);
        Assert.Equal(task.Actuators.VelocityLimit, c.Limits.Velocity);
        // 0.005 s × 4 = 0.02 s (50 Hz)
        Assert.Equal(0.02, c.Control.PolicyPeriod, 12);
        Assert.Equal(4, c.Control.Decimation);
        Assert.Equal(task.ObservationGroups[0].Terms, c.Observation);
        Assert.Equal(45, c.ObservationDim);
        Assert.Equal(new[] { "vx", "vy", "yaw_rate" }, c.Commands.Select(x => x.Name));
        Assert.Equal((-0.5, 0.5), (c.Commands[1].Low, c.Commands[1].High));
        Assert.Equal("", c.Provenance.RunId);   // the exporter fills it in
        Assert.Equal(new LatencyRange { Low = 0, High = 0 }, c.ActionLatency);   // no randomization: trained without latency
        // It survives its own JSON.
        Assert.Equal(c.ToJson(), PolicyContract.FromJson(c.ToJson(), "go1").ToJson());
    }

    [Fact]
    public void Panda_reach_moves_relative_to_measured_positions()
    {
        using var task = ManipulationTask.Load(TestPaths.Repo("src/Sim/Tasks/Configs/panda_reach.toml"));
        var c = ((IPolicyContractSource)task).PolicyContract();
        Assert.Equal(7, c.JointCount);
        Assert.Equal(ActionReference.MeasuredPosition, c.Action.Reference);
        Assert.All(c.Action.Offset, o => Assert.Equal(0.0, o));
        Assert.Equal(new[] { 400.0, 400, 400, 400, 150, 100, 50 }, c.Drive.Kp);
        Assert.True(c.Drive.GravityCompensation);
        // 0.002 s × 10 = 0.02 s
        Assert.Equal(0.02, c.Control.PolicyPeriod, 12);
        Assert.Equal(new[] { "joint_pos", "joint_vel", "ee_to_target", "orientation_error", "last_action" }, c.Observation.Select(t => t.Name));
        Assert.Equal(new[] { "target_x", "target_y", "target_z", "target_yaw" }, c.Commands.Select(x => x.Name));
        // Ranges in the base frame: the world's target box shifted by the base position (0, 0, 0.4).
        Assert.Equal(0.55 - 0.4, c.Command("target_z")!.Low, 12);
        // Every term is built from the frame: the robot computes the end effector's pose from the contract's chain.
        Assert.Empty(new ObservationBuilder(c).ExternalTerms);
        Assert.Equal(new[] { "target_pose" }, c.Inputs.Select(i => i.Name));
        Assert.Equal(task.Robot.RootLink, c.Input(InputKind.TargetPose)!.Frame);
        Assert.Equal(7, c.BuildKinematics()!.Joints.Count(j => j.Type != Robotics.Deploy.Kinematics.KinematicJointType.Fixed));
        Assert.Equal(StopBehavior.Hold, c.Stop);
        // randomization.action_latency = "=U(0, 5)" physics steps of 2 ms, drawn as ⌊U(0, 5)⌋: 0 to 4 steps.
        Assert.Equal(0, c.ActionLatency!.Low);
        Assert.Equal(0.008, c.ActionLatency.High, 12);
        // The workspace holds the target box and the tool at the default pose, with the margin.
        var rest = task.RestPosition.ToArray();
        for (int k = 0; k < 3; k++) rest[k] -= task.Config.BasePosition[k];
        Assert.True(c.Workspace!.Contains(rest));
        Assert.True(c.Workspace.Contains([0.6 + 0.09, 0.25 + 0.09, 0.85 - 0.4 + 0.09]));
        Assert.False(c.Workspace.Contains([0.6 + 0.11, 0, 0.3]));
        // Round trip through JSON keeps all of it.
        var back = PolicyContract.FromJson(c.ToJson(), "test");
        Assert.Equal(c.Kinematics!.Joints.Length, back.Kinematics!.Joints.Length);
        Assert.Equal(c.Workspace.Min, back.Workspace!.Min);
        Assert.Equal(StopBehavior.Hold, back.Stop);
    }

    [Theory]
    [InlineData(SampleOp.Set, 0, 2, 0, 1)]      // ⌊U(0, 2)⌋ never reaches 2
    [InlineData(SampleOp.Set, 0.5, 2.5, 0, 2)]
    [InlineData(SampleOp.Add, 3, 3, 3, 3)]      // a fixed latency (held-out: +k steps)
    [InlineData(SampleOp.Scale, 1, 2, 0, 0)]    // scales the nominal 0
    public void The_latency_steps_are_those_the_randomizer_draws(SampleOp op, double low, double high, int fewest, int most)
    {
        var r = new Robotics.Sim.Randomization.RandomizationConfig { ActionLatency = new Sampled(op, low, high) };
        Assert.Equal((fewest, most), r.LatencySteps());
        Assert.Equal((0, 0), new Robotics.Sim.Randomization.RandomizationConfig().LatencySteps());
        var draws = new HashSet<int>();
        var rng = new Robotics.Sim.Random.Rng(7);
        for (int i = 0; i < 2000; i++) draws.Add((int)Math.Floor(r.ActionLatency!.Apply(0, ref rng)));
        Assert.Equal(fewest, draws.Min());
        Assert.Equal(most, draws.Max());
    }
}
