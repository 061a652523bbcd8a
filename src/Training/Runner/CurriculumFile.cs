using System.Text.Json;
using Robotics.Sim.Terrain;

namespace Robotics.Training.Runner;

/// <summary>
/// The terrain curriculum's state in a checkpoint (<see cref="FileName"/>: each environment's level, column and random draws),
/// so that a resumed run puts every environment back on its tile and draws the same levels as the run it continues.
/// </summary>
public static class CurriculumFile
{
    /// <summary>The file in a checkpoint folder.</summary>
    public const string FileName = "terrain_curriculum.json";

    private sealed record Content(int[] Levels, int[] Columns, int[] Draws);

    /// <summary>Writes the state of <paramref name="curriculum"/> into checkpoint folder <paramref name="directory"/>.</summary>
    public static void Save(string directory, TerrainCurriculum curriculum)
    {
        var s = curriculum.State;
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(new Content(s[0], s[1], s[2])));
    }

    /// <summary>Restores <paramref name="curriculum"/> from checkpoint folder <paramref name="directory"/>.</summary>
    /// <exception cref="UserError">The checkpoint has no curriculum state (written by a run on flat ground), or one that does not fit (named).</exception>
    public static void Load(string directory, TerrainCurriculum curriculum)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new UserError($"{directory}: no {FileName}; the task walks on terrain, so its checkpoint must carry the curriculum (was it written by a run on flat ground?)");
        Content? c;
        try { c = JsonSerializer.Deserialize<Content>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new UserError($"{path}: {e.Message}", e); }
        if (c?.Levels is null || c.Columns is null || c.Draws is null) throw new UserError($"{path}: expected levels, columns and draws");
        try { curriculum.Restore([c.Levels, c.Columns, c.Draws]); }
        catch (UserError e) { throw new UserError($"{path}: {e.Message}", e); }
    }
}
