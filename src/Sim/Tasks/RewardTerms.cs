namespace Robotics.Sim.Tasks;

/// <summary>What every task's reward shares: which named terms a task file scales, their signs, and the common terms.</summary>
internal static class RewardTerms
{
    /// <summary>
    /// The terms of <paramref name="all"/> that <paramref name="scales"/> names, in <paramref name="all"/>'s order,
    /// with signed scales: Reward* add, Cost* subtract.
    /// </summary>
    public static (int[] Ids, double[] SignedScales, string[] Names) Select(string[] all, IReadOnlyDictionary<string, double> scales)
    {
        var ids = Enumerable.Range(0, all.Length).Where(i => scales.ContainsKey(all[i])).ToArray();
        var signed = ids.Select(i => (all[i].StartsWith("Cost", StringComparison.Ordinal) ? -1 : 1) * scales[all[i]]).ToArray();
        return (ids, signed, ids.Select(i => all[i]).ToArray());
    }

    /// <summary>Σ (aₜ − aₜ₋₁)²: the action-rate cost.</summary>
    public static double ActionRate(ReadOnlySpan<float> action, ReadOnlySpan<float> previous)
    {
        double s = 0;
        for (int i = 0; i < action.Length; i++) s += (action[i] - previous[i]) * (action[i] - previous[i]);
        return s;
    }
}
