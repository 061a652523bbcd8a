namespace Robotics.Deploy.Contract;

/// <summary>
/// One named slice of an observation vector, e.g. <c>joint_pos</c> of width 12, and how its raw value
/// (in SI units: rad, rad/s, m/s, N) becomes the network's input: <c>clip(scale · (raw + noise))</c>.
/// </summary>
/// <param name="Name">What the slice holds, snake_case; it is written into the exported policy contract.</param>
/// <param name="Width">Number of floats.</param>
public sealed record ObservationTerm(string Name, int Width)
{
    /// <summary>Multiplies the raw value (e.g. 0.25 for angular velocity in rad/s).</summary>
    public float Scale { get; init; } = 1f;

    /// <summary>Half-width of the uniform noise added to the raw value in training, in the raw unit; 0 = none. Never applied on the robot.</summary>
    public float Noise { get; init; }

    /// <summary>Symmetric clip applied after scaling; 0 = none.</summary>
    public float Clip { get; init; }
}

/// <summary>
/// A named observation group (<c>policy</c>, <c>critic</c>): an ordered list of slices. Defined once
/// as data and shared by simulation, training, export and the deploy node; the asymmetric critic reads
/// its group by name, never by position.
/// </summary>
public sealed record ObservationGroup
{
    /// <summary>The group the actor sees: only what a real robot measures.</summary>
    public const string Policy = "policy";

    /// <summary>The group the critic sees: the policy's (without noise) plus privileged simulator state.</summary>
    public const string Critic = "critic";

    private readonly int[] _offsets;

    /// <summary>Creates a group and checks its terms.</summary>
    /// <exception cref="ArgumentException">A width is not positive, a scale or noise is not finite, or a name repeats.</exception>
    public ObservationGroup(string name, IReadOnlyList<ObservationTerm> terms)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(terms);
        var seen = new HashSet<string>();
        _offsets = new int[terms.Count];
        int offset = 0;
        for (int i = 0; i < terms.Count; i++)
        {
            var t = terms[i];
            if (t.Width <= 0) throw new ArgumentException($"observation group '{name}': term '{t.Name}' has width {t.Width}; it must be positive");
            if (!float.IsFinite(t.Scale)) throw new ArgumentException($"observation group '{name}': term '{t.Name}' has scale {t.Scale}");
            if (!(t.Noise >= 0) || !float.IsFinite(t.Noise)) throw new ArgumentException($"observation group '{name}': term '{t.Name}' has noise {t.Noise}; it must be ≥ 0");
            // A JSON clip beyond float's range reads as +∞: no clip can be written back (JSON has no ∞), so none is taken.
            if (!(t.Clip >= 0) || !float.IsFinite(t.Clip)) throw new ArgumentException($"observation group '{name}': term '{t.Name}' has clip {t.Clip}; it must be ≥ 0 and finite");
            if (!seen.Add(t.Name)) throw new ArgumentException($"observation group '{name}': term '{t.Name}' appears twice");
            _offsets[i] = offset;
            offset += t.Width;
        }
        Name = name;
        Terms = terms;
        Dim = offset;
    }

    /// <summary>Group name.</summary>
    public string Name { get; }

    /// <summary>Slices in order.</summary>
    public IReadOnlyList<ObservationTerm> Terms { get; }

    /// <summary>Total width: the sum of the terms' widths.</summary>
    public int Dim { get; }

    /// <summary>Start of term <paramref name="index"/> within the group's vector.</summary>
    public int Offset(int index) => _offsets[index];

    /// <summary>Index of the named term, or -1.</summary>
    public int IndexOf(string term)
    {
        for (int i = 0; i < Terms.Count; i++) if (Terms[i].Name == term) return i;
        return -1;
    }

    /// <summary>Start index of the named term within the group's vector.</summary>
    /// <exception cref="KeyNotFoundException">The group has no such term; the message lists those it has.</exception>
    public int OffsetOf(string term)
    {
        int i = IndexOf(term);
        if (i >= 0) return _offsets[i];
        throw new KeyNotFoundException($"observation group '{Name}' has no term '{term}'; it has {string.Join(", ", Terms.Select(t => t.Name))}");
    }

    /// <summary>Scales and clips a whole group vector in place, term by term (noise is the simulator's business).</summary>
    public void ScaleAndClip(Span<float> observation)
    {
        if (observation.Length != Dim) throw new ArgumentException($"observation group '{Name}' has {Dim} values, got {observation.Length}");
        for (int i = 0; i < Terms.Count; i++)
        {
            var t = Terms[i];
            if (t.Scale == 1f && t.Clip == 0f) continue;
            var slice = observation.Slice(_offsets[i], t.Width);
            for (int k = 0; k < slice.Length; k++)
            {
                float v = slice[k] * t.Scale;
                slice[k] = t.Clip > 0 ? Math.Clamp(v, -t.Clip, t.Clip) : v;
            }
        }
    }

    /// <summary>"name(width) name(width) …", for logs.</summary>
    public override string ToString() => $"{Name}[{Dim}]: {string.Join(" ", Terms.Select(t => $"{t.Name}({t.Width})"))}";
}
