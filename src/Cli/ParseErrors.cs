using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Robotics.Cli;

/// <summary>
/// System.CommandLine's parse errors (a value that is not of its option's type, an unknown option, a missing value) as the
/// one line Program.cs prints for every verb, naming the option, instead of the message followed by the whole help.
/// </summary>
internal static class ParseErrors
{
    /// <summary>All errors of a parse on one line, each naming its option where it has one.</summary>
    public static string OneLine(IReadOnlyList<ParseError> errors) => string.Join("; ", errors.Select(Describe).Distinct());

    private static string Describe(ParseError error)
    {
        var message = string.Join(" ", error.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.');
        var option = error.SymbolResult switch
        {
            OptionResult o => o,
            ArgumentResult { Parent: OptionResult o } => o,
            _ => null,
        };
        if (option is null) return message;
        var name = option.Option.Name;
        var type = Nullable.GetUnderlyingType(option.Option.ValueType) ?? option.Option.ValueType;
        if (Expected(type) is { } what && option.Tokens.FirstOrDefault(t => !Parses(type, t.Value)) is { } bad)
            return $"{name} '{bad.Value}': expected {what}";
        return message.Contains(name, StringComparison.Ordinal) ? message : $"{name}: {message}";
    }

    // What a value of the option types the verbs use looks like, in words.
    private static string? Expected(Type type) =>
        type == typeof(int) ? "an integer"
        : type == typeof(long) ? "an integer"
        : type == typeof(uint) || type == typeof(ulong) ? "a whole number ≥ 0"
        : type == typeof(double) ? "a number"
        : type == typeof(bool) ? "true or false"
        : null;

    private static bool Parses(Type type, string text)
    {
        var inv = CultureInfo.InvariantCulture;
        return type == typeof(int) ? int.TryParse(text, NumberStyles.Integer, inv, out _)
            : type == typeof(long) ? long.TryParse(text, NumberStyles.Integer, inv, out _)
            : type == typeof(uint) ? uint.TryParse(text, NumberStyles.Integer, inv, out _)
            : type == typeof(ulong) ? ulong.TryParse(text, NumberStyles.Integer, inv, out _)
            : type == typeof(double) ? double.TryParse(text, NumberStyles.Float, inv, out _)
            : type == typeof(bool) ? bool.TryParse(text, out _)
            : true;
    }
}
