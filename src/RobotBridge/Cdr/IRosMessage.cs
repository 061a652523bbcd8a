using System.Runtime.CompilerServices;
namespace Robotics.RobotBridge.Cdr;

/// <summary>
/// A ROS 2 message with its XCDR1 serializer, generated from a .msg file by tools/MsgGen.
/// <see cref="Deserialize"/> decodes into this instance, reusing its strings, sequences and nested
/// messages, so it allocates nothing while sequence lengths do not grow and strings do not change.
/// </summary>
/// <typeparam name="TSelf">The message class itself.</typeparam>
public interface IRosMessage<TSelf> where TSelf : class, IRosMessage<TSelf>, new()
{
    /// <summary>The DDS type name ROS 2 uses, e.g. <c>sensor_msgs::msg::dds_::JointState_</c>.</summary>
    static abstract string DdsTypeName { get; }

    /// <summary>The ROS 2 name, e.g. <c>sensor_msgs/msg/JointState</c>.</summary>
    static abstract string RosTypeName { get; }

    /// <summary>Writes the fields (not the encapsulation header) at the writer's position.</summary>
    void Serialize(CdrWriter writer);

    /// <summary>Reads the fields into this instance.</summary>
    /// <exception cref="CdrFormatException">The bytes do not decode as this type.</exception>
    void Deserialize(ref CdrReader reader);
}

/// <summary>Whole-message helpers: header, fields, padding.</summary>
public static class RosMessage
{
    /// <summary>Serializes <paramref name="message"/> into <paramref name="writer"/> (reset first) and returns the bytes, header included.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ReadOnlySpan<byte> Serialize<T>(T message, CdrWriter writer) where T : class, IRosMessage<T>, new()
    {
        writer.Reset();
        message.Serialize(writer);
        return writer.Finish();
    }

    /// <summary>Decodes <paramref name="bytes"/> (header included) into <paramref name="into"/>.</summary>
    /// <exception cref="CdrFormatException">Malformed: <paramref name="into"/> may then hold partly decoded fields.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Deserialize<T>(ReadOnlySpan<byte> bytes, T into) where T : class, IRosMessage<T>, new()
    {
        var reader = new CdrReader(bytes);
        into.Deserialize(ref reader);
    }

    /// <summary>Decodes into <paramref name="into"/>; false (and no exception) when the bytes are malformed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryDeserialize<T>(ReadOnlySpan<byte> bytes, T into) where T : class, IRosMessage<T>, new()
    {
        try
        {
            Deserialize(bytes, into);
            return true;
        }
        catch (CdrFormatException)
        {
            return false;
        }
    }
}
