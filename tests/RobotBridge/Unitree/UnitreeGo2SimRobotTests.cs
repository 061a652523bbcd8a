using Robotics.Deploy.RealTime;
using Robotics.RobotBridge.Messages.UnitreeGo;
using Robotics.RobotBridge.SimRobot;
using Robotics.RobotBridge.Unitree;

namespace Robotics.RobotBridge.Tests.Unitree;

/// <summary>The simulated Go2's reading of a LowCmd: the motor law it hands the simulated robot's PD path.</summary>
public sealed class UnitreeGo2SimRobotTests
{
    [Fact]
    public void A_servo_motor_takes_its_targets_and_a_velocity_target_becomes_feed_forward_torque()
    {
        var cmd = new LowCmd();
        Go2LowLevel.Initialize(cmd);
        var m = cmd.MotorCmd[5];
        m.Q = 0.8f; m.Dq = 2f; m.Kp = 30f; m.Kd = 0.5f; m.Tau = 1.5f;
        var into = new JointCommand(2);
        UnitreeGo2SimRobot.MotorLaw(cmd, [5, 6], into);
        // τ = 30·(0.8 − q) + 0.5·(2 − q̇) + 1.5 = 30·(0.8 − q) + 0.5·(0 − q̇) + (1.5 + 0.5·2)
        Assert.Equal((0.8f, 30.0, 0.5, 2.5), ((float)into.Position[0], into.Kp[0], into.Kd[0], into.Torque[0]));
        // Slot 6 as Initialize leaves it: servo mode, PosStopF and VelStopF, zero gains: no position or velocity term, no torque.
        Assert.Equal((0.0, 0.0, 0.0, 0.0), (into.Position[1], into.Kp[1], into.Kd[1], into.Torque[1]));
    }

    [Fact]
    public void The_sdks_no_target_values_switch_their_term_off_and_other_modes_are_passive()
    {
        var cmd = new LowCmd();
        Go2LowLevel.Initialize(cmd);
        // Damping as Unitree's examples write it: no position target, Kd only.
        var damp = cmd.MotorCmd[0];
        damp.Q = Go2LowLevel.PositionStop; damp.Dq = 0; damp.Kp = 40; damp.Kd = 3;
        // Velocity control: VelStopF off, a position term only.
        var pos = cmd.MotorCmd[1];
        pos.Q = -0.2f; pos.Dq = Go2LowLevel.VelocityStop; pos.Kp = 25; pos.Kd = 2; pos.Tau = 0.25f;
        // A passive motor ignores whatever else the frame says.
        var passive = cmd.MotorCmd[2];
        passive.Mode = Go2LowLevel.PassiveMode; passive.Q = 1; passive.Kp = 50; passive.Kd = 5; passive.Tau = 3;
        var into = new JointCommand(3);
        UnitreeGo2SimRobot.MotorLaw(cmd, [0, 1, 2], into);
        Assert.Equal((0.0, 3.0, 0.0), (into.Kp[0], into.Kd[0], into.Torque[0]));
        Assert.Equal((-0.2f, 25.0, 0.0, 0.25), ((float)into.Position[1], into.Kp[1], into.Kd[1], into.Torque[1]));
        Assert.Equal((0.0, 0.0, 0.0), (into.Kp[2], into.Kd[2], into.Torque[2]));
    }
}
