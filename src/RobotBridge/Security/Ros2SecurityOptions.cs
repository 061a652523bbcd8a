namespace Robotics.RobotBridge.Security;

/// <summary>What ROS_SECURITY_STRATEGY says to do when security is enabled but an enclave's files are missing.</summary>
public enum SecurityStrategy
{
    /// <summary>Run without security (ROS 2's default).</summary>
    Permissive,
    /// <summary>Refuse to start.</summary>
    Enforce,
}

/// <summary>
/// DDS Security for one node: the enclave folder of an SROS2 keystore whose identity, governance and permissions the
/// node's participant uses (Cyclone's authentication, access control and cryptography plugins).
/// </summary>
public sealed record Ros2SecurityOptions
{
    /// <summary>The keystore's root folder (what ROS_SECURITY_KEYSTORE names).</summary>
    public required string Keystore { get; init; }

    /// <summary>The enclave, e.g. <c>/deploy</c>; its files are in <c>&lt;Keystore&gt;/enclaves/deploy/</c>. Advertised in USER_DATA.</summary>
    public required string Enclave { get; init; }

    /// <summary>Where Debian's libddsc0debian puts Cyclone's security plugins.</summary>
    public string PluginDirectory { get; init; } = "/usr/lib/x86_64-linux-gnu/libddsc0debian";

    /// <summary>The enclave's folder.</summary>
    public string EnclaveDirectory => Security.Keystore.EnclaveDirectory(Keystore, Enclave);

    /// <summary>A file of the enclave folder (one of <see cref="Security.Keystore.EnclaveFiles"/>).</summary>
    public string File(string name) => Path.Combine(EnclaveDirectory, name);

    /// <summary>The first missing file (enclave file or plugin), or null when all are there.</summary>
    public string? Missing()
    {
        if (!Directory.Exists(Keystore)) return Path.GetFullPath(Keystore);
        foreach (var f in Security.Keystore.EnclaveFiles)
            if (!System.IO.File.Exists(File(f))) return File(f);
        foreach (var p in Plugins)
            if (!System.IO.File.Exists(p.Path)) return p.Path;
        return null;
    }

    /// <summary>Checks the enclave name and that every file exists; returns this.</summary>
    /// <exception cref="UserError">Names the bad enclave or the missing file.</exception>
    public Ros2SecurityOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(Keystore)) throw new UserError("Ros2SecurityOptions.Keystore is empty");
        Security.Keystore.ValidateEnclaveName(Enclave);
        if (Missing() is { } missing)
            throw new UserError(missing.StartsWith(PluginDirectory, StringComparison.Ordinal)
                ? $"DDS Security plugin {missing} is missing: apt-get install libddsc0debian (./robotics installs it)"
                : $"security enclave {Enclave} of keystore {Path.GetFullPath(Keystore)}: {missing} is missing (robotics keystore enclave {Keystore} {Enclave} makes it)");
        return this;
    }

    /// <summary>The three plugins: property prefix, library path, init and finalize functions.</summary>
    internal IEnumerable<(string Prefix, string Path, string Init, string Finalize)> Plugins =>
    [
        ("dds.sec.auth", System.IO.Path.Combine(PluginDirectory, "libdds_security_auth.so"), "init_authentication", "finalize_authentication"),
        ("dds.sec.crypto", System.IO.Path.Combine(PluginDirectory, "libdds_security_crypto.so"), "init_crypto", "finalize_crypto"),
        ("dds.sec.access", System.IO.Path.Combine(PluginDirectory, "libdds_security_ac.so"), "init_access_control", "finalize_access_control"),
    ];

    /// <summary>The participant QoS properties (<c>dds.sec.*</c>) that turn DDS Security on for one participant.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Properties()
    {
        var props = new List<KeyValuePair<string, string>>();
        foreach (var (prefix, path, init, finalize) in Plugins)
        {
            props.Add(new($"{prefix}.library.path", path));
            props.Add(new($"{prefix}.library.init", init));
            props.Add(new($"{prefix}.library.finalize", finalize));
        }
        props.Add(new("dds.sec.auth.identity_ca", "file:" + File("identity_ca.cert.pem")));
        props.Add(new("dds.sec.auth.identity_certificate", "file:" + File("cert.pem")));
        props.Add(new("dds.sec.auth.private_key", "file:" + File("key.pem")));
        props.Add(new("dds.sec.access.permissions_ca", "file:" + File("permissions_ca.cert.pem")));
        props.Add(new("dds.sec.access.governance", "file:" + File("governance.p7s")));
        props.Add(new("dds.sec.access.permissions", "file:" + File("permissions.p7s")));
        return props;
    }

    /// <summary>
    /// The security of a node the way ROS 2 decides it. An explicit <paramref name="keystore"/> (a <c>--keystore</c>
    /// flag) turns security on and enforces it. Without one, <c>ROS_SECURITY_ENABLE=true</c> turns it on with the keystore
    /// of <c>ROS_SECURITY_KEYSTORE</c>; when its files are missing, <c>ROS_SECURITY_STRATEGY=Enforce</c> refuses to
    /// start and <c>Permissive</c> (the default) runs without security, saying so through <paramref name="warn"/>. The
    /// enclave is <c>ROS_SECURITY_ENCLAVE_OVERRIDE</c>, else <paramref name="enclave"/> (an <c>--enclave</c> flag), else
    /// <paramref name="defaultEnclave"/> (the node's own).
    /// </summary>
    /// <param name="environment">Reads an environment variable (null when unset).</param>
    /// <returns>The validated options, or null when the node runs without security.</returns>
    /// <exception cref="UserError">Enforced security whose files are missing (named), a bad strategy, or <c>--enclave</c> without a keystore.</exception>
    public static Ros2SecurityOptions? Resolve(string? keystore, string? enclave, string defaultEnclave, Func<string, string?> environment, Action<string> warn)
    {
        string? Env(string name) => environment(name) is { Length: > 0 } v ? v : null;
        string name = Env("ROS_SECURITY_ENCLAVE_OVERRIDE") ?? enclave ?? defaultEnclave;
        if (keystore is not null)
            return new Ros2SecurityOptions { Keystore = keystore, Enclave = name }.Validate();
        if (Env("ROS_SECURITY_ENABLE") != "true")
        {
            if (enclave is not null) throw new UserError($"--enclave {enclave} needs a keystore: --keystore DIR, or ROS_SECURITY_ENABLE=true with ROS_SECURITY_KEYSTORE");
            return null;
        }
        var strategy = Env("ROS_SECURITY_STRATEGY") switch
        {
            null or "Permissive" => SecurityStrategy.Permissive,
            "Enforce" => SecurityStrategy.Enforce,
            var s => throw new UserError($"ROS_SECURITY_STRATEGY={s}: use Enforce or Permissive"),
        };
        string? root = Env("ROS_SECURITY_KEYSTORE");
        if (root is null)
        {
            if (strategy == SecurityStrategy.Enforce) throw new UserError("ROS_SECURITY_ENABLE=true and ROS_SECURITY_STRATEGY=Enforce, but ROS_SECURITY_KEYSTORE is not set");
            warn("ROS_SECURITY_ENABLE=true but ROS_SECURITY_KEYSTORE is not set: running WITHOUT security (ROS_SECURITY_STRATEGY=Enforce refuses)");
            return null;
        }
        var options = new Ros2SecurityOptions { Keystore = root, Enclave = name };
        if (strategy == SecurityStrategy.Enforce) return options.Validate();
        Security.Keystore.ValidateEnclaveName(name);
        if (options.Missing() is { } missing)
        {
            warn($"security enclave {name}: {missing} is missing: running WITHOUT security (ROS_SECURITY_STRATEGY=Enforce refuses)");
            return null;
        }
        return options;
    }
}
