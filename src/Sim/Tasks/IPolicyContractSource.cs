using Robotics.Deploy.Contract;
using Robotics.Sim.Robots;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Tasks.Manipulation;

namespace Robotics.Sim.Tasks;

/// <summary>
/// A task that can state the contract its policies run under on a robot: joints, action mapping, PD
/// drive, timing, observation layout and commands. The exporter writes it into the ONNX file, adding
/// the run id and source commit it knows (<see cref="Provenance"/> is left empty here).
/// </summary>
public interface IPolicyContractSource
{
    /// <summary>The contract of this task's policy group, without provenance.</summary>
    PolicyContract PolicyContract();
}

/// <summary>The contracts of the task kinds, built from their configs and robot descriptions.</summary>
internal static class PolicyContracts
{
    private static readonly Provenance Unknown = new() { RunId = "", SourceCommit = "" };

    /// <summary>A legged robot's action map: target = default pose + scale · clip(action).</summary>
    public static ActionSpec LocomotionAction(LocomotionConfig c, int n) =>
        new() { Scale = Fill(n, c.ActionScale), Offset = c.DefaultJointPos.ToArray(), Reference = ActionReference.Offset, Clip = c.ActionClip };

    /// <summary>An arm's action map: target = clamp(measured position + scale · clip(action), limits).</summary>
    public static ActionSpec ManipulationAction(ManipulationConfig c, int n) =>
        new() { Scale = Fill(n, c.ActionScale), Offset = new double[n], Reference = ActionReference.MeasuredPosition, Clip = c.ActionClip };

    /// <summary>A legged robot: target = default pose + scale · action; commands vx, vy, yaw rate.</summary>
    public static PolicyContract Locomotion(LocomotionTask task)
    {
        var c = task.Config;
        return Contract(task, new[]
        {
            new CommandRange("vx", "m/s", c.CommandVx.Low, c.CommandVx.High),
            new CommandRange("vy", "m/s", c.CommandVy.Low, c.CommandVy.High),
            new CommandRange("yaw_rate", "rad/s", c.CommandYawRate.Low, c.CommandYawRate.High),
        });
    }

    /// <summary>An arm: target = clamp(measured position + scale · action, limits); the goal is the command.</summary>
    public static PolicyContract Manipulation(ManipulationTask task)
    {
        var c = task.Config;
        return Contract(task, c.Kind == TaskKind.Reach
            ? new[]
            {
                new CommandRange("target_x", "m", c.TargetMin[0], c.TargetMax[0]),
                new CommandRange("target_y", "m", c.TargetMin[1], c.TargetMax[1]),
                new CommandRange("target_z", "m", c.TargetMin[2], c.TargetMax[2]),
                new CommandRange("target_yaw", "rad", c.TargetYaw.Low, c.TargetYaw.High),
            }
            : new[]
            {
                new CommandRange("target_x", "m", c.PushTargetMin[0], c.PushTargetMax[0]),
                new CommandRange("target_y", "m", c.PushTargetMin[1], c.PushTargetMax[1]),
            });
    }

    // What every PD task states alike: joints, the action map it trains with, drive, limits, timing, the policy group.
    private static PolicyContract Contract<T>(PdTask<T> task, CommandRange[] commands) where T : PdTask<T>
    {
        var s = task.Settings;
        var pd = task.Actuators;
        return new PolicyContract
        {
            Robot = task.Robot.Name,
            Task = s.Name,
            JointNames = pd.JointNames.ToArray(),
            DefaultJointPos = s.DefaultJointPos.ToArray(),
            Action = task.ActionMap.Spec,
            Drive = new DriveSpec { Kp = s.Kp.ToArray(), Kd = s.Kd.ToArray(), TorqueLimit = pd.Effort.ToArray(), GravityCompensation = s.GravityCompensation },
            Limits = Limits(pd),
            Control = new ControlTiming { PolicyPeriod = task.PolicyDt, Decimation = s.Decimation },
            Observation = task.ObservationGroups.Single(g => g.Name == ObservationGroup.Policy).Terms.ToArray(),   // the training noise is kept: it documents what the policy was hardened against
            Commands = commands,
            Provenance = Unknown,
        }.Validate();
    }

    private static double[] Fill(int n, double value) => Enumerable.Repeat(value, n).ToArray();

    /// <summary>The joint limits of the actuators, in action order.</summary>
    internal static JointLimits Limits(PdActuators pd) => new()
    {
        PositionLower = pd.Lower.ToArray(), PositionUpper = pd.Upper.ToArray(), Velocity = pd.VelocityLimit.ToArray(),
    };
}
