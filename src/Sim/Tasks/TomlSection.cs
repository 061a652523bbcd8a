using System.Globalization;
using Tomlyn;
using Tomlyn.Model;

namespace Robotics.Sim.Tasks;

/// <summary>
/// One table of a TOML task file with typed, range-checked reads. Every error names the file and the
/// field's dotted path; <see cref="EnsureAllRead"/> refuses keys nobody asked for (a typo is an error,
/// not a silently ignored setting).
/// </summary>
internal sealed class TomlSection
{
    private readonly TomlTable _table;
    private readonly HashSet<string> _read = new();

    private TomlSection(TomlTable table, string file, string path)
    {
        _table = table;
        File = file;
        Path = path;
    }

    /// <summary>The file, for messages.</summary>
    public string File { get; }

    /// <summary>The dotted path of this table ("" for the root).</summary>
    public string Path { get; }

    /// <summary>
    /// Parses TOML text, then applies <paramref name="overrides"/> in order: each <c>dotted.key=value</c> with a
    /// TOML value (<c>rewards.CostTermination=100</c>, <c>randomization.push_interval_s="=U(2, 6)"</c>), replacing
    /// the file's value or adding the key; missing tables on the way are created. The loader then reads and checks
    /// the result as if the file had said it.
    /// </summary>
    public static TomlSection Parse(string text, string file, IReadOnlyList<string>? overrides = null)
    {
        // The deserializer lets a repeated key or table win silently; the syntax tree's validation refuses it, with its line.
        var syntax = Tomlyn.Parsing.SyntaxParser.Parse(text, file, validate: true);
        if (syntax.Diagnostics.FirstOrDefault(d => d.Kind == Tomlyn.Syntax.DiagnosticMessageKind.Error) is { } error)
            throw new UserError($"{file}:{error.Span.Start.Line + 1}: not valid TOML: {error.Message}");
        TomlTable table;
        try { table = (TomlTable)TomlSerializer.Deserialize(text, typeof(TomlTable), (TomlSerializerOptions?)null)!; }
        catch (TomlException e) { throw new UserError($"{file}: not valid TOML: {e.Message}"); }
        foreach (var o in overrides ?? Array.Empty<string>()) Override(table, o, file);
        return new TomlSection(table, file, "");
    }

    // One "a.b.c=value" into the parsed tree.
    private static void Override(TomlTable root, string assignment, string file)
    {
        int eq = assignment.IndexOf('=');
        var keys = eq > 0 ? assignment[..eq].Trim().Split('.') : Array.Empty<string>();
        if (keys.Length == 0 || keys.Any(k => k.Trim().Length == 0))
            throw new UserError($"{file}: override '{assignment}': expected dotted.key=value");
        object? value;
        try { value = ((TomlTable)TomlSerializer.Deserialize("v = " + assignment[(eq + 1)..].Trim(), typeof(TomlTable), (TomlSerializerOptions?)null)!)["v"]; }
        catch (TomlException) { throw new UserError($"{file}: override '{assignment}': the value is not a TOML value (strings need quotes)"); }
        var table = root;
        for (int i = 0; i < keys.Length - 1; i++)
        {
            var key = keys[i].Trim();
            if (!table.TryGetValue(key, out var next)) table[key] = next = new TomlTable();
            table = next as TomlTable ?? throw new UserError($"{file}: override '{assignment}': {string.Join('.', keys[..(i + 1)])} is not a table");
        }
        table[keys[^1].Trim()] = value!;
    }

    private string Field(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    /// <summary>An error about <paramref name="key"/>.</summary>
    public UserError Error(string key, string message) => new($"{File}: {Field(key)}: {message}");

    public bool Has(string key) => _table.ContainsKey(key);

    /// <summary>The keys of this table, in file order.</summary>
    public IEnumerable<string> Keys => _table.Keys;

    private object? Get(string key)
    {
        _read.Add(key);
        return _table.TryGetValue(key, out var v) ? v : null;
    }

    public TomlSection? Section(string key) => Get(key) switch
    {
        null => null,
        TomlTable t => new TomlSection(t, File, Field(key)),
        var other => throw Error(key, $"expected a table, found {Describe(other)}"),
    };

    public TomlSection RequiredSection(string key) => Section(key) ?? throw Error(key, "missing table");

    public string String(string key, string? fallback = null) => Get(key) switch
    {
        null when fallback is not null => fallback,
        null => throw Error(key, "missing (a string is required)"),
        string s => s,
        var other => throw Error(key, $"expected a string, found {Describe(other)}"),
    };

    public bool Bool(string key, bool fallback) => Get(key) switch
    {
        null => fallback,
        bool b => b,
        var other => throw Error(key, $"expected true or false, found {Describe(other)}"),
    };

    /// <summary>A number in [min, max]; <paramref name="unit"/> is quoted in messages.</summary>
    public double Double(string key, double? fallback, double min, double max, string unit = "")
    {
        double v = Get(key) switch
        {
            null when fallback is not null => fallback.Value,
            null => throw Error(key, $"missing (a number in [{min}, {max}]{Unit(unit)} is required)"),
            long l => l,
            double d => d,
            var other => throw Error(key, $"expected a number, found {Describe(other)}"),
        };
        if (!(v >= min && v <= max)) throw Error(key, $"{v.ToString(CultureInfo.InvariantCulture)}{Unit(unit)} is outside the allowed range [{min}, {max}]");
        return v;
    }

    public int Int(string key, int? fallback, int min, int max)
    {
        var o = Get(key);
        if (o is double d && d == Math.Floor(d)) o = (long)d;
        long v = o switch
        {
            null when fallback is not null => fallback.Value,
            null => throw Error(key, $"missing (an integer in [{min}, {max}] is required)"),
            long l => l,
            var other => throw Error(key, $"expected an integer, found {Describe(other)}"),
        };
        if (v < min || v > max) throw Error(key, $"{v} is outside the allowed range [{min}, {max}]");
        return (int)v;
    }

    /// <summary>A range <c>[a, b]</c> with min ≤ a ≤ b ≤ max.</summary>
    public (double Low, double High) Range(string key, (double, double)? fallback, double min, double max, string unit = "")
    {
        var o = Get(key);
        if (o is null)
            return fallback ?? throw Error(key, $"missing (a range [a, b] within [{min}, {max}]{Unit(unit)} is required)");
        if (o is not TomlArray { Count: 2 } a || !IsNumber(a[0]) || !IsNumber(a[1]))
            throw Error(key, $"expected a range [a, b], found {Describe(o)}");
        double lo = Convert.ToDouble(a[0], CultureInfo.InvariantCulture), hi = Convert.ToDouble(a[1], CultureInfo.InvariantCulture);
        // Written so that nan (a TOML float) fails both checks rather than passing them.
        if (!(lo <= hi)) throw Error(key, $"inverted range [{lo}, {hi}]");
        if (!(lo >= min && hi <= max)) throw Error(key, $"[{lo}, {hi}]{Unit(unit)} must lie within [{min}, {max}]");
        return (lo, hi);
    }

    /// <summary>A list of numbers.</summary>
    public double[] Numbers(string key, double[]? fallback)
    {
        var o = Get(key);
        if (o is null) return fallback ?? throw Error(key, "missing (a list of numbers is required)");
        if (o is not TomlArray a || !a.All(IsNumber)) throw Error(key, $"expected a list of numbers, found {Describe(o)}");
        return a.Select(x => Convert.ToDouble(x, CultureInfo.InvariantCulture)).ToArray();
    }

    public IReadOnlyList<string> Strings(string key, IReadOnlyList<string>? fallback = null)
    {
        var o = Get(key);
        if (o is null) return fallback ?? throw Error(key, "missing (a list of strings is required)");
        if (o is not TomlArray a || a.Any(x => x is not string)) throw Error(key, $"expected a list of strings, found {Describe(o)}");
        return a.Cast<string>().ToList();
    }

    /// <summary>Refuses keys that were never read, listing the ones that are known.</summary>
    public void EnsureAllRead(IEnumerable<string>? known = null)
    {
        foreach (var key in _table.Keys)
            if (!_read.Contains(key))
                throw Error(key, $"unknown key; known keys here: {string.Join(", ", known ?? _read)}");
    }

    private static bool IsNumber(object? o) => o is long or double;
    private static string Unit(string unit) => unit.Length == 0 ? "" : " " + unit;

    private static string Describe(object? o) => o switch
    {
        null => "nothing",
        string s => $"the string \"{s}\"",
        TomlTable => "a table",
        TomlArray a => $"a list of {a.Count}",
        bool b => b ? "true" : "false",
        _ => Convert.ToString(o, CultureInfo.InvariantCulture) ?? "?",
    };
}
