using System.Runtime.CompilerServices;
using Robotics.RobotBridge.Cdr;
using Robotics.RobotBridge.Dds;

namespace Robotics.RobotBridge.Ros2;

/// <summary>What a <see cref="Ros2Node"/>'s receive thread needs of a subscription, whatever its message type.</summary>
internal interface ISubscriptionEndpoint
{
    /// <summary>The reader entity.</summary>
    int ReaderEntity { get; }
    /// <summary>DDS topic name (<c>rt/...</c>).</summary>
    string DdsTopic { get; }
    /// <summary>Takes and handles everything available (receive thread only).</summary>
    void DrainAvailable();
    /// <summary>A writer of the same topic with another type was discovered.</summary>
    void ReportWrongType();
}

/// <summary>
/// Receives messages of type <typeparamref name="T"/> on one ROS 2 topic.
/// The node's receive thread takes each sample, checks that it decodes (a malformed one is dropped and
/// counted in <see cref="DroppedMalformed"/>), then
/// <list type="bullet">
/// <item>hands its bytes to a lock-free latest-value buffer that a real-time loop reads with
/// <see cref="TryTakeLatest(T)"/>: wait-free, never blocking, decoding into the caller's preallocated
/// instance without allocating while sizes do not grow;</item>
/// <item>and, when a callback was given, calls it on the receive thread (for non-real-time users).</item>
/// </list>
/// </summary>
/// <typeparam name="T">A generated message class.</typeparam>
public sealed class Ros2Subscription<T> : ISubscriptionEndpoint where T : class, IRosMessage<T>, new()
{
    private readonly RawReader _reader;
    private readonly Action<T>? _onMessage;
    private readonly LatestValue _latest;
    private readonly T _scratch = new();      // receive thread: validation and the callback's instance
    private readonly int _maxBytes;
    private byte[] _buffer;
    private long _received, _malformed, _oversize, _wrongType, _consumerFailures, _callbackFailures;

    internal Ros2Subscription(RawReader reader, string topic, QosProfile qos, Action<T>? onMessage, int initialBytes, int maxBytes)
    {
        _reader = reader;
        _onMessage = onMessage;
        _buffer = new byte[initialBytes];
        _latest = new LatestValue(initialBytes);
        _maxBytes = maxBytes;
        Topic = topic;
        DdsTopic = RosNames.ToDds(topic);
        Qos = qos;
    }

    /// <summary>Fully qualified ROS topic name, e.g. <c>/cmd_vel</c>.</summary>
    public string Topic { get; }

    /// <summary>DDS topic name, e.g. <c>rt/cmd_vel</c>.</summary>
    public string DdsTopic { get; }

    /// <summary>The QoS it was created with.</summary>
    public QosProfile Qos { get; }

    /// <summary>Messages received that decoded; also the sequence number of the newest one (1, 2, ...).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Messages dropped because they did not decode as <typeparamref name="T"/> (truncated, bad lengths, ...).</summary>
    public long DroppedMalformed => Interlocked.Read(ref _malformed);

    /// <summary>Messages dropped because they exceeded <see cref="Ros2NodeOptions.MaxMessageBytes"/>.</summary>
    public long DroppedOversize => Interlocked.Read(ref _oversize);

    /// <summary>Writers discovered on this topic with another type name (each reported once).</summary>
    public long WrongTypeReported => Interlocked.Read(ref _wrongType);

    /// <summary>Callback invocations that threw (the exception is swallowed so the receive thread keeps running).</summary>
    public long CallbackFailures => Interlocked.Read(ref _callbackFailures);

    /// <summary>Publishers (of any process) currently matched.</summary>
    public int MatchedPublishers => _reader.MatchedWriters;

    int ISubscriptionEndpoint.ReaderEntity => _reader.Entity;

    /// <summary>
    /// Real-time side: decodes the newest message not taken yet into <paramref name="into"/> and returns true;
    /// false (and <paramref name="into"/> untouched) when nothing new arrived. Wait-free; allocates nothing while
    /// sequence lengths do not grow and strings do not change. Call from one thread only.
    /// </summary>
    public bool TryTakeLatest(T into) => TryTakeLatest(into, out _);

    /// <summary>As <see cref="TryTakeLatest(T)"/>, also giving the message's sequence number (1 for the first
    /// received; a jump means the loop missed messages in between).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryTakeLatest(T into, out long sequence) => TryTakeLatest(into, out sequence, out _);

    /// <summary>As <see cref="TryTakeLatest(T, out long)"/>, also giving when the node's receive thread took the message
    /// [<see cref="System.Diagnostics.Stopwatch"/> timestamp]: the age since receipt where stamps are not on the local clock.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryTakeLatest(T into, out long sequence, out long received)
    {
        if (!_latest.TryTake(out var payload, out sequence, out received)) return false;
        // The bytes decoded once already on the receive thread, so this cannot fail unless `into` is shared.
        if (RosMessage.TryDeserialize(payload, into)) return true;
        Interlocked.Increment(ref _consumerFailures);
        return false;
    }

    /// <inheritdoc/>
    void ISubscriptionEndpoint.ReportWrongType() => Interlocked.Increment(ref _wrongType);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void ISubscriptionEndpoint.DrainAvailable()
    {
        while (true)
        {
            var outcome = _reader.TryTake(_buffer, out int size);
            switch (outcome)
            {
                case RawReader.Take.Empty: return;
                case RawReader.Take.NoData: continue;
                case RawReader.Take.TooLarge:
                    // Dropped (Cyclone already removed it); grow for the next one unless beyond the limit.
                    Interlocked.Increment(ref _oversize);
                    if (size <= _maxBytes) _buffer = new byte[Math.Min(_maxBytes, Math.Max(size, _buffer.Length * 2))];
                    continue;
            }
            var payload = _buffer.AsSpan(0, size);
            if (!RosMessage.TryDeserialize(payload, _scratch))
            {
                Interlocked.Increment(ref _malformed);
                continue;
            }
            long sequence = Interlocked.Increment(ref _received);
            _latest.Put(payload, sequence, System.Diagnostics.Stopwatch.GetTimestamp());
            if (_onMessage is null) continue;
            try { _onMessage(_scratch); }
            catch (Exception) { Interlocked.Increment(ref _callbackFailures); }   // a user's bug must not stop the receive thread
        }
    }
}
