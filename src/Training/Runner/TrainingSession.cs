using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Sim.Random;
using Robotics.Sim.Terrain;
using Robotics.Sim.Tasks;
using Robotics.Training.Algorithms;
using Robotics.Training.Distributed;
using static TorchSharp.torch;

namespace Robotics.Training.Runner;

/// <summary>
/// One training run from start (or from a checkpoint) to its last iteration: the task's environments,
/// the algorithm, the runner and the run directory, with a checkpoint every
/// <see cref="TrainOptions.CheckpointEvery"/> iterations and at the end.
/// </summary>
/// <remarks>
/// Every checkpoint is followed by a reset of all environments from the stream (seed, "checkpoint",
/// iteration), their first episodes staggered (<see cref="MjVecEnv.StaggerEpisodes"/>), as at the start. A checkpoint therefore holds the whole state a run continues from — the algorithm's
/// networks, normalizers, optimizer moments, learning rate and generator, plus the iteration and step
/// counters — and <see cref="Resume"/> continues bit-identically on CPU to a run that was never stopped.
/// </remarks>
// DESIGN: snapshotting the simulators instead was rejected. MuJoCo 2.2's mjData holds dense njmax×njmax
// constraint matrices (≈2 MB per Go1 environment, 2 GB for 1024), and every task's per-environment state
// (commands, latency lines, push timers, randomized models) would need its own serializer that a new
// field could silently miss. The reset costs each environment one early, bootstrapped truncation per
// CheckpointEvery iterations.
public sealed class TrainingSession : IDisposable
{
    private readonly MjVecEnv _env;
    private readonly IOnPolicyAlgorithm _algorithm;
    private readonly IRolloutLoop _loop;
    private readonly RunSeeds _seeds;
    private readonly DataParallel _parallel;
    private readonly TrainingRun? _run;

    private TrainingSession(TrainOptions options, Device device, string? runDirectory, string? checkpoint, int firstIteration, IEnumerable<string>? notes = null,
        DataParallel? parallel = null)
    {
        _parallel = parallel ?? DataParallel.Single;
        var resumeNotes = new List<string>(notes ?? Array.Empty<string>());
        Options = options;
        Device = device;
        // Seeding, once: every subsystem's stream derives from the run's seed.
        _seeds = RunSeeds.From(options.Seed);
        // With several ranks, a task that fails to load on one of them ends all of them with its message.
        IMjTask task = null!;
        _parallel.Agree("loading the task", () => task = TaskCatalog.Load(options.Task, options.TaskOverrides));
        try { _parallel.Agree("comparing the ranks", () => _parallel.CheckDigest(RunDigest.Of(options))); }
        catch { (task as IDisposable)?.Dispose(); throw; }
        // Rank r's environments are environments r·N … r·N + N − 1 of one process with all ranks' environments.
        _env = new MjVecEnv(task, options.Envs, options.Threads, _seeds.Sim, ownsTask: true, firstIndex: _parallel.Rank * options.Envs);
        _env.StaggerEpisodes(_seeds.Sim);
        try
        {
            int policyDim = _env.ObservationGroups.Single(g => g.Name == ObservationGroup.Policy).Dim;
            int criticDim = (_env.ObservationGroups.FirstOrDefault(g => g.Name == ObservationGroup.Critic) ?? _env.ObservationGroups[0]).Dim;
            var entry = AlgorithmCatalog.Get(options.Algorithm);
            var spec = new AlgorithmSpec(policyDim, criticDim, _env.ActionDim, options.Envs, options.StepsPerEnv, options.Network, device, _seeds.Training)
            {
                MaxEpisodeSteps = task.MaxEpisodeSteps,
                Parallel = _parallel,
            };
            _algorithm = entry.Build(spec, options.AlgorithmConfig());
            // An exported policy brings the actor alone: the critic is fitted under it first (on resume too, so that a
            // checkpoint inside the warm-up has the same state to load).
            bool fromPolicy = options.InitFrom is { } onnx && InitFrom.IsPolicyFile(onnx);
            if (fromPolicy && options.CriticWarmup > 0) _algorithm = new CriticWarmup(_algorithm, options.CriticWarmup);
            // GRPO runs whole episodes from grouped starts; the others fixed windows over auto-resetting environments.
            _loop = _algorithm is Grpo grpo ? new GroupRolloutCollector(_env, grpo, device, GroupSeed()) : new OnPolicyRunner(_env, _algorithm, options.StepsPerEnv, device);
            // The checkpoint reset cuts every episode: with a period shorter than the task's episode, no episode
            // reaches its time limit, and the states late in an episode are never trained on.
            int period = options.CheckpointEvery * options.StepsPerEnv;
            if (!entry.Episodic && period < task.MaxEpisodeSteps)
                CheckpointWarning = $"--checkpoint-every {options.CheckpointEvery}: {options.CheckpointEvery} × {options.StepsPerEnv} steps = {period} " +
                    $"is shorter than {task.Name}'s episode ({task.MaxEpisodeSteps} steps), and every checkpoint resets all environments: " +
                    $"no episode will reach its time limit (--checkpoint-every ≥ {(task.MaxEpisodeSteps + options.StepsPerEnv - 1) / options.StepsPerEnv} avoids that)";
            NextIteration = firstIteration;
            // A fine-tuning run starts from another run's networks, normalizers and optimizer, at its own iteration 0.
            if (checkpoint is null && fromPolicy)
                resumeNotes.Add(InitFrom.FromPolicyFile(options.InitFrom!, _algorithm.State,
                    RunObservationGroup.Of(_env.ObservationGroups.Single(g => g.Name == ObservationGroup.Policy))) +
                    (options.CriticWarmup > 0 ? $", fitted for {options.CriticWarmup} iterations before the actor learns (--critic-warmup)" : ""));
            else if (checkpoint is null && options.InitFrom is { } init)
            {
                CheckpointManifest.Verify(init);   // a damaged file is named as such, not as a misfit
                // A source whose networks saw other observations (flat ground's critic, for rough terrain's) is mapped term by term.
                var target = _env.ObservationGroups.Select(RunObservationGroup.Of).ToArray();
                if (InitFrom.SourceGroups(init) is { } source && !InitFrom.NetworksSeeTheSame(source, target))
                    resumeNotes.Add(InitFrom.Transplant(init, _algorithm.State, source, target));
                else
                {
                    try { _algorithm.State.LoadState(init); }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        throw new UserError($"--init-from {init}: does not fit {task.Name} with these network settings: {e.Message}", e);
                    }
                }
            }
            if (checkpoint is not null)
            {
                _algorithm.State.LoadState(checkpoint);
                var state = CheckpointFiles.LoadScalars(checkpoint, Path.GetFileNameWithoutExtension(TrainingRun.RunStateFile));
                _loop.TotalSteps = (long)state["total_steps"];
                // Before the reset: it spawns every environment on the tile its level says.
                if (Curriculum is { } curriculum) CurriculumFile.Load(checkpoint, curriculum);
                ResetEnvironments(firstIteration);
            }
            // Every rank starts from rank 0's networks and normalizers (they agree already when all built them from one seed or checkpoint).
            _parallel.BroadcastModule(_algorithm.State.Actor);
            if (_algorithm.State.Critic is { } critic) _parallel.BroadcastModule(critic);
            // The run folder is changed (rows dropped, later checkpoints moved aside) only once the checkpoint has loaded.
            // Rank 0 alone writes the run's files.
            if (_parallel.IsRoot)
            {
                _run = runDirectory is null ? new TrainingRun(options, task.Name, _env, Launch.Of(_parallel)) : TrainingRun.Continue(runDirectory, options, firstIteration);
                resumeNotes.AddRange(_run.Notes);
            }
            if (runDirectory is not null && (options as RunConfig)?.Ranks is var ranks && (ranks ?? 1) != _parallel.Size)
                resumeNotes.Add($"the run was trained with {ranks ?? 1} rank(s) and continues with {_parallel.Size}: it goes on from the checkpoint, but not bit-identically to a run that was never stopped");
            ResumeNotes = resumeNotes;
        }
        catch
        {
            _algorithm?.Dispose();
            _env.Dispose();
            throw;
        }
    }

    /// <summary>Starts a new run (a new run directory) with <paramref name="options"/>.</summary>
    /// <remarks>With <paramref name="parallel"/>'s ranks, <see cref="TrainOptions.Envs"/> is per rank; only rank 0 has a <see cref="Run"/>.</remarks>
    public static TrainingSession Start(TrainOptions options, Device device, DataParallel? parallel = null) => new(options.Validate(), device, null, null, 0, parallel: parallel);

    /// <summary>
    /// Continues the run in <paramref name="directory"/> (a run directory: from its latest checkpoint; or one of
    /// its checkpoint folders) in the same directory, up to <paramref name="iterations"/> in all (default: the
    /// run's own). <paramref name="threads"/> may differ from the run's: results do not depend on it. A checkpoint other
    /// than the run's last starts a branch: the later ones are moved aside (<see cref="TrainingRun.Continue"/>);
    /// <see cref="ResumeNotes"/> says so.
    /// </summary>
    /// <exception cref="UserError">The folder is not a run or a checkpoint, or the checkpoint does not fit the task.</exception>
    public static TrainingSession Resume(string directory, Device device, int? iterations = null, int? threads = null, DataParallel? parallel = null)
    {
        var path = Path.GetFullPath(directory);
        if (!Directory.Exists(path)) throw new UserError($"{path}: no such run directory");
        string runDir, checkpoint;
        int done;
        var notes = new List<string>();
        if (File.Exists(Path.Combine(path, TrainingRun.RunStateFile)))
        {
            runDir = Path.GetDirectoryName(path)!;
            checkpoint = path;
            done = (int)CheckpointFiles.LoadScalars(path, Path.GetFileNameWithoutExtension(TrainingRun.RunStateFile))["iteration"];
        }
        else
        {
            (checkpoint, done) = TrainingRun.LatestCheckpoint(path, notes) ?? throw new UserError(
                $"{path} has no complete checkpoint to resume from{(notes.Count > 0 ? $" ({string.Join("; ", notes)})" : "")}");
            runDir = path;
        }
        var options = TrainingRun.ReadOptions(runDir);
        options = options with { Iterations = iterations ?? options.Iterations, Threads = threads ?? options.Threads };
        options.Validate();
        if (done >= options.Iterations) throw new UserError($"{checkpoint} is iteration {done}; the run asks for {options.Iterations}: nothing to do (pass more iterations)");
        return new TrainingSession(options, device, runDir, checkpoint, done, notes, parallel);
    }

    /// <summary>What the run does.</summary>
    public TrainOptions Options { get; }
    /// <summary>Where the networks live.</summary>
    public Device Device { get; }
    /// <summary>The run directory and its records (rank 0's; other ranks write none and throw here).</summary>
    public TrainingRun Run => _run ?? throw new InvalidOperationException($"rank {_parallel.Rank} writes no run files; only rank 0 has a Run");
    /// <summary>SHA-256 of the networks at the last checkpoint, checked identical on every rank (null before the first).</summary>
    public string? ParameterDigest { get; private set; }
    /// <summary>The ranks this session trains with.</summary>
    public DataParallel Parallel => _parallel;
    /// <summary>The environments.</summary>
    public MjVecEnv Env => _env;
    /// <summary>The algorithm.</summary>
    public IOnPolicyAlgorithm Algorithm => _algorithm;
    /// <summary>Environment steps so far, over the whole run.</summary>
    public long TotalSteps => _loop.TotalSteps;
    /// <summary>
    /// Why this run's checkpoints will cut every episode short (its checkpoint period is shorter than the task's
    /// episode), or null when they do not. A warning, not an error: tests and short runs checkpoint often on purpose.
    /// </summary>
    public string? CheckpointWarning { get; }

    /// <summary>
    /// What resuming did besides loading the checkpoint, one sentence each: incomplete checkpoints skipped, a torn last row of
    /// progress.csv dropped, later checkpoints moved aside into a branch. Empty for a new run or a clean resume.
    /// </summary>
    public IReadOnlyList<string> ResumeNotes { get; }

    /// <summary>The terrain curriculum of the task's environments (a task on generated terrain), or null.</summary>
    public TerrainCurriculum? Curriculum => (_env.Task as ITerrainTask)?.Curriculum;

    /// <summary>The iteration the next call to <see cref="Learn"/> starts with (0 for a new run).</summary>
    public int NextIteration { get; private set; }

    /// <summary>
    /// Runs the remaining iterations, calling <paramref name="onIteration"/> after each; returns the last checkpoint folder.
    /// When <paramref name="stopAfter"/> says so, the run stops early with a checkpoint at that iteration.
    /// </summary>
    public string Learn(Action<IterationStats>? onIteration = null, Func<IterationStats, bool>? stopAfter = null)
    {
        string last = "";
        int total = Options.Iterations;
        _loop.Learn(total - NextIteration, s =>
        {
            if (Curriculum is { } curriculum) s = s with { Terrain = TerrainStats.Of(curriculum) };
            _run?.Record(s);
            if (_parallel.IsActive) RecordCommunication(s);
            int done = s.Iteration + 1;
            NextIteration = done;
            if (done % Options.CheckpointEvery == 0 || done == total) last = Checkpoint(done);
            onIteration?.Invoke(s);
        }, NextIteration, total, s =>
        {
            if (stopAfter?.Invoke(s) != true) return false;
            int done = s.Iteration + 1;
            if (done % Options.CheckpointEvery != 0 && done != total) last = Checkpoint(done);
            return true;
        });
        return last;
    }

    // GRPO's groups stay within a rank: each rank draws its own group starts (a single process keeps the run's stream).
    private ulong GroupSeed() => _parallel.IsActive ? Rng.Derive(_seeds.Groups, "rank", _parallel.Rank) : _seeds.Groups;

    /// <summary>A data-parallel run's communication.csv (rank 0's): seconds each iteration spent in collectives, and their share of it.</summary>
    public const string CommunicationFile = "communication.csv";

    /// <summary>
    /// Each rank's collection rate [environment steps/s of its own environments over its own collection time], summed
    /// over the iterations so far (divide by <see cref="RankRateIterations"/>); empty for a single process. [ranks]
    /// </summary>
    public double[] RankCollectRateSums { get; private set; } = [];

    /// <summary>Iterations summed in <see cref="RankCollectRateSums"/>.</summary>
    public int RankRateIterations { get; private set; }

    private void RecordCommunication(IterationStats s)
    {
        double seconds = _parallel.TakeCommunicationSeconds();
        // Every rank's own collection rate, gathered (each fills its slot of a zero vector, summed): the slowest rank sets
        // the pace of all, and a user spreading ranks over unequal machines needs to see which.
        var rates = new double[_parallel.Size];
        double stepsPerRank = s.StepsPerSecond * (s.CollectSeconds + s.LearnSeconds) / _parallel.Size;
        rates[_parallel.Rank] = s.CollectSeconds > 0 ? stepsPerRank / s.CollectSeconds : 0;
        _parallel.SumInPlace(rates);
        if (RankCollectRateSums.Length != rates.Length) RankCollectRateSums = new double[rates.Length];
        for (int r = 0; r < rates.Length; r++) RankCollectRateSums[r] += rates[r];
        RankRateIterations++;
        if (_run is null) return;
        var path = Path.Combine(_run.Directory, CommunicationFile);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (!File.Exists(path))
            File.WriteAllText(path, "iteration,ranks,collective_s,iteration_s,share" + string.Concat(Enumerable.Range(0, rates.Length).Select(r => $",collect_sps_rank{r}")) + "\n");
        double total = s.CollectSeconds + s.LearnSeconds;
        File.AppendAllText(path, string.Create(inv, $"{s.Iteration},{_parallel.Size},{seconds:G6},{total:G6},{seconds / total:G6}") +
            string.Concat(rates.Select(r => "," + r.ToString("G6", inv))) + "\n");
    }

    // A checkpoint, then the reset every run (stopped or not) makes at that iteration.
    private string Checkpoint(int done)
    {
        // Every rank applied the same averaged steps; a drift (a nondeterministic reduction, a rank of another build) stops here.
        ParameterDigest = _parallel.CheckIdenticalParameters(_algorithm.State.Actor, _algorithm.State.Critic);
        var dir = _run?.Checkpoint(_algorithm.State, done, _loop.TotalSteps, Curriculum) ?? "";
        ResetEnvironments(done);
        return dir;
    }

    // All environments from the stream (seed, "checkpoint", iteration), their first episodes cut at random
    // lengths so that their time limits do not fall together (rsl_rl's init_at_random_ep_len).
    private void ResetEnvironments(int iteration)
    {
        ulong seed = Rng.Derive(_seeds.Sim, "checkpoint", iteration);
        _algorithm.State.RederiveRankState(iteration);
        // The cut episodes do not move anyone on the terrain curriculum (TerrainCurriculum.Paused).
        if (Curriculum is { } curriculum) curriculum.Paused = true;
        try
        {
            _env.Reset(seed);
            _env.StaggerEpisodes(seed);
        }
        finally { if (Curriculum is { } c) c.Paused = false; }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _algorithm.Dispose();
        _env.Dispose();
    }
}
