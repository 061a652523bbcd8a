using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Robotics.Training.Algorithms;

/// <summary>
/// Settings of an algorithm's config record for one run, <c>key=value</c> (<c>train --set algorithm.key=value</c>):
/// the key is a property in snake_case, dotted into nested records (<c>clip_param</c>, <c>value_fit.learning_rate</c>,
/// <c>regularizers.entropy_coef</c>); the value a number, <c>true</c>/<c>false</c>, or for a choice (<c>schedule</c>,
/// <c>baseline</c>, …) one of its snake_case names (quoted or not).
/// Each setting is checked for its key, its type and, through the record's own <c>Validate</c>, its range; the
/// error names the key.
/// </summary>
public static class ConfigOverrides
{
    /// <summary>
    /// <paramref name="config"/> with <paramref name="settings"/> applied in order, validated after each.
    /// <paramref name="validate"/> is the record's range check (it throws <see cref="UserError"/>).
    /// </summary>
    /// <exception cref="UserError">A key is unknown, a value has the wrong type, or a value is out of range; the message names the key.</exception>
    public static T Apply<T>(T config, IEnumerable<string> settings, Func<T, T> validate) where T : class
    {
        var node = JsonSerializer.SerializeToNode(config)!.AsObject();
        foreach (var setting in settings)
        {
            int eq = setting.IndexOf('=');
            if (eq <= 0) throw new UserError($"--set algorithm.{setting}: expected key=value");
            string key = setting[..eq].Trim(), text = setting[(eq + 1)..].Trim();
            var (parent, property) = Find(node, typeof(T), key);
            parent[property.Name] = Parse(key, text, property.PropertyType);
            T candidate = node.Deserialize<T>()!;
            try { validate(candidate); }
            catch (UserError e) { throw new UserError($"--set algorithm.{key}={text}: {e.Message}", e); }
        }
        return node.Deserialize<T>()!;
    }

    /// <summary>Every settable key of <paramref name="configType"/> in snake_case, nested records dotted, with its type.</summary>
    public static IEnumerable<(string Key, Type Type)> Keys(Type configType, string prefix = "")
    {
        foreach (var p in Settable(configType))
        {
            var key = prefix + SnakeCase(p.Name);
            if (IsLeaf(p.PropertyType)) yield return (key, p.PropertyType);
            else foreach (var nested in Keys(p.PropertyType, key + ".")) yield return nested;
        }
    }

    /// <summary><c>ClipParam</c> → <c>clip_param</c>.</summary>
    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(name[i]));
        }
        return sb.ToString();
    }

    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetIndexParameters().Length == 0);

    private static bool IsLeaf(Type t) => t == typeof(int) || t == typeof(double) || t == typeof(bool) || t == typeof(string) || t.IsEnum;

    // Walks the dotted key down the nested records: the JSON object that holds the last part and its property.
    private static (JsonObject Parent, PropertyInfo Property) Find(JsonObject root, Type type, string key)
    {
        var parts = key.Split('.');
        var node = root;
        var rootType = type;
        for (int i = 0; ; i++)
        {
            var property = Settable(type).FirstOrDefault(p => Same(p.Name, parts[i]));
            if (property is null || (i < parts.Length - 1) == IsLeaf(property.PropertyType))
                throw new UserError($"--set algorithm.{key}: {rootType.Name} has no such setting; known: {string.Join(", ", Keys(rootType).Select(k => k.Key))}");
            if (i == parts.Length - 1) return (node, property);
            node = node[property.Name]!.AsObject();
            type = property.PropertyType;
        }
    }

    private static bool Same(string propertyName, string keyPart) =>
        string.Equals(propertyName, keyPart.Replace("_", ""), StringComparison.OrdinalIgnoreCase);

    private static JsonNode Parse(string key, string text, Type type)
    {
        var inv = CultureInfo.InvariantCulture;
        string Expected(string what) => $"--set algorithm.{key}={text}: expected {what}";
        if (type == typeof(int))
            return int.TryParse(text, NumberStyles.Integer, inv, out int i) ? JsonValue.Create(i) : throw new UserError(Expected("an integer"));
        if (type == typeof(double))
            return double.TryParse(text, NumberStyles.Float, inv, out double d) && double.IsFinite(d) ? JsonValue.Create(d) : throw new UserError(Expected("a number"));
        if (type == typeof(bool))
            return text switch { "true" => JsonValue.Create(true), "false" => JsonValue.Create(false), _ => throw new UserError(Expected("true or false")) };
        // A string or a choice: TOML-quoted ("linear") or bare (linear).
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"') text = text[1..^1];
        if (type.IsEnum)
            return SnakeCaseEnum.TryParse(type, text, out _) ? JsonValue.Create(text)
                : throw new UserError(Expected(SnakeCaseEnum.Alternatives(SnakeCaseEnum.Names(type))));
        if (double.TryParse(text, NumberStyles.Float, inv, out _) || text is "true" or "false") throw new UserError(Expected("a word"));
        return JsonValue.Create(text);
    }
}
