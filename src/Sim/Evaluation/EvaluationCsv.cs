using System.Globalization;

namespace Robotics.Sim.Evaluation;

/// <summary>Evaluation results as CSV: one row per condition, the figures of its kind, then one column per reward term.</summary>
internal static class EvaluationCsv
{
    /// <summary>Writes <paramref name="rows"/> under <c>condition</c>, <paramref name="columns"/> and the terms any row has; a NaN value (a figure the row does not have) is written empty.</summary>
    public static void Write(string path, IReadOnlyList<string> columns,
        IReadOnlyList<(string Condition, double[] Values, IReadOnlyDictionary<string, double> Terms)> rows)
    {
        var terms = rows.SelectMany(r => r.Terms.Keys).Distinct().ToList();
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string> { string.Join(",", new[] { "condition" }.Concat(columns).Concat(terms)) };
        foreach (var (condition, values, byTerm) in rows)
            lines.Add(string.Join(",", new[] { condition }.Concat(values.Select(v => double.IsNaN(v) ? "" : v.ToString("G6", inv)))
                .Concat(terms.Select(t => byTerm.TryGetValue(t, out var v) ? v.ToString("G6", inv) : ""))));
        File.WriteAllLines(path, lines);
    }
}
