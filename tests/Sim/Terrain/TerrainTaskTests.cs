using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Sim.Interop;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Sim.Randomization;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Terrain;

namespace Robotics.Sim.Tests.Terrain;

/// <summary>The locomotion task on a generated grid: scene, spawn, curriculum, height scan.</summary>
public class TerrainTaskTests
{
    private static string TaskFile(string name) => TestPaths.Repo($"src/Sim/Tasks/Configs/{name}.toml");

    // go1_rough on a small grid (4 levels × 2 columns: stairs up, stairs down), so tests build it quickly.
    private static readonly string[] Small =
    {
        "terrain.rows=4", "terrain.columns=2", "terrain.border_m=2", "terrain.curriculum.max_initial_level=3",
        "terrain.proportions.random_rough=0", "terrain.proportions.slope_up=0", "terrain.proportions.slope_down=0",
        "terrain.proportions.rough_slope=0", "terrain.proportions.obstacles=0",
    };

    private static LocomotionTask Rough(params string[] overrides) =>
        new(LocomotionConfig.Load(TaskFile("go1_rough"), Small.Concat(overrides).ToList()) with { Randomization = new RandomizationConfig() });

    private static (int Offset, int Width) Term(ObservationGroup group, string name)
    {
        int offset = 0;
        foreach (var t in group.Terms)
        {
            if (t.Name == name) return (offset, t.Width);
            offset += t.Width;
        }
        throw new KeyNotFoundException(name);
    }

    private static double Yaw(MjData data, int body) => Math.Atan2(data.Xmat[9 * body + 3], data.Xmat[9 * body]);

    [Fact]
    public void Go1_rough_loads_its_grid_and_steps_with_the_scan_in_the_critic_only()
    {
        using var env = new MjVecEnv(LocomotionTask.Load(TaskFile("go1_rough")), 2, 1, seed: 7, ownsTask: true);
        var task = (LocomotionTask)env.Task;
        Assert.NotNull(task.Terrain);
        Assert.NotNull(task.Curriculum);
        Assert.Equal(10, task.Terrain!.Rows);
        Assert.True(task.Model.TryId(mjtObj.mjOBJ_HFIELD, TerrainScene.Name) >= 0);
        Assert.True(task.Model.TryId(mjtObj.mjOBJ_GEOM, "floor") < 0);
        var critic = env.ObservationGroups.Single(g => g.Name == ObservationGroup.Critic);
        var policy = env.ObservationGroups.Single(g => g.Name == ObservationGroup.Policy);
        Assert.Equal(187, Term(critic, LocomotionTask.HeightScanTerm).Width);
        Assert.DoesNotContain(policy.Terms, t => t.Name == LocomotionTask.HeightScanTerm);
        Assert.DoesNotContain(task.PolicyContract().Observation, t => t.Name == LocomotionTask.HeightScanTerm);
        var zeros = new float[env.NumEnvs * env.ActionDim];
        for (int s = 0; s < 20; s++) env.Step(zeros);
        Assert.All(env.Observations(ObservationGroup.Critic).ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void The_flat_task_has_no_terrain_and_spawns_at_the_origin()
    {
        using var env = new MjVecEnv(LocomotionTask.Load(TaskFile("go1_velocity")), 2, 1, seed: 7, ownsTask: true);
        var task = (LocomotionTask)env.Task;
        Assert.Null(task.Terrain);
        Assert.Null(task.Curriculum);
        Assert.True(task.Model.TryId(mjtObj.mjOBJ_HFIELD, TerrainScene.Name) < 0);
        Assert.Equal(new[] { 0.0, 0.0, task.Config.InitialHeight }, task.BasePosition(1).ToArray());
    }

    [Fact]
    public void Environments_spawn_on_the_platform_of_their_tile_at_the_terrain_height()
    {
        using var env = new MjVecEnv(Rough(), 16, 1, seed: 11, ownsTask: true);
        var task = (LocomotionTask)env.Task;
        var map = task.Terrain!;
        var curriculum = task.Curriculum!;
        double reach = task.Config.Terrain.PlatformWidth / 2;
        var levels = new HashSet<int>();
        for (int e = 0; e < env.NumEnvs; e++)
        {
            var p = task.BasePosition(e);
            Assert.Equal((curriculum.Level(e), curriculum.Column(e)), map.TileOf(p[0], p[1]));
            var (cx, cy) = map.TileCenter(curriculum.Level(e), curriculum.Column(e));
            Assert.InRange(Math.Abs(p[0] - cx), 0, reach);
            Assert.InRange(Math.Abs(p[1] - cy), 0, reach);
            Assert.Equal(map.Height(p[0], p[1]) + task.Config.InitialHeight, p[2], 9);
            levels.Add(curriculum.Level(e));
        }
        Assert.True(levels.Count > 1, "16 environments all started on one level");
    }

    [Fact]
    public void The_curriculum_moves_an_environment_up_after_a_long_walk_and_down_after_standing_still()
    {
        using var task = Rough("terrain.curriculum.max_initial_level=0");
        task.Initialize(2);
        var map = task.Terrain!;
        var curriculum = task.Curriculum!;
        using var d0 = new MjData(task.ModelFor(0));
        using var d1 = new MjData(task.ModelFor(1));
        var rng = Rng.For(3, "test");
        task.Reset(0, d0, ref rng);
        task.Reset(1, d1, ref rng);
        Assert.Equal(0, curriculum.Level(0));

        // Environment 0: carried 5 m (more than half an 8 m tile) onto the flat border beyond its row, then one step.
        var q = d0.Qpos;
        q[0] = task.SpawnPosition(0)[0] - 5;
        q[2] = map.Height(q[0], q[1]) + task.Config.InitialHeight;
        var zero = new float[task.ActionDim];
        task.Simulate(0, d0, zero, ref rng);
        task.Reset(0, d0, ref rng);
        Assert.Equal(1, curriculum.Level(0));
        Assert.Equal((1, curriculum.Column(0)), map.TileOf(task.BasePosition(0)[0], task.BasePosition(0)[1]));

        // Environment 1: put on level 2, commanded 1 m/s forward and held in place for 2 s: under half its 2 m.
        var state = curriculum.State;
        state[0][1] = 2;
        curriculum.Restore(state);
        task.Reset(1, d1, ref rng);   // an episode of no steps moves nothing
        Assert.Equal(2, curriculum.Level(1));
        task.SetCommand(1, 1, 0, 0);
        var spawn = d1.Qpos.ToArray();
        for (int s = 0; s < 100; s++)
        {
            spawn.CopyTo(d1.Qpos);
            d1.Qvel.Clear();
            task.Simulate(1, d1, zero, ref rng);
        }
        task.Reset(1, d1, ref rng);
        Assert.Equal(1, curriculum.Level(1));
    }

    [Fact]
    public void The_height_scan_on_flat_ground_is_the_base_height_less_half_a_metre_clipped()
    {
        var config = LocomotionConfig.Load(TaskFile("go1_velocity"));
        config = config with
        {
            Observations = config.Observations with { CriticTerms = config.Observations.CriticTerms.Append(LocomotionTask.HeightScanTerm).ToArray() },
        };
        using var env = new MjVecEnv(new LocomotionTask(config), 2, 1, seed: 5, ownsTask: true);
        var task = (LocomotionTask)env.Task;
        var critic = env.ObservationGroups.Single(g => g.Name == ObservationGroup.Critic);
        var (offset, width) = Term(critic, LocomotionTask.HeightScanTerm);
        var zeros = new float[env.NumEnvs * env.ActionDim];
        for (int s = 0; s < 10; s++) env.Step(zeros);
        var obs = env.Observations(ObservationGroup.Critic);
        for (int e = 0; e < env.NumEnvs; e++)
        {
            float expected = (float)Math.Clamp(task.BasePosition(e)[2] - 0.5, -1, 1);
            var scan = obs.Slice(e * critic.Dim + offset, width).ToArray();
            Assert.All(scan, v => Assert.Equal(expected, v));
            Assert.NotEqual(0f, expected);
        }
    }

    [Fact]
    public void The_height_scan_on_a_stair_tile_matches_the_height_field_around_the_yawed_base()
    {
        using var env = new MjVecEnv(Rough(), 4, 1, seed: 9, ownsTask: true);
        var task = (LocomotionTask)env.Task;
        var map = task.Terrain!;
        var critic = env.ObservationGroups.Single(g => g.Name == ObservationGroup.Critic);
        var (offset, width) = Term(critic, LocomotionTask.HeightScanTerm);
        float scale = critic.Terms.Single(t => t.Name == LocomotionTask.HeightScanTerm).Scale;
        Assert.Equal(5f, scale);

        // Turn environment 0's base by 0.7 rad at a point off its platform (on the stairs), observe again.
        var data = env.Data(0);
        int trunk = task.Model.BodyId(task.Config.BaseLink);
        var (cx, cy) = map.TileCenter(task.Curriculum!.Level(0), task.Curriculum.Column(0));
        var q = data.Qpos;
        q[0] = cx + 2.2; q[1] = cy - 0.3; q[2] = map.Height(q[0], q[1]) + 0.3;
        q[3] = Math.Cos(0.35); q[4] = 0; q[5] = 0; q[6] = Math.Sin(0.35);
        var rng = Rng.For(1, "test");
        task.Simulate(0, data, new float[task.ActionDim], ref rng);
        var scan = new float[width];
        var o = new float[critic.Dim];
        task.Observe(0, data, env.ObservationGroups.ToList().FindIndex(g => g.Name == ObservationGroup.Critic), o, ref rng);
        o.AsSpan(offset, width).CopyTo(scan);

        var p = task.BasePosition(0);
        double yaw = Yaw(data, trunk), c = Math.Cos(yaw), s = Math.Sin(yaw);
        Assert.InRange(yaw, 0.6, 0.8);
        var pattern = ScanPattern.Default;
        var distinct = new HashSet<float>();
        for (int k = 0; k < pattern.Count; k++)
        {
            double dx = pattern.OffsetsX[k], dy = pattern.OffsetsY[k];
            double h = map.Height(p[0] + c * dx - s * dy, p[1] + s * dx + c * dy);
            Assert.Equal(scale * Math.Clamp(p[2] - 0.5 - h, -1, 1), scan[k], 4);
            distinct.Add(scan[k]);
        }
        Assert.True(distinct.Count > 2, "the scan over stairs should see more than one height");
    }

    [Fact]
    public void Stepping_observing_and_resetting_on_terrain_allocate_nothing()
    {
        using var task = Rough();
        task.Initialize(1);
        using var data = new MjData(task.ModelFor(0));
        var rng = Rng.For(2, "test");
        var action = new float[task.ActionDim];
        var terms = new float[task.RewardTerms.Count];
        var obs = task.ObservationGroups.Select(g => new float[g.Dim]).ToArray();
        void Cycle(ref Rng r)
        {
            for (int s = 0; s < 5; s++)
            {
                task.Simulate(0, data, action, ref r);
                task.Reward(0, data, action, terms);
                for (int g = 0; g < obs.Length; g++) task.Observe(0, data, g, obs[g], ref r);
            }
            task.Reset(0, data, ref r);   // ends a 5-step episode on the curriculum
        }
        task.Reset(0, data, ref rng);
        Cycle(ref rng);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Cycle(ref rng);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void The_same_seed_builds_the_same_terrain_and_another_seed_another()
    {
        using var a = Rough("terrain.proportions.obstacles=1");
        using var b = Rough("terrain.proportions.obstacles=1");
        using var other = Rough("terrain.seed=1", "terrain.proportions.obstacles=1");
        Assert.True(a.Terrain!.Heights.SequenceEqual(b.Terrain!.Heights));
        int id = a.Model.TryId(mjtObj.mjOBJ_HFIELD, TerrainScene.Name);
        Assert.True(a.Model.HfieldData.SequenceEqual(b.Model.HfieldData));
        Assert.False(a.Terrain.Heights.SequenceEqual(other.Terrain!.Heights));
        Assert.True(id >= 0);
    }

    [Fact]
    public void A_policy_that_reads_the_height_scan_exports_a_contract_the_robot_cannot_fill()
    {
        var config = LocomotionConfig.Load(TaskFile("go1_rough"), Small);
        config = config with
        {
            Observations = config.Observations with { PolicyTerms = config.Observations.PolicyTerms.Append(LocomotionTask.HeightScanTerm).ToArray() },
        };
        using var task = new LocomotionTask(config);
        var contract = task.PolicyContract();
        Assert.Contains(contract.Observation, t => t.Name == LocomotionTask.HeightScanTerm && t.Width == 187);
        Assert.Equal(new[] { LocomotionTask.HeightScanTerm }, new ObservationBuilder(contract).ExternalTerms);
    }

    [Fact]
    public void A_curriculum_table_on_flat_ground_is_refused_and_a_start_level_beyond_the_grid_named()
    {
        var flat = Assert.Throws<UserError>(() => LocomotionConfig.Load(TaskFile("go1_velocity"), new[] { "terrain.kind=\"flat\"", "terrain.curriculum.max_initial_level=2" }));
        Assert.Contains("terrain.curriculum", flat.Message);
        var high = Assert.Throws<UserError>(() => LocomotionConfig.Load(TaskFile("go1_rough"), new[] { "terrain.curriculum.max_initial_level=10" }));
        Assert.Contains("max_initial_level", high.Message);
    }
}
