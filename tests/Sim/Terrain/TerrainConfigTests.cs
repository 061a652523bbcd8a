using Robotics.Sim.Tasks;
using Robotics.Sim.Terrain;

namespace Robotics.Sim.Tests.Terrain;

/// <summary>The [terrain] table: defaults, what a file sets, and a clear error naming file and field for what is wrong.</summary>
public class TerrainConfigTests
{
    private static TerrainConfig Read(string toml) =>
        TerrainConfig.Read(TomlSection.Parse(toml, "task.toml").Section("terrain"));

    private static string Fails(string toml) => Assert.Throws<UserError>(() => Read(toml)).Message;

    [Fact]
    public void No_table_or_kind_flat_is_the_flat_floor()
    {
        Assert.Same(TerrainConfig.Flat, Read("name = \"x\""));
        Assert.Same(TerrainConfig.Flat, Read("[terrain]\nkind = \"flat\""));
        Assert.Equal(TerrainKind.Flat, TerrainConfig.Flat.Kind);
    }

    [Fact]
    public void A_grid_with_no_other_key_has_the_reference_defaults()
    {
        var c = Read("[terrain]\nkind = \"grid\"");
        Assert.Equal(TerrainKind.Grid, c.Kind);
        Assert.Equal((8.0, 10, 20, 0.1, 0.005), (c.TileSize, c.Rows, c.Columns, c.Resolution, c.VerticalScale));
        Assert.Equal(80, c.TileSamples);
        Assert.Equal(new DifficultyRange(0.05, 0.23), c.Stairs.StepHeight);
        Assert.Equal(new DifficultyRange(0, 0.4), c.Slope.Gradient);
        Assert.Equal(new DifficultyRange(0.05, 0.25), c.Obstacles.Height);
        Assert.Equal(c with { Kind = TerrainKind.Flat }, TerrainConfig.Flat);
    }

    [Fact]
    public void A_file_sets_every_group()
    {
        var c = Read("""
            [terrain]
            kind = "grid"
            tile_m = 4
            rows = 5
            columns = 9
            border_m = 2
            resolution_m = 0.05
            platform_m = 1.0
            [terrain.proportions]
            stairs_up = 1
            gaps = 2
            [terrain.stairs]
            step_height_m = [0.02, 0.1]
            step_width_m = 0.25
            [terrain.stepping_stones]
            stone_m = [1.0, 0.4]
            [terrain.obstacles]
            size_m = [0.5, 1.0]
            count = 3
            """);
        Assert.Equal((4.0, 5, 9, 2.0, 0.05, 1.0), (c.TileSize, c.Rows, c.Columns, c.BorderWidth, c.Resolution, c.PlatformWidth));
        Assert.Equal(new DifficultyRange(0.02, 0.1), c.Stairs.StepHeight);
        Assert.Equal(0.25, c.Stairs.StepWidth);
        Assert.Equal(new DifficultyRange(1.0, 0.4), c.SteppingStones.StoneSize);
        Assert.Equal(((0.5, 1.0), 3), (c.Obstacles.Size, c.Obstacles.Count));
        Assert.Equal(0.1, c.Proportions.RandomRough);  // a proportion not given keeps its default
    }

    [Fact]
    public void Columns_are_divided_by_the_proportions_in_type_order()
    {
        var defaults = new TerrainProportions().Assign(20);
        Assert.Equal(new[]
        {
            TerrainType.RandomRough, TerrainType.RandomRough, TerrainType.SlopeUp, TerrainType.SlopeUp,
            TerrainType.SlopeDown, TerrainType.SlopeDown, TerrainType.RoughSlope, TerrainType.RoughSlope,
            TerrainType.StairsUp, TerrainType.StairsUp, TerrainType.StairsUp, TerrainType.StairsUp,
            TerrainType.StairsDown, TerrainType.StairsDown, TerrainType.StairsDown, TerrainType.StairsDown,
            TerrainType.Obstacles, TerrainType.Obstacles, TerrainType.Obstacles, TerrainType.Obstacles,
        }, defaults);
        var p = new TerrainProportions { RandomRough = 0, SlopeUp = 0, SlopeDown = 0, RoughSlope = 0, StairsUp = 1, StairsDown = 0, Obstacles = 0, Gaps = 2 };
        Assert.Equal(new[] { TerrainType.StairsUp, TerrainType.Gaps, TerrainType.Gaps }, p.Assign(3));
        Assert.Equal(new[] { TerrainType.Gaps }, p.Assign(1));
    }

    [Fact]
    public void Difficulty_runs_from_0_on_the_first_row_to_1_on_the_last()
    {
        var c = new TerrainConfig { Kind = TerrainKind.Grid, Rows = 5 };
        Assert.Equal(new[] { 0, 0.25, 0.5, 0.75, 1.0 }, Enumerable.Range(0, 5).Select(c.Difficulty));
        Assert.Equal(0, (c with { Rows = 1 }).Difficulty(0));
        Assert.Equal(0.05 + 0.18 * 0.5, c.Stairs.StepHeight.At(c.Difficulty(2)), 12);
    }

    [Theory]
    [InlineData("kind = \"hills\"", "task.toml: terrain.kind: 'hills' is not a terrain kind")]
    [InlineData("kind = \"flat\"\nrows = 3", "task.toml: terrain.rows: applies to kind = \"grid\" only")]
    [InlineData("kind = \"grid\"\nrow = 3", "task.toml: terrain.row: unknown key")]
    [InlineData("kind = \"grid\"\nrows = 0", "task.toml: terrain.rows: 0 is outside the allowed range [1, 100]")]
    [InlineData("kind = \"grid\"\ntile_m = 8.05", "task.toml: terrain.tile_m: 8.05 m is not a whole multiple of resolution_m = 0.1 m")]
    [InlineData("kind = \"grid\"\nborder_m = 2.25", "task.toml: terrain.border_m: 2.25 m is not a whole multiple")]
    [InlineData("kind = \"grid\"\nplatform_m = 8", "task.toml: terrain.platform_m: 8 m leaves nothing of a 8 m tile")]
    [InlineData("kind = \"grid\"\nresolution_m = 0.01\nrows = 100", "task.toml: terrain.resolution_m: the grid would have")]
    [InlineData("kind = \"grid\"\n[terrain.stairs]\nstep_height_m = [0.05]", "task.toml: terrain.stairs.step_height_m: expected [easy, hard]")]
    [InlineData("kind = \"grid\"\n[terrain.stairs]\nstep_height_m = [0.05, 3]", "task.toml: terrain.stairs.step_height_m: 3 m is outside the allowed range [0, 1]")]
    [InlineData("kind = \"grid\"\n[terrain.stairs]\nstep_width_m = 0.1", "task.toml: terrain.stairs.step_width_m: 0.1 m is outside")]
    [InlineData("kind = \"grid\"\n[terrain.slope]\ngradient = \"steep\"", "task.toml: terrain.slope.gradient: expected a list of numbers")]
    [InlineData("kind = \"grid\"\n[terrain.obstacles]\nsize_m = [2, 1]", "task.toml: terrain.obstacles.size_m: inverted range")]
    [InlineData("kind = \"grid\"\n[terrain.gaps]\nwidth_m = [0.1, 3]", "task.toml: terrain.gaps.width_m: 3 m is outside the allowed range [0, 2.5]")]
    [InlineData("kind = \"grid\"\n[terrain.proportions]\nstairs = 1", "task.toml: terrain.proportions.stairs: unknown key; known keys here: random_rough")]
    [InlineData("kind = \"grid\"\n[terrain.proportions]\nobstacles = -1", "task.toml: terrain.proportions.obstacles: -1 is outside")]
    [InlineData("kind = \"grid\"\n[terrain.proportions]\nrandom_rough = 0\nslope_up = 0\nslope_down = 0\nrough_slope = 0\nstairs_up = 0\nstairs_down = 0\nobstacles = 0",
        "task.toml: terrain.proportions: all proportions are 0")]
    public void Bad_settings_name_the_file_and_field(string body, string expected) =>
        Assert.StartsWith(expected, Fails("[terrain]\n" + body));
}
