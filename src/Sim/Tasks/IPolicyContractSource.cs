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

    /// <summary>A legged robot: target = default pose + scale · action; commands vx, vy, yaw rate.</summary>
    public static PolicyContract Locomotion(LocomotionTask task)
    {
        var c = task.Config;
        var pd = task.Actuators;
        int n = pd.Count;
        return new PolicyContract
        {
            Robot = task.Robot.Name,
            Task = c.Name,
            JointNames = pd.JointNames.ToArray(),
            DefaultJointPos = c.DefaultJointPos.ToArray(),
            Action = new ActionSpec { Scale = Fill(n, c.ActionScale), Offset = c.DefaultJointPos.ToArray(), Reference = ActionReference.Offset },
            Drive = new DriveSpec { Kp = Fill(n, c.Kp), Kd = Fill(n, c.Kd), TorqueLimit = pd.Effort.ToArray() },
            Limits = Limits(pd),
            Control = new ControlTiming { PolicyPeriod = c.PhysicsDt * c.Decimation, Decimation = c.Decimation },
            Observation = Policy(task.ObservationGroups),
            Commands = new[]
            {
                new CommandRange("vx", "m/s", c.CommandVx.Low, c.CommandVx.High),
                new CommandRange("vy", "m/s", c.CommandVy.Low, c.CommandVy.High),
                new CommandRange("yaw_rate", "rad/s", c.CommandYawRate.Low, c.CommandYawRate.High),
            },
            Provenance = Unknown,
        }.Validate();
    }

    /// <summary>An arm: target = clamp(measured position + scale · action, limits); the goal is the command.</summary>
    public static PolicyContract Manipulation(ManipulationTask task)
    {
        var c = task.Config;
        var pd = task.Actuators;
        int n = pd.Count;
        var commands = c.Kind == ManipulationKind.Reach
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
            };
        return new PolicyContract
        {
            Robot = task.Robot.Name,
            Task = c.Name,
            JointNames = pd.JointNames.ToArray(),
            DefaultJointPos = c.DefaultJointPos.ToArray(),
            Action = new ActionSpec { Scale = Fill(n, c.ActionScale), Offset = new double[n], Reference = ActionReference.MeasuredPosition },
            Drive = new DriveSpec { Kp = c.Kp.ToArray(), Kd = c.Kd.ToArray(), TorqueLimit = pd.Effort.ToArray(), GravityCompensation = c.GravityCompensation },
            Limits = Limits(pd),
            Control = new ControlTiming { PolicyPeriod = c.PhysicsDt * c.Decimation, Decimation = c.Decimation },
            Observation = Policy(task.ObservationGroups),
            Commands = commands,
            Provenance = Unknown,
        }.Validate();
    }

    private static double[] Fill(int n, double value) => Enumerable.Repeat(value, n).ToArray();

    private static JointLimits Limits(PdActuators pd) => new()
    {
        PositionLower = pd.Lower.ToArray(), PositionUpper = pd.Upper.ToArray(), Velocity = pd.VelocityLimit.ToArray(),
    };

    // The policy group's terms; the training noise is kept (it documents what the policy was hardened against).
    private static ObservationTerm[] Policy(IReadOnlyList<ObservationGroup> groups) =>
        groups.Single(g => g.Name == ObservationGroup.Policy).Terms.ToArray();
}
