using Robotics.Deploy.RealTime;
using System.Runtime.CompilerServices;
using System.Text;
using Robotics.RobotBridge.Cdr;
using Robotics.RobotBridge.Dds;

namespace Robotics.RobotBridge.Ros2;

/// <summary>
/// A ROS 2 node spoken directly on Cyclone DDS: one DDS participant (USER_DATA <c>enclave=/;</c>), its
/// publishers and subscriptions on <c>rt/&lt;topic&gt;</c>, and its entry in <c>ros_discovery_info</c>, so
/// <c>ros2 node list</c> and <c>ros2 topic list</c> on a robot show it like any rclcpp node.
/// <para>
/// One receive thread per node waits on a DDS waitset and drains every subscription that has data: it
/// checks each message decodes, hands it to the subscription's latest-value buffer and calls the
/// subscription's callback, if any. It also watches discovery for endpoints that use our topic names with
/// another type (<see cref="WrongTypeDetected"/>). No managed code runs on Cyclone's own threads.
/// </para>
/// <code>
/// using var node = new Ros2Node("policy", Ros2NodeOptions.Loopback(domainId: 7));
/// var joints = node.CreateSubscription&lt;JointState&gt;("joint_states", QosProfile.SensorData);
/// var cmd = node.CreatePublisher&lt;Float64MultiArray&gt;("joint_commands");
/// var state = new JointState();                // preallocated, reused every tick
/// if (joints.TryTakeLatest(state)) { ... }     // real-time loop: wait-free, no allocation
/// cmd.Publish(command);
/// </code>
/// </summary>
// DESIGN: C# owns XCDR1 and Cyclone carries opaque bytes through the raw-CDR
// sertype of native/ddsraw (what rmw_cyclonedds_cpp does). Rejected: topic descriptors built at run
// time with samples in C layout. It needs only the public API, but every message would exist twice (the C#
// class and a C-layout mirror with native sequences and strings to fill and free on each sample), the
// opcode programs are a second serializer to get right per type, and decoding malformed input would
// happen in C, where we cannot bound allocations or count drops per topic. With raw CDR the one serializer
// is generated, fuzzed and allocation-free in C#; the price is a 200-line C shim that touches Cyclone's
// internal ddsi_sertype/ddsi_serdata structs, compiled against the installed headers so layouts match.
// DESIGN: the per-message path (receive loop, take, decode, latest-value handoff, publish, the generated
// serializers) is [MethodImpl(AggressiveOptimization)]: jitted fully optimized on first call and never
// re-jitted, so no tier-0 code or background tier-up lands in the middle of operation (the ~2 ms p99.9 tail
// measured with tiered JIT by bench dds). Rejected: ReadyToRun for the whole assembly (R2R code is still re-jitted
// when hot) and DOTNET_TieredCompilation=0 (process-wide, the user's choice, not the library's).
// DESIGN: a waitset thread instead of Cyclone listeners: listeners would run managed callbacks on
// Cyclone's receive threads (GC suspensions and exceptions there stall all DDS traffic).
public sealed class Ros2Node : IDisposable
{
    private const nint GuardAttach = -1, PublicationsAttach = -2, SubscriptionsAttach = -3;

    private readonly Ros2NodeOptions _options;
    private readonly int _participant;
    private readonly int _waitset;
    private readonly int _guard;
    private readonly Thread _thread;
    private readonly object _lock = new();
    private volatile ISubscriptionEndpoint[] _subscriptions = [];
    private readonly List<int> _readers = [], _writers = [];
    private readonly RawWriter? _graphWriter;
    private readonly CdrWriter _graphCdr = new(256);
    private readonly TopicTypeMonitor _types;
    private readonly List<WrongTypeReport> _wrongTypes = [];
    private readonly Dictionary<System.Guid, string> _graphNames = [];
    private RawReader? _graphReader;
    private volatile bool _stopping;
    private readonly string? _domainConfig;   // what the domain was acquired with

    /// <summary>How the receive thread is scheduled: normal, or what <see cref="Ros2NodeOptions.ReceivePriority"/> got.</summary>
    public string ReceiveScheduler { get; private set; } = "normal priority";
    private bool _disposed;

    /// <summary>Creates the node: joins the DDS domain, starts the receive thread, announces itself.</summary>
    /// <param name="name">Node name, e.g. <c>policy</c>.</param>
    /// <param name="options">Domain, namespace, Gid size, Cyclone configuration; defaults when null.</param>
    /// <exception cref="UserError">A bad name or option (named).</exception>
    /// <exception cref="DdsException">Cyclone refused to create an entity.</exception>
    public unsafe Ros2Node(string name, Ros2NodeOptions? options = null)
    {
        _options = (options ?? new Ros2NodeOptions()).Validate();
        Name = RosNames.ValidateNodeName(name);
        Namespace = _options.Namespace;
        AcquireIdentity(_options.DomainId, _options.Security);
        bool domainAcquired = false;
        try
        {
            _domainConfig = _options.DomainConfigXml;
            if (_domainConfig is not null)
            {
                try { DdsDomain.Acquire(_options.DomainId, _domainConfig, _options.CycloneConfigXml); }
                catch (DdsException) when (_domainConfig != _options.CycloneConfigXml)
                {
                    // Cyclone refused its threads' scheduling (e.g. a configuration with several receive threads, named
                    // otherwise): the domain as configured, Cyclone's threads at normal priority.
                    _domainConfig = _options.CycloneConfigXml!;
                    DdsDomain.Acquire(_options.DomainId, _domainConfig);
                }
                domainAcquired = true;
            }
            // The participant: USER_DATA "enclave=/;" is what ROS 2 tools look for; with security, the dds.sec.* properties.
            var qos = CycloneDdsNative.dds_create_qos();
            var userData = Encoding.ASCII.GetBytes($"enclave={_options.AdvertisedEnclave};");
            fixed (byte* u = userData) CycloneDdsNative.dds_qset_userdata(qos, u, (nuint)userData.Length);
            if (_options.Security is { } security)
                foreach (var (key, value) in security.Properties())
                {
                    var k = Encoding.UTF8.GetBytes(key + "\0");
                    var v = Encoding.UTF8.GetBytes(value + "\0");
                    fixed (byte* pk = k, pv = v) CycloneDdsNative.dds_qset_prop(qos, pk, pv);
                }
            _participant = CycloneDdsNative.dds_create_participant(_options.DomainId, qos, null);
            CycloneDdsNative.dds_delete_qos(qos);
            if (_participant < 0 && _options.Security is { } s)
                throw new UserError($"DDS Security refused enclave {s.Enclave} of keystore {Path.GetFullPath(s.Keystore)} on domain {_options.DomainId} " +
                    $"({DdsException.Describe(_participant)}): a certificate, key or signed document there does not verify (Cyclone's log above says which)");
            DdsException.Check(_participant, $"dds_create_participant(domain {_options.DomainId})");

            _waitset = DdsException.Check(CycloneDdsNative.dds_create_waitset(_participant), "dds_create_waitset");
            _guard = DdsException.Check(CycloneDdsNative.dds_create_guardcondition(_participant), "dds_create_guardcondition");
            DdsException.Check(CycloneDdsNative.dds_waitset_attach(_waitset, _guard, GuardAttach), "dds_waitset_attach(guard)");

            _types = new TopicTypeMonitor(_participant, OnWrongType);
            Attach(_types.PublicationReader, PublicationsAttach);
            Attach(_types.SubscriptionReader, SubscriptionsAttach);

            if (_options.PublishGraphInfo)
                _graphWriter = new RawWriter(_participant, ParticipantEntitiesInfo.DdsTopicName, ParticipantEntitiesInfo.DdsTypeName, QosProfile.Discovery);
            ParticipantGuid = Guid(_participant);
            PublishGraph();

            _thread = new Thread(ReceiveLoop) { IsBackground = true, Name = $"ros2 {Name} receive" };
            _thread.Start();
        }
        catch
        {
            if (_participant > 0) CycloneDdsNative.dds_delete(_participant);
            if (domainAcquired) DdsDomain.Release(_options.DomainId);
            ReleaseIdentity(_options.DomainId);
            throw;
        }
    }

    // Per domain: the enclave folder of this process's participants ("" = none) and how many use it.
    private static readonly Dictionary<uint, (string Identity, int Users)> Identities = new();

    // DESIGN: refused here, not left to Cyclone: it loads the security plugins once per domain and process, so a second
    // participant silently gets the first one's permissions (a /deploy node beside an /operator node could publish
    // cmd_vel), and a participant without security beside a secure one fails with a bare ERROR.
    private static void AcquireIdentity(uint domain, Security.Ros2SecurityOptions? security)
    {
        string identity = security?.EnclaveDirectory ?? "";
        lock (Identities)
        {
            if (Identities.TryGetValue(domain, out var d))
            {
                if (d.Identity != identity)
                    throw new UserError($"domain {domain}: this process already has a node {Describe(d.Identity)}; one process has one DDS Security identity " +
                        $"per domain, so a node {Describe(identity)} needs its own process or domain");
                Identities[domain] = d with { Users = d.Users + 1 };
            }
            else Identities[domain] = (identity, 1);
        }
        static string Describe(string id) => id.Length == 0 ? "without security" : $"in enclave folder {id}";
    }

    private static void ReleaseIdentity(uint domain)
    {
        lock (Identities)
        {
            if (!Identities.TryGetValue(domain, out var d)) return;
            if (d.Users > 1) Identities[domain] = d with { Users = d.Users - 1 };
            else Identities.Remove(domain);
        }
    }

    /// <summary>Node name.</summary>
    public string Name { get; }

    /// <summary>Node namespace (<c>/</c> or <c>/robot</c>).</summary>
    public string Namespace { get; }

    /// <summary>Namespace and name, e.g. <c>/robot/policy</c>.</summary>
    public string FullyQualifiedName => (Namespace == "/" ? "" : Namespace) + "/" + Name;

    /// <summary>The DDS domain id.</summary>
    public uint DomainId => _options.DomainId;

    /// <summary>The DDS participant entity, for code of this assembly (and tests) that needs raw DDS next to the node.</summary>
    internal int Participant => _participant;

    /// <summary>The participant's 16-byte GUID (the start of every Gid of this node).</summary>
    public byte[] ParticipantGuid { get; }

    /// <summary>Raised on the receive thread when an endpoint uses one of our topic names with another type.</summary>
    public event Action<WrongTypeReport>? WrongTypeDetected;

    /// <summary>Every wrong-type endpoint found so far.</summary>
    public IReadOnlyList<WrongTypeReport> WrongTypeReports { get { lock (_wrongTypes) return _wrongTypes.ToArray(); } }

    /// <summary>Creates a publisher on <paramref name="topic"/> (relative to the namespace, or absolute).</summary>
    /// <param name="qos">Defaults to <see cref="QosProfile.Default"/> (reliable, volatile, keep-last 10).</param>
    public Ros2Publisher<T> CreatePublisher<T>(string topic, QosProfile? qos = null) where T : class, IRosMessage<T>, new()
    {
        qos = (qos ?? QosProfile.Default).Validate();
        var fq = RosNames.Resolve(topic, Namespace);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var writer = Permitted(() => new RawWriter(_participant, RosNames.ToDds(fq), T.DdsTypeName, qos), "publish", fq);
            var publisher = new Ros2Publisher<T>(writer, fq, qos);
            _writers.Add(writer.Entity);
            _types.AddOurs(RosNames.ToDds(fq), T.DdsTypeName, () => { });
            PublishGraph();
            return publisher;
        }
    }

    /// <summary>Creates a subscription on <paramref name="topic"/> (relative to the namespace, or absolute).</summary>
    /// <param name="qos">Defaults to <see cref="QosProfile.Default"/>; use <see cref="QosProfile.SensorData"/> for sensor streams.</param>
    /// <param name="onMessage">Optional callback on the receive thread; its argument is reused, valid only during the call.</param>
    public Ros2Subscription<T> CreateSubscription<T>(string topic, QosProfile? qos = null, Action<T>? onMessage = null) where T : class, IRosMessage<T>, new()
    {
        qos = (qos ?? QosProfile.Default).Validate();
        var fq = RosNames.Resolve(topic, Namespace);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var reader = Permitted(() => new RawReader(_participant, RosNames.ToDds(fq), T.DdsTypeName, qos), "subscribe to", fq);
            var subscription = new Ros2Subscription<T>(reader, fq, qos, onMessage, _options.InitialMessageBytes, _options.MaxMessageBytes);
            _readers.Add(reader.Entity);
            var list = _subscriptions;
            _subscriptions = [.. list, subscription];
            Attach(reader.Entity, list.Length);
            ISubscriptionEndpoint endpoint = subscription;
            _types.AddOurs(RosNames.ToDds(fq), T.DdsTypeName, endpoint.ReportWrongType);
            PublishGraph();
            return subscription;
        }
    }

    // Access control refuses a writer or reader its permissions do not grant when it is created (Cyclone returns
    // NOT_ALLOWED_BY_SECURITY): a clear error naming the enclave and topic.
    private T Permitted<T>(Func<T> create, string verb, string topic)
    {
        try { return create(); }
        catch (DdsException e) when (e.Code == NotAllowedBySecurity && _options.Security is { } s)
        {
            throw new UserError($"enclave {s.Enclave} may not {verb} {topic}: its permissions ({s.File("permissions.xml")}) do not grant it");
        }
    }

    private const int NotAllowedBySecurity = -13;

    // ---------------------------------------------------------------- receive thread

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void ReceiveLoop()
    {
        const int Max = 64;
        nint* triggered = stackalloc nint[Max];
        if (_options.ReceivePriority > 0)
            ReceiveScheduler = LinuxRealTime.SetFifo(_options.ReceivePriority) is { } refused
                ? $"SCHED_FIFO priority {_options.ReceivePriority} refused: {refused}; normal priority" : $"SCHED_FIFO priority {_options.ReceivePriority}";
        while (!_stopping)
        {
            int n = CycloneDdsNative.dds_waitset_wait(_waitset, triggered, Max, 1_000_000_000);   // 1 s, to notice a stop in any case
            if (n < 0) { if (_stopping) return; Thread.Sleep(10); continue; }
            for (int i = 0; i < Math.Min(n, Max); i++)
            {
                nint x = triggered[i];
                if (x == GuardAttach) return;
                if (x is PublicationsAttach or SubscriptionsAttach) { _types.Poll(); continue; }
                var subs = _subscriptions;
                if (x >= 0 && x < subs.Length) subs[x].DrainAvailable();
            }
        }
    }

    private void Attach(int reader, nint index)
    {
        DdsException.Check(CycloneDdsNative.dds_set_status_mask(reader, 1u << (int)dds_status_id_t.DDS_DATA_AVAILABLE_STATUS_ID), "dds_set_status_mask");
        DdsException.Check(CycloneDdsNative.dds_waitset_attach(_waitset, reader, index), "dds_waitset_attach");
    }

    private void OnWrongType(WrongTypeReport report)
    {
        lock (_wrongTypes) _wrongTypes.Add(report);
        WrongTypeDetected?.Invoke(report);
    }

    // ---------------------------------------------------------------- graph

    /// <summary>
    /// The writers on <paramref name="topic"/> (relative to the namespace, or absolute) that belong to other participants,
    /// as DDS discovery announces them (every vendor, whatever their QoS or type), each named by its ROS 2 node where
    /// that node's <c>ros_discovery_info</c> entry says so. Allocates; not for a real-time thread.
    /// </summary>
    public IReadOnlyList<RemoteWriter> ForeignWriters(string topic)
    {
        var dds = RosNames.ToDds(RosNames.Resolve(topic, Namespace));
        var own = new System.Guid(ParticipantGuid);
        var writers = _types.Writers(dds).Where(w => w.Participant != own).ToList();
        if (writers.Count == 0) return [];
        var names = GraphNames();
        return writers.Select(w => new RemoteWriter(w.Endpoint, w.Participant, names.TryGetValue(w.Endpoint, out var n) ? n : null)).ToList();
    }

    // Writer GUID → node name from the graph entries read so far (the reader is made on first use: transient-local, so
    // every live participant's entry arrives). Entries of the other Gid size do not decode and are skipped.
    private Dictionary<System.Guid, string> GraphNames()
    {
        lock (_graphNames)
        {
            _graphReader ??= new RawReader(_participant, ParticipantEntitiesInfo.DdsTopicName, ParticipantEntitiesInfo.DdsTypeName, QosProfile.Discovery with { Depth = 1000 });
            var buffer = new byte[1 << 16];
            while (_graphReader.TryTake(buffer, out int size) == RawReader.Take.Data)
            {
                ParticipantEntitiesInfo info;
                try { info = ParticipantEntitiesInfo.Deserialize(buffer.AsSpan(0, size), _options.GidSize); }
                catch (CdrFormatException) { continue; }
                foreach (var node in info.Nodes)
                    foreach (var gid in node.Writers)
                        if (gid.Length >= 16) _graphNames[new System.Guid(gid.AsSpan(0, 16))] = (node.Namespace == "/" ? "" : node.Namespace) + "/" + node.Name;
            }
            return new Dictionary<System.Guid, string>(_graphNames);
        }
    }

    private static unsafe byte[] Guid(int entity)
    {
        dds_builtintopic_guid_t g;
        DdsException.Check(CycloneDdsNative.dds_get_guid(entity, &g), "dds_get_guid");
        return new ReadOnlySpan<byte>(g.v, 16).ToArray();
    }

    /// <summary>The node's entry in <c>ros_discovery_info</c> as it is published now.</summary>
    public ParticipantEntitiesInfo GraphInfo()
    {
        lock (_lock)
        {
            var info = new ParticipantEntitiesInfo(_options.GidSize) { ParticipantGuid = ParticipantGuid };
            info.Nodes.Add(new ParticipantEntitiesInfo.NodeEntities(Namespace, Name,
                _readers.Select(Guid).ToList(), _writers.Select(Guid).ToList()));
            return info;
        }
    }

    private void PublishGraph()
    {
        if (_graphWriter is null) return;
        var info = GraphInfo();
        lock (_graphCdr)
        {
            _graphCdr.Reset();
            info.Serialize(_graphCdr);
            _graphWriter.Write(_graphCdr.Finish());
        }
    }

    // ---------------------------------------------------------------- lifetime

    /// <summary>Stops the receive thread and deletes the participant with all its entities (peers see the node leave).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
        }
        _stopping = true;
        CycloneDdsNative.dds_set_guardcondition(_guard, 1);
        _thread.Join();
        CycloneDdsNative.dds_delete(_participant);
        if (_domainConfig is not null) DdsDomain.Release(_options.DomainId);
        ReleaseIdentity(_options.DomainId);
    }
}
