using Robotics.Sim.Terrain;

namespace Robotics.Sim.Tests.Terrain;

/// <summary>The curriculum's rules on a 10 × 20 grid of 8 m tiles, with the numbers written out.</summary>
public class TerrainCurriculumTests
{
    private static TerrainCurriculum Make(int envs = 40, int maxInit = 5, ulong seed = 7) =>
        new(envs, levels: 10, columns: 20, tileSize: 8, new CurriculumSettings { MaxInitialLevel = maxInit }, seed);

    [Fact]
    public void Environments_spread_evenly_over_the_columns_and_start_at_or_below_the_initial_maximum()
    {
        var c = Make(envs: 40);
        for (int e = 0; e < 40; e++)
        {
            Assert.Equal(e / 2, c.Column(e));       // 40 environments over 20 columns: two per column, in order
            Assert.InRange(c.Level(e), 0, 5);
        }
        Assert.Contains(Enumerable.Range(0, 40), e => c.Level(e) == 5);   // the maximum is reached, not excluded
        Assert.All(Enumerable.Range(0, 40), e => Assert.Equal(0, Make(maxInit: 0).Level(e)));
    }

    [Fact]
    public void Farther_than_half_a_tile_moves_up_less_than_half_the_command_moves_down_otherwise_stays()
    {
        var c = Make(maxInit: 0);
        Assert.Equal(1, c.EndEpisode(0, distance: 4.01, commandedDistance: 20));   // > 8 / 2: up, even though < 20 / 2
        Assert.Equal(1, c.EndEpisode(0, distance: 4.0, commandedDistance: 6));     // not > 4, and 4 ≥ 6 / 2: stays
        Assert.Equal(0, c.EndEpisode(0, distance: 2.9, commandedDistance: 6));     // 2.9 < 3: down
        Assert.Equal(0, c.EndEpisode(0, distance: 0, commandedDistance: 6));       // never below the easiest row
        Assert.Equal(0, c.EndEpisode(0, distance: 0, commandedDistance: 0));       // standing still when asked to: stays
    }

    [Fact]
    public void Solving_the_top_row_sends_the_environment_to_a_random_level()
    {
        var c = Make(envs: 200, maxInit: 0);
        for (int e = 0; e < 200; e++)
            for (int k = 0; k < 9; k++) c.EndEpisode(e, 5, 10);
        Assert.All(Enumerable.Range(0, 200), e => Assert.Equal(9, c.Level(e)));
        for (int e = 0; e < 200; e++) c.EndEpisode(e, 5, 10);
        var levels = Enumerable.Range(0, 200).Select(c.Level).ToArray();
        Assert.All(levels, l => Assert.InRange(l, 0, 9));
        Assert.True(levels.Distinct().Count() >= 8, $"levels after the top: {string.Join(" ", levels.Distinct().Order())}");
    }

    [Fact]
    public void Mean_level_and_level_shares_count_the_environments()
    {
        var c = Make(envs: 4, maxInit: 0);
        c.EndEpisode(0, 5, 10);
        c.EndEpisode(0, 5, 10);
        c.EndEpisode(1, 5, 10);
        Assert.Equal((2 + 1 + 0 + 0) / 4.0, c.MeanLevel);
        var shares = new double[10];
        c.LevelShares(shares);
        Assert.Equal(new[] { 0.5, 0.25, 0.25, 0, 0, 0, 0, 0, 0, 0 }, shares);
    }

    [Fact]
    public void Same_seed_same_levels_and_a_restored_state_continues_as_the_original()
    {
        var a = Make(envs: 64, maxInit: 9, seed: 3);
        var b = Make(envs: 64, maxInit: 9, seed: 3);
        var other = Make(envs: 64, maxInit: 9, seed: 4);
        Assert.Equal(Levels(a), Levels(b));
        Assert.NotEqual(Levels(a), Levels(other));

        for (int round = 0; round < 5; round++) Walk(a, round);
        var saved = a.State;
        var resumed = Make(envs: 64, maxInit: 9, seed: 3);
        resumed.Restore(saved);
        for (int round = 5; round < 20; round++) { Walk(a, round); Walk(resumed, round); }
        Assert.Equal(Levels(a), Levels(resumed));
    }

    [Fact]
    public void A_state_that_does_not_fit_is_refused_by_name()
    {
        var c = Make(envs: 4);
        Assert.Contains("3 arrays of 4", Assert.Throws<UserError>(() => c.Restore([new int[4], new int[4]])).Message);
        var s = c.State;
        s[0][2] = 10;
        Assert.Contains("level 10 of environment 2", Assert.Throws<UserError>(() => c.Restore(s)).Message);
        Assert.Contains("MaxInitialLevel = -1", Assert.Throws<UserError>(() => Make(maxInit: -1)).Message);
        var high = Make(envs: 200, maxInit: 50);   // above the top row: starts anywhere up to it
        Assert.All(Enumerable.Range(0, 200), e => Assert.InRange(high.Level(e), 0, 9));
        Assert.Contains(Enumerable.Range(0, 200), e => high.Level(e) == 9);
    }

    private static int[] Levels(TerrainCurriculum c) => Enumerable.Range(0, c.Envs).Select(c.Level).ToArray();

    // Everyone walks 5 m asked for 10 (up), except every third environment, which stumbles (down).
    private static void Walk(TerrainCurriculum c, int round)
    {
        for (int e = 0; e < c.Envs; e++) c.EndEpisode(e, (e + round) % 3 == 0 ? 1 : 5, 10);
    }
}
