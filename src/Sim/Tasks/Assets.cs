namespace Robotics.Sim.Tasks;

/// <summary>Model files embedded in the assembly (Tasks/Assets/*.xml), so tasks load wherever the binary runs.</summary>
internal static class Assets
{
    public static string Read(string name)
    {
        using var stream = typeof(Assets).Assembly.GetManifestResourceStream($"Robotics.Sim.Tasks.Assets.{name}")
            ?? throw new FileNotFoundException($"embedded asset '{name}' is missing from Robotics.Sim");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
