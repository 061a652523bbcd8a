using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Robotics.RobotBridge.Security;

namespace Robotics.RobotBridge.Tests.Security;

/// <summary>The keystore's SROS2 layout, its documents' content and signatures, and how a node's security is resolved.</summary>
public sealed class KeystoreTests(SecureTestKeystore keystore) : IClassFixture<SecureTestKeystore>
{
    private string Root => keystore.Directory;

    [Fact]
    public void The_keystore_has_the_SROS2_layout_with_links_to_one_CA()
    {
        foreach (var f in new[] { "public/ca.cert.pem", "public/identity_ca.cert.pem", "public/permissions_ca.cert.pem",
                     "private/ca.key.pem", "private/identity_ca.key.pem", "private/permissions_ca.key.pem", "enclaves/governance.xml", "enclaves/governance.p7s" })
            Assert.True(File.Exists(Path.Combine(Root, f)), f);
        Assert.Equal("ca.cert.pem", new FileInfo(Path.Combine(Root, "public/identity_ca.cert.pem")).LinkTarget);
        foreach (var e in SecureTestKeystore.Enclaves)
        {
            string dir = Path.Combine(Root, "enclaves", e.TrimStart('/'));
            foreach (var f in Keystore.EnclaveFiles.Append("permissions.xml")) Assert.True(File.Exists(Path.Combine(dir, f)), $"{e}/{f}");
            // The shared files are links (relative, as SROS2 makes them), so the keystore moves as a whole.
            Assert.Equal("../../public/identity_ca.cert.pem", new FileInfo(Path.Combine(dir, "identity_ca.cert.pem")).LinkTarget);
            Assert.Equal("../governance.p7s", new FileInfo(Path.Combine(dir, "governance.p7s")).LinkTarget);
        }
    }

    [Fact]
    public void Each_enclave_certificate_names_its_enclave_and_chains_to_the_CA()
    {
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(Root, "public/ca.cert.pem")));
        foreach (var e in SecureTestKeystore.Enclaves)
        {
            using var cert = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(Root, "enclaves", e.TrimStart('/'), "cert.pem")));
            Assert.Equal($"CN={e}", cert.Subject);
            Assert.False(cert.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            Assert.True(chain.Build(cert), $"{e}: {string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation))}");
        }
    }

    [Theory]
    [InlineData("/operator", "cmd_vel,target_pose,estop", "joint_commands,joint_states,imu,object_pose,deploy_status")]
    [InlineData("/deploy", "joint_commands,deploy_status", "cmd_vel,target_pose,estop,joint_states,imu,object_pose")]
    [InlineData("/sim_robot", "joint_states,imu,object_pose", "cmd_vel,target_pose,estop,joint_commands,deploy_status")]
    public void Only_the_right_enclave_may_publish_each_topic(string enclave, string mayPublish, string mayNotPublish)
    {
        var doc = XDocument.Load(Path.Combine(Root, "enclaves", enclave.TrimStart('/'), "permissions.xml"));
        var grant = doc.Descendants("grant").Single();
        Assert.Equal(enclave, (string?)grant.Attribute("name"));
        Assert.Equal($"CN={enclave}", grant.Element("subject_name")!.Value);
        Assert.Equal("DENY", grant.Element("default")!.Value);
        var published = grant.Descendants("publish").Descendants("topic").Select(t => t.Value).ToHashSet();
        foreach (var t in mayPublish.Split(','))
        {
            Assert.Contains($"rt/{t}", published);
            Assert.Contains($"rt/*/{t}", published);   // under a namespace or a remap such as teleop/cmd_vel
        }
        foreach (var t in mayNotPublish.Split(','))
            Assert.DoesNotContain(published, p => p.EndsWith("/" + t, StringComparison.Ordinal));
        Assert.Contains("ros_discovery_info", published);
        // Each subscribes to what its nodes read.
        var subscribed = grant.Descendants("subscribe").Descendants("topic").Select(t => t.Value).ToHashSet();
        foreach (var t in Keystore.PolicyOf(enclave).Subscribe) Assert.Contains($"rt/{t}", subscribed);
    }

    [Fact]
    public void Governance_protects_every_topic_and_refuses_unauthenticated_participants()
    {
        var rule = XDocument.Load(Path.Combine(Root, "enclaves/governance.xml")).Descendants("domain_rule").Single();
        Assert.Equal("false", rule.Element("allow_unauthenticated_participants")!.Value);
        Assert.Equal("true", rule.Element("enable_join_access_control")!.Value);
        Assert.Equal("ENCRYPT", rule.Element("discovery_protection_kind")!.Value);
        Assert.Equal("ENCRYPT", rule.Element("liveliness_protection_kind")!.Value);
        var topic = rule.Descendants("topic_rule").Single();
        Assert.Equal("*", topic.Element("topic_expression")!.Value);
        foreach (var e in new[] { "metadata_protection_kind", "data_protection_kind" }) Assert.Equal("ENCRYPT", topic.Element(e)!.Value);
        foreach (var e in new[] { "enable_read_access_control", "enable_write_access_control", "enable_discovery_protection", "enable_liveliness_protection" })
            Assert.Equal("true", topic.Element(e)!.Value);
    }

    [Fact]
    public void The_signed_documents_verify_against_the_permissions_CA_and_match_their_xml()
    {
        string ca = Path.Combine(Root, "public/permissions_ca.cert.pem");
        foreach (var (signed, xml) in new[] { ("enclaves/governance.p7s", "enclaves/governance.xml"), ("enclaves/deploy/permissions.p7s", "enclaves/deploy/permissions.xml") })
        {
            var (code, content) = OpenSsl("smime", "-verify", "-text", "-in", Path.Combine(Root, signed), "-CAfile", ca);
            Assert.True(code == 0, $"{signed}: {content}");
            Assert.Equal(File.ReadAllText(Path.Combine(Root, xml)).ReplaceLineEndings("\n"), content.ReplaceLineEndings("\n"));
        }
    }

    [Theory]
    [InlineData("deploy")]
    [InlineData("/")]
    [InlineData("/robot 1/deploy")]
    [InlineData("/robot/")]
    public void A_bad_enclave_name_is_refused(string name)
    {
        var e = Assert.Throws<UserError>(() => Keystore.CreateEnclave(Root, name));
        Assert.Contains($"'{name}'", e.Message);
    }

    [Fact]
    public void An_enclave_without_a_policy_is_refused_naming_the_known_ones()
    {
        var e = Assert.Throws<UserError>(() => Keystore.CreateEnclave(Root, "/teleop"));
        Assert.Contains("/operator", e.Message);
        Assert.False(Directory.Exists(Path.Combine(Root, "enclaves/teleop")));
    }

    [Fact]
    public void A_missing_security_file_is_named()
    {
        var copy = Directory.CreateTempSubdirectory("keystore-copy").FullName;
        try
        {
            Keystore.Create(copy);
            Keystore.CreateEnclave(copy, "/deploy");
            File.Delete(Path.Combine(copy, "enclaves/deploy/permissions.p7s"));
            var e = Assert.Throws<UserError>(() => new Ros2SecurityOptions { Keystore = copy, Enclave = "/deploy" }.Validate());
            Assert.Contains(Path.Combine(copy, "enclaves", "deploy", "permissions.p7s"), e.Message);
            Assert.Contains("/deploy", e.Message);
        }
        finally { Directory.Delete(copy, recursive: true); }
    }

    // ---------------------------------------------------------------- resolving the flags and ROS 2's environment

    private static Ros2SecurityOptions? Resolve(string? keystoreFlag, string? enclaveFlag, Dictionary<string, string> env, List<string>? warnings = null) =>
        Ros2SecurityOptions.Resolve(keystoreFlag, enclaveFlag, "/deploy", k => env.GetValueOrDefault(k), w => warnings?.Add(w));

    [Fact]
    public void The_keystore_flag_enforces_security_in_the_default_enclave()
    {
        var s = Resolve(Root, null, []);
        Assert.NotNull(s);
        Assert.Equal("/deploy", s.Enclave);
        Assert.Equal(Path.Combine(Root, "enclaves", "deploy"), s.EnclaveDirectory);
        Assert.Throws<UserError>(() => Resolve(Path.Combine(Root, "nothing"), null, []));
    }

    [Fact]
    public void Without_flags_or_ROS_SECURITY_ENABLE_there_is_no_security()
    {
        Assert.Null(Resolve(null, null, new() { ["ROS_SECURITY_KEYSTORE"] = Root }));
        Assert.Null(Resolve(null, null, new() { ["ROS_SECURITY_ENABLE"] = "false", ["ROS_SECURITY_KEYSTORE"] = Root }));
        Assert.Throws<UserError>(() => Resolve(null, "/operator", []));   // --enclave alone: a keystore is missing
    }

    [Fact]
    public void ROS_SECURITY_ENABLE_takes_the_keystore_and_the_enclave_override_from_the_environment()
    {
        var s = Resolve(null, "/sim_robot", new() { ["ROS_SECURITY_ENABLE"] = "true", ["ROS_SECURITY_KEYSTORE"] = Root, ["ROS_SECURITY_ENCLAVE_OVERRIDE"] = "/operator" });
        Assert.NotNull(s);
        Assert.Equal("/operator", s.Enclave);
        Assert.Equal("/sim_robot", Resolve(null, "/sim_robot", new() { ["ROS_SECURITY_ENABLE"] = "true", ["ROS_SECURITY_KEYSTORE"] = Root })!.Enclave);
    }

    [Fact]
    public void Enforce_refuses_missing_files_and_Permissive_runs_without_security_saying_so()
    {
        var env = new Dictionary<string, string> { ["ROS_SECURITY_ENABLE"] = "true", ["ROS_SECURITY_KEYSTORE"] = Path.Combine(Root, "nothing") };
        var warnings = new List<string>();
        Assert.Null(Resolve(null, null, env, warnings));
        Assert.Contains(warnings, w => w.Contains("WITHOUT security") && w.Contains("nothing"));
        env["ROS_SECURITY_STRATEGY"] = "Enforce";
        Assert.Contains("nothing", Assert.Throws<UserError>(() => Resolve(null, null, env)).Message);
        env["ROS_SECURITY_STRATEGY"] = "Strict";
        Assert.Contains("ROS_SECURITY_STRATEGY", Assert.Throws<UserError>(() => Resolve(null, null, env)).Message);
        env.Remove("ROS_SECURITY_KEYSTORE");
        env["ROS_SECURITY_STRATEGY"] = "Enforce";
        Assert.Contains("ROS_SECURITY_KEYSTORE", Assert.Throws<UserError>(() => Resolve(null, null, env)).Message);
    }

    private static (int Code, string Output) OpenSsl(params string[] args)
    {
        var psi = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, p.ExitCode == 0 ? output : err.Result);
    }
}
