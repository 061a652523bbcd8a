using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Robotics.Sim.Envs;
using Robotics.Sim.Random;
using Robotics.Sim.Terrain;
using Robotics.Training.Algorithms;
using Robotics.Training.Devices;
using Robotics.Training.Models;
using static TorchSharp.torch;

namespace Robotics.Training.Runner;

/// <summary>
/// What <c>robotics train</c> was asked to do. Each default is written here once; the CLI reads it from here.
/// The run's config.json is a <see cref="RunConfig"/>: these options and what the run found out.
/// </summary>
public record TrainOptions
{
    /// <summary>The defaults, for whoever shows or needs them (the CLI's option defaults read them from here).</summary>
    public static TrainOptions Defaults { get; } = new() { Task = "" };

    /// <summary>Task name or file.</summary>
    public required string Task { get; init; }
    /// <summary>Algorithm: a name in <see cref="AlgorithmCatalog.Names"/>.</summary>
    public string Algorithm { get; init; } = "ppo";
    /// <summary>Parallel environments.</summary>
    public int Envs { get; init; } = 256;
    /// <summary>Simulation threads.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Where the networks live: cpu or cuda.</summary>
    public ComputeDevice Device { get; init; } = ComputeDevice.Cpu;
    /// <summary>The one seed every subsystem's stream derives from (<see cref="RunSeeds"/>).</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>Iterations to run.</summary>
    public int Iterations { get; init; } = 100;
    /// <summary>Checkpoint every this many iterations (and at the end).</summary>
    public int CheckpointEvery { get; init; } = 50;
    /// <summary>Where run directories go.</summary>
    public string RunsDirectory { get; init; } = "runs";
    /// <summary>Rollout length T: steps per environment per iteration of the algorithms that learn from fixed windows (all but GRPO, which runs whole episodes).</summary>
    public int StepsPerEnv { get; init; } = 24;
    /// <summary>
    /// Settings of the algorithm's config record over its defaults, <c>key=value</c> (<c>train --set algorithm.key=value</c>,
    /// recorded without the <c>algorithm.</c> prefix): e.g. <c>clip_param=0.1</c>, <c>value_fit.epochs=10</c>.
    /// </summary>
    public string[] AlgorithmSettings { get; init; } = Array.Empty<string>();
    /// <summary>Network settings.</summary>
    public NetworkConfig Network { get; init; } = new();
    /// <summary>
    /// Task-file settings applied over the file for this run, <c>dotted.key=value</c> (<c>train --set</c>): a
    /// fine-tuning stage's curriculum, say, without a second copy of the task file.
    /// </summary>
    public string[] TaskOverrides { get; init; } = Array.Empty<string>();
    /// <summary>
    /// A checkpoint folder whose networks, normalizers and optimizer state this run starts from (<c>train --init-from</c>),
    /// or an exported policy (<c>.onnx</c>) whose actor it starts from; the run itself counts from iteration 0. Null: fresh networks.
    /// </summary>
    public string? InitFrom { get; init; }
    /// <summary>
    /// Iterations that only fit the critic before the algorithm learns, when <see cref="InitFrom"/> is an exported policy
    /// (it carries no critic; <see cref="CriticWarmup"/>). Ignored for a checkpoint, which brings its critic.
    /// </summary>
    public int CriticWarmup { get; init; } = 20;

    /// <summary>The prefix that sends a <c>--set</c> to the algorithm's config rather than to the task file.</summary>
    public const string AlgorithmPrefix = "algorithm.";

    /// <summary>
    /// These options with <c>train --set</c>'s settings added: <c>algorithm.key=value</c> to <see cref="AlgorithmSettings"/>
    /// (without the prefix), every other to <see cref="TaskOverrides"/>.
    /// </summary>
    public TrainOptions WithSets(IEnumerable<string> sets)
    {
        var all = sets.ToArray();
        bool IsAlgorithm(string s) => s.StartsWith(AlgorithmPrefix, StringComparison.Ordinal);
        return this with
        {
            AlgorithmSettings = AlgorithmSettings.Concat(all.Where(IsAlgorithm).Select(s => s[AlgorithmPrefix.Length..])).ToArray(),
            TaskOverrides = TaskOverrides.Concat(all.Where(s => !IsAlgorithm(s))).ToArray(),
        };
    }

    /// <summary>The algorithm's config record: its defaults with <see cref="AlgorithmSettings"/> applied.</summary>
    /// <exception cref="UserError">A bad setting; the message names the key.</exception>
    public object AlgorithmConfig() => AlgorithmCatalog.Configure(Algorithm, AlgorithmSettings);

    /// <summary>Throws <see cref="UserError"/> naming the first bad option.</summary>
    public TrainOptions Validate()
    {
        AlgorithmCatalog.Get(Algorithm);
        if (Envs < 1) throw new UserError($"--envs {Envs}: must be ≥ 1");
        if (Threads < 1) throw new UserError($"--threads {Threads}: must be ≥ 1");
        if (!Enum.IsDefined(Device)) throw new UserError($"--device {Device}: cpu or cuda");
        if (Iterations < 1) throw new UserError($"--iterations {Iterations}: must be ≥ 1");
        if (CheckpointEvery < 1) throw new UserError($"CheckpointEvery {CheckpointEvery}: must be ≥ 1");
        if (StepsPerEnv < 1) throw new UserError($"--steps {StepsPerEnv}: must be ≥ 1");
        if (InitFrom is { } policy && Runner.InitFrom.IsPolicyFile(policy))
        {
            if (!File.Exists(policy)) throw new UserError($"--init-from {policy}: no such policy file");
        }
        else if (InitFrom is { } init && !File.Exists(Path.Combine(init, TrainingRun.RunStateFile)))
            throw new UserError($"--init-from {init}: not a complete checkpoint folder (no {TrainingRun.RunStateFile}), nor an exported .onnx policy");
        if (CriticWarmup < 0) throw new UserError($"--critic-warmup {CriticWarmup}: must be ≥ 0");
        if (AlgorithmConfig() is GrpoConfig grpo && Envs % grpo.GroupSize != 0)
            throw new UserError($"--envs {Envs}: GRPO's groups of {grpo.GroupSize} (algorithm.group_size) must divide it");
        Network.Validate();
        return this;
    }
}

/// <summary>An observation term as config.json records it.</summary>
public sealed record RunObservationTerm(string Name, int Width, float Scale, float Noise, float Clip);

/// <summary>An observation group as config.json records it.</summary>
public sealed record RunObservationGroup(string Name, int Dim, IReadOnlyList<RunObservationTerm> Terms)
{
    /// <summary>The record of an environment's group.</summary>
    public static RunObservationGroup Of(Robotics.Deploy.Contract.ObservationGroup g) =>
        new(g.Name, g.Dim, g.Terms.Select(t => new RunObservationTerm(t.Name, t.Width, t.Scale, t.Noise, t.Clip)).ToArray());
}

/// <summary>
/// A run's config.json, written and read as this one record: the <see cref="TrainOptions"/> it was started with
/// and what the run found out about its task (name, observation groups, action width, step) and binary.
/// </summary>
public sealed record RunConfig : TrainOptions
{
    /// <summary>The task's own name (<see cref="TrainOptions.Task"/> may be a file).</summary>
    [JsonPropertyOrder(1)]   // after the options
    public string TaskName { get; init; } = "";
    /// <summary>The commit of the binary that started the run, when it knew.</summary>
    [JsonPropertyOrder(1)]
    public string? SourceCommit { get; init; }
    /// <summary>The observation groups, in the environment's order.</summary>
    [JsonPropertyOrder(1)]
    public IReadOnlyList<RunObservationGroup> ObservationGroups { get; init; } = Array.Empty<RunObservationGroup>();
    /// <summary>Width of an action.</summary>
    [JsonPropertyOrder(1)]
    public int ActionDim { get; init; }
    /// <summary>Policy step [s].</summary>
    [JsonPropertyOrder(1)]
    public double StepDt { get; init; }
    /// <summary>Ranks that trained the run (absent: one process); <see cref="TrainOptions.Envs"/> is per rank.</summary>
    [JsonPropertyOrder(1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Ranks { get; init; }
    /// <summary>The command that launched the ranks, and their hosts (absent: one process).</summary>
    [JsonPropertyOrder(1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Distributed.Launch? Launch { get; init; }

    /// <summary>The width of group <paramref name="name"/>.</summary>
    /// <exception cref="UserError">The run has no such group.</exception>
    public int GroupDim(string name) => ObservationGroups.FirstOrDefault(g => g.Name == name)?.Dim
        ?? throw new UserError($"config.json of {TaskName}: no observation group '{name}'");

    /// <summary>The record of a run of <paramref name="options"/> on <paramref name="env"/>.</summary>
    public static RunConfig Of(TrainOptions options, string taskName, IVecEnv env, Distributed.Launch? launch = null) =>
        JsonSerializer.Deserialize<RunConfig>(JsonSerializer.SerializeToUtf8Bytes(options))! with
        {
            Ranks = launch?.Ranks, Launch = launch,
            TaskName = taskName, SourceCommit = BuildInfo.SourceCommit, ActionDim = env.ActionDim, StepDt = env.StepDt,
            ObservationGroups = env.ObservationGroups.Select(RunObservationGroup.Of).ToArray(),
        };

    /// <summary>Reads a config.json, written by this version or an older one (whose rollout length and PPO settings sat in a <c>Ppo</c> object).</summary>
    /// <exception cref="UserError">The file is missing or not a run's config.</exception>
    public static RunConfig Read(string path)
    {
        if (!File.Exists(path)) throw new UserError($"{path} not found: not a run directory");
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new UserError($"{path} is empty");
            if (root["Ppo"] is JsonObject legacy && root["StepsPerEnv"] is null)
            {
                root["StepsPerEnv"] = legacy["StepsPerEnv"]?.DeepClone();
                legacy.Remove("StepsPerEnv");
                // An old PPO run's settings that differ from today's defaults become settings, so it resumes as it ran.
                if (root["Algorithm"]?.GetValue<string>() == "ppo" && root["AlgorithmSettings"] is null)
                    root["AlgorithmSettings"] = new JsonArray(LegacySettings(legacy).Select(x => (JsonNode)JsonValue.Create(x)!).ToArray());
            }
            return root.Deserialize<RunConfig>() ?? throw new UserError($"{path} is empty");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new UserError($"{path}: {e.Message}", e);
        }
    }

    private static IEnumerable<string> LegacySettings(JsonObject ppo)
    {
        var defaults = JsonSerializer.SerializeToNode(new PpoConfig())!.AsObject();
        foreach (var (name, value) in ppo)
            if (defaults[name] is { } d && value is not null && !JsonNode.DeepEquals(d, value))
                yield return $"{ConfigOverrides.SnakeCase(name)}={(value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString())}";
    }
}

/// <summary>
/// The one split of a run's seed into a stream per subsystem, done once at the start: the simulation, the
/// training (network initialization and every draw of the algorithm), GRPO's group starts, the evaluation.
/// </summary>
public sealed record RunSeeds(ulong Sim, ulong Training, ulong Groups, ulong Evaluation)
{
    /// <summary>The streams of <paramref name="seed"/>.</summary>
    public static RunSeeds From(ulong seed)
    {
        ulong training = Rng.Derive(seed, "training");
        return new(Rng.Derive(seed, "sim"), training, Rng.Derive(training, "groups"), Rng.Derive(seed, "evaluation"));
    }
}

/// <summary>
/// One training run on disk: <c>runs/task__algo__seed__time/</c> with config.json, progress.csv (one row
/// per iteration), actor/critic checkpoints written atomically, and learning-curve PNGs at the end.
/// </summary>
public sealed class TrainingRun
{
    private readonly List<IterationStats> _history = new();

    /// <summary>Creates the run directory and writes the configuration.</summary>
    /// <remarks><paramref name="launch"/>: how the ranks of a data-parallel run were started (null: one process).</remarks>
    public TrainingRun(TrainOptions options, string taskName, IVecEnv env, Distributed.Launch? launch = null)
    {
        Options = options;
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss");
        Directory = Path.GetFullPath(Path.Combine(options.RunsDirectory, $"{taskName}__{options.Algorithm}__{options.Seed}__{stamp}"));
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(ConfigPath, JsonSerializer.Serialize(RunConfig.Of(options, taskName, env, launch), new JsonSerializerOptions { WriteIndented = true }));
        RewardTerms = (env as MjVecEnv)?.RewardTermNames ?? Array.Empty<string>();
        int levels = ((env as MjVecEnv)?.Task as ITerrainTask)?.Curriculum?.Levels ?? 0;
        File.WriteAllText(CsvPath, OnPolicyRunner.CsvHeader(RewardTerms, levels) + "\n");
    }

    // An existing run, continued after its checkpoint at iteration `keep`: progress.csv keeps the rows before it, and
    // the history is read back for the plots. What the run had done after that checkpoint is not lost: a crashed run's
    // rows past its last checkpoint are repeated by the resumed run; a run resumed from an earlier checkpoint than its
    // last starts a new branch, its later checkpoints, progress.csv and plots moved aside first (MoveAside).
    private TrainingRun(string directory, TrainOptions options, int keep)
    {
        Directory = directory;
        Options = options;
        var text = File.Exists(CsvPath) ? File.ReadAllText(CsvPath) : "";
        var lines = text.Split('\n');
        if (lines[0].Length == 0 || lines.Length < 2) throw new UserError($"{CsvPath} is missing or empty");
        var header = lines[0];
        RewardTerms = OnPolicyRunner.RewardTermColumns(header);
        // Every row ends with its newline: a last line without one was cut off when the process was killed mid-write.
        int rows = lines.Length - 1;
        if (lines[^1].Length > 0)
        {
            _notes.Add($"{CsvPath}: its last line was cut off mid-write ('{Shorten(lines[^1])}'): dropped");
            rows--;
        }
        var later = new List<IterationStats>();
        for (int i = 1; i <= rows; i++)
        {
            if (lines[i].Length == 0) continue;
            IterationStats stats;
            try { stats = OnPolicyRunner.ParseCsvRow(header, lines[i]); }
            catch (Exception e) when (e is UserError or FormatException or OverflowException)
            {
                throw new UserError($"{CsvPath}:{i + 1}: {e.Message}", e);
            }
            (stats.Iteration < keep ? _history : later).Add(stats);
        }
        var laterCheckpoints = Checkpoints(directory).Where(c => c.Iteration > keep).OrderBy(c => c.Iteration).ToArray();
        if (laterCheckpoints.Length > 0) MoveAside(keep, laterCheckpoints.Select(c => c.Directory).ToArray(), later.Count);
        else if (later.Count > 0)
            _notes.Add($"{CsvPath}: {later.Count} row(s) logged after checkpoint {keep} ({(later.Count == 1 ? $"iteration {later[0].Iteration}" : $"iterations {later[0].Iteration}…{later[^1].Iteration}")}) are dropped; the resumed run repeats them");
        if (later.Count > 0 || rows < lines.Length - 1 || laterCheckpoints.Length > 0)
            File.WriteAllLines(CsvPath, new[] { header }.Concat(_history.Select(OnPolicyRunner.CsvRow)));
    }

    private readonly List<string> _notes = new();

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";

    // A new branch from checkpoint `keep`: the run's later checkpoints, its whole progress.csv as it was and its plots go to
    // branches/<time>__after_<keep>/, so the line the run had taken stays on disk beside the one it takes now.
    private void MoveAside(int keep, string[] laterCheckpoints, int laterRows)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss");
        var branch = Path.Combine(Directory, BranchesFolder, $"{stamp}__after_{keep:D6}");
        for (int k = 2; System.IO.Directory.Exists(branch); k++) branch = Path.Combine(Directory, BranchesFolder, $"{stamp}__after_{keep:D6}_{k}");
        System.IO.Directory.CreateDirectory(branch);
        foreach (var c in laterCheckpoints) System.IO.Directory.Move(c, Path.Combine(branch, Path.GetFileName(c)));
        File.Copy(CsvPath, Path.Combine(branch, Path.GetFileName(CsvPath)));
        foreach (var png in System.IO.Directory.GetFiles(Directory, "*.png")) File.Move(png, Path.Combine(branch, Path.GetFileName(png)));
        _notes.Add($"resuming from checkpoint {keep}, not the run's last: moved {string.Join(", ", laterCheckpoints.Select(Path.GetFileName))}, " +
            $"progress.csv as it was ({laterRows} row(s) after checkpoint {keep}) and the plots to {branch}");
    }

    /// <summary>The folder of a run directory that holds the lines a run had taken before it was resumed from an earlier checkpoint.</summary>
    public const string BranchesFolder = "branches";

    /// <summary>What reopening the run did to its folder, one sentence each (rows dropped, checkpoints moved aside); empty when nothing.</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>Reads a run's config.json: the options it was started with and what it recorded about its task.</summary>
    /// <exception cref="UserError">The folder is not a run directory.</exception>
    public static RunConfig ReadOptions(string runDirectory) =>
        RunConfig.Read(Path.Combine(runDirectory, ConfigFile)) with { RunsDirectory = Path.GetDirectoryName(Path.GetFullPath(runDirectory))! };

    /// <summary>
    /// Reopens <paramref name="runDirectory"/> to continue it after the checkpoint of iteration <paramref name="checkpointIteration"/>:
    /// progress.csv keeps the rows before it (a last row cut off mid-write is dropped); checkpoints after it are moved aside
    /// with the old progress.csv into <see cref="BranchesFolder"/>. <see cref="Notes"/> says what was done.
    /// </summary>
    /// <exception cref="UserError">Its progress.csv is missing, empty or malformed (the message names the line).</exception>
    public static TrainingRun Continue(string runDirectory, TrainOptions options, int checkpointIteration) =>
        new(Path.GetFullPath(runDirectory), options, checkpointIteration);

    /// <summary>The latest complete checkpoint folder of a run and its iteration, or null when it has none.</summary>
    public static (string Directory, int Iteration)? LatestCheckpoint(string runDirectory) => LatestCheckpoint(runDirectory, new List<string>());

    /// <summary>
    /// The latest complete checkpoint folder of a run (one with its <see cref="RunStateFile"/>) and its iteration, or null;
    /// each later folder that lacks it is skipped with a sentence naming it added to <paramref name="skipped"/>.
    /// </summary>
    public static (string Directory, int Iteration)? LatestCheckpoint(string runDirectory, List<string> skipped)
    {
        foreach (var c in Checkpoints(runDirectory).OrderByDescending(c => c.Iteration))
        {
            if (File.Exists(Path.Combine(c.Directory, RunStateFile))) return c;
            skipped.Add($"{c.Directory} has no {RunStateFile}: not a complete checkpoint, skipped");
        }
        return null;
    }

    // The checkpoint_N folders of a run, complete or not (a folder still being written is checkpoint_N.tmp: not one).
    private static IEnumerable<(string Directory, int Iteration)> Checkpoints(string runDirectory) =>
        System.IO.Directory.EnumerateDirectories(runDirectory, "checkpoint_*")
            .Select(d => (Directory: d, Ok: int.TryParse(Path.GetFileName(d)["checkpoint_".Length..], System.Globalization.NumberStyles.None, null, out int it), Iteration: it))
            .Where(c => c.Ok).Select(c => (c.Directory, c.Iteration));

    /// <summary>The file in a checkpoint that says where the run was: iteration and total steps.</summary>
    public const string RunStateFile = "run.json";
    /// <summary>The run's whole configuration, in the run folder (<see cref="RunConfig"/>).</summary>
    public const string ConfigFile = "config.json";

    /// <summary>The file in a checkpoint naming the commit of the binary that wrote it (absent when that binary did not know).</summary>
    public const string SourceCommitFile = "source_commit.txt";

    /// <summary>The run directory.</summary>
    public string Directory { get; }
    /// <summary>The options it was started with.</summary>
    public TrainOptions Options { get; }
    /// <summary>Reward term names (CSV columns).</summary>
    public IReadOnlyList<string> RewardTerms { get; }
    /// <summary>config.json.</summary>
    public string ConfigPath => Path.Combine(Directory, ConfigFile);
    /// <summary>progress.csv.</summary>
    public string CsvPath => Path.Combine(Directory, "progress.csv");
    /// <summary>Iterations recorded so far.</summary>
    public IReadOnlyList<IterationStats> History => _history;

    /// <summary>Appends an iteration to the CSV.</summary>
    public void Record(IterationStats stats)
    {
        _history.Add(stats);
        File.AppendAllText(CsvPath, OnPolicyRunner.CsvRow(stats) + "\n");
    }

    /// <summary>
    /// Writes checkpoint <paramref name="iteration"/> (the iterations done so far) atomically: the algorithm's whole state
    /// (actor.pt and critic.pt with their normalizers, optimizer, generator, learning rate), run.json (iteration, total steps)
    /// and the commit of the binary that trained up to here (<see cref="SourceCommitFile"/>; a resumed run may change binaries),
    /// then, last, the <see cref="CheckpointManifest"/> of them all.
    /// </summary>
    public string Checkpoint(ICheckpointable state, int iteration, long totalSteps, TerrainCurriculum? curriculum = null)
    {
        var dir = Path.Combine(Directory, $"checkpoint_{iteration:D6}");
        var temp = dir + ".tmp";
        if (System.IO.Directory.Exists(temp)) System.IO.Directory.Delete(temp, true);
        System.IO.Directory.CreateDirectory(temp);
        state.SaveState(temp);
        CheckpointFiles.Save(temp, Path.GetFileNameWithoutExtension(RunStateFile), new Dictionary<string, double> { ["iteration"] = iteration, ["total_steps"] = totalSteps });
        if (BuildInfo.SourceCommit is { } commit) File.WriteAllText(Path.Combine(temp, SourceCommitFile), commit + "\n");
        if (curriculum is not null) CurriculumFile.Save(temp, curriculum);
        CheckpointManifest.Write(temp);   // last: a checkpoint without one is torn
        if (System.IO.Directory.Exists(dir)) System.IO.Directory.Delete(dir, true);
        System.IO.Directory.Move(temp, dir);   // a reader never sees half a checkpoint
        return dir;
    }

    /// <summary>Writes learning curves as PNG: returns and episode length, losses, policy statistics.</summary>
    public IReadOnlyList<string> Plot()
    {
        var steps = _history.Select(h => (double)h.TotalSteps).ToArray();
        var files = new List<string>();
        string Save(string name, string title, string ylabel, params (string Label, double[] Values)[] series)
        {
            var plt = new ScottPlot.Plot();
            foreach (var (label, values) in series)
            {
                var finite = values.Select((v, i) => (v, i)).Where(p => double.IsFinite(p.v)).ToArray();
                if (finite.Length == 0) continue;
                var s = plt.Add.Scatter(finite.Select(p => steps[p.i]).ToArray(), finite.Select(p => p.v).ToArray());
                s.LegendText = label;
                s.MarkerSize = 0;
            }
            plt.Title(title);
            plt.XLabel("environment steps");
            plt.YLabel(ylabel);
            plt.ShowLegend();
            var path = Path.Combine(Directory, name);
            plt.SavePng(path, 900, 500);
            files.Add(path);
            return path;
        }
        Save("returns.png", "Episode return", "return", ("mean episode return", _history.Select(h => h.MeanEpisodeReturn).ToArray()));
        Save("episode_length.png", "Episode length", "steps", ("mean episode length", _history.Select(h => h.MeanEpisodeLength).ToArray()));
        Save("losses.png", "Losses", "loss", ("value loss", _history.Select(h => h.Update.ValueLoss).ToArray()), ("surrogate", _history.Select(h => h.Update.Surrogate).ToArray()));
        Save("policy.png", "Policy", "", ("noise std", _history.Select(h => h.Update.NoiseStd).ToArray()), ("KL", _history.Select(h => h.Update.Kl).ToArray()),
            ("clip fraction", _history.Select(h => h.Update.ClipFraction).ToArray()));
        if (_history.Count > 0 && _history[^1].Terrain is { } last)
            Save("terrain.png", "Terrain curriculum", "level / share",
                [("mean level", _history.Select(h => h.Terrain?.MeanLevel ?? double.NaN).ToArray()),
                 .. Enumerable.Range(0, last.LevelShares.Count).Select(l => ($"share on level {l}", _history.Select(h => h.Terrain is { } t && l < t.LevelShares.Count ? t.LevelShares[l] : double.NaN).ToArray()))]);
        if (RewardTerms.Count > 0)
            Save("reward_terms.png", "Reward terms per episode", "sum over episode",
                RewardTerms.Select(t => (t, _history.Select(h => h.RewardTerms.TryGetValue(t, out var v) ? v : double.NaN).ToArray())).ToArray());
        return files;
    }
}
