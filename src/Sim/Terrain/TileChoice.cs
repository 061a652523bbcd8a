namespace Robotics.Sim.Terrain;

/// <summary>A tile named on the command line as "type:level", e.g. "stairs_up:5" (render --tile).</summary>
public static class TileChoice
{
    /// <summary>
    /// The (level, column) of the first column of <paramref name="text"/>'s type at its level on <paramref name="map"/>.
    /// </summary>
    /// <exception cref="UserError">Not "type:level", a type the grid lacks or a level outside it; names the valid types and levels.</exception>
    public static (int Level, int Column) Parse(string text, HeightField map)
    {
        var types = map.ColumnTypes.Distinct().Select(t => TerrainProportions.Keys[(int)t]).ToList();
        string valid = $"types {string.Join(", ", types)}; levels 0–{map.Rows - 1}";
        var parts = text.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int level))
            throw new UserError($"--tile '{text}': expected type:level, e.g. {types[0]}:0 ({valid})");
        int column = Enumerable.Range(0, map.Columns).FirstOrDefault(c => TerrainProportions.Keys[(int)map.ColumnTypes[c]] == parts[0], -1);
        if (column < 0) throw new UserError($"--tile '{text}': this grid has no terrain type '{parts[0]}' ({valid})");
        if (level >= map.Rows) throw new UserError($"--tile '{text}': level {level} is outside the grid ({valid})");
        return (level, column);
    }
}
