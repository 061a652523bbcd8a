using Robotics.Sim.Random;

namespace Robotics.Sim.Terrain;

/// <summary>
/// Builds the height map of a <see cref="TerrainKind.Grid"/> terrain: a pure function of the config and a seed, the
/// same on every machine (each tile draws from its own stream, <c>Rng.For(seed, "terrain", row · columns + column)</c>,
/// so a tile does not change when another one does). Tile (row, column) has difficulty
/// <see cref="TerrainConfig.Difficulty"/>(row) and the type <see cref="TerrainConfig.ColumnTypes"/>()[column];
/// every tile but random rough ground has a flat platform of <see cref="TerrainConfig.PlatformWidth"/> at its centre.
/// The border is flat at z = 0, as are the edges of slopes and stairs, so neighbouring tiles meet there.
/// </summary>
public static class TerrainGenerator
{
    // Only IEEE-exact arithmetic (no Sin, Exp, Pow: their last bit may differ between runtimes and CPUs), so the map
    // is bit-identical everywhere and a run resumed on another machine trains on the same ground.

    /// <summary>The terrain's height map, or null for <see cref="TerrainKind.Flat"/> (the floor is the plane z = 0).</summary>
    public static HeightField? Generate(TerrainConfig config, ulong seed)
    {
        if (config.Kind == TerrainKind.Flat) return null;
        int tilePx = config.TileSamples, borderPx = config.BorderSamples;
        int countX = config.Rows * tilePx + 2 * borderPx, countY = config.Columns * tilePx + 2 * borderPx;
        if ((long)countX * countY > TerrainConfig.MaxSamples)
            throw new ArgumentException($"{countX} × {countY} height samples exceed {TerrainConfig.MaxSamples}", nameof(config));
        double res = config.Resolution, origin = -borderPx * res;
        var heights = new float[countX * countY];
        var types = config.ColumnTypes();
        var tile = new double[tilePx * tilePx];
        for (int row = 0; row < config.Rows; row++)
            for (int column = 0; column < config.Columns; column++)
            {
                var rng = Rng.For(seed, "terrain", row * config.Columns + column);
                Array.Clear(tile);
                FillTile(tile, tilePx, config, types[column], config.Difficulty(row), ref rng);
                int i0 = borderPx + row * tilePx, j0 = borderPx + column * tilePx;
                for (int b = 0; b < tilePx; b++)
                    for (int a = 0; a < tilePx; a++)
                        heights[(j0 + b) * countX + i0 + a] = Quantize(tile[b * tilePx + a], config.VerticalScale);
            }
        return new HeightField(heights, countX, countY, res, origin, origin, config.TileSize, config.Rows, types);
    }

    /// <summary>A height rounded to a multiple of the vertical scale, as the map stores it.</summary>
    public static float Quantize(double height, double verticalScale) => (float)(Math.Round(height / verticalScale) * verticalScale);

    // One tile's heights, [b · n + a] for the sample a·res along x and b·res along y from the tile's corner.
    private static void FillTile(double[] tile, int n, TerrainConfig c, TerrainType type, double d, ref Rng rng)
    {
        double res = c.Resolution, half = c.TileSize / 2, platform = c.PlatformWidth / 2;
        switch (type)
        {
            case TerrainType.RandomRough:
                AddNoise(tile, n, c, c.RandomRough.Height.At(d), ref rng);
                break;
            case TerrainType.SlopeUp:
            case TerrainType.SlopeDown:
            case TerrainType.RoughSlope:
            {
                double g = c.Slope.Gradient.At(d) * (type == TerrainType.SlopeDown ? -1 : 1);
                Fill(tile, n, res, half, (u, v) => g * (half - Math.Max(Ring(u, v), platform)));
                if (type == TerrainType.RoughSlope) AddNoise(tile, n, c, c.Slope.RoughNoise, ref rng);
                break;
            }
            case TerrainType.StairsUp:
            case TerrainType.StairsDown:
            {
                // Quantized before it is multiplied, so every step of a flight has the same height.
                double step = Quantize(c.Stairs.StepHeight.At(d), c.VerticalScale) * (type == TerrainType.StairsDown ? -1 : 1), w = c.Stairs.StepWidth;
                // Counted from the tile's edge inwards: the outermost tread is at z = 0, each next one a step up (or down).
                Fill(tile, n, res, half, (u, v) => step * Math.Floor((half - Math.Max(Ring(u, v), platform)) / w));
                break;
            }
            case TerrainType.Obstacles:
                Obstacles(tile, n, c, c.Obstacles.Height.At(d), ref rng);
                break;
            case TerrainType.SteppingStones:
            {
                double size = c.SteppingStones.StoneSize.At(d), period = size + c.SteppingStones.Distance.At(d);
                double ox = rng.Uniform(0, period), oy = rng.Uniform(0, period), depth = -c.PitDepth;
                bool Stone(double s) { double m = (s - Math.Floor(s / period) * period); return m < size; }
                Fill(tile, n, res, half, (u, v) =>
                    Ring(u, v) < platform || (Stone(u + half - ox) && Stone(v + half - oy)) ? 0 : depth);
                break;
            }
            case TerrainType.Gaps:
            {
                double width = c.Gaps.Width.At(d), depth = -c.PitDepth;
                Fill(tile, n, res, half, (u, v) => Ring(u, v) >= platform && Ring(u, v) < platform + width ? depth : 0);
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, null);
        }
    }

    // The square "radius" about the tile's centre: rings of equal value are the squares of pyramids and stairs.
    private static double Ring(double u, double v) => Math.Max(Math.Abs(u), Math.Abs(v));

    // Sets each sample from its position (u, v) relative to the tile's centre [m].
    private static void Fill(double[] tile, int n, double res, double half, Func<double, double, double> height)
    {
        for (int b = 0; b < n; b++)
            for (int a = 0; a < n; a++)
                tile[b * n + a] = height(a * res - half, b * res - half);
    }

    // Adds uniform noise of peak-to-peak `amplitude`: random values on a lattice of cell_m, bilinear between them
    // (legged_gym's downsampled noise: smooth enough that a foot rests on it, rough enough to trip on).
    private static void AddNoise(double[] tile, int n, TerrainConfig c, double amplitude, ref Rng rng)
    {
        double res = c.Resolution, cell = c.RandomRough.CellSize;
        int m = (int)Math.Ceiling(n * res / cell) + 1;
        var lattice = new double[m * m];
        for (int k = 0; k < lattice.Length; k++) lattice[k] = rng.Uniform(-amplitude / 2, amplitude / 2);
        for (int b = 0; b < n; b++)
            for (int a = 0; a < n; a++)
            {
                double fx = a * res / cell, fy = b * res / cell;
                int i = Math.Min((int)fx, m - 2), j = Math.Min((int)fy, m - 2);
                double tx = fx - i, ty = fy - j;
                double h0 = lattice[j * m + i] + (lattice[j * m + i + 1] - lattice[j * m + i]) * tx;
                double h1 = lattice[(j + 1) * m + i] + (lattice[(j + 1) * m + i + 1] - lattice[(j + 1) * m + i]) * tx;
                tile[b * n + a] += h0 + (h1 - h0) * ty;
            }
    }

    // legged_gym's discrete obstacles: `count` rectangles of sides in size_m, each ±h or ±h/2 (a later one covers an
    // earlier one), then the platform cleared to z = 0.
    private static void Obstacles(double[] tile, int n, TerrainConfig c, double h, ref Rng rng)
    {
        double res = c.Resolution, half = c.TileSize / 2, platform = c.PlatformWidth / 2;
        var (low, high) = c.Obstacles.Size;
        ReadOnlySpan<double> levels = stackalloc double[] { -h, -h / 2, h / 2, h };
        for (int k = 0; k < c.Obstacles.Count; k++)
        {
            double w = rng.Uniform(low, high), l = rng.Uniform(low, high);
            double x0 = rng.Uniform(0, c.TileSize - w), y0 = rng.Uniform(0, c.TileSize - l);
            double z = levels[rng.NextInt(levels.Length)];
            int a0 = (int)Math.Ceiling(x0 / res), a1 = Math.Min(n, (int)Math.Ceiling((x0 + w) / res));
            int b0 = (int)Math.Ceiling(y0 / res), b1 = Math.Min(n, (int)Math.Ceiling((y0 + l) / res));
            for (int b = b0; b < b1; b++)
                for (int a = a0; a < a1; a++)
                    tile[b * n + a] = z;
        }
        for (int b = 0; b < n; b++)
            for (int a = 0; a < n; a++)
                if (Ring(a * res - half, b * res - half) < platform) tile[b * n + a] = 0;
    }
}
