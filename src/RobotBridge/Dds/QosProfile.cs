namespace Robotics.RobotBridge.Dds;

/// <summary>Delivery guarantee.</summary>
public enum Reliability
{
    /// <summary>Samples may be lost; never retransmitted (sensor streams).</summary>
    BestEffort,
    /// <summary>Lost samples are retransmitted within the history depth.</summary>
    Reliable,
}

/// <summary>Whether late-joining readers get samples written before they appeared.</summary>
public enum Durability
{
    /// <summary>Only samples written after the reader matched.</summary>
    Volatile,
    /// <summary>The writer keeps its last <see cref="QosProfile.Depth"/> samples for late joiners.</summary>
    TransientLocal,
}

/// <summary>
/// The QoS a ROS 2 publisher or subscription uses: reliability, durability and a keep-last history.
/// Both vendors' readers default to best effort, so reliability is always set explicitly.
/// </summary>
public sealed record QosProfile
{
    /// <summary>Reliable or best effort.</summary>
    public Reliability Reliability { get; init; } = Reliability.Reliable;

    /// <summary>Volatile or transient-local.</summary>
    public Durability Durability { get; init; } = Durability.Volatile;

    /// <summary>Keep-last history depth [samples], ≥ 1.</summary>
    public int Depth { get; init; } = 10;

    /// <summary>ROS 2's default (rmw_qos_profile_default): reliable, volatile, keep-last 10.</summary>
    public static QosProfile Default { get; } = new();

    /// <summary>ROS 2's sensor data profile (rmw_qos_profile_sensor_data): best effort, volatile, keep-last 5.</summary>
    public static QosProfile SensorData { get; } = new() { Reliability = Reliability.BestEffort, Depth = 5 };

    /// <summary>What <c>ros_discovery_info</c> uses: reliable, transient-local, keep-last 1.</summary>
    public static QosProfile Discovery { get; } = new() { Durability = Durability.TransientLocal, Depth = 1 };

    /// <summary>Checks the fields; returns this.</summary>
    /// <exception cref="UserError">Names the offending field.</exception>
    public QosProfile Validate()
    {
        if (Depth < 1) throw new UserError($"QosProfile.Depth must be at least 1 (got {Depth})");
        if (!Enum.IsDefined(Reliability)) throw new UserError($"QosProfile.Reliability {Reliability} is not defined");
        if (!Enum.IsDefined(Durability)) throw new UserError($"QosProfile.Durability {Durability} is not defined");
        return this;
    }

    /// <summary>A new native QoS object for this profile; the caller frees it with dds_delete_qos.</summary>
    internal unsafe dds_qos_t* ToNative()
    {
        Validate();
        var qos = CycloneDdsNative.dds_create_qos();
        // max_blocking_time 100 ms for reliable writers (ROS 2's value); keep-last never blocks anyway.
        CycloneDdsNative.dds_qset_reliability(qos,
            Reliability == Reliability.Reliable ? dds_reliability_kind_t.DDS_RELIABILITY_RELIABLE : dds_reliability_kind_t.DDS_RELIABILITY_BEST_EFFORT,
            100_000_000);
        CycloneDdsNative.dds_qset_durability(qos,
            Durability == Durability.TransientLocal ? dds_durability_kind_t.DDS_DURABILITY_TRANSIENT_LOCAL : dds_durability_kind_t.DDS_DURABILITY_VOLATILE);
        CycloneDdsNative.dds_qset_history(qos, dds_history_kind_t.DDS_HISTORY_KEEP_LAST, Depth);
        return qos;
    }
}
