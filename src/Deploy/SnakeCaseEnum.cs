using System.Text.Json;
using System.Text.Json.Serialization;

namespace Robotics;

/// <summary>
/// Writes and reads an enum in JSON as its snake_case name (<c>RewardToGo</c> ↔ <c>"reward_to_go"</c>), the form
/// config.json and <c>--set</c> use. Put on the enum: <c>[JsonConverter(typeof(SnakeCaseEnumConverter&lt;T&gt;))]</c>.
/// </summary>
/// <typeparam name="T">The enum.</typeparam>
public sealed class SnakeCaseEnumConverter<T> : JsonStringEnumConverter<T> where T : struct, Enum
{
    /// <summary>Names in snake_case; numbers are not accepted.</summary>
    public SnakeCaseEnumConverter() : base(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) { }
}

/// <summary>An enum's values by their snake_case names, as config.json, <c>--set</c> and the CLI spell them.</summary>
public static class SnakeCaseEnum
{
    /// <summary><c>RewardToGo</c> → <c>reward_to_go</c>.</summary>
    public static string Name<T>(T value) where T : struct, Enum => Name(value.ToString());

    /// <summary>Every value's name, in declaration order.</summary>
    public static IReadOnlyList<string> Names<T>() where T : struct, Enum => Names(typeof(T));

    /// <summary>Every value's name of <paramref name="enumType"/>, in declaration order.</summary>
    public static IReadOnlyList<string> Names(Type enumType) => Enum.GetNames(enumType).Select(Name).ToArray();

    /// <summary>The names as a list for a message: <c>adaptive, fixed or linear</c>.</summary>
    public static string Alternatives(IReadOnlyList<string> names) =>
        names.Count == 1 ? names[0] : $"{string.Join(", ", names.Take(names.Count - 1))} or {names[^1]}";

    /// <summary>The value named <paramref name="text"/> (snake_case), if there is one.</summary>
    public static bool TryParse(Type enumType, string text, out object? value)
    {
        var name = Enum.GetNames(enumType).FirstOrDefault(n => Name(n) == text);
        value = name is null ? null : Enum.Parse(enumType, name);
        return name is not null;
    }

    /// <summary>The value named <paramref name="text"/>; <paramref name="what"/> names the setting in the error (e.g. <c>--device</c>).</summary>
    /// <exception cref="UserError">No value has that name; the message lists them.</exception>
    public static T Parse<T>(string text, string what) where T : struct, Enum =>
        TryParse(typeof(T), text, out var value) ? (T)value! : throw new UserError($"{what} {text}: {Alternatives(Names<T>())}");

    private static string Name(string member) => JsonNamingPolicy.SnakeCaseLower.ConvertName(member);
}
