using System.Globalization;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Kinematics;
using Robotics.RobotBridge.Messages.GeometryMsgs;

namespace Robotics.RobotBridge.Node;

/// <summary>
/// The operator's side of an arm policy's <c>target_pose</c>: a goal x, y, z [m] and yaw [rad] in the base frame as the
/// geometry_msgs/PoseStamped the deploy node takes. The orientation is Rz(yaw) · R_rest, R_rest the tool's orientation
/// at the contract's default joint positions: the family of targets a reach policy is trained on (its target_yaw command).
/// A push policy's target is a position on the table: its target_z range has Low = High, the height used when none is given.
/// </summary>
public sealed class TargetPoseWriter
{
    private readonly double[] _rest = new double[9];     // R_rest, base from tool at the default pose
    private readonly double[] _rotation = new double[9];
    private readonly double[] _quat = new double[4];     // w x y z

    /// <summary>Reads what the goal needs from <paramref name="contract"/>.</summary>
    /// <param name="frame">The frame_id to send; null = the one the contract requires of target_pose (its base link).</param>
    /// <exception cref="UserError">The policy does not read target_pose, or its contract has no kinematic chain (exported before contract 1.2).</exception>
    public TargetPoseWriter(PolicyContract contract, string? frame = null)
    {
        ArgumentNullException.ThrowIfNull(contract);
        Contract = contract;
        Input = contract.Input(InputKind.TargetPose)
            ?? throw new UserError($"policy '{contract.Task}' does not read target_pose (its inputs: {string.Join(", ", contract.Inputs.Select(i => i.Name).DefaultIfEmpty("joint states only"))})");
        var chain = contract.BuildKinematics()
            ?? throw new UserError($"policy '{contract.Task}': its contract (version {contract.ContractVersion}) has no kinematic chain, so the tool's rest orientation is unknown; export the policy again");
        if (frame is not null && string.IsNullOrWhiteSpace(frame)) throw new UserError("TargetPoseWriter: the frame is empty");
        // The frame the deploy node requires: the contract's for target_pose, which is the base link.
        Frame = frame ?? (Input.Frame.Length > 0 ? Input.Frame : contract.Kinematics!.BaseLink);
        Span<double> p = stackalloc double[3];
        chain.Pose(contract.DefaultJointPos, p, _rest);
        var z = contract.Command("target_z");
        FixedZ = z is not null && z.Low == z.High ? z.Low : null;
        HasYaw = contract.Command("target_yaw") is not null;
    }

    /// <summary>The policy's contract.</summary>
    public PolicyContract Contract { get; }

    /// <summary>The contract's target_pose input (its topic and required frame).</summary>
    public PolicyInput Input { get; }

    /// <summary>The frame_id written into each message.</summary>
    public string Frame { get; }

    /// <summary>The target height [m] a push policy holds fixed (target_z Low = High), or null.</summary>
    public double? FixedZ { get; }

    /// <summary>True when the policy takes a target yaw (reach).</summary>
    public bool HasYaw { get; }

    /// <summary>The tool's orientation at the default pose, base from tool, row-major. [9]</summary>
    public ReadOnlySpan<double> RestRotation => _rest;

    /// <summary>
    /// Writes the goal into <paramref name="message"/> (header: <see cref="Frame"/> and <paramref name="stampNs"/>);
    /// allocates nothing, so an operator loop can call it per target.
    /// </summary>
    /// <param name="x">Goal x in the base frame [m].</param>
    /// <param name="y">Goal y [m].</param>
    /// <param name="z">Goal z [m]; null = <see cref="FixedZ"/>.</param>
    /// <param name="yaw">Turn of the tool about the base's vertical from its rest orientation [rad].</param>
    /// <param name="stampNs">header.stamp [ns since the epoch of the robot's clock].</param>
    /// <exception cref="UserError">z is null and the policy has no fixed target height; a non-finite value.</exception>
    public void Write(double x, double y, double? z, double yaw, long stampNs, PoseStamped message)
    {
        double zz = z ?? FixedZ ?? throw new UserError($"target z is required: the {Contract.Task} policy's target_z ranges over {Range("target_z")}");
        if (!double.IsFinite(x) || !double.IsFinite(y) || !double.IsFinite(zz) || !double.IsFinite(yaw))
            throw new UserError(string.Create(CultureInfo.InvariantCulture, $"target ({x}, {y}, {zz}) m, yaw {yaw} rad: every value must be finite"));
        Rotation.Yawed(yaw, _rest, _rotation);
        Rotation.ToQuaternion(_rotation, _quat);
        if (!ReferenceEquals(message.Header.FrameId, Frame)) message.Header.FrameId = Frame;
        message.Header.Stamp.Sec = (int)(stampNs / 1_000_000_000);
        message.Header.Stamp.Nanosec = (uint)(stampNs % 1_000_000_000);
        var p = message.Pose.Position;
        p.X = x; p.Y = y; p.Z = zz;
        // ROS orders a quaternion x, y, z, w.
        var q = message.Pose.Orientation;
        q.W = _quat[0]; q.X = _quat[1]; q.Y = _quat[2]; q.Z = _quat[3];
    }

    /// <summary>
    /// What lies outside the ranges the policy was trained on (one line each: the deploy node clamps such a target), for
    /// the operator to see; empty when everything is inside.
    /// </summary>
    public IReadOnlyList<string> OutOfRange(double x, double y, double? z, double yaw)
    {
        var notes = new List<string>();
        void Check(string name, double value, string unit)
        {
            if (Contract.Command(name) is { } r && (value < r.Low || value > r.High))
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"{name} = {value} {unit} lies outside the trained range {Range(name)}; the deploy node clamps it"));
        }
        Check("target_x", x, "m");
        Check("target_y", y, "m");
        if (z is { } zz && FixedZ is null) Check("target_z", zz, "m");
        if (HasYaw) Check("target_yaw", yaw, "rad");
        return notes;
    }

    private string Range(string name) => Contract.Command(name) is { } r
        ? string.Create(CultureInfo.InvariantCulture, $"[{r.Low}, {r.High}] {r.Unit}")
        : "(no range)";
}
