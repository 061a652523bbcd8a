using System.Runtime.CompilerServices;
namespace Robotics.RobotBridge.Dds;

/// <summary>
/// A DDS data writer of raw XCDR1 payloads (the ddsraw sertype). <see cref="Write"/> hands the bytes to
/// Cyclone, which copies them; no managed allocation. The entity is deleted with its participant.
/// </summary>
internal sealed unsafe class RawWriter
{
    /// <summary>The writer entity.</summary>
    public int Entity { get; }

    /// <summary>The topic entity it writes.</summary>
    public int Topic { get; }

    public RawWriter(int participant, string topicName, string typeName, QosProfile qos)
    {
        // The topic keeps default QoS: a participant's topics of one name must agree on it, while its readers and
        // writers of that topic may each use another profile.
        var native = qos.ToNative();
        try
        {
            Topic = DdsException.Check(DdsRaw.ddsraw_create_topic(participant, topicName, typeName, null), $"create topic '{topicName}' ({typeName})");
            Entity = DdsException.Check(CycloneDdsNative.dds_create_writer(participant, Topic, native, null), $"create writer on '{topicName}'");
        }
        finally { CycloneDdsNative.dds_delete_qos(native); }
    }

    /// <summary>Writes one payload (encapsulation header included).</summary>
    /// <returns>The DDS return code: 0, or negative (e.g. TIMEOUT when a reliable history is full).</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Write(ReadOnlySpan<byte> payload)
    {
        fixed (byte* p = payload)
        {
            var sample = new RawSample { Data = p, Size = (uint)payload.Length, Capacity = (uint)payload.Length };
            return CycloneDdsNative.dds_write(Entity, &sample);
        }
    }

    /// <summary>Readers currently matched with this writer.</summary>
    public int MatchedReaders
    {
        get
        {
            dds_publication_matched_status_t s;
            DdsException.Check(CycloneDdsNative.dds_get_publication_matched_status(Entity, &s), "dds_get_publication_matched_status");
            return (int)s.current_count;
        }
    }
}
