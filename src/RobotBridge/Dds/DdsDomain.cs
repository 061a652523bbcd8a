using System.Text;

namespace Robotics.RobotBridge.Dds;

/// <summary>
/// Cyclone DDS domains created with an explicit configuration (instead of the CYCLONEDDS_URI environment
/// variable, which .NET cannot change for native code after start-up). A domain lives while any node
/// of this process uses it: the first user creates it, the last one deletes it.
/// </summary>
public static class DdsDomain
{
    /// <summary>
    /// A configuration that keeps all traffic on the loopback interface (<c>lo</c>); multicast is then off
    /// and peers on the same machine still discover each other. Tests and the hardware-in-the-loop runs use it.
    /// </summary>
    public const string LoopbackConfigXml =
        "<CycloneDDS><Domain id=\"any\"><General><Interfaces><NetworkInterface name=\"lo\"/></Interfaces></General></Domain></CycloneDDS>";

    private static readonly Dictionary<uint, (int Handle, int Users, string Config, string Base)> Domains = new();

    /// <summary>
    /// Makes sure domain <paramref name="id"/> exists with <paramref name="configXml"/>; pair with <see cref="Release"/>.
    /// <paramref name="baseXml"/>: the configuration without its thread scheduling, which a domain already created
    /// from the same base may lack or have (threads are the process's, not the node's); null = exactly <paramref name="configXml"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The domain already runs in this process with another configuration.</exception>
    internal static unsafe void Acquire(uint id, string configXml, string? baseXml = null)
    {
        baseXml ??= configXml;
        lock (Domains)
        {
            if (Domains.TryGetValue(id, out var d))
            {
                if (d.Base != baseXml)
                    throw new InvalidOperationException($"DDS domain {id} already runs in this process with another configuration");
                Domains[id] = d with { Users = d.Users + 1 };
                return;
            }
            var bytes = Encoding.UTF8.GetBytes(configXml + "\0");
            int handle;
            fixed (byte* p = bytes) handle = CycloneDdsNative.dds_create_domain(id, p);
            // PRECONDITION_NOT_MET: a participant created without a configuration made the domain already.
            if (handle < 0 && handle != -4) throw new DdsException($"dds_create_domain({id})", handle);
            Domains[id] = (handle, 1, configXml, baseXml);
        }
    }

    /// <summary>One user of domain <paramref name="id"/> is done; the last one deletes it.</summary>
    internal static void Release(uint id)
    {
        lock (Domains)
        {
            if (!Domains.TryGetValue(id, out var d)) return;
            if (d.Users > 1) { Domains[id] = d with { Users = d.Users - 1 }; return; }
            Domains.Remove(id);
            if (d.Handle > 0) CycloneDdsNative.dds_delete(d.Handle);
        }
    }
}
