namespace Robotics.Sim.Envs;

/// <summary>One named slice of an observation vector, e.g. <c>joint_pos</c> of width 12.</summary>
/// <param name="Name">What the slice holds, snake_case (it ends up in the exported policy contract).</param>
/// <param name="Width">Number of floats.</param>
public sealed record ObservationTerm(string Name, int Width);

/// <summary>
/// A named observation group (<c>policy</c>, <c>critic</c>): an ordered list of slices. The asymmetric
/// critic reads the group by its name, never by position.
/// </summary>
public sealed record ObservationGroup
{
    /// <summary>The group the actor sees: only what a real robot measures.</summary>
    public const string Policy = "policy";

    /// <summary>The group the critic sees: the policy's plus privileged simulator state.</summary>
    public const string Critic = "critic";

    /// <summary>Creates a group and checks its terms.</summary>
    public ObservationGroup(string name, IReadOnlyList<ObservationTerm> terms)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(terms);
        var seen = new HashSet<string>();
        foreach (var t in terms)
        {
            if (t.Width <= 0) throw new ArgumentException($"observation group '{name}': term '{t.Name}' has width {t.Width}; it must be positive");
            if (!seen.Add(t.Name)) throw new ArgumentException($"observation group '{name}': term '{t.Name}' appears twice");
        }
        Name = name;
        Terms = terms;
        Dim = terms.Sum(t => t.Width);
    }

    /// <summary>Group name.</summary>
    public string Name { get; }

    /// <summary>Slices in order.</summary>
    public IReadOnlyList<ObservationTerm> Terms { get; }

    /// <summary>Total width: the sum of the terms' widths.</summary>
    public int Dim { get; }

    /// <summary>Start index of the named term within the group's vector.</summary>
    public int OffsetOf(string term)
    {
        int offset = 0;
        foreach (var t in Terms)
        {
            if (t.Name == term) return offset;
            offset += t.Width;
        }
        throw new KeyNotFoundException($"observation group '{Name}' has no term '{term}'; it has {string.Join(", ", Terms.Select(t => t.Name))}");
    }

    /// <summary>"name(width) name(width) …", for logs.</summary>
    public override string ToString() => $"{Name}[{Dim}]: {string.Join(" ", Terms.Select(t => $"{t.Name}({t.Width})"))}";
}
