using Robotics.RobotBridge.Security;

namespace Robotics.RobotBridge.Tests.Security;

/// <summary>
/// One keystore per test class (made once, in a temporary folder, deleted after): the CA, the governance and the
/// /deploy, /sim_robot, /operator and /bench enclaves, as <c>robotics keystore</c> makes them.
/// </summary>
public sealed class SecureTestKeystore : IDisposable
{
    public static readonly string[] Enclaves = ["/deploy", "/sim_robot", "/operator", "/bench"];

    public SecureTestKeystore()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("keystore").FullName;
        Assert.True(Keystore.Create(Directory));
        foreach (var e in Enclaves) Keystore.CreateEnclave(Directory, e);
    }

    /// <summary>The keystore's root.</summary>
    public string Directory { get; }

    /// <summary>Security options of <paramref name="enclave"/>, validated.</summary>
    public Ros2SecurityOptions Options(string enclave) => new Ros2SecurityOptions { Keystore = Directory, Enclave = enclave }.Validate();

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

/// <summary>
/// Domains of the secure tests, 20–219 like <see cref="Ros2.TestDomain"/> but 100 ids away from it: Cyclone gives all
/// participants of one process on one domain one security identity, so these must not share a domain with the plain
/// in-process tests (or with each other: one id per k). DDS Security allows ids up to 230 only.
/// </summary>
internal static class SecureTestDomain
{
    public static uint Id(int k) => (uint)k is < 100 ? (uint)(20 + (Environment.ProcessId % 200 + 100 + k) % 200) : throw new ArgumentOutOfRangeException(nameof(k));
}
