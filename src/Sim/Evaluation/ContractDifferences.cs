using Robotics.Deploy.Contract;

namespace Robotics.Sim.Evaluation;

/// <summary>
/// Where an exported policy's contract and the task it is evaluated on disagree, in words ("action.scale 0.5 vs 0.25": the contract's
/// value first). Evaluation runs the contract's default pose, action map, drive, timing and observation layout
/// (<see cref="Tasks.Locomotion.LocomotionConfig.UnderContract"/>); the joint and torque limits stay the simulated robot's (its URDF's),
/// and a difference there is listed as such.
/// </summary>
// DESIGN: the limits are not taken from the contract: they describe the robot's hardware, which the simulated model is, and the
// robot's safety layer (not the policy) enforces the contract's; a contract whose limits differ is a policy for another robot model.
public static class ContractDifferences
{
    /// <summary>The differences of <paramref name="contract"/> (the file's) from <paramref name="task"/> (the task file's), in contract field order.</summary>
    public static IReadOnlyList<string> Between(PolicyContract contract, PolicyContract task) =>
        ContractDifference.Between(contract, task).Select(d => d.Hardware ? $"{d} (the simulated robot's kept)" : d.ToString()).ToList();

    /// <summary>The one line eval prints: "contract differs from task file: …; …", or null when they agree.</summary>
    public static string? Line(PolicyContract contract, PolicyContract task) =>
        Between(contract, task) is { Count: > 0 } d ? $"contract differs from task file: {string.Join("; ", d)}" : null;
}
