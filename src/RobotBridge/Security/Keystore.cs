using System.Diagnostics;
using System.Globalization;
using System.Security;

namespace Robotics.RobotBridge.Security;

/// <summary>
/// An SROS2-layout keystore for DDS Security, made with the <c>openssl</c> command:
/// <code>
/// DIR/public/ca.cert.pem                    the CA (identity_ca.cert.pem and permissions_ca.cert.pem link to it)
/// DIR/private/ca.key.pem                    its key (identity_ca.key.pem, permissions_ca.key.pem link to it)
/// DIR/enclaves/governance.xml, .p7s         the domain's governance, signed by the permissions CA
/// DIR/enclaves/&lt;enclave&gt;/cert.pem, key.pem  the enclave's identity (subject CN=&lt;enclave&gt;), signed by the identity CA
/// DIR/enclaves/&lt;enclave&gt;/permissions.xml, .p7s   what it may publish and subscribe, signed by the permissions CA
/// DIR/enclaves/&lt;enclave&gt;/identity_ca.cert.pem, permissions_ca.cert.pem, governance.p7s   links to the shared files
/// </code>
/// This is what <c>ros2 security create_keystore</c> and <c>create_enclave</c> write, so either tool's keystore works
/// with either stack. Keys are ECDSA P-256, certificates valid <see cref="ValidDays"/> days.
/// </summary>
// DESIGN: the openssl CLI, not .NET crypto. Cyclone's access-control plugin reads S/MIME (multipart/signed, text mode,
// detached PKCS#7) as `openssl smime -sign -text` writes it; .NET's SignedCms makes the PKCS#7 but no S/MIME envelope,
// which would have to be hand-written around it (MIME boundaries, the text/plain part, base64 line breaks). openssl 3
// is on every machine that runs Cyclone's security plugins (they link libssl), and it writes exactly what SROS2's
// Python `cryptography` writes.
public static class Keystore
{
    /// <summary>Validity of the CA, the enclave certificates and the permission grants [days].</summary>
    public const int ValidDays = 3650;

    /// <summary>Highest domain id the governance and permissions cover: DDS Security's documents allow 0–230.</summary>
    public const uint MaxDomainId = 230;

    /// <summary>The files every enclave folder holds (what the security plugins read).</summary>
    public static readonly IReadOnlyList<string> EnclaveFiles =
        ["identity_ca.cert.pem", "cert.pem", "key.pem", "permissions_ca.cert.pem", "governance.p7s", "permissions.p7s"];

    /// <summary>The enclaves this stack's nodes run in, by their last name segment, and the topics each may use.</summary>
    public static readonly IReadOnlyDictionary<string, EnclavePolicy> Policies = new Dictionary<string, EnclavePolicy>
    {
        // The operator commands and watches; it never drives the joints.
        ["operator"] = new(Publish: ["cmd_vel", "target_pose", "estop"],
                           Subscribe: ["deploy_status", "joint_states", "imu", "object_pose", "joint_commands"]),
        // The deploy node alone writes joint commands; it reads the robot's state and the operator's commands.
        ["deploy"] = new(Publish: ["joint_commands", "deploy_status"],
                         Subscribe: ["joint_states", "imu", "object_pose", "cmd_vel", "target_pose", "estop"]),
        // The robot (or its simulation) alone writes its state; it reads the commands and, to score them, the goals.
        ["sim_robot"] = new(Publish: ["joint_states", "imu", "object_pose"],
                            Subscribe: ["joint_commands", "cmd_vel", "target_pose"]),
        // `bench dds --keystore`: the ping-pong pair.
        ["bench"] = new(Publish: ["bench_ping", "bench_pong"], Subscribe: ["bench_ping", "bench_pong"]),
    };

    /// <summary>Creates the CA and the signed governance in <paramref name="directory"/>; an existing keystore is kept.</summary>
    /// <returns>False when <paramref name="directory"/> already held a keystore (nothing was changed).</returns>
    /// <exception cref="UserError">openssl is missing or failed (its message), or the folder cannot be written.</exception>
    public static bool Create(string directory)
    {
        string root = Path.GetFullPath(directory);
        string caCert = Path.Combine(root, "public", "ca.cert.pem"), caKey = Path.Combine(root, "private", "ca.key.pem");
        if (File.Exists(caCert) && File.Exists(caKey) && File.Exists(Path.Combine(root, "enclaves", "governance.p7s"))) return false;
        try
        {
            foreach (var sub in new[] { "public", "private", "enclaves" }) Directory.CreateDirectory(Path.Combine(root, sub));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"keystore {root}: cannot create its folders ({e.Message})");
        }
        OpenSsl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", caKey);
        OpenSsl("req", "-new", "-x509", "-config", "/dev/null", "-key", caKey, "-subj", "/CN=robotics keystore CA", "-days", Days, "-sha256",
            "-addext", "basicConstraints=critical,CA:TRUE", "-out", caCert);
        foreach (var role in new[] { "identity_ca", "permissions_ca" })
        {
            Link(Path.Combine(root, "public", $"{role}.cert.pem"), "ca.cert.pem");
            Link(Path.Combine(root, "private", $"{role}.key.pem"), "ca.key.pem");
        }
        string governance = Path.Combine(root, "enclaves", "governance.xml");
        File.WriteAllText(governance, GovernanceXml());
        Sign(root, governance, Path.Combine(root, "enclaves", "governance.p7s"));
        return true;
    }

    /// <summary>
    /// Creates enclave <paramref name="enclave"/> (e.g. <c>/deploy</c>, or <c>/robot1/deploy</c>) in the keystore at
    /// <paramref name="directory"/>: its key, its certificate and its signed permissions, by the policy of its last name
    /// segment (<see cref="Policies"/>). An existing enclave is made anew.
    /// </summary>
    /// <returns>The enclave's folder.</returns>
    /// <exception cref="UserError">No keystore there, an enclave name that is no ROS name or has no policy, or openssl failed.</exception>
    public static string CreateEnclave(string directory, string enclave)
    {
        string root = Path.GetFullPath(directory);
        var policy = PolicyOf(enclave);
        string caCert = Path.Combine(root, "public", "ca.cert.pem"), caKey = Path.Combine(root, "private", "ca.key.pem");
        if (!File.Exists(caCert) || !File.Exists(caKey))
            throw new UserError($"{root} is no keystore (no public/ca.cert.pem and private/ca.key.pem): create it first (robotics keystore create {directory})");
        string dir = EnclaveDirectory(root, enclave);
        Directory.CreateDirectory(dir);
        string key = Path.Combine(dir, "key.pem"), cert = Path.Combine(dir, "cert.pem");
        OpenSsl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key);
        // In -subj a '/' inside a value is written '\/'.
        OpenSsl("req", "-new", "-x509", "-config", "/dev/null", "-key", key, "-subj", "/CN=" + enclave.Replace("/", "\\/"),
            "-CA", caCert, "-CAkey", caKey, "-days", Days, "-sha256", "-addext", "basicConstraints=critical,CA:FALSE", "-out", cert);
        string permissions = Path.Combine(dir, "permissions.xml");
        File.WriteAllText(permissions, PermissionsXml(enclave, policy, DateTime.UtcNow));
        Sign(root, permissions, Path.Combine(dir, "permissions.p7s"));
        // Relative links, as SROS2 makes them: the keystore can be moved or copied as a whole.
        string up = string.Concat(Enumerable.Repeat("../", enclave.Trim('/').Split('/').Length + 1));
        Link(Path.Combine(dir, "identity_ca.cert.pem"), up + "public/identity_ca.cert.pem");
        Link(Path.Combine(dir, "permissions_ca.cert.pem"), up + "public/permissions_ca.cert.pem");
        Link(Path.Combine(dir, "governance.p7s"), up[3..] + "governance.p7s");
        return dir;
    }

    /// <summary>The folder of <paramref name="enclave"/> in the keystore at <paramref name="keystore"/> (<c>enclaves/…</c>).</summary>
    /// <exception cref="UserError">The name is not an absolute ROS name other than <c>/</c>.</exception>
    public static string EnclaveDirectory(string keystore, string enclave)
    {
        ValidateEnclaveName(enclave);
        return Path.Combine([Path.GetFullPath(keystore), "enclaves", .. enclave.Trim('/').Split('/')]);
    }

    /// <summary>Checks an enclave name: absolute, segments of letters, digits and underscores, not <c>/</c> alone.</summary>
    /// <exception cref="UserError">Names the bad enclave.</exception>
    public static string ValidateEnclaveName(string enclave)
    {
        if (string.IsNullOrEmpty(enclave) || enclave[0] != '/' || enclave == "/" || enclave.EndsWith('/')
            || enclave[1..].Split('/').Any(s => s.Length == 0 || char.IsAsciiDigit(s[0]) || !s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
            throw new UserError($"enclave '{enclave}' must be an absolute ROS name such as /deploy or /robot1/deploy");
        return enclave;
    }

    /// <summary>The policy for <paramref name="enclave"/>: that of its last name segment.</summary>
    /// <exception cref="UserError">The segment has no policy (the known ones are listed).</exception>
    public static EnclavePolicy PolicyOf(string enclave)
    {
        ValidateEnclaveName(enclave);
        string role = enclave[(enclave.LastIndexOf('/') + 1)..];
        return Policies.TryGetValue(role, out var policy) ? policy
            : throw new UserError($"enclave '{enclave}': no permissions for '{role}'; enclaves end in one of {string.Join(", ", Policies.Keys.Select(k => "/" + k))}");
    }

    /// <summary>
    /// The governance document: every topic's data and metadata encrypted and authenticated (AES-GCM, protection
    /// kind ENCRYPT), discovery and liveliness likewise, every message signed, read and write access controlled,
    /// unauthenticated participants refused. The same rules SROS2 writes.
    /// </summary>
    public static string GovernanceXml() => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <dds xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://www.omg.org/spec/DDS-Security/20170901/omg_shared_ca_governance.xsd">
          <domain_access_rules>
            <domain_rule>
              <domains><id_range><min>0</min><max>{MaxDomainId}</max></id_range></domains>
              <allow_unauthenticated_participants>false</allow_unauthenticated_participants>
              <enable_join_access_control>true</enable_join_access_control>
              <discovery_protection_kind>ENCRYPT</discovery_protection_kind>
              <liveliness_protection_kind>ENCRYPT</liveliness_protection_kind>
              <rtps_protection_kind>SIGN</rtps_protection_kind>
              <topic_access_rules>
                <topic_rule>
                  <topic_expression>*</topic_expression>
                  <enable_discovery_protection>true</enable_discovery_protection>
                  <enable_liveliness_protection>true</enable_liveliness_protection>
                  <enable_read_access_control>true</enable_read_access_control>
                  <enable_write_access_control>true</enable_write_access_control>
                  <metadata_protection_kind>ENCRYPT</metadata_protection_kind>
                  <data_protection_kind>ENCRYPT</data_protection_kind>
                </topic_rule>
              </topic_access_rules>
            </domain_rule>
          </domain_access_rules>
        </dds>

        """;

    /// <summary>
    /// The permissions document of <paramref name="enclave"/>: a grant to subject <c>CN=&lt;enclave&gt;</c> from
    /// <paramref name="now"/> for <see cref="ValidDays"/> days, on domains 0–230, allowing the policy's topics (each at the
    /// root, <c>rt/T</c>, and under any namespace, <c>rt/*/T</c>) and <c>ros_discovery_info</c>; everything else denied.
    /// </summary>
    public static string PermissionsXml(string enclave, EnclavePolicy policy, DateTime now)
    {
        static string Topics(IEnumerable<string> names) => string.Concat(names.SelectMany(t => new[] { $"rt/{t}", $"rt/*/{t}" }).Append("ros_discovery_info")
            .Select(t => $"\n              <topic>{SecurityElement.Escape(t)}</topic>"));
        var inv = CultureInfo.InvariantCulture;
        string name = SecurityElement.Escape(enclave);
        return $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <dds xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://www.omg.org/spec/DDS-Security/20170901/omg_shared_ca_permissions.xsd">
              <permissions>
                <grant name="{name}">
                  <subject_name>CN={name}</subject_name>
                  <validity>
                    <not_before>{now.ToString("yyyy-MM-ddTHH:mm:ss", inv)}</not_before>
                    <not_after>{now.AddDays(ValidDays).ToString("yyyy-MM-ddTHH:mm:ss", inv)}</not_after>
                  </validity>
                  <allow_rule>
                    <domains><id_range><min>0</min><max>{MaxDomainId}</max></id_range></domains>
                    <publish>
                      <topics>{Topics(policy.Publish)}
                      </topics>
                    </publish>
                    <subscribe>
                      <topics>{Topics(policy.Subscribe)}
                      </topics>
                    </subscribe>
                  </allow_rule>
                  <default>DENY</default>
                </grant>
              </permissions>
            </dds>

            """;
    }

    private static string Days => ValidDays.ToString(CultureInfo.InvariantCulture);

    // S/MIME, detached, text mode: what Cyclone's access control plugin verifies against permissions_ca.cert.pem.
    private static void Sign(string root, string document, string signed) =>
        OpenSsl("smime", "-sign", "-text", "-in", document, "-out", signed,
            "-signer", Path.Combine(root, "public", "permissions_ca.cert.pem"), "-inkey", Path.Combine(root, "private", "permissions_ca.key.pem"));

    private static void Link(string path, string target)
    {
        if (File.Exists(path) || new FileInfo(path).LinkTarget is not null) File.Delete(path);
        File.CreateSymbolicLink(path, target);
    }

    private static void OpenSsl(params string[] arguments)
    {
        var psi = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new UserError("the openssl command is not installed (apt-get install openssl): the keystore is made with it");
        }
        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new UserError($"openssl {arguments[0]} failed ({process.ExitCode}) making {arguments[^1]}: {error.Result.Trim().ReplaceLineEndings(" ")}");
        }
    }
}

/// <summary>The topics (ROS names, relative) an enclave may publish and subscribe.</summary>
/// <param name="Publish">Topics it may write.</param>
/// <param name="Subscribe">Topics it may read.</param>
public sealed record EnclavePolicy(IReadOnlyList<string> Publish, IReadOnlyList<string> Subscribe);
