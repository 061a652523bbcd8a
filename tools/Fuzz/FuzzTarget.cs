namespace Robotics.Tools.Fuzz;

/// <summary>
/// A property that does not hold for an input: the parser accepted it but its result does not survive the round trip,
/// is not valid, or differs on a second load. Thrown out of a target like any unexpected exception, so afl-fuzz records
/// the input as a crash and the corpus replay fails on it.
/// </summary>
public sealed class FuzzFinding(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// One fuzz target: a parser that takes bytes from outside, and the checks on what it makes of them. <see cref="Check"/>
/// returns when the parser refuses the input with its documented error or accepts it and every check holds; anything
/// else (another exception, a <see cref="FuzzFinding"/>) is a finding.
/// </summary>
/// <param name="Name">The target's name on the command line and its corpus folder.</param>
/// <param name="Summary">What it fuzzes, one line.</param>
/// <param name="Assemblies">The assemblies of this build that SharpFuzz instruments for it (coverage comes from them).</param>
/// <param name="Check">Runs one input.</param>
public sealed record FuzzTarget(string Name, string Summary, string[] Assemblies, Action<byte[]> Check)
{
    /// <summary>Every target, by name.</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("cdr", "every generated ROS 2 message type: decode → encode → decode equal", ["Robotics.RobotBridge.dll"], CdrTarget.Check),
        new("contract", "the policy contract JSON: parse → serialize → parse equal, and a contract that loads builds its action map, observation layout and kinematics",
            ["Robotics.Deploy.dll"], ContractTarget.Check),
        new("task", "task TOML files: a file that loads gives a valid config, the same on a second load",
            ["Robotics.Sim.dll", "Robotics.Deploy.dll", "Tomlyn.dll"], TaskTarget.Check),
        new("urdf", "URDF import: a URDF that parses is valid, parses the same again, and MuJoCo compiles its scene or refuses it with a message",
            ["Robotics.Sim.dll", "Robotics.Deploy.dll"], UrdfTarget.Check),
    ];

    /// <summary>The target of that name, or null.</summary>
    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
