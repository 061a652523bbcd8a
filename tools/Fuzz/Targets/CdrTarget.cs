using System.Reflection;
using Robotics.RobotBridge.Cdr;

namespace Robotics.Tools.Fuzz;

/// <summary>
/// CDR decoding of every message class tools/MsgGen generated. An input is decoded into a fresh instance; a decode that
/// succeeds must encode, the encoding must decode again to the same encoding (decode → encode → decode equal), decoding
/// it into the instance already used (as a subscription does) must give the same, and decoding may allocate only a small
/// multiple of the input's size. The only refusal allowed is <see cref="CdrFormatException"/>.
/// </summary>
public static class CdrTarget
{
    /// <summary>One generated message type and its check.</summary>
    public sealed record MessageType(string RosName, Action<ReadOnlySpan<byte>> Check);

    private delegate void SpanCheck(ReadOnlySpan<byte> bytes);

    /// <summary>
    /// Every <see cref="IRosMessage{TSelf}"/> class in the message assembly, ordered by ROS name. The corpus stores
    /// each type's inputs in a folder of its ROS name; inside one afl-fuzz run an input's first byte picks the type.
    /// </summary>
    public static IReadOnlyList<MessageType> Types { get; } = typeof(IRosMessage<>).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IRosMessage<>) && i.GenericTypeArguments[0] == t))
        .Select(t => new MessageType(
            (string)t.GetProperty("RosTypeName", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!,
            ToAction(typeof(CdrTarget).GetMethod(nameof(CheckType), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(t).CreateDelegate<SpanCheck>())))
        .OrderBy(m => m.RosName, StringComparer.Ordinal)
        .ToList();

    private static Action<ReadOnlySpan<byte>> ToAction(SpanCheck check) => bytes => check(bytes);

    /// <summary>The type of that ROS name (<c>sensor_msgs/msg/JointState</c>), or null.</summary>
    public static MessageType? Find(string rosName) => Types.FirstOrDefault(t => t.RosName == rosName);

    /// <summary>The folder of a type's corpus: its ROS name with the slashes as dots (<c>sensor_msgs.msg.JointState</c>).</summary>
    public static string Folder(string rosName) => rosName.Replace('/', '.');

    /// <summary>An afl-fuzz input: byte 0 picks the type (modulo the count), the rest is the serialized message.</summary>
    public static void Check(byte[] input)
    {
        if (input.Length == 0) return;
        Types[input[0] % Types.Count].Check(input.AsSpan(1));
    }

    private static void CheckType<T>(ReadOnlySpan<byte> bytes) where T : class, IRosMessage<T>, new()
    {
        var first = new T();
        long before = GC.GetAllocatedBytesForCurrentThread();
        try { RosMessage.Deserialize(bytes, first); }
        catch (CdrFormatException) { return; }
        finally
        {
            // A length field must be checked against what is left before anything is allocated.
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated > 64L * bytes.Length + 16 * 1024)
                throw new FuzzFinding($"{T.RosTypeName}: decoding {bytes.Length} bytes allocated {allocated} bytes");
        }
        var writer = new CdrWriter();
        byte[] encoded;
        try { encoded = RosMessage.Serialize(first, writer).ToArray(); }
        catch (Exception e) { throw new FuzzFinding($"{T.RosTypeName}: decoded, but the result does not encode: {e.GetType().Name}: {e.Message}", e); }
        var second = new T();
        try { RosMessage.Deserialize(encoded, second); }
        catch (CdrFormatException e) { throw new FuzzFinding($"{T.RosTypeName}: the encoding of a decoded message does not decode: {e.Message}", e); }
        if (!RosMessage.Serialize(second, writer).SequenceEqual(encoded))
            throw new FuzzFinding($"{T.RosTypeName}: decode → encode → decode differs from the first decode");
        // A subscription decodes every sample into the same instance: what the last sample left must not show through.
        RosMessage.Deserialize(bytes, second);
        if (!RosMessage.Serialize(second, writer).SequenceEqual(encoded))
            throw new FuzzFinding($"{T.RosTypeName}: decoding into an instance already used differs from decoding into a fresh one");
    }
}
