using Robotics.Sim.Random;
using Robotics.Sim.Terrain;

namespace Robotics.Sim.Evaluation;

/// <summary>One evaluation episode on a terrain tile.</summary>
/// <param name="Type">The tile's terrain type.</param>
/// <param name="Level">The tile's row (difficulty level).</param>
/// <param name="Fell">The episode terminated (base contact or tilt) rather than reaching the time limit.</param>
/// <param name="Distance">Planar distance from the spawn point to where the episode ended [m].</param>
/// <param name="Commanded">Commanded distance Σ |v*xy|·dt over the episode [m].</param>
/// <param name="Asked">How far from the spawn point the commands asked the base to get [m]: the displacement of the path a
/// perfect tracker follows (a turning command's path curves back, so this is at most <paramref name="Commanded"/>).</param>
/// <param name="LinVelError">Mean |v*xy − vxy| over the episode's steps [m/s].</param>
public sealed record TerrainEpisode(TerrainType Type, int Level, bool Fell, double Distance, double Commanded, double Asked, double LinVelError)
{
    /// <summary>
    /// Passed: no fall, and the base got farther than half a tile from its spawn point or at least half as far as the
    /// commands asked (<see cref="Asked"/>): the episodes the curriculum would not move down, less the falls.
    /// </summary>
    /// <param name="tileSize">A tile's side [m].</param>
    public bool Passed(double tileSize) => !Fell && (Distance > tileSize / 2 || Distance >= Asked / 2);
}

/// <summary>The episodes of one (type, level) cell.</summary>
/// <param name="Level">Row of the grid.</param>
/// <param name="Episodes">Episodes on tiles of this type and level.</param>
/// <param name="Passed">Of those, passed (<see cref="TerrainEpisode.Passed"/>).</param>
/// <param name="LinVelError">Mean of the episodes' tracking errors [m/s]; NaN without episodes.</param>
/// <param name="Falls">Episodes that fell.</param>
public sealed record TerrainLevelResult(int Level, int Episodes, int Passed, double LinVelError, int Falls)
{
    /// <summary>Share of episodes passed; NaN without episodes.</summary>
    public double PassRate => Episodes == 0 ? double.NaN : (double)Passed / Episodes;
}

/// <summary>Per terrain type: each level's figures, and the highest level passed by at least <see cref="TerrainSummary.PassThreshold"/> of its episodes.</summary>
/// <param name="Type">The terrain type.</param>
/// <param name="Levels">One entry per row of the grid, in order (a level without episodes has Episodes = 0).</param>
/// <param name="HighestPassed">The highest level with episodes whose pass rate is ≥ the threshold; null when none is.</param>
public sealed record TerrainTypeResult(TerrainType Type, IReadOnlyList<TerrainLevelResult> Levels, int? HighestPassed)
{
    /// <summary>The tracking error at <see cref="HighestPassed"/> [m/s]; NaN when no level passed.</summary>
    public double LinVelErrorAtHighest => HighestPassed is int l ? Levels[l].LinVelError : double.NaN;
}

/// <summary>Terrain episodes grouped into per-type, per-level figures.</summary>
public static class TerrainSummary
{
    /// <summary>A level counts as passed when at least this share of its episodes passed.</summary>
    public const double PassThreshold = 0.8;

    /// <summary>The snake_case name of a type, as in the task file's <c>[terrain.proportions]</c>.</summary>
    public static string Name(TerrainType type) => TerrainProportions.Keys[(int)type];

    /// <summary>Groups <paramref name="episodes"/> by type (those of <paramref name="types"/>, in that order) and level (0 … levels − 1).</summary>
    /// <param name="episodes">The evaluation's episodes.</param>
    /// <param name="types">The grid's terrain types (each once).</param>
    /// <param name="levels">Rows of the grid.</param>
    /// <param name="tileSize">A tile's side [m].</param>
    public static IReadOnlyList<TerrainTypeResult> Compute(IReadOnlyList<TerrainEpisode> episodes, IReadOnlyList<TerrainType> types, int levels, double tileSize)
    {
        var result = new List<TerrainTypeResult>();
        foreach (var type in types)
        {
            var rows = new List<TerrainLevelResult>();
            int? highest = null;
            for (int l = 0; l < levels; l++)
            {
                var cell = episodes.Where(e => e.Type == type && e.Level == l).ToList();
                var row = new TerrainLevelResult(l, cell.Count, cell.Count(e => e.Passed(tileSize)),
                    cell.Count == 0 ? double.NaN : cell.Average(e => e.LinVelError), cell.Count(e => e.Fell));
                rows.Add(row);
                if (row.Episodes > 0 && row.PassRate >= PassThreshold) highest = l;
            }
            result.Add(new TerrainTypeResult(type, rows, highest));
        }
        return result;
    }
}

/// <summary>
/// The tiles an evaluation walks: every (type, level) cell of the grid in a seeded, balanced order, so that the first
/// max(types, levels) episodes already cover every type and every level, and the first types × levels every cell.
/// Environment e's k-th episode takes cell (e + k · envs) mod cells, a deterministic choice that does not depend on
/// which worker thread finishes first; a type with several columns uses them in turn.
/// </summary>
// DESIGN: one shared cursor handed to whichever environment resets next would balance exactly, but the order in which
// parallel workers reset is not deterministic; per-environment counters are.
public sealed class TileSchedule
{
    private readonly (TerrainType Type, int Level)[] _order;
    private readonly int[][] _columnsOfType;   // [types][columns of that type]
    private readonly int[] _typeIndex;         // [TerrainType] index into _columnsOfType, −1 when absent
    private readonly int[] _episode;           // [envs] episodes started so far
    private readonly int _envs;

    /// <summary>A schedule for <paramref name="envs"/> environments on a grid of <paramref name="levels"/> rows whose columns have <paramref name="columnTypes"/>.</summary>
    public TileSchedule(IReadOnlyList<TerrainType> columnTypes, int levels, int envs, ulong seed)
    {
        if (columnTypes.Count < 1 || levels < 1 || envs < 1) throw new ArgumentException("a schedule needs columns, levels and environments");
        _envs = envs;
        _episode = new int[envs];
        Types = columnTypes.Distinct().ToList();
        _typeIndex = Enumerable.Repeat(-1, Enum.GetValues<TerrainType>().Length).ToArray();
        for (int t = 0; t < Types.Count; t++) _typeIndex[(int)Types[t]] = t;
        _columnsOfType = Types.Select(t => Enumerable.Range(0, columnTypes.Count).Where(c => columnTypes[c] == t).ToArray()).ToArray();
        Levels = levels;

        // Greedy: the unused cell whose type and level have been chosen least so far, ties broken by a seeded key.
        var rng = Rng.For(seed, "eval-tiles");
        var cells = new List<(int T, int L, double Key)>();
        for (int t = 0; t < Types.Count; t++)
            for (int l = 0; l < levels; l++) cells.Add((t, l, rng.Uniform(0, 1)));
        var typeCount = new int[Types.Count];
        var levelCount = new int[levels];
        _order = new (TerrainType, int)[cells.Count];
        for (int k = 0; k < _order.Length; k++)
        {
            var best = cells.MinBy(c => (Math.Max(typeCount[c.T], levelCount[c.L]), typeCount[c.T] + levelCount[c.L], c.Key));
            cells.Remove(best);
            typeCount[best.T]++;
            levelCount[best.L]++;
            _order[k] = (Types[best.T], best.L);
        }
    }

    /// <summary>The grid's terrain types, each once, in column order.</summary>
    public IReadOnlyList<TerrainType> Types { get; }

    /// <summary>Rows of the grid.</summary>
    public int Levels { get; }

    /// <summary>Every cell once, in the schedule's order.</summary>
    public IReadOnlyList<(TerrainType Type, int Level)> Order => _order;

    /// <summary>The tile of environment <paramref name="env"/>'s next episode (advances its counter): (level, column).</summary>
    public (int Level, int Column) Next(int env)
    {
        int k = _episode[env]++;
        long slot = env + (long)k * _envs;
        var (type, level) = _order[slot % _order.Length];
        var columns = _columnsOfType[_typeIndex[(int)type]];
        return (level, columns[(int)(slot / _order.Length % columns.Length)]);
    }
}
