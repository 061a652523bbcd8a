using System.Runtime.CompilerServices;
using Robotics.RobotBridge.Cdr;
using Robotics.RobotBridge.Dds;

namespace Robotics.RobotBridge.Ros2;

/// <summary>
/// Publishes messages of type <typeparamref name="T"/> on one ROS 2 topic. <see cref="Publish"/> serializes into
/// a reused buffer and hands the bytes to Cyclone (which copies them): no managed allocation once the buffer
/// has grown to the message size, and no blocking with keep-last history. Use from one thread at a time.
/// </summary>
/// <typeparam name="T">A generated message class.</typeparam>
public sealed class Ros2Publisher<T> where T : class, IRosMessage<T>, new()
{
    private readonly RawWriter _writer;
    private readonly CdrWriter _cdr = new(512);
    private long _published, _failed;

    internal Ros2Publisher(RawWriter writer, string topic, QosProfile qos)
    {
        _writer = writer;
        Topic = topic;
        Qos = qos;
    }

    /// <summary>Fully qualified ROS topic name, e.g. <c>/joint_states</c> (on DDS: <c>rt/joint_states</c>).</summary>
    public string Topic { get; }

    /// <summary>The QoS it was created with.</summary>
    public QosProfile Qos { get; }

    /// <summary>Messages handed to DDS.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Writes DDS refused (e.g. a timeout of a full reliable history).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Subscriptions (of any process) currently matched.</summary>
    public int MatchedSubscriptions => _writer.MatchedReaders;

    internal int WriterEntity => _writer.Entity;

    /// <summary>
    /// Waits until every matched reliable subscription has acknowledged all samples published, up to <paramref name="timeout"/>:
    /// a short-lived publisher (a command-line tool) calls it before leaving, so its last sample is not lost with it.
    /// True when acknowledged, false on timeout.
    /// </summary>
    /// <exception cref="DdsException">Cyclone failed otherwise.</exception>
    public bool WaitForAcknowledgments(TimeSpan timeout)
    {
        int rc = CycloneDdsNative.dds_wait_for_acks(_writer.Entity, (nint)(long)timeout.TotalNanoseconds);
        if (rc == DdsRetcodeTimeout) return false;
        DdsException.Check(rc, "dds_wait_for_acks");
        return true;
    }

    private const int DdsRetcodeTimeout = -10;   // DDS_RETCODE_TIMEOUT

    /// <summary>Serializes and publishes <paramref name="message"/>; false when DDS refused the write (counted in <see cref="Failed"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Publish(T message) => PublishSerialized(RosMessage.Serialize(message, _cdr));

    /// <summary>Publishes an already serialized payload (encapsulation header included), as it is: for bridges and tests.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool PublishSerialized(ReadOnlySpan<byte> payload)
    {
        int rc = _writer.Write(payload);
        if (rc < 0) { Interlocked.Increment(ref _failed); return false; }
        Interlocked.Increment(ref _published);
        return true;
    }
}
