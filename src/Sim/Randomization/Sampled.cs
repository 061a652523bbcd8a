using System.Globalization;
using System.Text.RegularExpressions;
using Robotics.Sim.Random;

namespace Robotics.Sim.Randomization;

/// <summary>How a sampled value combines with the nominal one.</summary>
public enum SampleOp
{
    /// <summary><c>=U(a,b)</c>: the value is the sample.</summary>
    Set,
    /// <summary><c>*U(a,b)</c>: the nominal value times the sample.</summary>
    Scale,
    /// <summary><c>+U(a,b)</c>: the nominal value plus the sample.</summary>
    Add,
}

/// <summary>
/// A randomized parameter as task files write it: <c>=U(a,b)</c>, <c>*U(a,b)</c> or <c>+U(a,b)</c>, a
/// uniform sample in [a, b] that sets, scales or offsets the nominal value. A zero-width scale by 1 or
/// offset by 0 changes nothing, bit for bit, and draws nothing from the random stream.
/// </summary>
public sealed record Sampled(SampleOp Op, double Low, double High)
{
    private static readonly Regex Syntax = new(@"^\s*([=*+])\s*U\s*\(\s*([^,()]+)\s*,\s*([^,()]+)\s*\)\s*$", RegexOptions.Compiled);

    /// <summary>True when applying it can change nothing: <c>*U(1,1)</c> or <c>+U(0,0)</c>.</summary>
    public bool IsIdentity => Low == High && ((Op == SampleOp.Scale && Low == 1) || (Op == SampleOp.Add && Low == 0));

    /// <summary>Parses <c>=U(a,b)</c>, <c>*U(a,b)</c> or <c>+U(a,b)</c>.</summary>
    /// <param name="text">The text from the task file.</param>
    /// <param name="field">The field's path (e.g. <c>randomization.friction</c>), for the error message.</param>
    /// <param name="min">Smallest allowed bound.</param>
    /// <param name="max">Largest allowed bound.</param>
    /// <exception cref="UserError">The syntax is wrong, a bound is outside [min, max], or a &gt; b; the message names the field.</exception>
    public static Sampled Parse(string text, string field, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        var m = Syntax.Match(text ?? "");
        if (!m.Success) throw new UserError($"{field} = \"{text}\": expected =U(a,b), *U(a,b) or +U(a,b)");
        var op = m.Groups[1].Value switch { "=" => SampleOp.Set, "*" => SampleOp.Scale, _ => SampleOp.Add };
        double a = Number(m.Groups[2].Value, field), b = Number(m.Groups[3].Value, field);
        if (a > b) throw new UserError($"{field} = \"{text}\": inverted range, {a} > {b}");
        if (a < min || b > max) throw new UserError($"{field} = \"{text}\": bounds must lie in [{min}, {max}]");
        return new Sampled(op, a, b);
    }

    private static double Number(string s, string field) =>
        double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v
        : throw new UserError($"{field}: '{s.Trim()}' is not a number");

    /// <summary>Draws the sample (no draw for a zero-width range).</summary>
    public double Sample(ref Rng rng) => Low == High ? Low : rng.Uniform(Low, High);

    /// <summary>The randomized value of <paramref name="nominal"/>.</summary>
    public double Apply(double nominal, ref Rng rng) => IsIdentity ? nominal : Combine(nominal, Sample(ref rng));

    /// <summary>Combines a drawn <paramref name="sample"/> with <paramref name="nominal"/>: set, scale or add.</summary>
    public double Combine(double nominal, double sample) =>
        Op switch { SampleOp.Set => sample, SampleOp.Scale => nominal * sample, _ => nominal + sample };

    /// <summary>The same distribution with its width scaled by <paramref name="factor"/> about its centre (e.g. 1.5 for held-out evaluation).</summary>
    public Sampled Widen(double factor)
    {
        double c = (Low + High) / 2, h = (High - Low) / 2 * factor;
        return this with { Low = c - h, High = c + h };
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{(Op == SampleOp.Set ? "=" : Op == SampleOp.Scale ? "*" : "+")}U({Low.ToString(CultureInfo.InvariantCulture)}, {High.ToString(CultureInfo.InvariantCulture)})";
}
