using Robotics.RobotBridge.Ros2;

namespace Robotics.RobotBridge.Tests.Hil;

/// <summary>
/// DDS domains for the deploy-node and hardware-in-the-loop tests, kept apart from <see cref="Ros2.TestDomain"/>
/// (ids 20–219): their nodes publish ros_discovery_info entries and use the default topic names, which the
/// graph and pub/sub tests of the same run must not see. Eight ids per run from the 32 of 1–19 and 220–232,
/// chosen by process id (a run beside another on the same machine rarely shares them).
/// </summary>
internal static class NodeTestDomain
{
    private static readonly uint[] Pool = [.. Enumerable.Range(1, 19).Select(i => (uint)i), .. Enumerable.Range(220, 13).Select(i => (uint)i)];

    /// <summary>Domain <paramref name="k"/> (0–7) of this run.</summary>
    public static uint Id(int k) => (uint)k is < 8 ? Pool[(Environment.ProcessId % 4) * 8 + k] : throw new ArgumentOutOfRangeException(nameof(k));

    /// <summary>Loopback options on <see cref="Id"/>(3), for the in-process node tests (unique topic names each).</summary>
    public static Ros2NodeOptions Options => Ros2NodeOptions.Loopback(Id(3));
}
