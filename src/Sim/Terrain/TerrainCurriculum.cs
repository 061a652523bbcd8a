using Robotics.Sim.Random;

namespace Robotics.Sim.Terrain;

/// <summary>Settings of the terrain curriculum (legged_gym's <c>curriculum</c> with <c>max_init_terrain_level</c>).</summary>
public sealed record CurriculumSettings
{
    /// <summary>Highest level an environment starts on (0 = every environment starts on the easiest row); above the grid's top row it is the top row, as in legged_gym.</summary>
    public int MaxInitialLevel { get; init; } = 5;

    /// <summary>An episode that walked farther than this fraction of a tile's side moves its environment up a level.</summary>
    public double PromoteFraction { get; init; } = 0.5;

    /// <summary>An episode that ended closer to its spawn point than this fraction of how far its commands asked it to get moves its environment down a level.</summary>
    public double DemoteFraction { get; init; } = 0.5;

    /// <summary>Throws <see cref="UserError"/> naming the first bad field; returns this.</summary>
    public CurriculumSettings Validate()
    {
        if (MaxInitialLevel < 0) throw new UserError($"CurriculumSettings.MaxInitialLevel = {MaxInitialLevel}: must be ≥ 0");
        if (!(PromoteFraction > 0 && PromoteFraction <= 1)) throw new UserError($"CurriculumSettings.PromoteFraction = {PromoteFraction}: allowed (0, 1]");
        if (!(DemoteFraction >= 0 && DemoteFraction <= 1)) throw new UserError($"CurriculumSettings.DemoteFraction = {DemoteFraction}: allowed [0, 1]");
        return this;
    }
}

/// <summary>
/// Which tile of the terrain grid each environment walks on (row = level of difficulty, column = terrain type), and how
/// that changes at the end of each episode: up a level after walking farther than half a tile, down after covering less
/// than half of the distance its commands asked for, and to a random level after solving the top row (so the top row is not a trap
/// and every level stays sampled). Types are spread evenly over the environments and never change.
/// Deterministic: the random levels of environment e come from its own stream, indexed by how many it has drawn, so the
/// whole state is the three integer arrays of <see cref="State"/> (what a checkpoint keeps for a bit-identical resume).
/// Allocation-free after construction.
/// </summary>
// DESIGN: one Rng per environment, advanced in place, would make the state four words of generator per environment
// that the checkpoint must carry; deriving each draw from (seed, environment, draw count) keeps the state plain counters.
public sealed class TerrainCurriculum
{
    private const string Stream = "terrain_curriculum";

    private readonly ulong _seed;
    private readonly int _levels;
    private readonly CurriculumSettings _s;
    private readonly double _tileSize;
    private readonly int[] _level;    // [envs]
    private readonly int[] _type;     // [envs] column
    private readonly int[] _draws;    // [envs] random levels drawn so far

    /// <summary>Assigns each of <paramref name="envs"/> environments a column (evenly) and a starting level in [0, MaxInitialLevel].</summary>
    /// <param name="envs">Environments.</param>
    /// <param name="levels">Rows of the grid.</param>
    /// <param name="columns">Columns of the grid.</param>
    /// <param name="tileSize">A tile's side [m].</param>
    /// <param name="settings">Validated against <paramref name="levels"/> here.</param>
    /// <param name="seed">The run's seed for this subsystem.</param>
    public TerrainCurriculum(int envs, int levels, int columns, double tileSize, CurriculumSettings settings, ulong seed)
    {
        if (envs < 1) throw new ArgumentOutOfRangeException(nameof(envs), envs, "at least one environment");
        if (levels < 1) throw new ArgumentOutOfRangeException(nameof(levels), levels, "at least one level");
        if (columns < 1) throw new ArgumentOutOfRangeException(nameof(columns), columns, "at least one column");
        if (!(tileSize > 0 && double.IsFinite(tileSize))) throw new ArgumentOutOfRangeException(nameof(tileSize), tileSize, "a positive tile size");
        _s = (settings ?? throw new ArgumentNullException(nameof(settings))).Validate();
        _seed = seed;
        _levels = levels;
        _tileSize = tileSize;
        _level = new int[envs];
        _type = new int[envs];
        _draws = new int[envs];
        for (int e = 0; e < envs; e++)
        {
            _type[e] = (int)((long)e * columns / envs);
            _level[e] = Draw(e, Math.Min(_s.MaxInitialLevel, levels - 1) + 1);
        }
    }

    /// <summary>Environments.</summary>
    public int Envs => _level.Length;

    /// <summary>
    /// While true, <see cref="EndEpisode"/> moves no one: a reset that cuts every episode at once (training's reset after a
    /// checkpoint) is not the end of an episode the robot walked.
    /// </summary>
    // DESIGN: counting the cut episodes would make the levels depend on where checkpoints fall, and a resumed run, whose
    // environments did not walk those episodes in its own process, could not reproduce the moves: resume would not be bit-identical.
    public bool Paused { get; set; }

    /// <summary>Levels (rows) of the grid.</summary>
    public int Levels => _levels;

    /// <summary>The level (row) environment <paramref name="env"/> walks on.</summary>
    public int Level(int env) => _level[env];

    /// <summary>The terrain type (column) environment <paramref name="env"/> walks on.</summary>
    public int Column(int env) => _type[env];

    /// <summary>Mean level over the environments.</summary>
    public double MeanLevel
    {
        get
        {
            long sum = 0;
            foreach (int l in _level) sum += l;
            return (double)sum / _level.Length;
        }
    }

    /// <summary>Writes the share of environments on each level into <paramref name="shares"/>. [levels]</summary>
    public void LevelShares(Span<double> shares)
    {
        if (shares.Length != _levels) throw new ArgumentException($"{shares.Length} shares for {_levels} levels", nameof(shares));
        shares.Clear();
        foreach (int l in _level) shares[l] += 1.0 / _level.Length;
    }

    /// <summary>
    /// Moves environment <paramref name="env"/> at the end of an episode in which its base travelled <paramref name="distance"/> [m]
    /// from its start, while its commands asked it to get <paramref name="commandedDistance"/> [m] from there (the
    /// displacement of the path a perfect tracker follows).
    /// Returns the new level.
    /// </summary>
    public int EndEpisode(int env, double distance, double commandedDistance)
    {
        if (Paused) return _level[env];
        bool up = distance > _s.PromoteFraction * _tileSize;
        bool down = !up && distance < _s.DemoteFraction * commandedDistance;
        int level = _level[env] + (up ? 1 : 0) - (down ? 1 : 0);
        if (level >= _levels) level = Draw(env, _levels);   // solved the top row
        _level[env] = Math.Max(level, 0);
        return _level[env];
    }

    // A uniform level in [0, n) from environment env's own stream, indexed by its draw count.
    private int Draw(int env, int n)
    {
        var rng = Rng.For(_seed, Stream, env * 1_000_003 + _draws[env]++);
        return rng.NextInt(n);
    }

    /// <summary>The whole state, for a checkpoint: levels, columns and draw counts per environment (copies). [3][envs]</summary>
    public int[][] State => [(int[])_level.Clone(), (int[])_type.Clone(), (int[])_draws.Clone()];

    /// <summary>Restores a state written by <see cref="State"/> for the same number of environments.</summary>
    /// <exception cref="UserError">The state does not fit this curriculum (named).</exception>
    public void Restore(int[][] state)
    {
        if (state is not { Length: 3 } || state.Any(a => a is null || a.Length != Envs))
            throw new UserError($"terrain curriculum state: expected 3 arrays of {Envs} environments");
        for (int e = 0; e < Envs; e++)
        {
            if (state[0][e] < 0 || state[0][e] >= _levels) throw new UserError($"terrain curriculum state: level {state[0][e]} of environment {e} is outside 0–{_levels - 1}");
            if (state[1][e] != _type[e]) throw new UserError($"terrain curriculum state: environment {e} walked column {state[1][e]}, this grid puts it on {_type[e]}");
            if (state[2][e] < 0) throw new UserError($"terrain curriculum state: draw count {state[2][e]} of environment {e} is negative");
        }
        state[0].CopyTo(_level, 0);
        state[2].CopyTo(_draws, 0);
    }
}
