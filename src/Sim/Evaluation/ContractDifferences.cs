using System.Globalization;
using Robotics.Deploy.Contract;

namespace Robotics.Sim.Evaluation;

/// <summary>
/// Where an exported policy's contract and the task it is evaluated on disagree, in words ("action.scale 0.5 vs 0.25": the contract's
/// value first). Evaluation runs the contract's default pose, action map, drive, timing and observation layout
/// (<see cref="Tasks.Locomotion.LocomotionConfig.UnderContract"/>); the joint and torque limits stay the simulated robot's (its URDF's),
/// and a difference there is listed as such.
/// </summary>
// DESIGN: the limits are not taken from the contract: they describe the robot's hardware, which the simulated model is, and the
// robot's safety layer (not the policy) enforces the contract's; a contract whose limits differ is a policy for another robot model.
public static class ContractDifferences
{
    /// <summary>The differences of <paramref name="contract"/> (the file's) from <paramref name="task"/> (the task file's), in contract field order.</summary>
    public static IReadOnlyList<string> Between(PolicyContract contract, PolicyContract task)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(task);
        var d = new List<string>();
        void Values(string field, double[]? a, double[]? b, string suffix = "")
        {
            if (a is null || b is null ? a != b : !a.AsSpan().SequenceEqual(b)) d.Add($"{field} {Show(a)} vs {Show(b)}{suffix}");
        }
        void Value<T>(string field, T a, T b)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b)) d.Add(string.Create(CultureInfo.InvariantCulture, $"{field} {a} vs {b}"));
        }
        Values("default_joint_pos", contract.DefaultJointPos, task.DefaultJointPos);
        Values("action.scale", contract.Action.Scale, task.Action.Scale);
        Values("action.offset", contract.Action.Offset, task.Action.Offset);
        Value("action.reference", contract.Action.Reference, task.Action.Reference);
        Value("action.clip", contract.Action.Clip, task.Action.Clip);
        Values("drive.kp", contract.Drive.Kp, task.Drive.Kp);
        Values("drive.kd", contract.Drive.Kd, task.Drive.Kd);
        Value("drive.gravity_compensation", contract.Drive.GravityCompensation, task.Drive.GravityCompensation);
        Values("drive.torque_limit", contract.Drive.TorqueLimit, task.Drive.TorqueLimit, " (the simulated robot's kept)");
        Values("limits.position_lower", contract.Limits?.PositionLower, task.Limits?.PositionLower, " (the simulated robot's kept)");
        Values("limits.position_upper", contract.Limits?.PositionUpper, task.Limits?.PositionUpper, " (the simulated robot's kept)");
        Values("limits.velocity", contract.Limits?.Velocity, task.Limits?.Velocity, " (the simulated robot's kept)");
        Value("control.policy_period", contract.Control.PolicyPeriod, task.Control.PolicyPeriod);
        Value("control.decimation", contract.Control.Decimation, task.Control.Decimation);
        string a = Layout(contract.Observation), b = Layout(task.Observation);
        if (a != b) d.Add($"observation {a} vs {b}");
        return d;
    }

    /// <summary>The one line eval prints: "contract differs from task file: …; …", or null when they agree.</summary>
    public static string? Line(PolicyContract contract, PolicyContract task) =>
        Between(contract, task) is { Count: > 0 } d ? $"contract differs from task file: {string.Join("; ", d)}" : null;

    // One value when all joints share it, else every joint's.
    private static string Show(double[]? v) => v switch
    {
        null => "absent",
        _ when v.Length > 0 && v.All(x => x == v[0]) => F(v[0]),
        _ => $"[{string.Join(" ", v.Select(F))}]",
    };

    private static string F(double x) => x.ToString("0.######", CultureInfo.InvariantCulture);

    // Terms in order with what scales them: "[joint_pos(12) joint_vel(12)×0.05 …]" (noise and clip where set).
    private static string Layout(IEnumerable<ObservationTerm> terms) =>
        $"[{string.Join(" ", terms.Select(t => string.Create(CultureInfo.InvariantCulture,
            $"{t.Name}({t.Width}){(t.Scale != 1 ? $"×{t.Scale:0.####}" : "")}{(t.Noise != 0 ? $"±{t.Noise:0.####}" : "")}{(t.Clip != 0 ? $"|{t.Clip:0.##}" : "")}")))}]";
}
