using System.Globalization;

namespace Robotics.Deploy.Contract;

/// <summary>One field the policy was trained with whose value differs between two contracts.</summary>
/// <param name="Field">The contract field, e.g. <c>action.scale</c>.</param>
/// <param name="Value">Its value in the first contract, as text (one number when every joint shares it).</param>
/// <param name="Other">Its value in the second.</param>
/// <param name="Hardware">The field describes the robot (joint and torque limits) rather than how the policy drives it.</param>
public sealed record ContractDifference(string Field, string Value, string Other, bool Hardware)
{
    /// <summary><c>field value vs other</c>.</summary>
    public override string ToString() => $"{Field} {Value} vs {Other}";

    /// <summary>
    /// The trained fields in which <paramref name="a"/> differs from <paramref name="b"/>, in contract field order: robot, joints,
    /// default pose, action map, drive, limits, timing, observation layout (terms in order with width, scale, noise, clip).
    /// </summary>
    public static IReadOnlyList<ContractDifference> Between(PolicyContract a, PolicyContract b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var d = new List<ContractDifference>();
        void Values(string field, double[]? x, double[]? y, bool hardware = false)
        {
            if (x is null || y is null ? x != y : !x.AsSpan().SequenceEqual(y)) d.Add(new(field, Show(x), Show(y), hardware));
        }
        void Value<T>(string field, T x, T y)
        {
            if (!EqualityComparer<T>.Default.Equals(x, y)) d.Add(new(field, Text(x), Text(y), false));
        }
        Value("robot", a.Robot, b.Robot);
        Value("joint_names", string.Join(" ", a.JointNames), string.Join(" ", b.JointNames));
        Values("default_joint_pos", a.DefaultJointPos, b.DefaultJointPos);
        Values("action.scale", a.Action.Scale, b.Action.Scale);
        Values("action.offset", a.Action.Offset, b.Action.Offset);
        Value("action.reference", a.Action.Reference, b.Action.Reference);
        Value("action.clip", a.Action.Clip, b.Action.Clip);
        Values("drive.kp", a.Drive.Kp, b.Drive.Kp);
        Values("drive.kd", a.Drive.Kd, b.Drive.Kd);
        Value("drive.gravity_compensation", a.Drive.GravityCompensation, b.Drive.GravityCompensation);
        Values("drive.torque_limit", a.Drive.TorqueLimit, b.Drive.TorqueLimit, hardware: true);
        Values("limits.position_lower", a.Limits?.PositionLower, b.Limits?.PositionLower, hardware: true);
        Values("limits.position_upper", a.Limits?.PositionUpper, b.Limits?.PositionUpper, hardware: true);
        Values("limits.velocity", a.Limits?.Velocity, b.Limits?.Velocity, hardware: true);
        Value("control.policy_period", a.Control.PolicyPeriod, b.Control.PolicyPeriod);
        Value("control.decimation", a.Control.Decimation, b.Control.Decimation);
        Value("observation", Layout(a.Observation), Layout(b.Observation));
        return d;
    }

    private static string Text<T>(T value) => string.Create(CultureInfo.InvariantCulture, $"{value}");

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
            $"{t.Name}({t.Width}){(t.Scale != 1 ? $"×{t.Scale:G7}" : "")}{(t.Noise != 0 ? $"±{t.Noise:G7}" : "")}{(t.Clip != 0 ? $"|{t.Clip:G7}" : "")}")))}]";
}
