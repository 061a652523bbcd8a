namespace Robotics.RobotBridge.Tests.Hil;

/// <summary>
/// The test classes that run `robotics sim-robot` and `robotics deploy` as lock-step process pairs and compare their
/// timing-sensitive results with in-process runs: one at a time, so that two pairs do not starve each other's
/// operator on a two-core machine (an operator that reads its joint states late sends its goals late).
/// </summary>
[CollectionDefinition(Name)]
public sealed class NodeProcesses
{
    /// <summary>The collection's name.</summary>
    public const string Name = "node processes";
}
