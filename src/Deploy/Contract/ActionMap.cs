namespace Robotics.Deploy.Contract;

/// <summary>
/// The one action → joint-target map, built from a contract's action section and run by the simulator in
/// training and by the robot's controller: each action is clipped to ±<see cref="ActionSpec.Clip"/>, then
/// target = offset + scale · a, or for <see cref="ActionReference.MeasuredPosition"/>
/// clamp(q + offset + scale · a) to the position limits. Safety limits (clamping, rate limits) are the
/// safety layer's, on top of this. Mapping allocates nothing.
/// </summary>
public sealed class ActionMap
{
    private readonly double[] _scale, _offset;   // [n]
    private readonly double[]? _lower, _upper;   // [n] position limits, MeasuredPosition only
    private readonly float _clip;

    /// <summary>A map for <paramref name="action"/>; <paramref name="limits"/> bound the targets of a MeasuredPosition map.</summary>
    /// <exception cref="ArgumentException">A width does not match the scale's, a value is not finite, or the clip is not positive.</exception>
    public ActionMap(ActionSpec action, JointLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        Spec = action;
        int n = action.Scale?.Length ?? 0;
        if (n == 0) throw new ArgumentException("action.scale is missing or empty");
        Finite(action.Scale!, "action.scale", n);
        Finite(action.Offset, "action.offset", n);
        if (!(action.Clip > 0 && double.IsFinite(action.Clip))) throw new ArgumentException($"action.clip = {action.Clip}: must be positive and finite");
        _scale = action.Scale!;
        _offset = action.Offset;
        _clip = (float)action.Clip;
        if (action.Reference == ActionReference.MeasuredPosition && limits is not null)
        {
            Finite(limits.PositionLower, "limits.position_lower", n);
            Finite(limits.PositionUpper, "limits.position_upper", n);
            _lower = limits.PositionLower;
            _upper = limits.PositionUpper;
        }
    }

    /// <summary>The contract section this map runs.</summary>
    public ActionSpec Spec { get; }

    /// <summary>True when targets are relative to the measured positions (the <c>measured</c> argument is read).</summary>
    public bool ReadsMeasured => Spec.Reference == ActionReference.MeasuredPosition;

    /// <summary>Action width = joint count.</summary>
    public int Joints => _scale.Length;

    /// <summary>
    /// Clips <paramref name="action"/> into <paramref name="clipped"/> and maps it to <paramref name="targets"/>.
    /// A non-finite action is never clipped into range: nothing is written then (the previous targets and
    /// action hold) and its index is returned, for the robot's safety layer to trip on.
    /// </summary>
    /// <param name="action">Policy output. [n]</param>
    /// <param name="measured">Measured joint positions q [rad], read only for MeasuredPosition. [n]</param>
    /// <param name="clipped">The clipped action (the next observation's last action), overwritten. [n]</param>
    /// <param name="targets">q* [rad], overwritten. [n]</param>
    /// <returns>−1, or the index of the first non-finite action.</returns>
    public int Map(ReadOnlySpan<float> action, ReadOnlySpan<double> measured, Span<float> clipped, Span<double> targets)
    {
        for (int i = 0; i < _scale.Length; i++) if (!float.IsFinite(action[i])) return i;
        for (int i = 0; i < _scale.Length; i++) clipped[i] = Math.Clamp(action[i], -_clip, _clip);
        Targets(clipped, measured, targets);
        return -1;
    }

    /// <summary>The targets of action 0 (where a fresh start holds the joints). [n] each</summary>
    public void Zero(ReadOnlySpan<double> measured, Span<double> targets) => Targets(stackalloc float[0], measured, targets);

    // a: the clipped action, or empty for action 0.
    private void Targets(ReadOnlySpan<float> a, ReadOnlySpan<double> measured, Span<double> targets)
    {
        if (Spec.Reference == ActionReference.Offset)
        {
            for (int i = 0; i < _scale.Length; i++) targets[i] = _offset[i] + _scale[i] * (a.IsEmpty ? 0 : a[i]);
            return;
        }
        for (int i = 0; i < _scale.Length; i++)
        {
            double t = measured[i] + _offset[i] + _scale[i] * (a.IsEmpty ? 0 : a[i]);
            targets[i] = _lower is null ? t : Math.Clamp(t, _lower[i], _upper![i]);
        }
    }

    private static void Finite(double[]? values, string field, int n)
    {
        if (values is null) throw new ArgumentException($"{field} is missing");
        if (values.Length != n) throw new ArgumentException($"{field} has {values.Length} values for {n} joints");
        for (int i = 0; i < n; i++)
            if (!double.IsFinite(values[i])) throw new ArgumentException($"{field}[{i}] = {values[i]}: must be finite");
    }
}
