using Robotics.Sim.Terrain;
using Robotics.Training.Algorithms;
using Robotics.Training.Runner;

namespace Robotics.Training.Tests.Runner;

/// <summary>The terrain curriculum in progress.csv and in the checkpoint.</summary>
public sealed class TerrainProgressTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("robotics-terrain-");

    public void Dispose() => _dir.Delete(true);

    private static TerrainCurriculum Curriculum(ulong seed = 1) => new(8, levels: 3, columns: 2, tileSize: 8, new CurriculumSettings { MaxInitialLevel = 2 }, seed);

    private static IterationStats Stats(TerrainStats? terrain) =>
        new(4, 4096, 1000, 1.5, 0.5, 0.01, 12.5, 300, 7, new Dictionary<string, double> { ["RewardTrackLinVel"] = 0.8 },
            new UpdateStats(0.1, -0.02, 1.1, 0.01, 0.2, 3e-4, 0.9)) { Terrain = terrain };

    [Fact]
    public void A_run_on_terrain_writes_the_mean_level_and_each_levels_share_and_reads_them_back()
    {
        string header = OnPolicyRunner.CsvHeader(["RewardTrackLinVel"], terrainLevels: 3);
        Assert.EndsWith(",RewardTrackLinVel,terrain_level_mean,terrain_level_share_0,terrain_level_share_1,terrain_level_share_2", header);
        Assert.Equal(["RewardTrackLinVel"], OnPolicyRunner.RewardTermColumns(header));   // not reward terms
        Assert.Equal(3, OnPolicyRunner.TerrainLevels(header));

        var row = OnPolicyRunner.CsvRow(Stats(new TerrainStats(1.25, [0.25, 0.25, 0.5])));
        Assert.EndsWith(",0.8,1.25,0.25,0.25,0.5", row);
        var back = OnPolicyRunner.ParseCsvRow(header, row);
        Assert.Equal(1.25, back.Terrain!.MeanLevel);
        Assert.Equal([0.25, 0.25, 0.5], back.Terrain.LevelShares);
        Assert.Equal(0.8, back.RewardTerms["RewardTrackLinVel"]);
    }

    [Fact]
    public void A_flat_run_keeps_its_columns()
    {
        string header = OnPolicyRunner.CsvHeader(["RewardTrackLinVel"]);
        Assert.DoesNotContain("terrain", header);
        Assert.Null(OnPolicyRunner.ParseCsvRow(header, OnPolicyRunner.CsvRow(Stats(null))).Terrain);
    }

    [Fact]
    public void The_stats_are_the_curriculums()
    {
        var c = Curriculum();
        var s = TerrainStats.Of(c);
        Assert.Equal(c.MeanLevel, s.MeanLevel);
        Assert.Equal(1.0, s.LevelShares.Sum(), 12);
    }

    [Fact]
    public void The_checkpoint_file_restores_the_state_and_a_missing_or_bad_one_is_named()
    {
        var a = Curriculum();
        for (int e = 0; e < 8; e++) a.EndEpisode(e, e % 2 == 0 ? 5 : 0, 10);
        CurriculumFile.Save(_dir.FullName, a);
        var b = Curriculum();
        CurriculumFile.Load(_dir.FullName, b);
        Assert.Equal(a.State, b.State);
        for (int e = 0; e < 8; e++) Assert.Equal(a.EndEpisode(e, 5, 10), b.EndEpisode(e, 5, 10));

        var empty = Directory.CreateDirectory(Path.Combine(_dir.FullName, "empty")).FullName;
        Assert.Contains($"no {CurriculumFile.FileName}", Assert.Throws<UserError>(() => CurriculumFile.Load(empty, Curriculum())).Message);
        var wider = new TerrainCurriculum(16, levels: 3, columns: 2, tileSize: 8, new CurriculumSettings(), 1);
        Assert.Contains(CurriculumFile.FileName, Assert.Throws<UserError>(() => CurriculumFile.Load(_dir.FullName, wider)).Message);
    }
}
