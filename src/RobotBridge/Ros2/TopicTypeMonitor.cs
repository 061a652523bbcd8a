using System.Runtime.InteropServices;
using Robotics.RobotBridge.Dds;

namespace Robotics.RobotBridge.Ros2;

/// <summary>A DDS endpoint found on one of our topics with a type other than ours.</summary>
/// <param name="DdsTopic">The DDS topic name (<c>rt/...</c>).</param>
/// <param name="ExpectedType">Our DDS type name.</param>
/// <param name="FoundType">The other endpoint's DDS type name.</param>
/// <param name="IsWriter">The other endpoint publishes (true) or subscribes (false).</param>
public sealed record WrongTypeReport(string DdsTopic, string ExpectedType, string FoundType, bool IsWriter);

/// <summary>
/// Finds endpoints that use one of our topic names with another type: DDS silently never matches them
/// (the type name is part of matching), so without this check a subscriber would just never receive.
/// Reads Cyclone's built-in DCPSPublication and DCPSSubscription topics (discovery data of every endpoint
/// in the domain, local and remote, any vendor) on the node's receive thread.
/// </summary>
// DESIGN: Cyclone's inconsistent-topic status was the other candidate; it relies on XTypes type information,
// which the raw-CDR sertype does not provide (it carries only the type name), and Fast DDS peers do not
// always send it, so it could stay silent in exactly the ROS 2 case. The discovery check needs only what
// every DDS vendor announces: topic and type names.
internal sealed unsafe class TopicTypeMonitor
{
    private const int DcpsPublication = 0x7fff0000 + 3;    // DDS_BUILTIN_TOPIC_DCPSPUBLICATION
    private const int DcpsSubscription = 0x7fff0000 + 4;   // DDS_BUILTIN_TOPIC_DCPSSUBSCRIPTION

    private readonly Dictionary<string, (string Type, List<Action> OnMismatch)> _ours = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, (string Topic, string Type, bool IsWriter, Guid Participant)> _seen = new();
    private readonly HashSet<(Guid, string)> _reported = new();
    private readonly Action<WrongTypeReport> _report;

    /// <summary>The built-in readers; attach them to the receive thread's waitset.</summary>
    public int PublicationReader { get; }

    /// <summary>See <see cref="PublicationReader"/>.</summary>
    public int SubscriptionReader { get; }

    public TopicTypeMonitor(int participant, Action<WrongTypeReport> report)
    {
        _report = report;
        PublicationReader = DdsException.Check(CycloneDdsNative.dds_create_reader(participant, DcpsPublication, null, null), "create DCPSPublication reader");
        SubscriptionReader = DdsException.Check(CycloneDdsNative.dds_create_reader(participant, DcpsSubscription, null, null), "create DCPSSubscription reader");
    }

    /// <summary>Registers one of our topics (receive thread or under the node's lock) and checks it against endpoints already seen.</summary>
    public void AddOurs(string ddsTopic, string type, Action onMismatch)
    {
        lock (_ours)
        {
            if (!_ours.TryGetValue(ddsTopic, out var entry)) _ours[ddsTopic] = entry = (type, new List<Action>());
            entry.OnMismatch.Add(onMismatch);
            foreach (var (key, e) in _seen) Check(key, e.Topic, e.Type, e.IsWriter);
        }
    }

    /// <summary>The writers discovered on DDS topic <paramref name="ddsTopic"/> (any type, any participant, local ones included): endpoint and participant GUIDs.</summary>
    public List<(Guid Endpoint, Guid Participant)> Writers(string ddsTopic)
    {
        lock (_ours)
            return _seen.Where(e => e.Value.IsWriter && e.Value.Topic == ddsTopic).Select(e => (e.Key, e.Value.Participant)).ToList();
    }

    /// <summary>Reads new discovery data from both built-in readers (receive thread).</summary>
    public void Poll()
    {
        Drain(PublicationReader, isWriter: true);
        Drain(SubscriptionReader, isWriter: false);
    }

    private void Drain(int reader, bool isWriter)
    {
        const int Batch = 16;
        void** buf = stackalloc void*[Batch];
        var infos = stackalloc dds_sample_info_t[Batch];
        while (true)
        {
            for (int i = 0; i < Batch; i++) buf[i] = null;     // null: Cyclone lends its own samples
            int n = CycloneDdsNative.dds_take(reader, buf, infos, Batch, Batch);
            if (n <= 0) return;
            lock (_ours)
            {
                for (int i = 0; i < n; i++)
                {
                    var ep = (dds_builtintopic_endpoint_t*)buf[i];
                    var key = new Guid(new ReadOnlySpan<byte>(ep->key.v, 16));
                    if (infos[i].valid_data == 0) { _seen.Remove(key); continue; }
                    string topic = Marshal.PtrToStringUTF8((nint)ep->topic_name) ?? "";
                    string type = Marshal.PtrToStringUTF8((nint)ep->type_name) ?? "";
                    _seen[key] = (topic, type, isWriter, new Guid(new ReadOnlySpan<byte>(ep->participant_key.v, 16)));
                    Check(key, topic, type, isWriter);
                }
            }
            CycloneDdsNative.dds_return_loan(reader, buf, n);
        }
    }

    private void Check(Guid key, string topic, string type, bool isWriter)
    {
        if (!_ours.TryGetValue(topic, out var ours) || ours.Type == type || !_reported.Add((key, ours.Type))) return;
        // The node's record first: whoever sees an endpoint's counter move finds the report already there.
        _report(new WrongTypeReport(topic, ours.Type, type, isWriter));
        foreach (var a in ours.OnMismatch) a();
    }
}
