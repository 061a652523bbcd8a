using System.Reflection;

namespace Robotics.Training.Runner;

/// <summary>Which source built this binary: what a run's config and checkpoints record as their provenance.</summary>
// DESIGN: the binary records its own commit. Rejected: asking git at export time, which records the checkout the export ran in,
// not the code that trained: a run trained on a GPU machine (no git there, a packed binary) and
// exported later from a newer checkout was stamped with the newer commit. The SDK writes the commit of
// the build into AssemblyInformationalVersion ("1.0.0+<sha>") when it builds in a git checkout, so the
// binary itself knows. Directory.Build.targets appends "-dirty" when tracked files had uncommitted changes.
public static class BuildInfo
{
    /// <summary>
    /// The 40-hex commit this assembly was built from, with <c>-dirty</c> appended when the checkout had uncommitted
    /// changes to tracked files; null when it was built outside a git checkout.
    /// </summary>
    public static string? SourceCommit { get; } = Parse(typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    /// <summary>The commit in an informational version <c>1.0.0+&lt;sha&gt;</c>, or null when it carries none.</summary>
    public static string? Parse(string? informationalVersion)
    {
        int plus = informationalVersion?.IndexOf('+') ?? -1;
        if (plus < 0) return null;
        var revision = informationalVersion![(plus + 1)..];
        var sha = revision.EndsWith("-dirty", StringComparison.Ordinal) ? revision[..^"-dirty".Length] : revision;
        return sha.Length >= 7 && sha.All(Uri.IsHexDigit) ? revision : null;
    }
}
