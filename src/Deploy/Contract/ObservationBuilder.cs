namespace Robotics.Deploy.Contract;

/// <summary>
/// Builds the policy observation on the robot from a <see cref="SensorFrame"/> with the code training
/// uses: each measured term's raw value by <see cref="ObservationWriter.Write"/>, then the group's
/// <see cref="ObservationGroup.ScaleAndClip"/>. Terms that no sensor frame carries (an arm's
/// <c>ee_to_target</c>, computed by the robot's own kinematics) are supplied raw through
/// <see cref="SetExternal(int, ReadOnlySpan{float})"/> before each <see cref="Build"/>.
/// Terms are resolved once; <see cref="Build"/> allocates nothing.
/// </summary>
// DESIGN: the simulator's tasks call ObservationWriter and ScaleAndClip themselves because they add
// training noise and privileged terms between the two; this class is the robot's composition of the
// same two pieces, and the golden-trace test checks both give the same bits.
public sealed class ObservationBuilder
{
    private readonly ObservationGroup _group;
    private readonly MeasuredTerm[] _kinds;   // [terms]
    private readonly double[] _defaultJointPos; // [n] rad
    private readonly float[] _external;       // [Dim] raw values of external terms at their offsets
    private readonly int[] _externalTerms;    // indices of terms not measured by ObservationWriter

    /// <summary>The builder for a policy contract's observation layout and default pose.</summary>
    public ObservationBuilder(PolicyContract contract) : this(contract.PolicyGroup(), contract.DefaultJointPos) { }

    /// <summary>A builder for <paramref name="group"/> on a robot whose default pose is <paramref name="defaultJointPos"/> [rad] (one per joint).</summary>
    /// <exception cref="UserError">A measured term's width does not fit the joint count.</exception>
    public ObservationBuilder(ObservationGroup group, ReadOnlySpan<double> defaultJointPos)
    {
        ArgumentNullException.ThrowIfNull(group);
        _group = group;
        _defaultJointPos = defaultJointPos.ToArray();
        _kinds = new MeasuredTerm[group.Terms.Count];
        var external = new List<int>();
        for (int t = 0; t < _kinds.Length; t++)
        {
            var term = group.Terms[t];
            _kinds[t] = ObservationWriter.Resolve(term.Name);
            if (_kinds[t] == MeasuredTerm.None) { external.Add(t); continue; }
            int width = ObservationWriter.Width(_kinds[t], _defaultJointPos.Length);
            if (term.Width != width)
                throw new UserError($"observation term '{term.Name}' has width {term.Width}, but a robot with {_defaultJointPos.Length} joints measures {width}");
        }
        _externalTerms = external.ToArray();
        _external = new float[group.Dim];
    }

    /// <summary>The layout.</summary>
    public ObservationGroup Group => _group;

    /// <summary>Width of the observation.</summary>
    public int Dim => _group.Dim;

    /// <summary>Names of the terms the caller supplies through <see cref="SetExternal(string, ReadOnlySpan{float})"/> (empty for a legged robot).</summary>
    public IReadOnlyList<string> ExternalTerms => _externalTerms.Select(t => _group.Terms[t].Name).ToList();

    /// <summary>Stores the raw (unscaled) value of external term <paramref name="term"/> (index into the group's terms).</summary>
    /// <exception cref="ArgumentException">The term is measured from the sensor frame, or the width differs.</exception>
    public void SetExternal(int term, ReadOnlySpan<float> raw)
    {
        if (_kinds[term] != MeasuredTerm.None) throw new ArgumentException($"observation term '{_group.Terms[term].Name}' is built from the sensor frame, not supplied");
        if (raw.Length != _group.Terms[term].Width) throw new ArgumentException($"observation term '{_group.Terms[term].Name}' has width {_group.Terms[term].Width}; got {raw.Length} values");
        raw.CopyTo(_external.AsSpan(_group.Offset(term), raw.Length));
    }

    /// <summary>Stores the raw value of the external term named <paramref name="term"/>.</summary>
    /// <exception cref="KeyNotFoundException">The layout has no such term.</exception>
    public void SetExternal(string term, ReadOnlySpan<float> raw)
    {
        int index = _group.IndexOf(term);
        if (index < 0) throw new KeyNotFoundException($"the policy observation has no term '{term}'; it has {string.Join(", ", _group.Terms.Select(t => t.Name))}");
        SetExternal(index, raw);
    }

    /// <summary>Writes the observation for <paramref name="frame"/> into <paramref name="observation"/> [Dim]: raw terms, then scale and clip.</summary>
    public void Build(SensorFrame frame, Span<float> observation)
    {
        if (observation.Length != _group.Dim) throw new ArgumentException($"observation has {_group.Dim} values, got a buffer of {observation.Length}");
        for (int t = 0; t < _kinds.Length; t++)
        {
            var slice = observation.Slice(_group.Offset(t), _group.Terms[t].Width);
            if (_kinds[t] != MeasuredTerm.None) ObservationWriter.Write(_kinds[t], frame, _defaultJointPos, slice);
            else _external.AsSpan(_group.Offset(t), slice.Length).CopyTo(slice);
        }
        _group.ScaleAndClip(observation);
    }
}
