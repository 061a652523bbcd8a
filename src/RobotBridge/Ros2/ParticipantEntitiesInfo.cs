using Robotics.RobotBridge.Cdr;

namespace Robotics.RobotBridge.Ros2;

/// <summary>
/// The ROS 2 graph message <c>rmw_dds_common/msg/ParticipantEntitiesInfo</c>, which each participant publishes
/// on the DDS topic <c>ros_discovery_info</c> (reliable, transient-local, keep-last 1) so that <c>ros2 node list</c>
/// and <c>ros2 topic info</c> know which node owns which readers and writers.
/// Written by hand, not generated: the Gid is <c>char[24]</c> on Humble and <c>uint8[16]</c> from Iron on, a
/// run-time choice (<see cref="GidSize"/>) a .msg file cannot express.
/// <code>
/// Gid gid                                   # the participant's
/// NodeEntitiesInfo[] node_entities_info_seq
///   string&lt;=256 node_namespace
///   string&lt;=256 node_name
///   Gid[] reader_gid_seq
///   Gid[] writer_gid_seq
/// </code>
/// </summary>
public sealed class ParticipantEntitiesInfo
{
    /// <summary>DDS type name on the wire.</summary>
    public const string DdsTypeName = "rmw_dds_common::msg::dds_::ParticipantEntitiesInfo_";

    /// <summary>DDS topic name (no <c>rt/</c> prefix: it is not a ROS topic).</summary>
    public const string DdsTopicName = "ros_discovery_info";

    /// <summary>Bound of the namespace and name strings [bytes].</summary>
    public const int NameBound = 256;

    /// <summary>Bytes per Gid: 24 (Humble) or 16 (Iron and later). Shorter GUIDs are zero-padded.</summary>
    public int GidSize { get; }

    /// <summary>The participant's GUID (16 bytes).</summary>
    public byte[] ParticipantGuid { get; set; } = new byte[16];

    /// <summary>The nodes of this participant.</summary>
    public List<NodeEntities> Nodes { get; } = [];

    /// <summary>An empty message with Gids of <paramref name="gidSize"/> bytes (16 or 24).</summary>
    public ParticipantEntitiesInfo(int gidSize)
    {
        if (gidSize is not (16 or 24)) throw new ArgumentException($"GidSize must be 16 (Iron and later) or 24 (Humble), got {gidSize}", nameof(gidSize));
        GidSize = gidSize;
    }

    /// <summary>One node's entry: its namespace, name and the GUIDs (16 bytes each) of its readers and writers.</summary>
    public sealed record NodeEntities(string Namespace, string Name, List<byte[]> Readers, List<byte[]> Writers);

    /// <summary>Writes the fields (no encapsulation header).</summary>
    public void Serialize(CdrWriter w)
    {
        WriteGid(w, ParticipantGuid);
        w.WriteSequenceLength(Nodes.Count);
        foreach (var n in Nodes)
        {
            w.WriteString(n.Namespace, NameBound);
            w.WriteString(n.Name, NameBound);
            w.WriteSequenceLength(n.Readers.Count);
            foreach (var g in n.Readers) WriteGid(w, g);
            w.WriteSequenceLength(n.Writers.Count);
            foreach (var g in n.Writers) WriteGid(w, g);
        }
    }

    /// <summary>Reads a message with Gids of <paramref name="gidSize"/> bytes (allocates: not for real-time use).</summary>
    /// <exception cref="CdrFormatException">Malformed.</exception>
    public static ParticipantEntitiesInfo Deserialize(ReadOnlySpan<byte> bytes, int gidSize)
    {
        var r = new CdrReader(bytes);
        var info = new ParticipantEntitiesInfo(gidSize);
        info.ParticipantGuid = ReadGid(ref r, gidSize);
        int nodes = r.ReadSequenceLength(4 + 4 + 4 + 4);
        for (int i = 0; i < nodes; i++)
        {
            string ns = r.ReadString(NameBound), name = r.ReadString(NameBound);
            var readers = new List<byte[]>();
            for (int k = r.ReadSequenceLength(gidSize); k > 0; k--) readers.Add(ReadGid(ref r, gidSize));
            var writers = new List<byte[]>();
            for (int k = r.ReadSequenceLength(gidSize); k > 0; k--) writers.Add(ReadGid(ref r, gidSize));
            info.Nodes.Add(new NodeEntities(ns, name, readers, writers));
        }
        return info;
    }

    // A Gid is a fixed array of bytes: the 16-byte GUID, zero-padded to GidSize.
    private void WriteGid(CdrWriter w, byte[] guid)
    {
        Span<byte> gid = stackalloc byte[24];
        gid.Clear();
        guid.AsSpan(0, Math.Min(16, guid.Length)).CopyTo(gid);
        w.WriteSpan<byte>(gid[..GidSize]);
    }

    private static byte[] ReadGid(ref CdrReader r, int gidSize)
    {
        var gid = new byte[gidSize];
        r.ReadSpan<byte>(gid);
        return gid[..16];
    }
}
