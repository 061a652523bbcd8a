using Robotics.Sim.Envs;
using Robotics.Sim.Evaluation;
using Robotics.Sim.Randomization;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Terrain;

namespace Robotics.Sim.Tests.Evaluation;

/// <summary>Evaluation on a terrain grid: the tile schedule, the frozen curriculum, the per-level figures.</summary>
public class TerrainEvaluationTests
{
    // go1_rough's default layout: 7 types over 10 columns (stairs and obstacles get two each).
    private static readonly TerrainType[] Columns =
    {
        TerrainType.RandomRough, TerrainType.SlopeUp, TerrainType.SlopeDown, TerrainType.RoughSlope,
        TerrainType.StairsUp, TerrainType.StairsUp, TerrainType.StairsDown, TerrainType.StairsDown,
        TerrainType.Obstacles, TerrainType.Obstacles,
    };

    [Fact]
    public void The_schedule_visits_every_cell_once_and_covers_every_type_and_level_first()
    {
        var s = new TileSchedule(Columns, levels: 10, envs: 4, seed: 3);
        Assert.Equal(70, s.Order.Count);
        Assert.Equal(70, s.Order.Distinct().Count());
        // max(7 types, 10 levels) = 10 first cells: every level, and every type.
        var first = s.Order.Take(10).ToList();
        Assert.Equal(10, first.Select(c => c.Level).Distinct().Count());
        Assert.Equal(7, first.Select(c => c.Type).Distinct().Count());
    }

    [Fact]
    public void The_schedule_is_deterministic_from_its_seed_and_uses_every_column_of_a_type()
    {
        List<(int, int)> Tiles(ulong seed)
        {
            var s = new TileSchedule(Columns, 10, envs: 4, seed);
            var tiles = new List<(int, int)>();
            for (int k = 0; k < 40; k++)
                for (int e = 0; e < 4; e++) tiles.Add(s.Next(e));
            return tiles;
        }
        var a = Tiles(3);
        Assert.Equal(a, Tiles(3));
        Assert.NotEqual(a, Tiles(4));
        // 160 episodes = 2 rounds of 70 cells and more: each type's columns (4 and 5 are both stairs up) get episodes.
        Assert.Equal(Enumerable.Range(0, 10), a.Select(t => t.Item2).Distinct().Order());
        Assert.Equal(Enumerable.Range(0, 10), a.Select(t => t.Item1).Distinct().Order());
        // Environment 1's first episode is cell 1, its second cell 1 + 4 = 5.
        var s2 = new TileSchedule(Columns, 10, envs: 4, seed: 3);
        Assert.Equal(s2.Order[1].Level, a[1].Item1);
        Assert.Equal(s2.Order[5].Level, a[5].Item1);
        Assert.Equal(s2.Order[5].Type, Columns[a[5].Item2]);
    }

    [Theory]
    // tile 8 m: half a tile = 4 m
    [InlineData(false, 4.1, 10.0, 10.0, true)]    // farther than half a tile
    [InlineData(false, 4.0, 10.0, 10.0, false)]   // not farther than half a tile, and less than half of the 10 m asked
    [InlineData(false, 2.5, 10.0, 5.0, true)]     // half as far as asked
    [InlineData(false, 2.4, 10.0, 5.0, false)]
    [InlineData(true, 6.0, 10.0, 10.0, false)]    // fell
    [InlineData(false, 1.5, 3.0, 3.0, true)]      // asked 3 m, got half of it
    [InlineData(false, 1.4, 3.0, 3.0, false)]     // … less than half
    [InlineData(false, 0.6, 12.0, 1.2, true)]     // a turning command: 12 m of path that ends 1.2 m from the start
    [InlineData(false, 0.5, 12.0, 1.2, false)]
    [InlineData(false, 0.0, 0.0, 0.0, true)]      // standing command, stood
    public void Passed_means_no_fall_and_half_a_tile_or_half_of_what_the_commands_asked(bool fell, double distance, double commanded, double asked, bool passed) =>
        Assert.Equal(passed, new TerrainEpisode(TerrainType.StairsUp, 0, fell, distance, commanded, asked, 0.1).Passed(8));

    [Fact]
    public void The_highest_level_passed_by_80_percent_skips_empty_levels_and_is_none_when_none_passes()
    {
        TerrainEpisode Ep(TerrainType t, int level, bool pass, double err) => new(t, level, !pass, pass ? 5 : 1, 10, 10, err);
        var episodes = new List<TerrainEpisode>();
        // stairs up: level 0 5/5 passed (err 0.1), level 1 4/5 = 80 % (err 0.2), level 2 none, level 3 3/5.
        for (int i = 0; i < 5; i++) episodes.Add(Ep(TerrainType.StairsUp, 0, true, 0.1));
        for (int i = 0; i < 5; i++) episodes.Add(Ep(TerrainType.StairsUp, 1, i < 4, 0.2));
        for (int i = 0; i < 5; i++) episodes.Add(Ep(TerrainType.StairsUp, 3, i < 3, 0.3));
        // slopes: 1/2 at level 0 only.
        episodes.Add(Ep(TerrainType.SlopeUp, 0, true, 0.1));
        episodes.Add(Ep(TerrainType.SlopeUp, 0, false, 0.3));
        var r = TerrainSummary.Compute(episodes, [TerrainType.SlopeUp, TerrainType.StairsUp, TerrainType.Gaps], levels: 4, tileSize: 8);

        var stairs = r[1];
        Assert.Equal(1, stairs.HighestPassed);
        Assert.Equal(0.2, stairs.LinVelErrorAtHighest, 12);
        Assert.Equal([5, 5, 0, 5], stairs.Levels.Select(l => l.Episodes));
        Assert.Equal([0, 1, 0, 2], stairs.Levels.Select(l => l.Falls));
        Assert.Equal(0.6, stairs.Levels[3].PassRate, 12);
        Assert.True(double.IsNaN(stairs.Levels[2].PassRate));

        Assert.Null(r[0].HighestPassed);                     // 50 % at its only level
        Assert.True(double.IsNaN(r[0].LinVelErrorAtHighest));
        Assert.Equal(0.2, r[0].Levels[0].LinVelError, 12);
        Assert.Null(r[2].HighestPassed);                     // no episodes at all
        Assert.Equal("stairs_up", TerrainSummary.Name(stairs.Type));
    }

    [Fact]
    public void What_the_commands_asked_is_the_displacement_of_the_commanded_path_and_the_curriculum_judges_by_it()
    {
        string[] small = { "terrain.rows=2", "terrain.columns=2", "terrain.border_m=2", "terrain.curriculum.max_initial_level=1" };
        // 1 m/s forward while turning at 1 rad/s: a circle of 1 m radius. An episode of 2π s ends where it began,
        // an episode of π s on the opposite side of the circle, 2 m away; the commanded distance is the arc either way.
        // The robot stands still: at its spawn point it is where a perfect tracker of the circle would be (it stays on
        // level 1), 2 m short of it after half the circle (down to level 0). Against the arc it would go down both times.
        foreach (var (seconds, asked, levelAfter) in new[] { (2 * Math.PI, 0.0, 1), (Math.PI, 2.0, 0) })
        {
            var config = LocomotionConfig.Load(TestPaths.Repo("src/Sim/Tasks/Configs/go1_rough.toml"), small)
                with { Randomization = new RandomizationConfig(), EpisodeSeconds = seconds, CommandResampleSeconds = 100 };
            using var env = new MjVecEnv(new LocomotionTask(config), 1, 1, seed: 5, ownsTask: true);
            var task = (LocomotionTask)env.Task;
            var zeros = new float[env.ActionDim];
            var curriculum = task.Curriculum!;
            var state = curriculum.State;
            state[0][0] = 1;
            curriculum.Restore(state);
            task.SetCommand(0, 1, 0, 1);
            int steps = 0;
            do { env.Step(zeros); steps++; if (!env.Terminated[0] && !env.Truncated[0]) task.SetCommand(0, 1, 0, 1); }
            while (!env.Terminated[0] && !env.Truncated[0]);
            var last = task.LastEpisode(0);
            Assert.True(env.Truncated[0], "the robot standing still should not fall");
            Assert.Equal(steps * task.PolicyDt, last.Commanded, 9);
            Assert.Equal(asked, last.Asked, 1);
            Assert.True(last.Distance < 0.2, $"the base moved {last.Distance:0.000} m, asked {last.Asked:0.000} m");
            Assert.Equal(levelAfter, curriculum.Level(0));
        }
    }

    [Fact]
    public void Evaluation_walks_the_scheduled_tiles_and_the_curriculum_moves_no_one()
    {
        string[] small =
        {
            "terrain.rows=3", "terrain.columns=2", "terrain.border_m=2", "terrain.curriculum.max_initial_level=2",
            "terrain.proportions.random_rough=0", "terrain.proportions.slope_up=0", "terrain.proportions.slope_down=0",
            "terrain.proportions.rough_slope=0", "terrain.proportions.obstacles=0",
        };
        var config = LocomotionConfig.Load(TestPaths.Repo("src/Sim/Tasks/Configs/go1_rough.toml"), small)
            with { Randomization = new RandomizationConfig(), EpisodeSeconds = 0.1 };
        var task = new LocomotionTask(config);
        var schedule = new TileSchedule(task.Terrain!.ColumnTypes, task.Terrain.Rows, envs: 2, seed: 5);
        var expected = new TileSchedule(task.Terrain.ColumnTypes, task.Terrain.Rows, envs: 2, seed: 5);
        task.TileOverride = schedule.Next;
        using var env = new MjVecEnv(task, 2, 1, seed: 5, ownsTask: true);
        var curriculum = task.Curriculum!;
        curriculum.Paused = true;
        int[] levels = [curriculum.Level(0), curriculum.Level(1)];
        var firstTile = new[] { expected.Next(0), expected.Next(1) };
        for (int e = 0; e < 2; e++)
        {
            var (x, y) = (task.SpawnPosition(e)[0], task.SpawnPosition(e)[1]);
            Assert.Equal((firstTile[e].Level, firstTile[e].Column), task.Terrain.TileOf(x, y));
        }
        var zeros = new float[2 * env.ActionDim];
        var walked = new List<(int, int)>[] { new(), new() };
        for (int s = 0; s < 16; s++)
        {
            env.Step(zeros);
            for (int e = 0; e < 2; e++)
                if (env.Terminated[e] || env.Truncated[e])
                {
                    var last = task.LastEpisode(e);
                    walked[e].Add((last.Level, last.Column));
                    var (x, y) = (task.SpawnPosition(e)[0], task.SpawnPosition(e)[1]);
                    Assert.Equal(task.Terrain.TileOf(x, y), expected.Next(e));   // the next episode's spawn is on its scheduled tile
                }
        }
        // 0.1 s episodes of 0.02 s steps: 5 steps, so 3 ended episodes per environment in 16 steps.
        Assert.Equal(3, walked[0].Count);
        Assert.Equal((firstTile[0].Level, firstTile[0].Column), walked[0][0]);
        Assert.Equal((firstTile[1].Level, firstTile[1].Column), walked[1][0]);
        Assert.Equal(levels, new[] { curriculum.Level(0), curriculum.Level(1) });
    }

    [Fact]
    public void A_named_tile_is_where_the_robot_spawns_and_a_bad_name_lists_the_valid_ones()
    {
        string[] small =
        {
            "terrain.rows=3", "terrain.columns=2", "terrain.border_m=2", "terrain.curriculum.max_initial_level=2",
            "terrain.proportions.random_rough=0", "terrain.proportions.slope_up=0", "terrain.proportions.slope_down=0",
            "terrain.proportions.rough_slope=0", "terrain.proportions.obstacles=0",
        };
        var task = new LocomotionTask(LocomotionConfig.Load(TestPaths.Repo("src/Sim/Tasks/Configs/go1_rough.toml"), small)
            with { Randomization = new RandomizationConfig() });
        var map = task.Terrain!;
        var tile = TileChoice.Parse("stairs_down:2", map);
        Assert.Equal(TerrainType.StairsDown, map.ColumnTypes[tile.Column]);
        Assert.Equal(2, tile.Level);
        task.TileOverride = _ => tile;
        using var env = new MjVecEnv(task, 1, 1, seed: 2, ownsTask: true);
        double x = task.SpawnPosition(0)[0], y = task.SpawnPosition(0)[1];
        Assert.InRange(x, 2 * map.TileSize, 3 * map.TileSize);
        Assert.InRange(y, tile.Column * map.TileSize, (tile.Column + 1) * map.TileSize);

        var bad = Assert.Throws<UserError>(() => TileChoice.Parse("gaps:1", map));
        Assert.Contains("stairs_up, stairs_down", bad.Message);
        Assert.Contains("levels 0–2", bad.Message);
        Assert.Contains("levels 0–2", Assert.Throws<UserError>(() => TileChoice.Parse("stairs_up:3", map)).Message);
        Assert.Contains("type:level", Assert.Throws<UserError>(() => TileChoice.Parse("stairs_up", map)).Message);
    }
}
