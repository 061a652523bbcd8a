using Robotics.Deploy.Contract;
using Robotics.Sim.Robots;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Tasks.Manipulation;

namespace Robotics.Sim.Tasks;

/// <summary>
/// A task that can state the contract its policies run under on a robot: joints, action mapping, PD
/// drive, timing, observation layout, commands and the action latency it trains with. The exporter writes it into the ONNX file, adding
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
        }, task.Robot.RootLink).Validate();
    }

    /// <summary>
    /// An arm: target = clamp(measured position + scale · action, limits); the goal is the command, in the base frame
    /// (reach: the tool's position and its yaw from the default orientation; push: the cube's position on the table);
    /// the kinematic chain to the end effector from the URDF; the workspace box; every stop holds the arm.
    /// </summary>
    public static PolicyContract Manipulation(ManipulationTask task)
    {
        var c = task.Config;
        var b = c.BasePosition;
        CommandRange Axis(string name, int k, double low, double high) => new(name, "m", low - b[k], high - b[k]);
        double tableZ = ManipulationTask.TableTop + ManipulationTask.CubeHalf;
        var commands = c.Kind == TaskKind.Reach
            ? new[]
            {
                Axis("target_x", 0, c.TargetMin[0], c.TargetMax[0]),
                Axis("target_y", 1, c.TargetMin[1], c.TargetMax[1]),
                Axis("target_z", 2, c.TargetMin[2], c.TargetMax[2]),
                new CommandRange("target_yaw", "rad", c.TargetYaw.Low, c.TargetYaw.High),
            }
            : new[]
            {
                Axis("target_x", 0, c.PushTargetMin[0], c.PushTargetMax[0]),
                Axis("target_y", 1, c.PushTargetMin[1], c.PushTargetMax[1]),
                Axis("target_z", 2, tableZ, tableZ),   // the cube rests on the table
            };

        var workspace = Workspace(task);
        var robot = task.Robot;
        return (Contract(task, commands, robot.RootLink) with
        {
            Kinematics = new KinematicsSpec { BaseLink = robot.RootLink, EeLink = c.EeLink, Joints = robot.KinematicChainTo(c.EeLink).ToArray() },
            Workspace = workspace,
            Stop = StopBehavior.Hold,
        }).Validate();
    }

    /// <summary>
    /// The end effector's workspace box in the base frame: the sampled workspace (the target box, or the cube and target
    /// regions at the cube's height) with the tool's rest position, grown by the task's workspace margin.
    /// </summary>
    public static WorkspaceBox Workspace(ManipulationTask task)
    {
        var c = task.Config;
        var b = c.BasePosition;
        double tableZ = ManipulationTask.TableTop + ManipulationTask.CubeHalf;
        double[] lo, hi;
        if (c.Kind == TaskKind.Reach) { lo = c.TargetMin.ToArray(); hi = c.TargetMax.ToArray(); }
        else
        {
            lo = [Math.Min(c.CubeMin[0], c.PushTargetMin[0]), Math.Min(c.CubeMin[1], c.PushTargetMin[1]), tableZ];
            hi = [Math.Max(c.CubeMax[0], c.PushTargetMax[0]), Math.Max(c.CubeMax[1], c.PushTargetMax[1]), tableZ];
        }
        var rest = task.RestPosition.ToArray();
        return new WorkspaceBox
        {
            Min = Enumerable.Range(0, 3).Select(k => Math.Min(lo[k], rest[k]) - c.WorkspaceMargin - b[k]).ToArray(),
            Max = Enumerable.Range(0, 3).Select(k => Math.Max(hi[k], rest[k]) + c.WorkspaceMargin - b[k]).ToArray(),
        };
    }

    // What every PD task states alike: joints, the action map it trains with, drive, limits, timing, the policy group.
    private static PolicyContract Contract<T>(PdTask<T> task, CommandRange[] commands, string baseFrame) where T : PdTask<T>
    {
        var s = task.Settings;
        var pd = task.Actuators;
        var policy = task.ObservationGroups.Single(g => g.Name == ObservationGroup.Policy);
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
            Observation = policy.Terms.ToArray(),   // the training noise is kept: it documents what the policy was hardened against
            Commands = commands,
            Inputs = PolicyInputs.Defaults(policy.Terms.Select(t => t.Name), baseFrame),
            ActionLatency = TrainedLatency(s.Randomization, s.PhysicsDt),
            Provenance = Unknown,
        };
    }

    /// <summary>The action latency the policy trains with [s]: the physics steps the randomizer draws, times the physics step.</summary>
    internal static LatencyRange TrainedLatency(Randomization.RandomizationConfig randomization, double physicsDt)
    {
        var (low, high) = randomization.LatencySteps();
        return new LatencyRange { Low = low * physicsDt, High = high * physicsDt };
    }

    private static double[] Fill(int n, double value) => Enumerable.Repeat(value, n).ToArray();

    /// <summary>The joint limits of the actuators, in action order.</summary>
    internal static JointLimits Limits(PdActuators pd) => new()
    {
        PositionLower = pd.Lower.ToArray(), PositionUpper = pd.Upper.ToArray(), Velocity = pd.VelocityLimit.ToArray(),
    };
}
