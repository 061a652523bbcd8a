using Robotics.Deploy.Contract;

namespace Robotics.Sim.Tasks;

/// <summary>Builds a task's observation group from its task file's term list, scales, noise and clip.</summary>
internal static class TaskObservations
{
    /// <summary>A group of <paramref name="terms"/>; noise only where <paramref name="noisy"/> (the policy group).</summary>
    public static ObservationGroup Group(string name, IReadOnlyList<string> terms, Func<string, int> width,
        IReadOnlyDictionary<string, double> scales, IReadOnlyDictionary<string, double> noise, double clip, bool noisy) =>
        new(name, terms.Select(t => new ObservationTerm(t, width(t))
        {
            Scale = (float)(scales.TryGetValue(t, out var s) ? s : 1),
            Noise = noisy && noise.TryGetValue(t, out var z) ? (float)z : 0,
            Clip = (float)clip,
        }).ToList());
}
