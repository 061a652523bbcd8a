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
    // The pretrained quadruped policy, its controller from the contract, the simulated Go1 at the controller's rate.
    private readonly LocomotionTask _task = LocomotionTask.Load(TestPaths.Repo("src/Sim/Tasks/Configs/go1_velocity.toml"));
    private OnnxPolicy? _policy;
    private SimulatedRobot? _robot;

    private (Controller Controller, SimulatedRobot Robot) Build()
    {
        _policy = OnnxPolicy.Load(TestPaths.Repo("models/go1_velocity.onnx"), _task.Actuators.JointNames);
        var config = ControllerConfig.FromContract(_policy.Contract);
        _robot = new SimulatedRobot(_task, new SimulatedRobotOptions { ControlPeriod = config.ControlPeriod });
        return (new Controller(config, _policy, _robot), _robot);
    }

    [Fact]
    public void The_exported_policy_soft_starts_then_tracks_the_command_schedule()
    {
        var (controller, robot) = Build();
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

    [Fact]
    public void An_e_stop_reaches_passive_motors_within_one_tick()
    {
        var (controller, robot) = Build();
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

    [Fact]
    public void Silent_sensors_trip_the_watchdog_into_damping()
    {
        var (controller, robot) = Build();
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

    public void Dispose()
    {
        _robot?.Dispose();
        _policy?.Dispose();
        _task.Dispose();
    }
}
