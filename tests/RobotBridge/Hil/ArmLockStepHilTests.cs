using Robotics.Deploy.RealTime;
using Robotics.Deploy.Runtime;
using Robotics.Deploy.Safety;
using Robotics.RobotBridge.Hil;
using Robotics.Sim.Evaluation;
using Robotics.Sim.Robots;
using Robotics.Sim.Tasks;
using Robotics.Sim.Tasks.Manipulation;
using Xunit.Abstractions;

namespace Robotics.RobotBridge.Tests.Hil;

public sealed class ArmLockStepHilTests(ITestOutputHelper output)
{
    private const int Episodes = 8;

    // The pretrained arm policy and the controller of its task's contract, the simulated arm at the controller's rate.
    private sealed class Rig : IDisposable
    {
        public Rig(string name)
        {
            Task = ManipulationTask.Load(TestPaths.Repo($"src/Sim/Tasks/Configs/{name}.toml"));
            Policy = OnnxPolicy.Load(TestPaths.Repo($"models/{name}.onnx"), Task.Actuators.JointNames);
            var contract = ((IPolicyContractSource)Task).PolicyContract();
            var limits = contract.Limits!;
            var safety = new SafetyConfig { PositionLower = limits.PositionLower, PositionUpper = limits.PositionUpper, VelocityLimits = limits.Velocity, TorqueLimits = contract.Drive.TorqueLimit };
            var config = ControllerConfig.FromContract(contract, safety);
            Robot = new SimulatedRobot(Task, new SimulatedRobotOptions { ControlPeriod = config.ControlPeriod });
            Controller = new Controller(config, Policy, Robot);
        }

        public ManipulationTask Task { get; }
        public OnnxPolicy Policy { get; }
        public SimulatedRobot Robot { get; }
        public Controller Controller { get; }

        public void Dispose()
        {
            Robot.Dispose();
            Policy.Dispose();
            Task.Dispose();
        }
    }

    private void Compare(string name, double minSuccess)
    {
        using var rig = new Rig(name);
        var schedule = ArmSchedule.Sample(rig.Task.Config, Episodes, seed: 0);
        var hil = LockStepHil.RunEpisodes(rig.Controller, rig.Robot, schedule);
        // The evaluator on the same starts and goals: nominal dynamics, one environment per episode, the same seed.
        var eval = ManipulationEvaluator.Run(EvaluationConditions.Under(EvaluationCondition.Nominal, rig.Task.Config), Policies.Batch(rig.Policy),
            "nominal", Episodes, envs: Episodes, seed: 0);
        foreach (var t in hil.Targets)
            output.WriteLine($"episode {t.Index}: {(t.Success ? "success" : "failure")}, error {t.PositionError * 1000:0.0} mm, {t.OrientationError:0.000} rad, soft start {t.SoftStartSeconds:0.000} s, {t.State} ({t.Cause})");
        output.WriteLine($"hil {hil.SuccessRate:P0} (error {hil.MeanPositionError * 1000:0.0} mm, {hil.MeanOrientationError:0.000} rad), eval {eval.SuccessRate:P0} " +
            $"(error {eval.FinalDistance * 1000:0.0} mm, {eval.FinalOrientationError:0.000} rad); {hil.Ticks} ticks, tick p50 {hil.TickMicroseconds:0.0} µs");
        Assert.Equal(SafetyState.Running, hil.FinalState);
        Assert.Equal(0, hil.Faults);
        Assert.Equal(Episodes, hil.Targets.Count);
        Assert.All(hil.Targets, t => Assert.InRange(t.SoftStartSeconds, 1.99, 2.02));
        Assert.True(Math.Abs(hil.SuccessRate - eval.SuccessRate) <= 0.05 + 1e-9, $"hil {hil.SuccessRate:P1} vs eval {eval.SuccessRate:P1}");
        Assert.True(hil.SuccessRate >= minSuccess, $"hil success {hil.SuccessRate:P1}");
    }

    [Fact]
    public void Reach_in_process_succeeds_as_eval_does_on_the_same_seeded_episodes() => Compare("panda_reach", 0.75);

    // The push policy trained under the robot's command limiter (panda_push.toml's target_rate_limit): the Panda's rated
    // speeds bind in training as they do here, so the deploy path and eval see the same arm.
    [Fact]
    public void Push_in_process_succeeds_as_eval_does_on_the_same_seeded_episodes() => Compare("panda_push", 0.75);

    [Fact]
    public void The_schedule_is_the_tasks_own_draw_for_the_seed()
    {
        using var task = ManipulationTask.Load(TestPaths.Repo("src/Sim/Tasks/Configs/panda_push.toml"));
        var a = ArmSchedule.Sample(task.Config, 4, seed: 3);
        var b = ArmSchedule.Sample(task.Config, 4, seed: 3);
        var c = ArmSchedule.Sample(task.Config, 4, seed: 4);
        Assert.Equal(a.Episodes.Select(e => e.TargetPosition[0]), b.Episodes.Select(e => e.TargetPosition[0]));
        Assert.NotEqual(a.Episodes.Select(e => e.TargetPosition[0]), c.Episodes.Select(e => e.TargetPosition[0]));
        var cfg = task.Config;
        foreach (var e in a.Episodes)
        {
            // Base frame: the world's regions less the base position (0, 0, 0.4); the cube rests on the table (z 0.425 world).
            Assert.InRange(e.Cube[0], cfg.CubeMin[0], cfg.CubeMax[0]);
            Assert.InRange(e.Cube[1], cfg.CubeMin[1], cfg.CubeMax[1]);
            Assert.InRange(e.TargetPosition[0], cfg.PushTargetMin[0], cfg.PushTargetMax[0]);
            Assert.Equal(0.025, e.TargetPosition[2], 9);
            double d = Math.Sqrt(Math.Pow(e.TargetPosition[0] - e.Cube[0], 2) + Math.Pow(e.TargetPosition[1] - e.Cube[1], 2));
            Assert.True(d >= cfg.MinPushDistance, $"push of {d:0.000} m");
            for (int i = 0; i < e.StartJointPos.Length; i++) Assert.InRange(e.StartJointPos[i] - cfg.DefaultJointPos[i], -cfg.ResetJointNoise, cfg.ResetJointNoise);
        }
    }

    [Fact]
    public void Continuous_reach_moves_from_goal_to_goal_after_one_soft_start()
    {
        using var rig = new Rig("panda_reach");
        var schedule = ArmSchedule.Sample(rig.Task.Config, 4, seed: 1);
        var r = LockStepHil.RunContinuous(rig.Controller, rig.Robot, schedule, secondsPerTarget: 3);
        foreach (var t in r.Targets) output.WriteLine($"goal {t.Index}: {(t.Success ? "success" : "failure")}, {t.PositionError * 1000:0.0} mm, {t.OrientationError:0.000} rad");
        Assert.Equal(SafetyState.Running, r.FinalState);
        Assert.InRange(r.Targets[0].SoftStartSeconds, 1.99, 2.02);
        Assert.All(r.Targets.Skip(1), t => Assert.Equal(0, t.SoftStartSeconds));
        // One soft start (2 s) and 4 × 3 s of goals.
        Assert.InRange(r.Ticks, (2 + 12) / rig.Controller.Config.ControlPeriod, (2 + 12) / rig.Controller.Config.ControlPeriod + 5);
        Assert.True(r.SuccessRate >= 0.75, $"success {r.SuccessRate:P0}");
    }

    [Fact]
    public void A_fault_holds_the_arm_and_is_counted()
    {
        using var rig = new Rig("panda_reach");
        var schedule = ArmSchedule.Sample(rig.Task.Config, 2, seed: 0);
        bool silenced = false;
        var r = LockStepHil.RunEpisodes(rig.Controller, rig.Robot, schedule, tick =>
        {
            // Mid-way through the first episode, the joint states stop.
            if (!silenced && rig.Controller.Safety.State == SafetyState.Running && tick > 3000) { rig.Robot.SensorsSilent = true; silenced = true; }
            else if (silenced && rig.Controller.Safety.State == SafetyState.Hold) rig.Robot.SensorsSilent = false;
        });
        Assert.Equal(SafetyState.Hold, r.Targets[0].State);
        Assert.Equal(SafetyCause.StaleSensors, r.Targets[0].Cause);
        Assert.False(r.Targets[0].Success);
        Assert.Equal(SafetyState.Running, r.Targets[1].State);   // the next episode starts again from Idle
        Assert.Equal(1, r.Faults);
    }
}
