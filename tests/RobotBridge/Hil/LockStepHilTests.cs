using Robotics.Deploy.RealTime;
using Robotics.Deploy.Runtime;
using Robotics.Deploy.Safety;
using Robotics.RobotBridge.Hil;
using Robotics.Sim.Robots;
using Robotics.Sim.Tasks;
using Robotics.Sim.Tasks.Locomotion;
using Xunit.Abstractions;

namespace Robotics.RobotBridge.Tests.Hil;

public sealed class LockStepHilTests(ITestOutputHelper output) : IDisposable
{
    // A pretrained quadruped policy (the flat one, and the blind rough-terrain one), its controller from the contract, the
    // simulated Go1 at the controller's rate on the flat floor, or on a tile of the terrain grid.
    private LocomotionTask? _task;
    private OnnxPolicy? _policy;
    private SimulatedRobot? _robot;

    private (Controller Controller, SimulatedRobot Robot) Build(string policy, string task = "go1_velocity", (int Level, int Column)? tile = null)
    {
        _task = LocomotionTask.Load(TestPaths.Repo($"src/Sim/Tasks/Configs/{task}.toml"));
        _policy = OnnxPolicy.Load(TestPaths.Repo(policy), _task.Actuators.JointNames);
        var config = ControllerConfig.FromContract(_policy.Contract);
        _robot = new SimulatedRobot(_task, new SimulatedRobotOptions { ControlPeriod = config.ControlPeriod, Tile = tile });
        return (new Controller(config, _policy, _robot), _robot);
    }

    public static TheoryData<string> Policies => new() { "models/go1_velocity.onnx", "models/go1_rough.onnx" };

    [Theory]
    [MemberData(nameof(Policies))]
    public void The_exported_policy_soft_starts_then_tracks_the_command_schedule(string policy)
    {
        var (controller, robot) = Build(policy);
        var r = LockStepHil.Run(controller, robot, CommandSchedule.Walk(segment: 2.5));
        output.WriteLine($"soft start {r.SoftStartSeconds:0.000} s; lin vel err {r.LinVelError:0.000} m/s, yaw err {r.YawRateError:0.000} rad/s, fell {r.Fell}, {r.Ticks} ticks, tick p50 {r.TickMicroseconds:0.0} µs");
        output.WriteLine($"state {r.FinalState}, cause {controller.Safety.LastCause}");
        Assert.Equal(SafetyState.Running, r.FinalState);
        Assert.False(r.Fell);
        // The soft start lasts its configured 2 s (to the tick).
        Assert.InRange(r.SoftStartSeconds, controller.Config.Safety.SoftStartTime - 0.01, controller.Config.Safety.SoftStartTime + 0.02);
        // `robotics eval` measured 0.158 m/s for this policy under the training randomization; the nominal robot
        // with the deploy path in between should do about as well (a policy ignoring the commands scores ≈ 0.5).
        Assert.True(r.LinVelError < 0.25, $"lin vel error {r.LinVelError:0.000} m/s");
        Assert.True(r.YawRateError < 0.3, $"yaw rate error {r.YawRateError:0.000} rad/s");
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void An_e_stop_reaches_passive_motors_within_one_tick(string policy)
    {
        var (controller, robot) = Build(policy);
        long pressed = -1;
        var r = LockStepHil.Run(controller, robot, CommandSchedule.Walk(1), tick =>
        {
            if (pressed < 0 && controller.Safety.State == SafetyState.Running && controller.Ticks > 500) { robot.EStopPressed = true; pressed = controller.Ticks; }
        });
        Assert.Equal(SafetyState.EStop, r.FinalState);
        Assert.Equal(pressed + 1, controller.Ticks);   // the very tick that read the button
        Assert.All(controller.Command.Kp, kp => Assert.Equal(0, kp));
        Assert.All(controller.Command.Torque, t => Assert.Equal(0, t));
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void Silent_sensors_trip_the_watchdog_into_damping(string policy)
    {
        var (controller, robot) = Build(policy);
        long silenced = -1;
        var r = LockStepHil.Run(controller, robot, CommandSchedule.Walk(1), tick =>
        {
            if (silenced < 0 && controller.Safety.State == SafetyState.Running && controller.Ticks > 500) { robot.SensorsSilent = true; silenced = controller.Ticks; }
        });
        Assert.Equal(SafetyState.Damping, r.FinalState);
        Assert.Equal(SafetyCause.StaleSensors, controller.Safety.LastCause);
        Assert.Equal(silenced + controller.Config.Safety.WatchdogPeriods, controller.Ticks);
        Assert.All(controller.Command.Kp, kp => Assert.Equal(0, kp));
    }

    [Fact]
    public void The_rough_terrain_policy_walks_the_command_schedule_on_a_rough_tile_of_the_grid()
    {
        using (var probe = LocomotionTask.Load(TestPaths.Repo("src/Sim/Tasks/Configs/go1_rough.toml")))
        {
            var tile = Robotics.Sim.Terrain.TileChoice.Parse("random_rough:3", probe.Terrain!);
            var (controller, robot) = Build("models/go1_rough.onnx", "go1_rough", tile);
            var (cx, cy) = _task!.Terrain!.TileCenter(tile.Level, tile.Column);
            Assert.Equal(cx, robot.Data.Qpos[0]);
            Assert.Equal(cy, robot.Data.Qpos[1]);
            Assert.InRange(robot.BaseHeight, _task.Config.InitialHeight - 1e-9, _task.Config.InitialHeight + 1e-9);   // above the ground there, not z = 0
            var r = LockStepHil.Run(controller, robot, CommandSchedule.Walk(segment: 2.5));
            output.WriteLine($"random_rough:3: lin vel err {r.LinVelError:0.000} m/s, yaw err {r.YawRateError:0.000} rad/s, fell {r.Fell}, final base height {robot.BaseHeight:0.000} m over the ground");
            Assert.Equal(SafetyState.Running, r.FinalState);
            Assert.False(r.Fell);
            Assert.True(r.LinVelError < 0.3, $"lin vel error {r.LinVelError:0.000} m/s");
        }
    }

    public void Dispose()
    {
        _robot?.Dispose();
        _policy?.Dispose();
        _task?.Dispose();
    }
}
