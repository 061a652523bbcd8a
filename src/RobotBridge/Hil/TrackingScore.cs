using Robotics.Sim.Robots;

namespace Robotics.RobotBridge.Hil;

/// <summary>
/// Velocity tracking as <c>robotics eval</c> scores it, from the simulated robot's ground truth: the mean of
/// |v*xy − vxy| [m/s] and |ω*z − ωz| [rad/s] over the samples taken, and whether the robot fell (base below
/// <see cref="FallHeight"/>).
/// </summary>
public sealed class TrackingScore
{
    private readonly double[] _v = new double[3];
    private double _lin, _yaw;

    /// <summary>Base height [m] below which the robot counts as fallen.</summary>
    public double FallHeight { get; init; } = 0.12;
    /// <summary>Samples taken.</summary>
    public long Samples { get; private set; }
    /// <summary>Mean linear-velocity error [m/s].</summary>
    public double LinVelError => Samples > 0 ? _lin / Samples : double.NaN;
    /// <summary>Mean yaw-rate error [rad/s].</summary>
    public double YawRateError => Samples > 0 ? _yaw / Samples : double.NaN;
    /// <summary>The base went below <see cref="FallHeight"/> at some sample.</summary>
    public bool Fell { get; private set; }

    /// <summary>Scores the robot's state against the command it was given.</summary>
    public void Sample(SimulatedRobot robot, CommandStep command)
    {
        robot.BaseLinearVelocity(_v);
        double dx = command.Vx - _v[0], dy = command.Vy - _v[1];
        _lin += Math.Sqrt(dx * dx + dy * dy);
        _yaw += Math.Abs(command.YawRate - robot.BaseAngularVelocityZ);
        Samples++;
        if (robot.BaseHeight < FallHeight) Fell = true;
    }
}
