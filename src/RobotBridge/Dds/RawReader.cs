using System.Runtime.CompilerServices;
namespace Robotics.RobotBridge.Dds;

/// <summary>
/// A DDS data reader of raw XCDR1 payloads (the ddsraw sertype): <see cref="TryTake"/> copies the next
/// sample into a caller-owned buffer. Called only from the node's receive thread.
/// </summary>
internal sealed unsafe class RawReader
{
    /// <summary>The reader entity.</summary>
    public int Entity { get; }

    /// <summary>The topic entity it reads.</summary>
    public int Topic { get; }

    public RawReader(int participant, string topicName, string typeName, QosProfile qos)
    {
        // The topic keeps default QoS: a participant's topics of one name must agree on it, while its readers and
        // writers of that topic may each use another profile.
        var native = qos.ToNative();
        try
        {
            Topic = DdsException.Check(DdsRaw.ddsraw_create_topic(participant, topicName, typeName, null), $"create topic '{topicName}' ({typeName})");
            Entity = DdsException.Check(CycloneDdsNative.dds_create_reader(participant, Topic, native, null), $"create reader on '{topicName}'");
        }
        finally { CycloneDdsNative.dds_delete_qos(native); }
    }

    /// <summary>Outcome of one <see cref="TryTake"/>.</summary>
    public enum Take
    {
        /// <summary>Nothing left to take.</summary>
        Empty,
        /// <summary>A sample was copied; its size is returned.</summary>
        Data,
        /// <summary>A state change without data (a writer left): nothing to decode.</summary>
        NoData,
        /// <summary>The sample was larger than the buffer and was dropped; its size is returned.</summary>
        TooLarge,
    }

    /// <summary>Takes the next sample into <paramref name="buffer"/>.</summary>
    /// <param name="size">Bytes received (also when <see cref="Take.TooLarge"/>).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Take TryTake(Span<byte> buffer, out int size)
    {
        fixed (byte* p = buffer)
        {
            var sample = new RawSample { Data = p, Size = 0, Capacity = (uint)buffer.Length };
            void* ptr = &sample;
            dds_sample_info_t info;
            int n = CycloneDdsNative.dds_take(Entity, &ptr, &info, 1, 1);
            size = (int)sample.Size;
            if (n < 0) throw new DdsException("dds_take", n);
            if (n == 0) return Take.Empty;
            if (info.valid_data == 0) return Take.NoData;
            return sample.Size > (uint)buffer.Length ? Take.TooLarge : Take.Data;
        }
    }

    /// <summary>Writers currently matched with this reader.</summary>
    public int MatchedWriters
    {
        get
        {
            dds_subscription_matched_status_t s;
            DdsException.Check(CycloneDdsNative.dds_get_subscription_matched_status(Entity, &s), "dds_get_subscription_matched_status");
            return (int)s.current_count;
        }
    }
}
