using Robotics.Sim.Envs;
using Robotics.Sim.Tasks;
using Robotics.Training.Devices;
using Robotics.Training.Runner;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Runner;

public class AblationTests
{
    public AblationTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    private static TrialResult Trial(string variant, int seed, double final) =>
        new("cartpole_balance", variant, seed, final, new[] { (100L, final / 2), (200L, final) }, 1);

    [Fact]
    public void Table_cells_are_mean_and_student_t_interval_over_seeds()
    {
        // PPO over three seeds: {100, 110, 120} → 110 ± 4.3027 · 10/√3 = 110 ± 24.84 → "110.0 [85.2, 134.8]".
        // PPO-M over one seed: a mean and no interval.
        var report = new AblationReport(new AblationOptions { Tasks = new[] { "cartpole_balance" } }, new[] { "PPO", "PPO-M" },
            new[] { Trial("PPO", 1, 100), Trial("PPO", 2, 110), Trial("PPO", 3, 120), Trial("PPO-M", 1, 40) });
        var ci = report.Cell("cartpole_balance", "PPO");
        Assert.Equal(110, ci.Mean, 10);
        Assert.Equal(24.84165, ci.HalfWidth, 1e-5);
        Assert.Equal("110.0 [85.2, 134.8]", AblationReport.Format(ci));
        Assert.Equal("40.0 (1 seed)", AblationReport.Format(report.Cell("cartpole_balance", "PPO-M")));
        var md = report.Markdown().Split('\n');
        Assert.Equal("| Algorithm | cartpole_balance |", md[0]);
        Assert.Equal("| PPO | 110.0 [85.2, 134.8] |", md[2]);
    }

    [Fact]
    public void Variants_are_selected_by_name_and_an_unknown_one_is_named()
    {
        Assert.Equal(new[] { "PPO", "PPO-M", "GRPO" }, AblationVariants.All.Select(v => v.Name).Take(3));
        Assert.Equal(new[] { "GRPO", "PPO" }, AblationVariants.Select(new[] { "grpo", "PPO" }).Select(v => v.Name));
        var e = Assert.Throws<UserError>(() => AblationVariants.Select(new[] { "SAC" }));
        Assert.Contains("no variant 'SAC'", e.Message);
        Assert.Contains("PPO-M", e.Message);
        Assert.Contains("--seeds", Assert.Throws<UserError>(() => new AblationOptions { Tasks = new[] { "x" }, Seeds = 0 }.Validate()).Message);
    }

    [Fact]
    public void A_tiny_ablation_runs_every_variant_and_seed_and_writes_table_and_plot()
    {
        // Cart-pole balance with 30-step episodes, 8 environments, a budget of 2 × 8 × 8 = 128 steps.
        var options = new AblationOptions { Tasks = new[] { "cartpole_balance" }, Seeds = 2, Iterations = 2, Envs = 8, StepsPerEnv = 8, Threads = 1, Hidden = new[] { 8 } };
        var variants = AblationVariants.All.Where(v => v.Name is "PPO" or "PPO-M" or "GRPO").ToList();
        var report = Ablation.Run(options, variants,
            (_, seed) => new MjVecEnv(new CartPole(new CartPoleConfig { SwingUp = false, TerminateAngle = 0.4, MaxEpisodeSteps = 30 }), 8, 1, seed, ownsTask: true), CPU);
        Assert.Equal(6, report.Trials.Count);
        foreach (var t in report.Trials)
        {
            // Reward per step is in [0, 1] and an episode lasts at most 30 steps.
            Assert.InRange(t.FinalReturn, 0, 30);
            // GRPO stops within half an iteration of the budget: 8 episodes of at most 30 steps, so ±120.
            Assert.InRange(t.Steps, 128 - 120, 128 + 120);
        }
        // PPO spends exactly the budget: 2 iterations × 8 environments × 8 steps.
        Assert.All(report.Trials.Where(t => t.Variant == "PPO"), t => Assert.Equal(128, t.Steps));
        var dir = Path.Combine(Path.GetTempPath(), $"ablation-test-{Guid.NewGuid():N}");
        try
        {
            var files = report.Write(dir);
            Assert.All(files, f => Assert.True(new FileInfo(f).Length > 0, f));
            Assert.Equal(7, File.ReadAllLines(Path.Combine(dir, "trials.csv")).Length);
            Assert.Contains(files, f => f.EndsWith("curves_cartpole_balance.png"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
