using Robotics.Deploy.RealTime;
using Robotics.RobotBridge.Messages.StdMsgs;

namespace Robotics.RobotBridge.Node;

/// <summary>How the deploy node writes joint commands into a std_msgs/Float64MultiArray.</summary>
public enum JointCommandMode
{
    /// <summary>
    /// Full motor commands, 4·n values, row-major [4, n]: position targets [rad], Kp [N·m/rad], Kd [N·m·s/rad],
    /// feed-forward torque [N·m]; layout dims <c>field</c> (size 4) and <c>joint</c> (size n). What a motor-driver node
    /// (or <c>robotics sim-robot</c>) takes.
    /// </summary>
    Pd,
    /// <summary>
    /// Position targets only, n values [rad]; layout dim <c>joint</c>. What ros2_control's forward_command_controller
    /// (type position_controllers/JointGroupPositionController) takes; the gains live in the hardware interface.
    /// </summary>
    Position,
}

/// <summary>
/// Encodes a <see cref="JointCommand"/> as a std_msgs/Float64MultiArray and back, in the policy's joint order.
/// Both directions reuse the message's storage: no allocation once the sizes are set.
/// </summary>
public static class JointCommandCodec
{
    /// <summary>Label of the outer dimension in <see cref="JointCommandMode.Pd"/>; its rows are position, kp, kd, effort.</summary>
    public const string FieldLabel = "field: position,kp,kd,effort";

    /// <summary>Label of the joint dimension.</summary>
    public const string JointLabel = "joint";

    /// <summary>Sets the layout for <paramref name="joints"/> joints in <paramref name="mode"/> (allocates; call once).</summary>
    public static void PrepareLayout(Float64MultiArray message, JointCommandMode mode, int joints)
    {
        var dims = message.Layout.Dim;
        message.Layout.DataOffset = 0;
        if (mode == JointCommandMode.Pd)
        {
            dims.Resize(2, static () => new MultiArrayDimension());
            dims[0].Label = FieldLabel; dims[0].Size = 4; dims[0].Stride = (uint)(4 * joints);
            dims[1].Label = JointLabel; dims[1].Size = (uint)joints; dims[1].Stride = (uint)joints;
            message.Data.Resize(4 * joints);
        }
        else
        {
            dims.Resize(1, static () => new MultiArrayDimension());
            dims[0].Label = JointLabel; dims[0].Size = (uint)joints; dims[0].Stride = (uint)joints;
            message.Data.Resize(joints);
        }
    }

    /// <summary>Writes <paramref name="command"/> into the data of a message prepared by <see cref="PrepareLayout"/>. Allocates nothing.</summary>
    public static void Encode(JointCommand command, JointCommandMode mode, Float64MultiArray message)
    {
        var data = message.Data.AsSpan();
        int n = command.Joints;
        command.Position.CopyTo(data);
        if (mode != JointCommandMode.Pd) return;
        command.Kp.CopyTo(data[n..]);
        command.Kd.CopyTo(data[(2 * n)..]);
        command.Torque.CopyTo(data[(3 * n)..]);
    }

    /// <summary>
    /// Reads a <see cref="JointCommandMode.Pd"/> message (4·n values) into <paramref name="command"/>; false, with
    /// <paramref name="error"/> saying why, when the size is wrong. Allocates nothing on success.
    /// </summary>
    public static bool TryDecodePd(Float64MultiArray message, JointCommand command, out string? error)
    {
        var data = message.Data.AsSpan();
        int n = command.Joints;
        if (data.Length != 4 * n)
        {
            error = $"joint_commands: {data.Length} values; pd mode needs 4 × {n} joints = {4 * n} (position, kp, kd, effort)";
            return false;
        }
        data[..n].CopyTo(command.Position);
        data.Slice(n, n).CopyTo(command.Kp);
        data.Slice(2 * n, n).CopyTo(command.Kd);
        data.Slice(3 * n, n).CopyTo(command.Torque);
        error = null;
        return true;
    }
}
