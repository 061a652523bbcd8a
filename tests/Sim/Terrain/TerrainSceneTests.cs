using System.Globalization;
using System.Xml.Linq;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Terrain;

namespace Robotics.Sim.Tests.Terrain;

/// <summary>The generated map in MuJoCo: bodies dropped on it rest at the map's height.</summary>
public class TerrainSceneTests(Xunit.Abstractions.ITestOutputHelper output)
{
    // Three levels of stairs up on 4 m tiles at 0.05 m: step heights 0.05, 0.14 and 0.23 m.
    private static readonly TerrainConfig Stairs = new()
    {
        Kind = TerrainKind.Grid, TileSize = 4, Rows = 3, Columns = 1, BorderWidth = 0.5, Resolution = 0.05, PlatformWidth = 1,
        Proportions = new TerrainProportions { RandomRough = 0, SlopeUp = 0, SlopeDown = 0, RoughSlope = 0, StairsUp = 1, StairsDown = 0, Obstacles = 0 },
    };

    private static string Scene(HeightField map, string bodies)
    {
        var scene = XDocument.Parse($"""
            <mujoco>
              <option timestep="0.002"/>
              <worldbody>{bodies}</worldbody>
            </mujoco>
            """);
        TerrainScene.AddTo(scene, map);
        return scene.ToString();
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    [Fact]
    public void Bodies_dropped_on_a_tread_and_on_the_platform_rest_at_the_generated_height()
    {
        var map = TerrainGenerator.Generate(Stairs, 5)!;
        var (cx, cy) = map.TileCenter(2, 0);
        // The middle of the third tread from the edge (2 m out): 0.62–0.93 m in, two steps of 0.23 m up.
        double treadX = cx - (2 - 0.775), treadZ = map.Height(treadX, cy);
        Assert.Equal(0.46, treadZ, 1e-5);
        double platformZ = map.Height(cx, cy);
        Assert.Equal(0.92, platformZ, 1e-5);
        const double r = 0.05, half = 0.06;
        var xml = Scene(map, $"""
            <body name="ball" pos="{F(treadX)} {F(cy)} {F(treadZ + r + 0.1)}"><freejoint/><geom type="sphere" size="{r}" mass="1"/></body>
            <body name="box" pos="{F(cx)} {F(cy)} {F(platformZ + half + 0.1)}"><freejoint/><geom type="box" size="{half} {half} {half}" mass="1"/></body>
            """);
        using var model = MjModel.FromXml(xml, "terrain.xml");
        TerrainScene.Upload(model, map);
        using var data = new MjData(model);
        data.Step(1000);   // 2 s: fallen and settled
        int ball = model.BodyId("ball"), box = model.BodyId("box");
        output.WriteLine(FormattableString.Invariant($"rest heights above the map's: ball {1000 * (data.Xpos[3 * ball + 2] - treadZ - r):F2} mm, box {1000 * (data.Xpos[3 * box + 2] - platformZ - half):F2} mm"));
        Assert.Equal(treadZ + r, data.Xpos[3 * ball + 2], 0.004);
        Assert.Equal(platformZ + half, data.Xpos[3 * box + 2], 0.004);
        // Still where they were dropped: nothing slid off a step.
        Assert.Equal(treadX, data.Xpos[3 * ball], 0.01);
        Assert.Equal(cx, data.Xpos[3 * box], 0.01);
    }

    [Fact]
    public void Without_the_upload_the_hfield_is_flat_at_the_lowest_height()
    {
        // The test above would pass on a flat floor only if the upload did nothing: this one pins what "nothing" is.
        var map = TerrainGenerator.Generate(Stairs, 5)!;
        var (cx, cy) = map.TileCenter(2, 0);
        var xml = Scene(map, $"""<body name="ball" pos="{F(cx)} {F(cy)} 1.5"><freejoint/><geom type="sphere" size="0.05" mass="1"/></body>""");
        using var model = MjModel.FromXml(xml, "terrain.xml");
        using var data = new MjData(model);
        data.Step(1000);
        Assert.Equal(0.05, data.Xpos[3 * model.BodyId("ball") + 2], 0.004);
    }

    [Fact]
    public void A_model_built_for_another_map_is_refused()
    {
        var map = TerrainGenerator.Generate(Stairs, 5)!;
        var other = TerrainGenerator.Generate(Stairs with { Rows = 2 }, 5)!;
        using var model = MjModel.FromXml(Scene(map, ""), "terrain.xml");
        Assert.Contains("the map", Assert.Throws<ArgumentException>(() => TerrainScene.Upload(model, other)).Message);
        using var bare = MjModel.FromXml("<mujoco><worldbody/></mujoco>", "bare.xml");
        Assert.Contains("has no hfield", Assert.Throws<ArgumentException>(() => TerrainScene.Upload(bare, map)).Message);
    }
}
