using System.Globalization;
using System.Text.RegularExpressions;

namespace Robotics.Tools.MsgGen;

/// <summary>How a field repeats: once, a fixed array <c>T[N]</c>, or a sequence <c>T[]</c> / <c>T[&lt;=N]</c>.</summary>
public enum Repeat { None, FixedArray, Sequence }

/// <summary>One field of a .msg file.</summary>
/// <param name="Type">Element type: a primitive name (<c>float64</c>, <c>string</c>) or a message <c>pkg/Type</c>.</param>
/// <param name="Name">The field name as written (snake_case).</param>
/// <param name="StringBound">N of <c>string&lt;=N</c>; 0 when unbounded.</param>
/// <param name="Repeat">Scalar, fixed array or sequence.</param>
/// <param name="Length">N of <c>T[N]</c> or <c>T[&lt;=N]</c>; 0 otherwise.</param>
/// <param name="Default">Default value text for a primitive scalar, or null.</param>
/// <param name="Comment">The comment at the end of its line, or the comment lines above it.</param>
public sealed record MsgField(string Type, string Name, int StringBound, Repeat Repeat, int Length, string? Default, string Comment)
{
    /// <summary>True for a nested message (the type has a package).</summary>
    public bool IsMessage => Type.Contains('/');
}

/// <summary>A constant of a .msg file: <c>uint8 FOO=1</c>.</summary>
public sealed record MsgConstant(string Type, string Name, string Value, string Comment);

/// <summary>A parsed .msg file.</summary>
public sealed record MsgSpec(string Package, string Name, string Comment, List<MsgField> Fields, List<MsgConstant> Constants);

/// <summary>
/// Parses the ROS 2 .msg grammar we use (design/articles/legacy-interface-definition): one field per line,
/// <c>type name [default]</c>, constants <c>TYPE NAME=value</c>, <c>#</c> comments. A message type without a
/// package means one of the same package, except <c>Header</c>, which means <c>std_msgs/Header</c>.
/// </summary>
public static class MsgParser
{
    /// <summary>Primitive .msg types and their sizes in bytes (string: its 4-byte length is the minimum).</summary>
    public static readonly IReadOnlyDictionary<string, int> Primitives = new Dictionary<string, int>
    {
        ["bool"] = 1, ["byte"] = 1, ["char"] = 1, ["int8"] = 1, ["uint8"] = 1, ["int16"] = 2, ["uint16"] = 2,
        ["int32"] = 4, ["uint32"] = 4, ["int64"] = 8, ["uint64"] = 8, ["float32"] = 4, ["float64"] = 8, ["string"] = 4,
    };

    private static readonly Regex TypeRx = new(@"^(?<base>[A-Za-z][A-Za-z0-9_]*(/[A-Za-z][A-Za-z0-9_]*)?)(<=(?<sb>\d+))?(\[(?<le><=)?(?<n>\d*)\])?$");
    private static readonly Regex NameRx = new(@"^[a-z][a-z0-9_]*$");
    private static readonly Regex ConstRx = new(@"^[A-Z][A-Z0-9_]*$");

    /// <summary>Parses <paramref name="text"/>, the .msg file of <paramref name="package"/>/<paramref name="name"/>.</summary>
    /// <exception cref="FormatException">A line that is not a field, a constant or a comment; names the file and line.</exception>
    public static MsgSpec Parse(string package, string name, string text, string path = "")
    {
        var fields = new List<MsgField>();
        var constants = new List<MsgConstant>();
        var pending = new List<string>();   // comment lines above the next field
        string header = "";
        bool seenField = false;
        var lines = text.Replace("\r", "").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string where = $"{(path.Length > 0 ? path : $"{package}/{name}.msg")}:{i + 1}";
            var raw = lines[i];
            int hash = raw.IndexOf('#');
            string comment = hash >= 0 ? raw[(hash + 1)..].Trim() : "";
            string code = (hash >= 0 ? raw[..hash] : raw).Trim();
            if (code.Length == 0)
            {
                if (comment.Length > 0) pending.Add(comment);
                else if (!seenField && pending.Count > 0) { header = string.Join(" ", pending); pending.Clear(); }
                continue;
            }
            if (!seenField && header.Length == 0 && pending.Count > 0) { header = string.Join(" ", pending); pending.Clear(); }
            seenField = true;
            string doc = comment.Length > 0 ? comment : string.Join(" ", pending);
            pending.Clear();

            var parts = code.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2) throw new FormatException($"{where}: expected 'type name', got '{code}'");
            var m = TypeRx.Match(parts[0]);
            if (!m.Success) throw new FormatException($"{where}: '{parts[0]}' is not a type");
            string baseType = m.Groups["base"].Value;
            if (!Primitives.ContainsKey(baseType) && !baseType.Contains('/'))
                baseType = baseType == "Header" ? "std_msgs/Header" : $"{package}/{baseType}";
            int stringBound = m.Groups["sb"].Success ? int.Parse(m.Groups["sb"].Value, CultureInfo.InvariantCulture) : 0;
            if (stringBound > 0 && baseType != "string") throw new FormatException($"{where}: only strings take a <=N bound");
            var repeat = !m.Groups["n"].Success && !m.Groups["le"].Success && !parts[0].EndsWith(']') ? Repeat.None
                : m.Groups["le"].Success || m.Groups["n"].Value.Length == 0 ? Repeat.Sequence : Repeat.FixedArray;
            int length = m.Groups["n"].Value.Length > 0 ? int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture) : 0;

            var rest = parts[1].Trim();
            int eq = rest.IndexOf('=');
            if (eq > 0)
            {
                var cname = rest[..eq].Trim();
                if (!ConstRx.IsMatch(cname)) throw new FormatException($"{where}: constant '{cname}' must be UPPER_CASE");
                if (repeat != Repeat.None || !Primitives.ContainsKey(baseType)) throw new FormatException($"{where}: constants must be primitive scalars");
                constants.Add(new MsgConstant(baseType, cname, rest[(eq + 1)..].Trim(), doc));
                continue;
            }
            var nameAndDefault = rest.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
            if (!NameRx.IsMatch(nameAndDefault[0])) throw new FormatException($"{where}: field name '{nameAndDefault[0]}' must be snake_case");
            string? def = nameAndDefault.Length > 1 ? nameAndDefault[1].Trim() : null;
            if (def is not null && (repeat != Repeat.None || !Primitives.ContainsKey(baseType) || baseType == "string"))
                throw new FormatException($"{where}: defaults are supported on numeric and bool scalars only");
            fields.Add(new MsgField(baseType, nameAndDefault[0], stringBound, repeat, length, def, doc));
        }
        return new MsgSpec(package, name, header, fields, constants);
    }
}
