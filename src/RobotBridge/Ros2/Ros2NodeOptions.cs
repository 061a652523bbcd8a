namespace Robotics.RobotBridge.Ros2;

/// <summary>How a <see cref="Ros2Node"/> joins the DDS network.</summary>
public sealed record Ros2NodeOptions
{
    /// <summary>ROS_DOMAIN_ID, 0–232 (Cyclone's default port mapping allows no more).</summary>
    public uint DomainId { get; init; }

    /// <summary>Node namespace: <c>/</c> or absolute, e.g. <c>/robot</c>.</summary>
    public string Namespace { get; init; } = "/";

    /// <summary>Bytes per Gid in <c>ros_discovery_info</c>: 24 for Humble, 16 for Iron and later.</summary>
    public int GidSize { get; init; } = 16;

    /// <summary>Security enclave advertised in the participant's USER_DATA (<c>enclave=/;</c>); with <see cref="Security"/> its enclave is advertised instead.</summary>
    public string Enclave { get; init; } = "/";

    /// <summary>
    /// DDS Security (authentication, access control, encryption) from an SROS2 keystore's enclave; null = none.
    /// All nodes of one process on one domain share one identity (Cyclone loads the plugins once per domain), so they
    /// must use the same enclave, or none.
    /// </summary>
    public Security.Ros2SecurityOptions? Security { get; init; }

    /// <summary>The enclave the participant advertises.</summary>
    public string AdvertisedEnclave => Security?.Enclave ?? Enclave;

    /// <summary>
    /// Cyclone DDS XML configuration for the domain; null uses CYCLONEDDS_URI or Cyclone's defaults.
    /// <see cref="Dds.DdsDomain.LoopbackConfigXml"/> keeps all traffic on <c>lo</c>.
    /// </summary>
    public string? CycloneConfigXml { get; init; }

    /// <summary>
    /// SCHED_FIFO priority 1–99 of the threads that bring messages in, where the OS grants it (root or CAP_SYS_NICE);
    /// 0 = normal priority. This node's receive thread takes it, and with an explicit <see cref="CycloneConfigXml"/>
    /// Cyclone's receive and delivery threads too. A control node sets it just below its loop's priority: a busy
    /// computer must not hold its joint states back past the watchdog (an arm's allows 10 ms).
    /// </summary>
    public int ReceivePriority { get; init; }

    /// <summary>Largest message a subscription accepts [bytes]; larger ones are dropped and counted.</summary>
    public int MaxMessageBytes { get; init; } = 1 << 20;

    /// <summary>Initial receive buffer per subscription [bytes]; grows up to <see cref="MaxMessageBytes"/>.</summary>
    public int InitialMessageBytes { get; init; } = 4096;

    /// <summary>Whether to publish ParticipantEntitiesInfo on <c>ros_discovery_info</c> (what makes <c>ros2 node list</c> show the node).</summary>
    public bool PublishGraphInfo { get; init; } = true;

    /// <summary>
    /// The Cyclone configuration the domain is created with: <see cref="CycloneConfigXml"/> with, for a
    /// <see cref="ReceivePriority"/> the OS grants, Cyclone's receive and delivery threads on SCHED_FIFO at that priority
    /// (Cyclone fails to create the domain where it may not). The names are those of a single receive thread, which a
    /// loopback or unicast configuration has; with several (multicast), Cyclone calls them recvUC and recvMC instead.
    /// </summary>
    public string? DomainConfigXml
    {
        get
        {
            if (CycloneConfigXml is null || ReceivePriority == 0 || !Deploy.RealTime.LinuxRealTime.FifoAllowed(ReceivePriority)) return CycloneConfigXml;
            int end = CycloneConfigXml.LastIndexOf("</Domain>", StringComparison.Ordinal);
            if (end < 0) return CycloneConfigXml;
            var threads = string.Concat(new[] { "recv", "dq.user" }.Select(name =>
                $"<Thread name=\"{name}\"><Scheduling><Class>realtime</Class><Priority>{ReceivePriority}</Priority></Scheduling></Thread>"));
            return CycloneConfigXml[..end] + "<Threads>" + threads + "</Threads>" + CycloneConfigXml[end..];
        }
    }

    /// <summary>Options that keep all traffic on the loopback interface, in <paramref name="domainId"/>.</summary>
    public static Ros2NodeOptions Loopback(uint domainId) => new() { DomainId = domainId, CycloneConfigXml = Dds.DdsDomain.LoopbackConfigXml };

    /// <summary>Checks the fields; returns this.</summary>
    /// <exception cref="UserError">Names the offending field.</exception>
    public Ros2NodeOptions Validate()
    {
        if (DomainId > 232) throw new UserError($"Ros2NodeOptions.DomainId must be 0–232 (got {DomainId})");
        RosNames.ValidateNamespace(Namespace);
        if (GidSize is not (16 or 24)) throw new UserError($"Ros2NodeOptions.GidSize must be 16 (Iron+) or 24 (Humble), got {GidSize}");
        if (string.IsNullOrEmpty(Enclave) || Enclave.Contains(';')) throw new UserError($"Ros2NodeOptions.Enclave '{Enclave}' must be non-empty without ';'");
        if (ReceivePriority is < 0 or > 99) throw new UserError($"Ros2NodeOptions.ReceivePriority must be 0 (normal) or 1–99 (got {ReceivePriority})");
        if (InitialMessageBytes < 16) throw new UserError($"Ros2NodeOptions.InitialMessageBytes must be at least 16 (got {InitialMessageBytes})");
        if (Security is not null)
        {
            Security.Validate();
            if (DomainId > RobotBridge.Security.Keystore.MaxDomainId)
                throw new UserError($"Ros2NodeOptions.DomainId {DomainId}: DDS Security covers domains 0–{RobotBridge.Security.Keystore.MaxDomainId} only");
        }
        if (MaxMessageBytes < InitialMessageBytes) throw new UserError($"Ros2NodeOptions.MaxMessageBytes ({MaxMessageBytes}) must be at least InitialMessageBytes ({InitialMessageBytes})");
        return this;
    }
}
