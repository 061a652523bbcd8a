using Robotics.Deploy.Contract;

namespace Robotics.Deploy.Runtime;

/// <summary>What the user allows when the robot's joint list differs from the policy's.</summary>
public sealed record JointRemap
{
    /// <summary>No remapping: the robot must list exactly the policy's joints in the policy's order.</summary>
    public static readonly JointRemap None = new();

    /// <summary>Map joints by name when the robot lists them in another order.</summary>
    public bool AllowReorder { get; init; }

    /// <summary>Policy joint name → robot joint name, for robots whose drivers name joints differently (implies matching by name).</summary>
    public IReadOnlyDictionary<string, string> Rename { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Which robot joint each policy joint is. The policy works in its contract's joint order; the robot's
/// driver in its own. Built once by <see cref="Resolve"/>, which refuses a robot that lacks a policy
/// joint or has one the policy does not command, and a different order unless the user asked for a
/// remap; <see cref="ToPolicy"/> and <see cref="ToRobot(ReadOnlySpan{float}, Span{float})"/> then permute without allocating.
/// </summary>
public sealed class JointMap
{
    private readonly int[] _robotIndex;   // [n] robot index of policy joint i

    private JointMap(int[] robotIndex, IReadOnlyList<string> policyJoints, IReadOnlyList<string> robotJoints)
    {
        _robotIndex = robotIndex;
        PolicyJoints = policyJoints;
        RobotJoints = robotJoints;
        IsIdentity = robotIndex.Select((r, i) => r == i).All(x => x);
    }

    /// <summary>Joint names in the policy's (action) order.</summary>
    public IReadOnlyList<string> PolicyJoints { get; }
    /// <summary>Joint names in the robot's order.</summary>
    public IReadOnlyList<string> RobotJoints { get; }
    /// <summary>True when both orders are the same.</summary>
    public bool IsIdentity { get; }
    /// <summary>Number of joints.</summary>
    public int Count => _robotIndex.Length;
    /// <summary>The robot index of policy joint <paramref name="policyIndex"/>.</summary>
    public int RobotIndex(int policyIndex) => _robotIndex[policyIndex];

    /// <summary>Matches <paramref name="robotJoints"/> against <paramref name="policyJoints"/>.</summary>
    /// <param name="source">What the policy joints came from (a file), for the message.</param>
    /// <exception cref="UserError">Missing, extra, repeated or (without a remap) reordered joints; each named.</exception>
    public static JointMap Resolve(IReadOnlyList<string> policyJoints, IReadOnlyList<string> robotJoints, JointRemap? remap = null, string source = "policy")
    {
        remap ??= JointRemap.None;
        var dup = robotJoints.GroupBy(j => j).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (dup.Count > 0) throw new UserError($"{source}: the robot lists joint(s) twice: {string.Join(", ", dup)}");
        foreach (var (from, _) in remap.Rename)
            if (!policyJoints.Contains(from)) throw new UserError($"{source}: the remap renames '{from}', which the policy does not have; policy joints: {string.Join(", ", policyJoints)}");

        // Each policy joint's name on the robot.
        var wanted = policyJoints.Select(j => remap.Rename.TryGetValue(j, out var r) ? r : j).ToList();
        var missing = wanted.Where(w => !robotJoints.Contains(w)).ToList();
        var extra = robotJoints.Where(r => !wanted.Contains(r)).ToList();
        if (missing.Count > 0 || extra.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add($"the robot lacks {string.Join(", ", missing)}");
            if (extra.Count > 0) parts.Add($"the robot has joint(s) the policy does not command: {string.Join(", ", extra)}");
            throw new UserError($"{source}: joint lists differ: {string.Join("; ", parts)} (policy: {policyJoints.Count} joints, robot: {robotJoints.Count})");
        }

        var index = wanted.Select(w => robotJoints.IndexOf(w)).ToArray();
        bool byName = remap.AllowReorder || remap.Rename.Count > 0;
        for (int i = 0; i < index.Length && !byName; i++)
            if (index[i] != i)
                throw new UserError(
                    $"{source}: joint order differs: policy joint {i} is '{policyJoints[i]}' but robot joint {i} is '{robotJoints[i]}'; " +
                    "pass a JointRemap { AllowReorder = true } to map the joints by name");
        return new JointMap(index, policyJoints.ToArray(), robotJoints.ToArray());
    }

    /// <summary>Reorders robot-ordered values (joint positions, velocities) into policy order. Both [n].</summary>
    public void ToPolicy(ReadOnlySpan<double> robot, Span<double> policy)
    {
        for (int i = 0; i < _robotIndex.Length; i++) policy[i] = robot[_robotIndex[i]];
    }

    /// <summary>Reorders policy-ordered values (actions, targets) into robot order. Both [n].</summary>
    public void ToRobot(ReadOnlySpan<float> policy, Span<float> robot)
    {
        for (int i = 0; i < _robotIndex.Length; i++) robot[_robotIndex[i]] = policy[i];
    }

    /// <summary>Reorders policy-ordered values into robot order. Both [n].</summary>
    public void ToRobot(ReadOnlySpan<double> policy, Span<double> robot)
    {
        for (int i = 0; i < _robotIndex.Length; i++) robot[_robotIndex[i]] = policy[i];
    }
}

internal static class ListExtensions
{
    public static int IndexOf(this IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == value) return i;
        return -1;
    }
}
