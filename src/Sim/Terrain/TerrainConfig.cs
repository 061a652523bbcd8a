using Robotics.Sim.Tasks;

namespace Robotics.Sim.Terrain;

/// <summary>What the ground is: today's flat floor, or a generated grid of terrain tiles.</summary>
public enum TerrainKind
{
    /// <summary>The flat floor at z = 0 (the default; no height map).</summary>
    Flat,
    /// <summary>A grid of tiles: rows are difficulty levels, columns terrain types (<see cref="TerrainGenerator"/>).</summary>
    Grid,
}

/// <summary>
/// The kinds of tile. "Up" means the ground rises from the tile's edge towards its centre (a pyramid),
/// "down" that it falls (a pit); a robot spawned on the central platform walks down the first and up the second.
/// </summary>
public enum TerrainType
{
    /// <summary>Uniform noise, smoothed over <see cref="RandomRoughConfig.CellSize"/>.</summary>
    RandomRough,
    /// <summary>A smooth pyramid of constant gradient.</summary>
    SlopeUp,
    /// <summary>A smooth pit of constant gradient.</summary>
    SlopeDown,
    /// <summary>The pyramid of <see cref="SlopeUp"/> with uniform noise on top.</summary>
    RoughSlope,
    /// <summary>Square rings of steps rising towards the centre.</summary>
    StairsUp,
    /// <summary>Square rings of steps falling towards the centre.</summary>
    StairsDown,
    /// <summary>Random rectangular blocks and holes.</summary>
    Obstacles,
    /// <summary>Square stones on a lattice over a pit.</summary>
    SteppingStones,
    /// <summary>A square ring of pit around the central platform.</summary>
    Gaps,
}

/// <summary>
/// A parameter that grows (or shrinks) with a tile's difficulty d ∈ [0, 1]: <see cref="Easy"/> at d = 0,
/// <see cref="Hard"/> at d = 1, linear between (TOML: <c>[easy, hard]</c>).
/// </summary>
/// <param name="Easy">The value on the first row (difficulty 0).</param>
/// <param name="Hard">The value on the last row (difficulty 1).</param>
public readonly record struct DifficultyRange(double Easy, double Hard)
{
    /// <summary>The value at difficulty <paramref name="difficulty"/> ∈ [0, 1].</summary>
    public double At(double difficulty) => Easy + (Hard - Easy) * difficulty;
}

/// <summary>
/// The <c>[terrain]</c> table of a task file. <see cref="Kind"/> = flat keeps today's floor bit for bit
/// and allows no other key; grid generates <see cref="Rows"/> × <see cref="Columns"/> tiles of
/// <see cref="TileSize"/> with a flat border around them. The layout follows legged_gym's curriculum terrain
/// (row r has difficulty r / (rows − 1), the columns are divided among the types by <see cref="Proportions"/>);
/// the default ranges are those of legged_gym's <c>terrain.py</c> and Isaac Lab's <c>ROUGH_TERRAINS_CFG</c>.
/// </summary>
public sealed record TerrainConfig
{
    /// <summary>Flat floor (the default) or a generated grid.</summary>
    public TerrainKind Kind { get; init; } = TerrainKind.Flat;
    /// <summary>Side of one square tile [m].</summary>
    public double TileSize { get; init; } = 8;
    /// <summary>Tile rows, one per difficulty level (along world x).</summary>
    public int Rows { get; init; } = 10;
    /// <summary>Tile columns, divided among the terrain types (along world y).</summary>
    public int Columns { get; init; } = 20;
    /// <summary>Width of the flat (z = 0) border around the grid [m].</summary>
    public double BorderWidth { get; init; } = 20;
    /// <summary>Horizontal distance between height samples [m]; the tile size and border are whole multiples of it.</summary>
    public double Resolution { get; init; } = 0.1;
    /// <summary>Heights are rounded to multiples of this [m] (legged_gym's and MuJoCo's heightfields are quantized).</summary>
    public double VerticalScale { get; init; } = 0.005;
    /// <summary>Side of the flat square at each tile's centre, where robots spawn [m].</summary>
    public double PlatformWidth { get; init; } = 3;
    /// <summary>Depth of the pits under stepping stones and in gaps [m].</summary>
    public double PitDepth { get; init; } = 1;
    /// <summary>Shares of the columns per terrain type (normalized by their sum).</summary>
    public TerrainProportions Proportions { get; init; } = new();
    /// <summary>Random rough ground.</summary>
    public RandomRoughConfig RandomRough { get; init; } = new();
    /// <summary>Smooth and rough slopes.</summary>
    public SlopeConfig Slope { get; init; } = new();
    /// <summary>Stairs up and down.</summary>
    public StairsConfig Stairs { get; init; } = new();
    /// <summary>Discrete obstacles.</summary>
    public ObstaclesConfig Obstacles { get; init; } = new();
    /// <summary>Stepping stones.</summary>
    public SteppingStonesConfig SteppingStones { get; init; } = new();
    /// <summary>Gaps.</summary>
    public GapsConfig Gaps { get; init; } = new();

    /// <summary>The flat floor.</summary>
    public static TerrainConfig Flat { get; } = new();

    /// <summary>Height samples per tile side (<see cref="TileSize"/> / <see cref="Resolution"/>).</summary>
    public int TileSamples => (int)Math.Round(TileSize / Resolution);
    /// <summary>Height samples across the border (<see cref="BorderWidth"/> / <see cref="Resolution"/>).</summary>
    public int BorderSamples => (int)Math.Round(BorderWidth / Resolution);

    /// <summary>Most height samples a grid may have (4 bytes each; 64 MB).</summary>
    public const long MaxSamples = 16L << 20;

    /// <summary>The terrain type of each column, in column order.</summary>
    public IReadOnlyList<TerrainType> ColumnTypes() => Proportions.Assign(Columns);

    /// <summary>Difficulty of row <paramref name="row"/>: row / (rows − 1), so the first row is 0 and the last 1 (0 with one row).</summary>
    public double Difficulty(int row) => Rows == 1 ? 0 : (double)row / (Rows - 1);

    private static readonly string[] GridKeys =
    {
        "tile_m", "rows", "columns", "border_m", "resolution_m", "vertical_scale_m", "platform_m", "pit_depth_m",
        "proportions", "random_rough", "slope", "stairs", "obstacles", "stepping_stones", "gaps",
    };

    /// <summary>
    /// Reads <c>[terrain]</c> (<paramref name="terrain"/> null: the table is absent, the floor is flat). Absent keys
    /// keep this record's defaults; every value is range-checked and every error names the file and field.
    /// </summary>
    internal static TerrainConfig Read(TomlSection? terrain)
    {
        if (terrain is null) return Flat;
        var kind = terrain.String("kind", "flat") switch
        {
            "flat" => TerrainKind.Flat,
            "grid" => TerrainKind.Grid,
            var other => throw terrain.Error("kind", $"'{other}' is not a terrain kind; kinds: flat, grid"),
        };
        if (kind == TerrainKind.Flat)
        {
            if (terrain.Keys.FirstOrDefault(k => k != "kind") is { } extra)
                throw terrain.Error(extra, "applies to kind = \"grid\" only (this terrain is flat)");
            return Flat;
        }
        var d = new TerrainConfig();
        var c = d with
        {
            Kind = kind,
            TileSize = terrain.Double("tile_m", d.TileSize, 1, 100, "m"),
            Rows = terrain.Int("rows", d.Rows, 1, 100),
            Columns = terrain.Int("columns", d.Columns, 1, 100),
            BorderWidth = terrain.Double("border_m", d.BorderWidth, 0, 200, "m"),
            Resolution = terrain.Double("resolution_m", d.Resolution, 0.01, 1, "m"),
            VerticalScale = terrain.Double("vertical_scale_m", d.VerticalScale, 1e-4, 0.1, "m"),
            PlatformWidth = terrain.Double("platform_m", d.PlatformWidth, 0, 100, "m"),
            PitDepth = terrain.Double("pit_depth_m", d.PitDepth, 0.05, 20, "m"),
        };
        Multiple(terrain, "tile_m", c.TileSize, c.Resolution);
        Multiple(terrain, "border_m", c.BorderWidth, c.Resolution);
        if (c.TileSamples < 4) throw terrain.Error("tile_m", $"{c.TileSize} m is fewer than 4 samples of {c.Resolution} m");
        if (c.PlatformWidth >= c.TileSize) throw terrain.Error("platform_m", $"{c.PlatformWidth} m leaves nothing of a {c.TileSize} m tile");
        long samples = (long)(c.Rows * c.TileSamples + 2 * c.BorderSamples) * (c.Columns * c.TileSamples + 2 * c.BorderSamples);
        if (samples > MaxSamples)
            throw terrain.Error("resolution_m", $"the grid would have {samples} height samples, more than {MaxSamples}; use fewer or smaller tiles, a narrower border or a coarser resolution");

        c = c with
        {
            Proportions = TerrainProportions.Read(terrain.Section("proportions"), d.Proportions),
            RandomRough = RandomRoughConfig.Read(terrain.Section("random_rough"), d.RandomRough, c),
            Slope = SlopeConfig.Read(terrain.Section("slope"), d.Slope),
            Stairs = StairsConfig.Read(terrain.Section("stairs"), d.Stairs, c),
            Obstacles = ObstaclesConfig.Read(terrain.Section("obstacles"), d.Obstacles, c),
            SteppingStones = SteppingStonesConfig.Read(terrain.Section("stepping_stones"), d.SteppingStones, c),
            Gaps = GapsConfig.Read(terrain.Section("gaps"), d.Gaps, c),
        };
        terrain.EnsureAllRead(GridKeys.Prepend("kind"));
        return c;
    }

    private static void Multiple(TomlSection s, string key, double value, double resolution)
    {
        double n = value / resolution;
        if (Math.Abs(n - Math.Round(n)) > 1e-6)
            throw s.Error(key, $"{value} m is not a whole multiple of resolution_m = {resolution} m");
    }

    /// <summary><c>key = [easy, hard]</c>, both within [min, max].</summary>
    internal static DifficultyRange ReadRange(TomlSection s, string key, DifficultyRange fallback, double min, double max, string unit)
    {
        var v = s.Numbers(key, new[] { fallback.Easy, fallback.Hard });
        if (v.Length != 2) throw s.Error(key, $"expected [easy, hard] (the values at difficulty 0 and 1), found a list of {v.Length}");
        foreach (var x in v)
            if (x < min || x > max) throw s.Error(key, FormattableString.Invariant($"{x} {unit} is outside the allowed range [{min}, {max}]"));
        return new DifficultyRange(v[0], v[1]);
    }
}

/// <summary>Shares of the grid's columns per terrain type [any non-negative numbers; normalized by their sum].</summary>
public sealed record TerrainProportions
{
    /// <summary>Random rough ground.</summary>
    public double RandomRough { get; init; } = 0.1;
    /// <summary>Smooth slope up.</summary>
    public double SlopeUp { get; init; } = 0.1;
    /// <summary>Smooth slope down.</summary>
    public double SlopeDown { get; init; } = 0.1;
    /// <summary>Rough slope.</summary>
    public double RoughSlope { get; init; } = 0.1;
    /// <summary>Stairs up.</summary>
    public double StairsUp { get; init; } = 0.2;
    /// <summary>Stairs down.</summary>
    public double StairsDown { get; init; } = 0.2;
    /// <summary>Discrete obstacles.</summary>
    public double Obstacles { get; init; } = 0.2;
    /// <summary>Stepping stones.</summary>
    public double SteppingStones { get; init; }
    /// <summary>Gaps.</summary>
    public double Gaps { get; init; }

    /// <summary>The share of <paramref name="type"/> (not normalized).</summary>
    public double Of(TerrainType type) => type switch
    {
        TerrainType.RandomRough => RandomRough, TerrainType.SlopeUp => SlopeUp, TerrainType.SlopeDown => SlopeDown,
        TerrainType.RoughSlope => RoughSlope, TerrainType.StairsUp => StairsUp, TerrainType.StairsDown => StairsDown,
        TerrainType.Obstacles => Obstacles, TerrainType.SteppingStones => SteppingStones, TerrainType.Gaps => Gaps,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>
    /// The type of each of <paramref name="columns"/> columns: column j takes the type whose cumulative share
    /// first exceeds (j + ½) / columns, so types come in enum order and each gets its share of the columns, rounded.
    /// </summary>
    public IReadOnlyList<TerrainType> Assign(int columns)
    {
        var types = Enum.GetValues<TerrainType>();
        double total = types.Sum(Of);
        var result = new TerrainType[columns];
        for (int j = 0; j < columns; j++)
        {
            double choice = (j + 0.5) / columns * total, cumulative = 0;
            var chosen = types.Last(t => Of(t) > 0);
            foreach (var t in types)
            {
                cumulative += Of(t);
                if (Of(t) > 0 && choice < cumulative) { chosen = t; break; }
            }
            result[j] = chosen;
        }
        return result;
    }

    internal static readonly string[] Keys =
        { "random_rough", "slope_up", "slope_down", "rough_slope", "stairs_up", "stairs_down", "obstacles", "stepping_stones", "gaps" };

    internal static TerrainProportions Read(TomlSection? s, TerrainProportions d)
    {
        if (s is null) return d;
        double P(string key, double fallback) => s.Double(key, fallback, 0, 1000);
        var p = new TerrainProportions
        {
            RandomRough = P("random_rough", d.RandomRough), SlopeUp = P("slope_up", d.SlopeUp), SlopeDown = P("slope_down", d.SlopeDown),
            RoughSlope = P("rough_slope", d.RoughSlope), StairsUp = P("stairs_up", d.StairsUp), StairsDown = P("stairs_down", d.StairsDown),
            Obstacles = P("obstacles", d.Obstacles), SteppingStones = P("stepping_stones", d.SteppingStones), Gaps = P("gaps", d.Gaps),
        };
        s.EnsureAllRead(Keys);
        if (Enum.GetValues<TerrainType>().Sum(p.Of) <= 0) throw new Robotics.UserError($"{s.File}: {s.Path}: all proportions are 0; at least one terrain type needs a share");
        return p;
    }
}

/// <summary><c>[terrain.random_rough]</c>: uniform noise, also the noise of the rough slope.</summary>
public sealed record RandomRoughConfig
{
    /// <summary>Peak-to-peak height of the noise [m] (heights uniform in ±½ of it), easy to hard.</summary>
    public DifficultyRange Height { get; init; } = new(0.02, 0.10);
    /// <summary>Distance between the noise's random values, interpolated bilinearly between [m].</summary>
    public double CellSize { get; init; } = 0.2;

    internal static RandomRoughConfig Read(TomlSection? s, RandomRoughConfig d, TerrainConfig grid)
    {
        if (s is null) return d;
        var c = new RandomRoughConfig
        {
            Height = TerrainConfig.ReadRange(s, "height_m", d.Height, 0, 1, "m"),
            CellSize = s.Double("cell_m", d.CellSize, grid.Resolution, grid.TileSize, "m"),
        };
        s.EnsureAllRead();
        return c;
    }
}

/// <summary><c>[terrain.slope]</c>: the smooth slopes up and down and the rough slope.</summary>
public sealed record SlopeConfig
{
    /// <summary>Gradient [m/m] (rise over run), easy to hard.</summary>
    public DifficultyRange Gradient { get; init; } = new(0, 0.4);
    /// <summary>Peak-to-peak noise on the rough slope [m], at every difficulty (legged_gym's ±0.05 m).</summary>
    public double RoughNoise { get; init; } = 0.1;

    internal static SlopeConfig Read(TomlSection? s, SlopeConfig d)
    {
        if (s is null) return d;
        var c = new SlopeConfig
        {
            Gradient = TerrainConfig.ReadRange(s, "gradient", d.Gradient, 0, 2, "m/m"),
            RoughNoise = s.Double("rough_noise_m", d.RoughNoise, 0, 1, "m"),
        };
        s.EnsureAllRead();
        return c;
    }
}

/// <summary><c>[terrain.stairs]</c>: stairs up and down.</summary>
public sealed record StairsConfig
{
    /// <summary>Height of each step [m], easy to hard.</summary>
    public DifficultyRange StepHeight { get; init; } = new(0.05, 0.23);
    /// <summary>Depth of each step (its tread) [m].</summary>
    public double StepWidth { get; init; } = 0.31;

    internal static StairsConfig Read(TomlSection? s, StairsConfig d, TerrainConfig grid)
    {
        if (s is null) return d;
        var c = new StairsConfig
        {
            StepHeight = TerrainConfig.ReadRange(s, "step_height_m", d.StepHeight, 0, 1, "m"),
            StepWidth = s.Double("step_width_m", d.StepWidth, 2 * grid.Resolution, grid.TileSize / 2, "m"),
        };
        s.EnsureAllRead();
        return c;
    }
}

/// <summary><c>[terrain.obstacles]</c>: rectangular blocks and holes of height ±h or ±h/2.</summary>
public sealed record ObstaclesConfig
{
    /// <summary>The tallest block's height h [m], easy to hard.</summary>
    public DifficultyRange Height { get; init; } = new(0.05, 0.25);
    /// <summary>Range of each block's sides [m] (uniform; not difficulty-dependent).</summary>
    public (double Low, double High) Size { get; init; } = (1, 2);
    /// <summary>Blocks per tile.</summary>
    public int Count { get; init; } = 20;

    internal static ObstaclesConfig Read(TomlSection? s, ObstaclesConfig d, TerrainConfig grid)
    {
        if (s is null) return d;
        var c = new ObstaclesConfig
        {
            Height = TerrainConfig.ReadRange(s, "height_m", d.Height, 0, 2, "m"),
            Size = s.Range("size_m", d.Size, grid.Resolution, grid.TileSize, "m"),
            Count = s.Int("count", d.Count, 0, 1000),
        };
        s.EnsureAllRead();
        return c;
    }
}

/// <summary><c>[terrain.stepping_stones]</c>: square stones at z = 0 over a pit of <see cref="TerrainConfig.PitDepth"/>.</summary>
public sealed record SteppingStonesConfig
{
    /// <summary>Side of each stone [m], easy to hard (shrinking).</summary>
    public DifficultyRange StoneSize { get; init; } = new(1.5, 0.3);
    /// <summary>Gap between neighbouring stones [m], easy to hard.</summary>
    public DifficultyRange Distance { get; init; } = new(0.05, 0.2);

    internal static SteppingStonesConfig Read(TomlSection? s, SteppingStonesConfig d, TerrainConfig grid)
    {
        if (s is null) return d;
        var c = new SteppingStonesConfig
        {
            StoneSize = TerrainConfig.ReadRange(s, "stone_m", d.StoneSize, grid.Resolution, grid.TileSize, "m"),
            Distance = TerrainConfig.ReadRange(s, "distance_m", d.Distance, 0, grid.TileSize, "m"),
        };
        s.EnsureAllRead();
        return c;
    }
}

/// <summary><c>[terrain.gaps]</c>: a square ring of pit of <see cref="TerrainConfig.PitDepth"/> around the central platform.</summary>
public sealed record GapsConfig
{
    /// <summary>Width of the ring [m], easy to hard.</summary>
    public DifficultyRange Width { get; init; } = new(0.1, 1.0);

    internal static GapsConfig Read(TomlSection? s, GapsConfig d, TerrainConfig grid)
    {
        if (s is null) return d;
        var c = new GapsConfig { Width = TerrainConfig.ReadRange(s, "width_m", d.Width, 0, (grid.TileSize - grid.PlatformWidth) / 2, "m") };
        s.EnsureAllRead();
        return c;
    }
}
