namespace Robotics.Tools.MsgGen;

/// <summary>
/// Reads every <c>msg/&lt;package&gt;/&lt;Type&gt;.msg</c> under the messages folder and returns the generated
/// files, keyed by their path relative to the repository root; used by the CLI and the regeneration test.
/// </summary>
public static class Generator
{
    /// <summary>The .msg definitions, relative to the repository root.</summary>
    public const string MsgRoot = "src/RobotBridge/Messages/msg";

    /// <summary>Where generated files go: <c>&lt;OutRoot&gt;/&lt;Package&gt;/&lt;Type&gt;.g.cs</c>.</summary>
    public const string OutRoot = "src/RobotBridge/Messages";

    /// <summary>The command that rewrites the committed files, from the repository root.</summary>
    public const string RegenerateCommand = "dotnet run --project tools/MsgGen";

    /// <summary>All generated files for the repository at <paramref name="root"/>, in a stable order.</summary>
    public static SortedDictionary<string, string> GenerateAll(string root)
    {
        var dir = Path.Combine(root, MsgRoot);
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir} not found (run from the repository root or pass --root)");
        var specs = new Dictionary<string, MsgSpec>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(dir, "*.msg", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var package = Path.GetFileName(Path.GetDirectoryName(file)!);
            var name = Path.GetFileNameWithoutExtension(file);
            var rel = Path.GetRelativePath(root, file).Replace('\\', '/');
            specs[$"{package}/{name}"] = MsgParser.Parse(package, name, File.ReadAllText(file), rel);
        }

        // Minimum sizes, nested messages first (a reference to an unknown type or a cycle is an error).
        var sizes = new Dictionary<string, int>(StringComparer.Ordinal);
        var visiting = new HashSet<string>(StringComparer.Ordinal);
        int MinSize(string type)
        {
            if (sizes.TryGetValue(type, out var s)) return s;
            if (!specs.TryGetValue(type, out var spec)) throw new InvalidOperationException($"message type {type} has no .msg file under {MsgRoot}");
            if (!visiting.Add(type)) throw new InvalidOperationException($"message type {type} contains itself");
            s = MsgWriter.MinSize(spec, MinSize);
            visiting.Remove(type);
            return sizes[type] = s;
        }

        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, spec) in specs)
        {
            var source = $"{MsgRoot}/{key}.msg";
            files[$"{OutRoot}/{MsgWriter.Pascal(spec.Package)}/{spec.Name}.g.cs"] = MsgWriter.Write(spec, MinSize, source, RegenerateCommand);
        }
        return files;
    }
}
