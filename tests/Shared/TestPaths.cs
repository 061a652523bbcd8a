namespace Robotics.Tests;

/// <summary>Locations tests need: the repository root (found from the test binary upwards).</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Robotics.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Robotics.sln not found above {AppContext.BaseDirectory}");
    }

    /// <summary>A path relative to the repository root.</summary>
    public static string Repo(string relative) => Path.Combine(RepoRoot, relative);
}
