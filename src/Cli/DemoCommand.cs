using System.CommandLine;
using Robotics.Sim.Benchmarks;
using Robotics.Sim.Envs;
using Robotics.Sim.Tasks;
using Spectre.Console;
using Robotics.Deploy.Contract;

namespace Robotics.Cli;

/// <summary>
/// <c>robotics demo</c>: what the project can show today. Until training lands it steps the real
/// MuJoCo environments (the cart-pole task, the Go1-class quadruped benchmark, the Go1 velocity-tracking
/// task) and prints throughput.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var seconds = new Option<double>("--seconds") { Description = "seconds per measurement", DefaultValueFactory = _ => 2.0 };
        var demo = new Command("demo", "Run the simulator on real models and print its throughput.") { seconds };
        demo.SetAction(r => Run(r.GetValue(seconds)));
        return demo;
    }

    private static int Run(double seconds)
    {
        int cores = Environment.ProcessorCount;
        AnsiConsole.Write(new Rule("[bold]Robotics demo: the simulator[/]").LeftJustified());
        CartPoleRollout(Math.Max(2, cores));

        // The ./robotics script exports ROBOTICS_HOME, the repository root.
        var home = Environment.GetEnvironmentVariable("ROBOTICS_HOME") ?? ".";
        var model = Path.Combine(home, "bench", "models", "quadruped.xml");
        AnsiConsole.Write(new Rule("[bold]Go1-class quadruped: simulator throughput[/]").LeftJustified());
        int code = BenchCommand.Run(new SimBenchmarkConfig { ModelPath = model, Envs = 64, Threads = 1, Seconds = seconds });
        if (code == 0 && cores >= 2)
            code = BenchCommand.Run(new SimBenchmarkConfig { ModelPath = model, Envs = 64, Threads = cores, Seconds = seconds });
        if (code != 0) return code;

        // The Go1 velocity-tracking task from its URDF and task file: randomization, PD actuators, both groups.
        AnsiConsole.Write(new Rule("[bold]Go1 velocity tracking (urdf/go1.urdf + go1_velocity.toml)[/]").LeftJustified());
        return BenchCommand.RunTask("go1_velocity", 64, cores, seconds);
    }

    // A random policy on 64 cart-poles for 10 simulated seconds: episodes, returns, and speed.
    private static void CartPoleRollout(int threads)
    {
        using var env = new MjVecEnv(new CartPole(), 64, threads, seed: 7, ownsTask: true);
        var rng = Robotics.Sim.Random.Rng.For(7, "demo-actions");
        var actions = new float[env.NumEnvs * env.ActionDim];
        int episodes = 0; double returns = 0;
        int steps = (int)(10 / env.StepDt);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < actions.Length; i++) actions[i] = (float)rng.Uniform(-1, 1);
            env.Step(actions);
            for (int i = 0; i < env.NumEnvs; i++)
                if (env.Terminated[i] || env.Truncated[i]) { episodes++; returns += env.EpisodeReturns[i]; }
        }
        double sps = (double)steps * env.NumEnvs / clock.Elapsed.TotalSeconds;
        AnsiConsole.MarkupLineInterpolated(
            $"cart-pole swing-up, random actions: {env.NumEnvs} envs × {steps} steps on {threads} threads, {episodes} episodes ended, mean return {(episodes > 0 ? returns / episodes : 0):0.0}, {sps:N0} env steps/s");
        foreach (var g in env.ObservationGroups) AnsiConsole.MarkupLineInterpolated($"  observation group {g}");
    }
}
