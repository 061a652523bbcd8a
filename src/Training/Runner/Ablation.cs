using System.Globalization;
using System.Text;
using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Training.Algorithms;
using Robotics.Training.Models;
using static TorchSharp.torch;

namespace Robotics.Training.Runner;

/// <summary>What <c>robotics ablate</c> was asked to do.</summary>
public sealed record AblationOptions
{
    /// <summary>Task names (columns of the table).</summary>
    public required IReadOnlyList<string> Tasks { get; init; }
    /// <summary>Seeds per task and variant: 1…Seeds. Every variant sees the same environment seeds.</summary>
    public int Seeds { get; init; } = 3;
    /// <summary>
    /// PPO iterations per trial; with <see cref="Envs"/> and <see cref="StepsPerEnv"/> it sets the budget of
    /// environment steps every variant gets (<see cref="StepBudget"/>).
    /// </summary>
    public int Iterations { get; init; } = 50;
    /// <summary>Parallel environments per trial.</summary>
    public int Envs { get; init; } = 32;
    /// <summary>Steps per environment per iteration of the rollout-window algorithms (PPO, TRPO); training's default.</summary>
    public int StepsPerEnv { get; init; } = TrainOptions.Defaults.StepsPerEnv;
    /// <summary>Simulation threads; training's default.</summary>
    public int Threads { get; init; } = TrainOptions.Defaults.Threads;
    /// <summary>Hidden layer widths of every network.</summary>
    public int[] Hidden { get; init; } = { 64, 64 };
    /// <summary>Names of the variants to run (all of <see cref="AblationVariants.All"/> when null).</summary>
    public IReadOnlyList<string>? Variants { get; init; }

    /// <summary>Environment steps each trial learns from: Iterations × Envs × StepsPerEnv.</summary>
    public long StepBudget => (long)Iterations * Envs * StepsPerEnv;

    /// <summary>Throws <see cref="UserError"/> naming the first bad option.</summary>
    public AblationOptions Validate()
    {
        if (Tasks.Count == 0) throw new UserError("--task: at least one task");
        if (Seeds < 1) throw new UserError($"--seeds {Seeds}: must be ≥ 1 (≥ 2 for a confidence interval)");
        if (Iterations < 1) throw new UserError($"--iterations {Iterations}: must be ≥ 1");
        if (Envs < 1) throw new UserError($"--envs {Envs}: must be ≥ 1");
        if (StepsPerEnv < 1) throw new UserError($"--steps {StepsPerEnv}: must be ≥ 1");
        if (Threads < 1) throw new UserError($"--threads {Threads}: must be ≥ 1");
        if (Hidden.Length == 0 || Hidden.Any(h => h < 1)) throw new UserError($"--hidden {string.Join(",", Hidden)}: widths ≥ 1");
        return this;
    }
}

/// <summary>What a variant's factory gets to build one trial: a fresh environment, its sizes, a seed.</summary>
/// <param name="Env">The trial's environment (owned by the ablation).</param>
/// <param name="PolicyDim">Width of the <c>policy</c> observation group.</param>
/// <param name="CriticDim">Width of the <c>critic</c> group (the policy group's when the task has none).</param>
/// <param name="MaxEpisodeSteps">The task's time limit in steps (episode-based algorithms size their storage with it).</param>
/// <param name="Options">The ablation's options (steps per environment, network widths).</param>
/// <param name="Device">Where the networks live.</param>
/// <param name="Seeds">The streams of this trial's seed.</param>
public sealed record AblationSetup(IVecEnv Env, int PolicyDim, int CriticDim, int MaxEpisodeSteps, AblationOptions Options, Device Device, RunSeeds Seeds)
{
    /// <summary>Number of environments.</summary>
    public int Envs => Env.NumEnvs;
    /// <summary>Width of an action.</summary>
    public int ActionDim => Env.ActionDim;
    /// <summary>The network settings before any code-level optimization is applied.</summary>
    public NetworkConfig Network => new() { Hidden = Options.Hidden };

    /// <summary>What an algorithm of this trial is built from, with <paramref name="network"/> (the default: <see cref="Network"/>).</summary>
    public AlgorithmSpec Spec(NetworkConfig? network = null) =>
        new(PolicyDim, CriticDim, ActionDim, Envs, Options.StepsPerEnv, network ?? Network, Device, Seeds.Training) { MaxEpisodeSteps = MaxEpisodeSteps };
}

/// <summary>One seed of one variant, ready to learn: its algorithm and the loop that drives it.</summary>
public sealed class AblationTrial : IDisposable
{
    private readonly IOnPolicyAlgorithm _algorithm;
    private readonly Action<long, Action<IterationStats>> _learn;

    private AblationTrial(IOnPolicyAlgorithm algorithm, Action<long, Action<IterationStats>> learn)
    {
        _algorithm = algorithm;
        _learn = learn;
    }

    /// <summary>The policy being trained.</summary>
    public GaussianActor Actor => _algorithm.Actor;

    /// <summary>Learns from about <paramref name="stepBudget"/> environment steps, reporting each iteration.</summary>
    public void Learn(long stepBudget, Action<IterationStats> onIteration) => _learn(stepBudget, onIteration);

    /// <summary>
    /// An algorithm the <see cref="OnPolicyRunner"/> drives (PPO, TRPO, …) with windows of
    /// <paramref name="stepsPerEnv"/> steps; it runs ⌈budget / (N · steps)⌉ iterations, so its schedules see the whole run.
    /// </summary>
    public static AblationTrial OnPolicy(AblationSetup setup, IOnPolicyAlgorithm algorithm, int stepsPerEnv)
    {
        var runner = new OnPolicyRunner(setup.Env, algorithm, stepsPerEnv, setup.Device);
        long perIteration = (long)setup.Envs * stepsPerEnv;
        return new AblationTrial(algorithm, (budget, report) => runner.Learn((int)((budget + perIteration - 1) / perIteration), report));
    }

    /// <summary>GRPO, driven by the <see cref="GroupRolloutCollector"/> until the budget is spent.</summary>
    public static AblationTrial Grouped(AblationSetup setup, Grpo grpo)
    {
        var collector = new GroupRolloutCollector(setup.Env, grpo, setup.Device, setup.Seeds.Groups);
        return new AblationTrial(grpo, (budget, report) => collector.LearnSteps(budget, report));
    }

    /// <summary>Frees the algorithm.</summary>
    public void Dispose() => _algorithm.Dispose();
}

/// <summary>A named algorithm configuration: a row of the table.</summary>
/// <param name="Name">Row label, e.g. <c>PPO-M</c>.</param>
/// <param name="Description">What it is, one line.</param>
/// <param name="Create">Builds one trial for a setup.</param>
public sealed record AblationVariant(string Name, string Description, Func<AblationSetup, AblationTrial> Create);

/// <summary>The variants <c>robotics ablate</c> knows, in table order. Adding one is one line: name → factory.</summary>
public static class AblationVariants
{
    /// <summary>PPO, PPO-M, TRPO, TRPO+ (Engstrom et al. 2020, Table 1) and GRPO.</summary>
    public static IReadOnlyList<AblationVariant> All { get; } = new AblationVariant[]
    {
        new("PPO", "PPO with every code-level optimization (Engstrom et al. 2020)", s => Ppo(s, CodeLevelOptimizations.All)),
        new("PPO-M", "PPO with none: clipped surrogate only", s => Ppo(s, CodeLevelOptimizations.None)),
        new("GRPO", "no critic; returns normalized within groups of 8 starts", s => AblationTrial.Grouped(s, new Grpo(s.Spec(), new GrpoConfig()))),
        new("TRPO", "TRPO with none of the code-level optimizations", s => Trpo(s, CodeLevelOptimizations.None)),
        new("TRPO+", "TRPO with every code-level optimization (those that apply to its value fit and rewards, and the networks)", s => Trpo(s, CodeLevelOptimizations.All)),
    };

    /// <summary>TRPO with <paramref name="optimizations"/> applied to its settings and networks.</summary>
    public static AblationTrial Trpo(AblationSetup s, CodeLevelOptimizations optimizations)
    {
        var algorithm = new Algorithms.Trpo(s.Spec(optimizations.ApplyTo(s.Network)), optimizations.ApplyTo(new TrpoConfig()));
        return AblationTrial.OnPolicy(s, algorithm, s.Options.StepsPerEnv);
    }

    /// <summary>PPO with <paramref name="optimizations"/> applied to its settings and networks.</summary>
    public static AblationTrial Ppo(AblationSetup s, CodeLevelOptimizations optimizations)
    {
        var algorithm = new Algorithms.Ppo(s.Spec(optimizations.ApplyTo(s.Network)), optimizations.ApplyTo(new PpoConfig()));
        return AblationTrial.OnPolicy(s, algorithm, s.Options.StepsPerEnv);
    }

    /// <summary>The variants named (all when <paramref name="names"/> is null), in the order given.</summary>
    /// <exception cref="UserError">A name is not a known variant; the message lists them.</exception>
    public static IReadOnlyList<AblationVariant> Select(IReadOnlyList<string>? names) => names is null ? All
        : names.Select(n => All.FirstOrDefault(v => string.Equals(v.Name, n, StringComparison.OrdinalIgnoreCase))
            ?? throw new UserError($"--variants: no variant '{n}'; known: {string.Join(", ", All.Select(v => v.Name))}")).ToList();
}

/// <summary>One trial's outcome: the final policy's return and the learning curve.</summary>
/// <param name="Task">Task name.</param>
/// <param name="Variant">Variant name.</param>
/// <param name="Seed">Seed (1…S).</param>
/// <param name="FinalReturn">Mean undiscounted return of the final policy's mean action over one episode per environment, from held-out starts.</param>
/// <param name="Curve">(environment steps, mean episode return during training) per iteration.</param>
/// <param name="Seconds">Wall-clock seconds the training took.</param>
public sealed record TrialResult(string Task, string Variant, int Seed, double FinalReturn, IReadOnlyList<(long Steps, double Return)> Curve, double Seconds)
{
    /// <summary>Environment steps the trial learned from (an episode-based variant ends its last iteration past the budget).</summary>
    public long Steps => Curve.Count > 0 ? Curve[^1].Steps : 0;
}

/// <summary>
/// The "implementation matters" ablation: each variant × seed trains on each task with the same budget of
/// environment steps; the final policies are evaluated; the table gives mean final return with a 95% Student-t
/// confidence interval over seeds, in the form of Engstrom et al. (2020), Table 1.
/// </summary>
// DESIGN: the final return is a separate evaluation (deterministic mean action, one episode per environment
// from starts no trial trained on), not the returns seen in the last training iterations: PPO sees episodes
// cut by its rollout windows and GRPO whole ones, and the exploration noise differs between variants, so only
// an evaluation of the same kind compares them.
public static class Ablation
{
    /// <summary>
    /// Runs every task × seed × variant; <paramref name="createEnv"/> builds a fresh environment for a task and
    /// an environment seed. <paramref name="onTrial"/> hears each finished trial.
    /// </summary>
    public static AblationReport Run(AblationOptions options, IReadOnlyList<AblationVariant> variants,
        Func<string, ulong, MjVecEnv> createEnv, Device device, Action<TrialResult>? onTrial = null)
    {
        options.Validate();
        var results = new List<TrialResult>();
        foreach (var task in options.Tasks)
            for (int seed = 1; seed <= options.Seeds; seed++)
                foreach (var variant in variants)
                {
                    // The same environment seed for every variant: the comparison is paired.
                    var seeds = RunSeeds.From((ulong)seed);
                    using var env = createEnv(task, seeds.Sim);
                    int policyDim = env.ObservationGroups.Single(g => g.Name == ObservationGroup.Policy).Dim;
                    int criticDim = (env.ObservationGroups.FirstOrDefault(g => g.Name == ObservationGroup.Critic) ?? env.ObservationGroups[0]).Dim;
                    var setup = new AblationSetup(env, policyDim, criticDim, env.Task.MaxEpisodeSteps, options, device, seeds);
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    var curve = new List<(long, double)>();
                    using var trial = variant.Create(setup);
                    trial.Learn(options.StepBudget, s => curve.Add((s.TotalSteps, s.MeanEpisodeReturn)));
                    double final = Evaluate(env, trial.Actor, device, seeds.Evaluation, env.Task.MaxEpisodeSteps);
                    var result = new TrialResult(env.Task.Name, variant.Name, seed, final, curve, clock.Elapsed.TotalSeconds);
                    results.Add(result);
                    onTrial?.Invoke(result);
                }
        return new AblationReport(options, variants.Select(v => v.Name).ToList(), results);
    }

    /// <summary>
    /// Mean undiscounted return of <paramref name="actor"/>'s mean action over the first episode of every
    /// environment after a reset with <paramref name="seed"/> (episodes end by termination or by the time limit).
    /// </summary>
    public static double Evaluate(IVecEnv env, GaussianActor actor, Device device, ulong seed, int maxEpisodeSteps)
    {
        int n = env.NumEnvs, policyDim = env.ObservationGroups.Single(g => g.Name == ObservationGroup.Policy).Dim;
        var ended = new bool[n];
        var actions = new float[n * env.ActionDim];
        double sum = 0;
        int count = 0;
        env.Reset(seed);
        using var _ = no_grad();
        for (int t = 0; t < maxEpisodeSteps && count < n; t++)
        {
            using var scope = NewDisposeScope();
            var obs = tensor(env.Observations(ObservationGroup.Policy).ToArray(), new long[] { n, policyDim }).to(device);
            actor.forward(obs).clamp(-1, 1).cpu().data<float>().CopyTo(actions, 0, 0);
            env.Step(actions);
            for (int i = 0; i < n; i++)
            {
                if (ended[i] || !(env.Terminated[i] || env.Truncated[i])) continue;
                ended[i] = true;
                sum += env.EpisodeReturns[i];
                count++;
            }
        }
        if (count < n) throw new InvalidOperationException($"evaluation: {n - count} episodes still running after {maxEpisodeSteps} steps (the time limit should have ended them)");
        return sum / n;
    }
}

/// <summary>The results of an ablation: per-trial rows, the table and the learning curves.</summary>
public sealed class AblationReport
{
    /// <summary>Wraps finished trials.</summary>
    public AblationReport(AblationOptions options, IReadOnlyList<string> variants, IReadOnlyList<TrialResult> trials)
    {
        Options = options;
        Variants = variants;
        Trials = trials;
        Tasks = trials.Select(t => t.Task).Distinct().ToList();
    }

    /// <summary>The options it ran with.</summary>
    public AblationOptions Options { get; }
    /// <summary>Variant names, in table order.</summary>
    public IReadOnlyList<string> Variants { get; }
    /// <summary>Task names as the tasks report them, in table order.</summary>
    public IReadOnlyList<string> Tasks { get; }
    /// <summary>Every trial.</summary>
    public IReadOnlyList<TrialResult> Trials { get; }

    /// <summary>Mean final return over seeds with its 95% confidence interval.</summary>
    public ConfidenceInterval Cell(string task, string variant) =>
        ConfidenceInterval.StudentT95(Trials.Where(t => t.Task == task && t.Variant == variant).Select(t => t.FinalReturn).ToList());

    /// <summary>A cell as Engstrom et al. print it: <c>mean [low, high]</c>.</summary>
    public static string Format(ConfidenceInterval ci) => ci.Count < 2 ? $"{ci.Mean:0.0} (1 seed)"
        : string.Create(CultureInfo.InvariantCulture, $"{ci.Mean:0.0} [{ci.Low:0.0}, {ci.High:0.0}]");

    /// <summary>The table as Markdown: one row per variant, one column per task.</summary>
    public string Markdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| Algorithm | " + string.Join(" | ", Tasks) + " |");
        sb.AppendLine("|---|" + string.Concat(Tasks.Select(_ => "---|")));
        foreach (var v in Variants)
            sb.AppendLine($"| {v} | " + string.Join(" | ", Tasks.Select(t => Format(Cell(t, v)))) + " |");
        return sb.ToString();
    }

    /// <summary>Writes trials.csv (one row per trial), table.md and one learning-curve PNG per task to <paramref name="directory"/>; returns the files.</summary>
    public IReadOnlyList<string> Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var inv = CultureInfo.InvariantCulture;
        var csv = new StringBuilder("task,variant,seed,final_return,steps,seconds\n");
        foreach (var t in Trials)
            csv.AppendLine(string.Join(",", t.Task, t.Variant, t.Seed.ToString(inv), t.FinalReturn.ToString("G6", inv), t.Steps.ToString(inv), t.Seconds.ToString("0.0", inv)));
        var files = new List<string> { Path.Combine(directory, "trials.csv"), Path.Combine(directory, "table.md") };
        File.WriteAllText(files[0], csv.ToString());
        File.WriteAllText(files[1], Markdown());
        foreach (var task in Tasks) files.Add(PlotCurves(task, Path.Combine(directory, $"curves_{task}.png")));
        return files;
    }

    /// <summary>
    /// The learning curves of one task: per variant, the mean over seeds of the training return and its 95%
    /// band, on a grid of 40 points of environment steps (each trial's latest return at or before each point).
    /// </summary>
    public string PlotCurves(string task, string path)
    {
        const int points = 40;
        long budget = Options.StepBudget;
        var grid = Enumerable.Range(1, points).Select(j => (double)budget * j / points).ToArray();
        var plt = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int k = 0;
        foreach (var variant in Variants)
        {
            var trials = Trials.Where(t => t.Task == task && t.Variant == variant).ToList();
            if (trials.Count == 0) continue;
            var xs = new List<double>();
            var mean = new List<double>();
            var low = new List<double>();
            var high = new List<double>();
            foreach (var x in grid)
            {
                var at = trials.Select(t => LatestAt(t.Curve, x)).Where(double.IsFinite).ToList();
                if (at.Count == 0) continue;
                var ci = ConfidenceInterval.StudentT95(at);
                xs.Add(x);
                mean.Add(ci.Mean);
                low.Add(double.IsFinite(ci.HalfWidth) ? ci.Low : ci.Mean);
                high.Add(double.IsFinite(ci.HalfWidth) ? ci.High : ci.Mean);
            }
            if (xs.Count == 0) continue;
            var color = palette.GetColor(k++);
            var band = plt.Add.FillY(xs.ToArray(), low.ToArray(), high.ToArray());
            band.FillColor = color.WithAlpha(0.2);
            band.LineWidth = 0;
            var line = plt.Add.Scatter(xs.ToArray(), mean.ToArray());
            line.Color = color;
            line.MarkerSize = 0;
            line.LineWidth = 2;
            line.LegendText = $"{variant} (n = {trials.Count})";
        }
        plt.Title($"{task}: training return, mean and 95% CI over seeds");
        plt.XLabel("environment steps");
        plt.YLabel("episode return");
        plt.ShowLegend();
        plt.SavePng(path, 900, 500);
        return path;
    }

    // The return of the last iteration at or before `steps` that saw an episode end; NaN before the first.
    private static double LatestAt(IReadOnlyList<(long Steps, double Return)> curve, double steps)
    {
        double value = double.NaN;
        foreach (var (s, r) in curve)
        {
            if (s > steps) break;
            if (double.IsFinite(r)) value = r;
        }
        return value;
    }
}
