namespace Robotics.Deploy.Contract;

/// <summary>
/// Builds a whole observation group from a <see cref="SensorFrame"/>: every term resolved to its
/// <see cref="MeasuredTerm"/> once, then written by <see cref="ObservationWriter"/> and scaled and clipped
/// by <see cref="ObservationGroup.ScaleAndClip"/>. The deploy controller calls <see cref="Write"/>; a
/// simulator that adds noise calls <see cref="WriteRaw"/>, adds its noise per term, then
/// <see cref="ObservationGroup.ScaleAndClip"/>: the same arithmetic in the same order as on the robot.
/// Writing allocates nothing.
/// </summary>
public sealed class FrameObservation
{
    private readonly MeasuredTerm[] _terms;   // [terms]

    /// <summary>Resolves every term of <paramref name="group"/> for a robot with <paramref name="joints"/> joints.</summary>
    /// <exception cref="ArgumentException">A term is not measurable on a robot (privileged), or its width does not fit the robot.</exception>
    public FrameObservation(ObservationGroup group, int joints)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (joints <= 0) throw new ArgumentException($"joints = {joints}: must be positive", nameof(joints));
        _terms = new MeasuredTerm[group.Terms.Count];
        for (int i = 0; i < _terms.Length; i++)
        {
            var t = group.Terms[i];
            var kind = ObservationWriter.Resolve(t.Name);
            if (kind == MeasuredTerm.None)
                throw new ArgumentException($"observation group '{group.Name}': term '{t.Name}' is not measured by a robot; a deployed policy can only read base_ang_vel, projected_gravity, commands, joint_pos, joint_vel, last_action");
            int width = ObservationWriter.Width(kind, joints);
            if (t.Width != width)
                throw new ArgumentException($"observation group '{group.Name}': term '{t.Name}' has width {t.Width}; a robot with {joints} joints gives {width}");
            _terms[i] = kind;
        }
        Group = group;
        Joints = joints;
    }

    /// <summary>The group this builder writes.</summary>
    public ObservationGroup Group { get; }

    /// <summary>Joints of the robot.</summary>
    public int Joints { get; }

    /// <summary>Width of the observation: the group's <see cref="ObservationGroup.Dim"/>.</summary>
    public int Dim => Group.Dim;

    /// <summary>Writes every term's raw (unscaled, unclipped) value. observation: [Dim]; defaultJointPos: [Joints] rad.</summary>
    public void WriteRaw(SensorFrame frame, ReadOnlySpan<double> defaultJointPos, Span<float> observation)
    {
        if (observation.Length != Group.Dim) throw new ArgumentException($"observation group '{Group.Name}' has {Group.Dim} values, got {observation.Length}");
        for (int i = 0; i < _terms.Length; i++)
            ObservationWriter.Write(_terms[i], frame, defaultJointPos, observation.Slice(Group.Offset(i), Group.Terms[i].Width));
    }

    /// <summary>Writes the observation the policy sees: raw values, then scale and clip per term. observation: [Dim].</summary>
    public void Write(SensorFrame frame, ReadOnlySpan<double> defaultJointPos, Span<float> observation)
    {
        WriteRaw(frame, defaultJointPos, observation);
        Group.ScaleAndClip(observation);
    }
}
