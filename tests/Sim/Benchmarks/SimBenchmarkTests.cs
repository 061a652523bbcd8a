using Robotics.Sim.Benchmarks;

namespace Robotics.Sim.Tests.Benchmarks;

public class SimBenchmarkTests
{
    [Fact]
    public void Short_run_measures_all_three_on_the_quadruped()
    {
        var result = SimBenchmark.Run(new SimBenchmarkConfig
        {
            ModelPath = TestPaths.Repo("bench/models/quadruped.xml"), Envs = 4, Threads = 2, Seconds = 0.5,
        });
        Assert.True(result.Raw.StepsPerSecond > 1000, $"raw {result.Raw.StepsPerSecond}");
        Assert.True(result.Env.StepsPerSecond > 1000, $"env {result.Env.StepsPerSecond}");
        // A sanity bound, not the benchmark's goal: half a second on a shared 2-core machine swings widely.
        Assert.InRange(result.EnvOverRaw, 0.02, 10);
        Assert.InRange(result.Raw.ContactsPerStep, 1, 12);     // four feet on the floor, give or take
        Assert.InRange(result.Env.ContactsPerStep, 1, 12);
        Assert.Contains("nq=19 nv=18 nu=12", result.ModelSummary);
        if (File.Exists("/usr/bin/mujoco-testspeed"))
        {
            Assert.NotNull(result.Testspeed);
            Assert.Contains("mujoco-testspeed", result.TestspeedNote);
            Assert.InRange(result.Testspeed!.ContactsPerStep, 1, 12);
        }
    }

    [Fact]
    public void Bad_settings_name_the_option()
    {
        var config = new SimBenchmarkConfig { ModelPath = "x.xml", Envs = 2, Threads = 4 };
        var e = Assert.Throws<UserError>(() => config.Validate());
        Assert.Contains("--threads", e.Message);
        Assert.Throws<UserError>(() => SimBenchmark.Run(new SimBenchmarkConfig { ModelPath = "/nonexistent/robot.xml" }));
    }
}
