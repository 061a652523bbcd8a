using System.Runtime.CompilerServices;

namespace Robotics.Sim.Terrain;

/// <summary>
/// A terrain height map: heights [m] on a regular grid of samples, sample (i, j) at world
/// x = <see cref="OriginX"/> + i·<see cref="Resolution"/>, y = <see cref="OriginY"/> + j·<see cref="Resolution"/>,
/// stored at <c>[j · CountX + i]</c> (MuJoCo's hfield order: a row per y, x along the row).
/// Between samples the height is bilinear; outside the grid it is that of the nearest edge.
/// The tiles of the grid it was generated from start at world (0, 0): tile (row, column) covers
/// x ∈ [row·T, (row + 1)·T), y ∈ [column·T, (column + 1)·T) with T = <see cref="TileSize"/>; the border lies beyond.
/// </summary>
public sealed class HeightField
{
    private readonly float[] _heights;

    /// <summary>A height map over <paramref name="heights"/> (kept, not copied).</summary>
    /// <param name="heights">CountX · CountY heights [m], row-major per y.</param>
    /// <param name="countX">Samples along x (at least 2).</param>
    /// <param name="countY">Samples along y (at least 2).</param>
    /// <param name="resolution">Distance between samples [m].</param>
    /// <param name="originX">World x of sample (0, 0) [m].</param>
    /// <param name="originY">World y of sample (0, 0) [m].</param>
    /// <param name="tileSize">Side of a tile [m].</param>
    /// <param name="rows">Tile rows (along x).</param>
    /// <param name="columnTypes">The terrain type of each tile column (along y).</param>
    public HeightField(float[] heights, int countX, int countY, double resolution, double originX, double originY,
        double tileSize, int rows, IReadOnlyList<TerrainType> columnTypes)
    {
        if (countX < 2 || countY < 2) throw new ArgumentOutOfRangeException(nameof(countX), $"{countX} × {countY} samples; at least 2 × 2 are needed");
        if (heights.Length != (long)countX * countY) throw new ArgumentException($"{heights.Length} heights for {countX} × {countY} samples", nameof(heights));
        if (!(resolution > 0) || !(tileSize > 0) || rows < 1 || columnTypes.Count < 1)
            throw new ArgumentOutOfRangeException(nameof(resolution), "resolution, tile size, rows and columns must be positive");
        _heights = heights;
        CountX = countX; CountY = countY; Resolution = resolution; OriginX = originX; OriginY = originY;
        TileSize = tileSize; Rows = rows; ColumnTypes = columnTypes;
    }

    /// <summary>Samples along x.</summary>
    public int CountX { get; }
    /// <summary>Samples along y.</summary>
    public int CountY { get; }
    /// <summary>Distance between samples [m].</summary>
    public double Resolution { get; }
    /// <summary>World x of the first sample [m].</summary>
    public double OriginX { get; }
    /// <summary>World y of the first sample [m].</summary>
    public double OriginY { get; }
    /// <summary>Side of a tile [m].</summary>
    public double TileSize { get; }
    /// <summary>Tile rows (difficulty levels, along x).</summary>
    public int Rows { get; }
    /// <summary>Tile columns (along y).</summary>
    public int Columns => ColumnTypes.Count;
    /// <summary>The terrain type of each tile column.</summary>
    public IReadOnlyList<TerrainType> ColumnTypes { get; }

    /// <summary>The heights [m], <c>[j · CountX + i]</c>: what a MuJoCo hfield's data is made from.</summary>
    public ReadOnlySpan<float> Heights => _heights;

    /// <summary>Sample (i, j)'s height [m].</summary>
    public float Sample(int i, int j) => _heights[j * CountX + i];

    // DESIGN: sampled on the grid rather than ray-cast (mj_ray per point): no collision query, no allocation, and
    // the same answer in any thread. MuJoCo draws each cell as two triangles; bilinear differs from them only
    // inside a cell whose four corners are not coplanar, by at most a quarter of the corners' twist.

    /// <summary>The terrain height [m] at world (x, y): bilinear between the four surrounding samples, clamped at the edges.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Height(double x, double y)
    {
        double fx = Math.Clamp((x - OriginX) / Resolution, 0, CountX - 1);
        double fy = Math.Clamp((y - OriginY) / Resolution, 0, CountY - 1);
        int i = Math.Min((int)fx, CountX - 2), j = Math.Min((int)fy, CountY - 2);
        double tx = fx - i, ty = fy - j;
        int k = j * CountX + i;
        double h00 = _heights[k], h10 = _heights[k + 1], h01 = _heights[k + CountX], h11 = _heights[k + CountX + 1];
        return (h00 + (h10 - h00) * tx) * (1 - ty) + (h01 + (h11 - h01) * tx) * ty;
    }

    /// <summary>The tile under world (x, y); a point on the border belongs to the nearest tile.</summary>
    public (int Row, int Column) TileOf(double x, double y) =>
        (Math.Clamp((int)Math.Floor(x / TileSize), 0, Rows - 1), Math.Clamp((int)Math.Floor(y / TileSize), 0, Columns - 1));

    /// <summary>World (x, y) of the centre of tile (row, column) [m].</summary>
    public (double X, double Y) TileCenter(int row, int column)
    {
        if ((uint)row >= (uint)Rows || (uint)column >= (uint)Columns)
            throw new ArgumentOutOfRangeException(nameof(row), $"tile ({row}, {column}) is outside the {Rows} × {Columns} grid");
        return ((row + 0.5) * TileSize, (column + 0.5) * TileSize);
    }

    /// <summary>
    /// The terrain heights [m, world z] under <paramref name="pattern"/>'s points around a base at world (x, y) with
    /// heading <paramref name="yaw"/> [rad]: point k at base-frame offset (dx, dy) is sampled at
    /// (x + cos·dx − sin·dy, y + sin·dx + cos·dy). Allocates nothing.
    /// </summary>
    /// <param name="output">At least <see cref="ScanPattern.Count"/> values, in the pattern's order.</param>
    public void Scan(double x, double y, double yaw, ScanPattern pattern, Span<float> output)
    {
        if (output.Length < pattern.Count) throw new ArgumentException($"{output.Length} values for a scan of {pattern.Count} points", nameof(output));
        double c = Math.Cos(yaw), s = Math.Sin(yaw);
        var dx = pattern.OffsetsX;
        var dy = pattern.OffsetsY;
        for (int k = 0; k < dx.Length; k++)
            output[k] = (float)Height(x + c * dx[k] - s * dy[k], y + s * dx[k] + c * dy[k]);
    }
}

/// <summary>
/// Where a height scan samples, in the base's yaw frame: a grid of <see cref="CountX"/> × <see cref="CountY"/> points
/// <see cref="Spacing"/> apart, centred on the base (legged_gym's measured_points: 17 × 11 at 0.1 m, x from −0.8 to 0.8 m,
/// y from −0.5 to 0.5 m). Point k = ix · CountY + iy.
/// </summary>
public sealed class ScanPattern
{
    /// <summary>A centred grid of <paramref name="countX"/> × <paramref name="countY"/> points <paramref name="spacing"/> [m] apart.</summary>
    public ScanPattern(int countX = 17, int countY = 11, double spacing = 0.1)
    {
        if (countX < 1 || countY < 1) throw new ArgumentOutOfRangeException(nameof(countX), $"{countX} × {countY} points; at least 1 × 1");
        if (!(spacing > 0) || !double.IsFinite(spacing)) throw new ArgumentOutOfRangeException(nameof(spacing), spacing, "spacing must be positive");
        CountX = countX; CountY = countY; Spacing = spacing;
        _dx = new double[countX * countY];
        _dy = new double[countX * countY];
        for (int ix = 0; ix < countX; ix++)
            for (int iy = 0; iy < countY; iy++)
            {
                _dx[ix * countY + iy] = (ix - (countX - 1) / 2.0) * spacing;
                _dy[ix * countY + iy] = (iy - (countY - 1) / 2.0) * spacing;
            }
    }

    /// <summary>legged_gym's 17 × 11 points at 0.1 m.</summary>
    public static ScanPattern Default { get; } = new();

    /// <summary>Points along the base's x (forward).</summary>
    public int CountX { get; }
    /// <summary>Points along the base's y (left).</summary>
    public int CountY { get; }
    /// <summary>Distance between neighbouring points [m].</summary>
    public double Spacing { get; }
    /// <summary>All points: <see cref="CountX"/> · <see cref="CountY"/>.</summary>
    public int Count => _dx.Length;
    /// <summary>Base-frame x of each point [m].</summary>
    public ReadOnlySpan<double> OffsetsX => _dx;
    /// <summary>Base-frame y of each point [m].</summary>
    public ReadOnlySpan<double> OffsetsY => _dy;

    private readonly double[] _dx, _dy;
}
