using System.Diagnostics;
using Robotics.Sim.Terrain;
using Xunit.Abstractions;

namespace Robotics.Sim.Tests.Terrain;

/// <summary>Heights between samples, tiles by position, and the height scan, against hand-computed values.</summary>
public class HeightFieldTests(ITestOutputHelper output)
{
    private static readonly TerrainType[] OneType = { TerrainType.StairsUp };

    // 3 × 2 samples, 0.5 m apart, sample (0, 0) at world (1, 2): heights h(i, j) stored at [j · 3 + i].
    private static readonly HeightField Small = new(new float[] { 0, 1, 3, 2, 4, 8 }, 3, 2, 0.5, 1, 2, 1.0, 1, OneType);

    [Fact]
    public void Heights_at_samples_are_the_samples()
    {
        Assert.Equal(0, Small.Height(1, 2));
        Assert.Equal(1, Small.Height(1.5, 2));
        Assert.Equal(3, Small.Height(2, 2));
        Assert.Equal(2, Small.Height(1, 2.5));
        Assert.Equal(8, Small.Height(2, 2.5));
    }

    [Fact]
    public void Between_samples_the_height_is_bilinear()
    {
        // tx = 0.25, ty = 0.5 in the cell of 0, 1 (y = 2) and 2, 4 (y = 2.5): (0.25·0.5) + (2.5·0.5) = 1.375.
        Assert.Equal(1.375, Small.Height(1.125, 2.25), 12);
        // The second cell, tx = 0.5, ty = 0.25: 2·0.75 + 6·0.25 = 3.
        Assert.Equal(3.0, Small.Height(1.75, 2.125), 12);
        // Along an edge only its two samples count.
        Assert.Equal(2.0, Small.Height(1.75, 2), 12);
    }

    [Fact]
    public void Outside_the_grid_the_height_is_the_nearest_edge()
    {
        Assert.Equal(0, Small.Height(-100, -100));
        Assert.Equal(8, Small.Height(100, 100));
        Assert.Equal(2, Small.Height(1.75, -5), 12);        // x inside, y clamped to the first row
        Assert.Equal(6, Small.Height(1.75, 50), 12);
        Assert.Equal(5.5, Small.Height(50, 2.25), 12);      // x clamped to the last column: 3·0.5 + 8·0.5
    }

    [Fact]
    public void Tiles_are_found_by_position_and_centred()
    {
        var map = new HeightField(new float[4], 2, 2, 1, -20, -20, 8, 10, new TerrainType[20]);
        Assert.Equal((0, 0), map.TileOf(0.1, 7.9));
        Assert.Equal((3, 2), map.TileOf(31.9, 16));
        Assert.Equal((9, 19), map.TileOf(500, 500));   // the border belongs to the nearest tile
        Assert.Equal((0, 0), map.TileOf(-3, -3));
        Assert.Equal((28.0, 20.0), map.TileCenter(3, 2));
        Assert.Equal((3, 2), map.TileOf(28, 20));
        Assert.Throws<ArgumentOutOfRangeException>(() => map.TileCenter(10, 0));
    }

    [Fact]
    public void Bad_shapes_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new HeightField(new float[5], 3, 2, 0.5, 0, 0, 1, 1, OneType));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HeightField(new float[3], 3, 1, 0.5, 0, 0, 1, 1, OneType));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScanPattern(0, 11));
        Assert.Throws<ArgumentException>(() => Small.Scan(0, 0, 0, ScanPattern.Default, new float[186]));
    }

    // z = 0.2 x − 0.1 y + 0.3 on 0.1 m samples over [0, 10]²: bilinear reproduces a plane exactly.
    private static HeightField Plane()
    {
        int n = 101;
        var h = new float[n * n];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
                h[j * n + i] = (float)(0.2 * (i * 0.1) - 0.1 * (j * 0.1) + 0.3);
        return new HeightField(h, n, n, 0.1, 0, 0, 10, 1, OneType);
    }

    [Fact]
    public void The_default_pattern_is_17_by_11_at_a_tenth_of_a_metre()
    {
        var p = ScanPattern.Default;
        Assert.Equal((17, 11, 187), (p.CountX, p.CountY, p.Count));
        Assert.Equal((-0.8, -0.5), (p.OffsetsX[0], p.OffsetsY[0]));
        Assert.Equal((0.8, 0.5), (p.OffsetsX[186], p.OffsetsY[186]), new ToleranceComparer());
        Assert.Equal((0.0, 0.0), (p.OffsetsX[93], p.OffsetsY[93]));    // 8 · 11 + 5: the base itself
        Assert.Equal((-0.8, -0.4), (p.OffsetsX[1], p.OffsetsY[1]), new ToleranceComparer());
    }

    [Fact]
    public void A_scan_on_a_plane_of_known_slope_turns_with_the_base()
    {
        var plane = Plane();
        var z = new float[ScanPattern.Default.Count];
        // Heading +90°: the base's x is world +y, its y world −x. Point (dx, dy) lies at (5 − dy, 5 + dx).
        plane.Scan(5, 5, Math.PI / 2, ScanPattern.Default, z);
        Assert.Equal(0.98, z[0], 5);      // (−0.8, −0.5) → (5.5, 4.2): 1.1 − 0.42 + 0.3
        Assert.Equal(0.62, z[186], 5);    // (0.8, 0.5) → (4.5, 5.8): 0.9 − 0.58 + 0.3
        Assert.Equal(0.80, z[93], 5);     // the base: 1.0 − 0.5 + 0.3
        // Along the base's x the scan climbs −0.1 per metre (world y), along its y it falls 0.2 per metre (world −x).
        Assert.Equal(-0.1 * 0.1, z[11] - z[0], 5);
        Assert.Equal(-0.2 * 0.1, z[1] - z[0], 5);
        // Heading 0: the pattern as it is.
        plane.Scan(5, 5, 0, ScanPattern.Default, z);
        Assert.Equal(0.2 * 4.2 - 0.1 * 4.5 + 0.3, z[0], 5);
    }

    [Fact]
    public void A_scan_allocates_nothing_and_its_cost_is_measured()
    {
        // The reference grid (10 × 20 tiles of 8 m, 20 m border, 0.1 m), with stones and gaps added.
        long generation = Stopwatch.GetTimestamp();
        var map = TerrainGenerator.Generate(new TerrainConfig { Kind = TerrainKind.Grid, Proportions = new TerrainProportions { SteppingStones = 0.1, Gaps = 0.1 } }, 1)!;
        output.WriteLine(FormattableString.Invariant($"{map.CountX} × {map.CountY} samples generated in {Stopwatch.GetElapsedTime(generation).TotalMilliseconds:F0} ms"));
        var z = new float[ScanPattern.Default.Count];
        var rng = new Robotics.Sim.Random.Rng(3);
        const int scans = 20_000;
        var poses = new (double X, double Y, double Yaw)[scans];
        for (int k = 0; k < scans; k++) poses[k] = (rng.Uniform(0, 80), rng.Uniform(0, 160), rng.Uniform(-Math.PI, Math.PI));
        for (int k = 0; k < 2000; k++) map.Scan(poses[k].X, poses[k].Y, poses[k].Yaw, ScanPattern.Default, z);   // warm-up (tiering)

        long before = GC.GetAllocatedBytesForCurrentThread();
        long start = Stopwatch.GetTimestamp();
        double sum = 0;
        for (int k = 0; k < scans; k++)
        {
            map.Scan(poses[k].X, poses[k].Y, poses[k].Yaw, ScanPattern.Default, z);
            sum += z[93];
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        double ns = elapsed.TotalNanoseconds / scans;
        output.WriteLine(FormattableString.Invariant($"scan of {ScanPattern.Default.Count} points: {ns:F0} ns ({ns / ScanPattern.Default.Count:F1} ns per point), checksum {sum:F3}"));
        // A bound for a shared machine, not a target: 187 bilinear look-ups take a few microseconds.
        Assert.InRange(ns, 1, 100_000);
    }

    private sealed class ToleranceComparer : IEqualityComparer<(double, double)>
    {
        public bool Equals((double, double) a, (double, double) b) => Math.Abs(a.Item1 - b.Item1) < 1e-12 && Math.Abs(a.Item2 - b.Item2) < 1e-12;
        public int GetHashCode((double, double) obj) => 0;
    }
}
