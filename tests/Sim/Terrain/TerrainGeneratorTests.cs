using Robotics.Sim.Terrain;

namespace Robotics.Sim.Tests.Terrain;

/// <summary>The generated grid: deterministic per seed, laid out by level and type, each tile with the geometry its type and difficulty claim.</summary>
public class TerrainGeneratorTests
{
    // A small grid with every type in its own column: 5 levels × 9 types of 4 m tiles at 0.05 m, 1 m border.
    private static readonly TerrainConfig Small = new()
    {
        Kind = TerrainKind.Grid, TileSize = 4, Rows = 5, Columns = 9, BorderWidth = 1, Resolution = 0.05, PlatformWidth = 1,
        Proportions = new TerrainProportions
        {
            RandomRough = 1, SlopeUp = 1, SlopeDown = 1, RoughSlope = 1, StairsUp = 1, StairsDown = 1, Obstacles = 1, SteppingStones = 1, Gaps = 1,
        },
        Obstacles = new ObstaclesConfig { Size = (0.5, 1.0), Count = 12 },
        SteppingStones = new SteppingStonesConfig { StoneSize = new(0.8, 0.3), Distance = new(0.1, 0.25) },
    };

    private static readonly HeightField Map = TerrainGenerator.Generate(Small, 42)!;

    private static int Column(TerrainType type) => Map.ColumnTypes.ToList().IndexOf(type);

    // Every sample of tile (row, column), with its position relative to the tile's centre.
    private static IEnumerable<(double U, double V, float H)> TileSamples(int row, int column) => TileSamples(Map, row, column);

    private static IEnumerable<(double U, double V, float H)> TileSamples(HeightField map, int row, int column)
    {
        int n = Small.TileSamples, border = Small.BorderSamples;
        var (cx, cy) = map.TileCenter(row, column);
        for (int b = 0; b < n; b++)
            for (int a = 0; a < n; a++)
            {
                int i = border + row * n + a, j = border + column * n + b;
                yield return (map.OriginX + i * map.Resolution - cx, map.OriginY + j * map.Resolution - cy, map.Sample(i, j));
            }
    }

    private static double Ring(double u, double v) => Math.Max(Math.Abs(u), Math.Abs(v));

    [Fact]
    public void The_flat_kind_has_no_map() => Assert.Null(TerrainGenerator.Generate(TerrainConfig.Flat, 42));

    [Fact]
    public void Size_origin_and_layout_follow_the_config()
    {
        Assert.Equal((5 * 80 + 2 * 20, 9 * 80 + 2 * 20), (Map.CountX, Map.CountY));
        Assert.Equal((-1.0, -1.0), (Map.OriginX, Map.OriginY));
        Assert.Equal(Enum.GetValues<TerrainType>(), Map.ColumnTypes);
        Assert.Equal((10.0, 6.0), Map.TileCenter(2, 1));
        // The border is flat at z = 0.
        for (int i = 0; i < Map.CountX; i++)
            for (int j = 0; j < Small.BorderSamples; j++)
            {
                Assert.Equal(0f, Map.Sample(i, j));
                Assert.Equal(0f, Map.Sample(i, Map.CountY - 1 - j));
            }
    }

    [Fact]
    public void Same_seed_same_terrain_other_seeds_differ()
    {
        var again = TerrainGenerator.Generate(Small, 42)!;
        Assert.True(Map.Heights.SequenceEqual(again.Heights));
        var other = TerrainGenerator.Generate(Small, 43)!;
        Assert.False(Map.Heights.SequenceEqual(other.Heights));
        // Randomness stays within the random types: the stairs and slopes are the same for any seed.
        foreach (var type in new[] { TerrainType.StairsUp, TerrainType.SlopeDown })
            Assert.Equal(TileSamples(3, Column(type)).Select(s => s.H), TileSamples(other, 3, Column(type)).Select(s => s.H));
        foreach (var type in new[] { TerrainType.RandomRough, TerrainType.Obstacles, TerrainType.SteppingStones })
            Assert.NotEqual(TileSamples(3, Column(type)).Select(s => s.H), TileSamples(other, 3, Column(type)).Select(s => s.H));
        // Tiles draw from their own streams: a grid of other proportions keeps the tiles whose type it keeps.
        var fewer = TerrainGenerator.Generate(Small with { Proportions = Small.Proportions with { Gaps = 0 } }, 42)!;
        Assert.Equal(TileSamples(2, 0).Select(s => s.H), TileSamples(fewer, 2, 0).Select(s => s.H));
    }

    [Fact]
    public void The_known_first_heights_pin_the_generator()
    {
        // A change in the generator or its random streams changes every terrain trained on; it must be deliberate.
        var rough = TileSamples(4, Column(TerrainType.RandomRough)).Take(8).Select(s => s.H).ToArray();
        Assert.Equal(new[] { 0.005f, -0.005f, -0.015f, -0.025f, -0.035f, -0.025f, -0.01f, 0f }, rough);
    }

    [Theory]
    [InlineData(TerrainType.StairsUp, 1)]
    [InlineData(TerrainType.StairsDown, -1)]
    public void Stairs_have_the_step_height_of_their_difficulty(TerrainType type, int sign)
    {
        for (int row = 0; row < Small.Rows; row++)
        {
            double expected = sign * (0.05 + 0.18 * row / 4.0);
            // Along the line v = 0 from the tile's edge to its centre: every change of height is one step.
            var line = TileSamples(row, Column(type)).Where(s => Math.Abs(s.V) < 1e-9 && s.U <= 0).OrderBy(s => s.U).ToList();
            var steps = line.Zip(line.Skip(1), (p, q) => (double)q.H - p.H).Where(dh => Math.Abs(dh) > 1e-6).ToList();
            int treads = (int)Math.Floor((2.0 - 0.5) / 0.31);
            Assert.Equal(treads, steps.Count);
            Assert.All(steps, dh => Assert.Equal(expected, dh, 3e-3));            // within the vertical scale's rounding
            Assert.All(steps, dh => Assert.Equal(steps[0], dh, 1e-5));            // and every step alike
            Assert.Equal(0f, line[0].H);                                         // the outer tread meets the border
            var (cx, cy) = Map.TileCenter(row, Column(type));
            Assert.Equal(treads * steps[0], Map.Height(cx, cy), 1e-5);           // the platform is the top (or bottom) step
        }
    }

    [Theory]
    [InlineData(TerrainType.SlopeUp, 1)]
    [InlineData(TerrainType.SlopeDown, -1)]
    public void Slopes_have_the_gradient_of_their_difficulty(TerrainType type, int sign)
    {
        for (int row = 0; row < Small.Rows; row++)
        {
            double gradient = sign * 0.4 * row / 4.0;
            var (cx, cy) = Map.TileCenter(row, Column(type));
            // Halfway between the edge (2 m out) and the platform (0.5 m out), along x and along y.
            double h1 = Map.Height(cx - 1.5, cy), h2 = Map.Height(cx - 1.0, cy);
            Assert.Equal(gradient, (h2 - h1) / 0.5, 0.011);
            Assert.Equal(gradient, (Map.Height(cx, cy + 1.0) - Map.Height(cx, cy + 1.5)) / 0.5, 0.011);
            Assert.Equal(gradient * 1.5, Map.Height(cx, cy), 0.003);
            Assert.Equal(Map.Height(cx, cy), Map.Height(cx + 0.4, cy - 0.4), 1e-9);   // flat platform
        }
    }

    [Fact]
    public void Obstacles_are_blocks_of_plus_or_minus_h_or_h_over_2_with_a_clear_platform()
    {
        for (int row = 0; row < Small.Rows; row++)
        {
            double h = 0.05 + 0.2 * row / 4.0;
            var allowed = new[] { 0, h, -h, h / 2, -h / 2 }.Select(x => TerrainGenerator.Quantize(x, 0.005)).ToHashSet();
            var samples = TileSamples(row, Column(TerrainType.Obstacles)).ToList();
            Assert.All(samples, s => Assert.Contains(s.H, allowed));
            Assert.All(samples.Where(s => Ring(s.U, s.V) < 0.5), s => Assert.Equal(0f, s.H));
            Assert.Contains(samples, s => Math.Abs(s.H) >= TerrainGenerator.Quantize(h / 2, 0.005) && s.H != 0);
            Assert.InRange(samples.Max(s => Math.Abs(s.H)), 0.01, h + 0.0025);
        }
    }

    [Fact]
    public void Random_rough_ground_stays_within_its_amplitude_and_varies()
    {
        for (int row = 0; row < Small.Rows; row++)
        {
            double amplitude = 0.02 + 0.08 * row / 4.0;
            var h = TileSamples(row, Column(TerrainType.RandomRough)).Select(s => (double)s.H).ToList();
            Assert.All(h, x => Assert.InRange(x, -amplitude / 2 - 0.0025, amplitude / 2 + 0.0025));
            Assert.True(h.Max() - h.Min() > amplitude / 2, $"row {row}: range {h.Max() - h.Min()} of {amplitude}");
        }
        // The rough slope is the smooth one plus noise of rough_noise_m.
        var (cx, cy) = Map.TileCenter(4, Column(TerrainType.RoughSlope));
        var (sx, sy) = Map.TileCenter(4, Column(TerrainType.SlopeUp));
        var diff = Enumerable.Range(0, 30).Select(k => Map.Height(cx - 1.9 + k * 0.05, cy) - Map.Height(sx - 1.9 + k * 0.05, sy)).ToList();
        Assert.All(diff, d => Assert.InRange(d, -0.0551, 0.0551));
        Assert.True(diff.Max() - diff.Min() > 0.02);
    }

    [Fact]
    public void Stepping_stones_and_gaps_are_at_z_0_over_a_pit()
    {
        for (int row = 0; row < Small.Rows; row++)
        {
            double d = row / 4.0;
            var stones = TileSamples(row, Column(TerrainType.SteppingStones)).ToList();
            Assert.All(stones, s => Assert.Contains(s.H, new[] { 0f, -1f }));
            Assert.All(stones.Where(s => Ring(s.U, s.V) < 0.5), s => Assert.Equal(0f, s.H));
            double size = 0.8 - 0.5 * d, period = size + 0.1 + 0.15 * d;
            var outside = stones.Where(s => Ring(s.U, s.V) >= 0.5).ToList();
            double share = outside.Count(s => s.H == 0) / (double)outside.Count;
            Assert.Equal(size * size / (period * period), share, 0.08);

            double width = 0.1 + 0.9 * d;
            var gap = TileSamples(row, Column(TerrainType.Gaps)).Where(s => Math.Abs(s.V) < 1e-9 && s.U > 0).OrderBy(s => s.U).ToList();
            var pit = gap.Where(s => s.H == -1f).ToList();
            Assert.All(gap, s => Assert.Contains(s.H, new[] { 0f, -1f }));
            Assert.Equal(0.5, pit.First().U, 1e-9);
            Assert.Equal(width, pit.Count * Small.Resolution, 0.051);
        }
    }
}
