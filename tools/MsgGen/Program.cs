using Robotics.Tools.MsgGen;

// msggen [--root R] [--check]
// Writes src/RobotBridge/Messages/<Package>/<Type>.g.cs from src/RobotBridge/Messages/msg/<package>/<Type>.msg.
// With --check it writes nothing and exits 1 when a committed file differs from what it would write.
string root = ".";
bool check = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--root": root = args[++i]; break;
        case "--check": check = true; break;
        default: Console.Error.WriteLine($"msggen: unknown argument '{args[i]}'"); return 2;
    }
}
try
{
    int stale = 0;
    foreach (var (rel, text) in Generator.GenerateAll(root))
    {
        var path = Path.Combine(root, rel);
        if (check)
        {
            if (File.Exists(path) && File.ReadAllText(path) == text) continue;
            Console.Error.WriteLine($"{rel} differs from what the generator writes. Regenerate: {Generator.RegenerateCommand}");
            stale++;
            continue;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, text);
        Console.WriteLine($"Wrote {rel}.");
    }
    return stale == 0 ? 0 : 1;
}
catch (Exception e) when (e is FormatException or InvalidOperationException or IOException)
{
    Console.Error.WriteLine($"msggen: {e.Message}");
    return 2;
}
