namespace Robotics.Tools.Fuzz;

/// <summary>The repository root: ROBOTICS_HOME (set by ./robotics), else the folder above this binary holding Robotics.sln.</summary>
public static class Repo
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        if (Environment.GetEnvironmentVariable("ROBOTICS_HOME") is { Length: > 0 } home) return home;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Robotics.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Robotics.sln not found above {AppContext.BaseDirectory}; set ROBOTICS_HOME");
    }

    /// <summary>A path relative to the root.</summary>
    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);
}
