using System.CommandLine;
using Robotics.RobotBridge.Security;

namespace Robotics.Cli;

/// <summary>
/// <c>--keystore DIR --enclave NAME</c>, the DDS Security flags of every verb that runs a ROS 2 node, and how they
/// combine with ROS 2's environment (ROS_SECURITY_ENABLE, ROS_SECURITY_KEYSTORE, ROS_SECURITY_ENCLAVE_OVERRIDE,
/// ROS_SECURITY_STRATEGY; <see cref="Ros2SecurityOptions.Resolve"/>).
/// </summary>
internal sealed class SecurityFlags
{
    private readonly string _defaultEnclave;

    /// <summary>The flags of a verb whose node runs in <paramref name="defaultEnclave"/> unless told otherwise.</summary>
    public SecurityFlags(string defaultEnclave)
    {
        _defaultEnclave = defaultEnclave;
        Keystore = new Option<string?>("--keystore")
        {
            Description = "SROS2 keystore (robotics keystore create, or ros2 security create_keystore): DDS Security on, enforced (default: ROS_SECURITY_KEYSTORE when ROS_SECURITY_ENABLE=true)",
        };
        Enclave = new Option<string?>("--enclave")
        {
            Description = $"security enclave in the keystore (default {defaultEnclave}; ROS_SECURITY_ENCLAVE_OVERRIDE overrides)",
        };
    }

    /// <summary>The keystore flag.</summary>
    public Option<string?> Keystore { get; }

    /// <summary>The enclave flag.</summary>
    public Option<string?> Enclave { get; }

    /// <summary>Adds both flags to <paramref name="command"/>; returns it.</summary>
    public Command AddTo(Command command)
    {
        command.Options.Add(Keystore);
        command.Options.Add(Enclave);
        return command;
    }

    /// <summary>The node's security from the flags and the environment; null = none. Warnings go to stderr.</summary>
    public Ros2SecurityOptions? Resolve(ParseResult r) => Resolve(r.GetValue(Keystore), r.GetValue(Enclave), _defaultEnclave);

    /// <summary>The same for a node of this process in <paramref name="defaultEnclave"/> (the demo's operator).</summary>
    public static Ros2SecurityOptions? Resolve(string? keystore, string? enclave, string defaultEnclave) =>
        Ros2SecurityOptions.Resolve(keystore, enclave, defaultEnclave, Environment.GetEnvironmentVariable,
            warning => Console.Error.WriteLine($"warning: {warning}"));

    /// <summary>The flags that give a child process <paramref name="security"/> (empty without security).</summary>
    public static string Arguments(Ros2SecurityOptions? security) =>
        security is null ? "" : $" --keystore \"{Path.GetFullPath(security.Keystore)}\" --enclave {security.Enclave}";
}
