using Robotics.Sim.Random;
using Robotics.Training.Distributed;
using Robotics.Training.Models;
using Robotics.Training.Storage;
using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Algorithms;

/// <summary>What every algorithm is built from: the sizes of one run, its networks, device and training seed.</summary>
/// <param name="PolicyDim">Width of the <c>policy</c> observation group.</param>
/// <param name="CriticDim">Width of the <c>critic</c> group (the policy group's when the task has none).</param>
/// <param name="ActionDim">Width of an action.</param>
/// <param name="Envs">Parallel environments N.</param>
/// <param name="StepsPerEnv">Rollout length T: steps per environment per iteration (a run setting, not an algorithm's).</param>
/// <param name="Network">Actor and critic settings.</param>
/// <param name="Device">Where the networks and storage live.</param>
/// <param name="Seed">The training seed: network initialization and every draw the algorithm makes.</param>
public sealed record AlgorithmSpec(int PolicyDim, int CriticDim, int ActionDim, int Envs, int StepsPerEnv, NetworkConfig Network, Device Device, ulong Seed)
{
    /// <summary>The task's longest episode in steps: sizes the episode storage of <see cref="Grpo"/>, which runs whole episodes.</summary>
    public int MaxEpisodeSteps { get; init; }

    /// <summary>The ranks this algorithm trains with (<see cref="DataParallel.Single"/>: this process alone); <see cref="Envs"/> is per rank.</summary>
    public DataParallel Parallel { get; init; } = DataParallel.Single;
}

/// <summary>
/// The state every algorithm owns and none repeats: the actor and (optionally) the critic on their device,
/// seeded in one step; the sampling generator; the storage; the regularizer and reward scaler; the optimizers
/// and other modules an algorithm adds. It writes and reads all of it as one checkpoint and disposes all of it.
/// </summary>
/// <remarks>
/// The order of construction is the order of random draws: libtorch's global generator is seeded, the actor
/// is initialized, then the critic, then the regularizer's base policy (when it has one); the sampling
/// generator is separate and seeded with the same value. Checkpoint files keep their names
/// (<c>actor.pt</c>, <c>critic.pt</c>, <c>generator.bin</c>, <c>base_policy.pt</c>, <c>reward_scaler</c>, and
/// what the <c>Track…</c> calls name).
/// </remarks>
public sealed class AlgorithmState : IDisposable, ICheckpointable
{
    // What a checkpoint holds, each part written and read by its own pair; and what else is disposed with the state.
    private readonly List<(string Name, Action<string> Save, Action<string> Load)> _parts = new();
    private readonly HashSet<string> _optimizers = new();
    private readonly List<IDisposable> _tracked = new();

    private AlgorithmState(AlgorithmSpec spec, bool critic, RegularizerConfig regularizers, double? scaleRewardsGamma, bool episodes)
    {
        Spec = spec;
        // Seeding: network initialization draws from libtorch's process-global generator, so build one algorithm at a time.
        manual_seed((long)(spec.Seed & long.MaxValue));
        Actor = new GaussianActor(spec.PolicyDim, spec.ActionDim, spec.Network);
        if (critic) Critic = new Critic(spec.CriticDim, spec.Network);
        Actor.to(spec.Device);
        Critic?.to(spec.Device);
        Regularizer = new Regularizer(Actor, spec.PolicyDim, spec.ActionDim, spec.Network, regularizers);
        // Rank 0 draws what a single process draws; the other ranks their own streams (see RederiveRankState).
        Generator = new Generator(spec.Parallel.IsRoot ? spec.Seed : RankSeed(spec, 0));
        if (episodes) Episodes = new EpisodeStorage(spec.MaxEpisodeSteps, spec.Envs, spec.PolicyDim, spec.ActionDim, spec.Device);
        else Rollout = new RolloutStorage(spec.StepsPerEnv, spec.Envs, spec.PolicyDim, spec.CriticDim, spec.ActionDim, spec.Device);
        if (scaleRewardsGamma is { } gamma) RewardScaler = new RewardScaler(spec.Envs, gamma, spec.Device, parallel: spec.Parallel);

        Part("actor", d => CheckpointFiles.Save(d, "actor", Actor), d => CheckpointFiles.Load(d, "actor", Actor));
        if (Critic is { } c) Part("critic", d => CheckpointFiles.Save(d, "critic", c), d => CheckpointFiles.Load(d, "critic", c));
        Part("generator", d => CheckpointFiles.Save(d, "generator", Generator), d => CheckpointFiles.Load(d, "generator", Generator));
        if (RewardScaler is { } r) Part("reward_scaler", d => r.SaveState(d, "reward_scaler"), d => r.LoadState(d, "reward_scaler"));
        Part("regularizer", Regularizer.SaveState, Regularizer.LoadState);
    }

    private void Part(string name, Action<string> save, Action<string> load) => _parts.Add((name, save, load));

    /// <summary>
    /// The state of an actor-critic algorithm on [T, N] rollouts: actor, critic, <see cref="RolloutStorage"/>, the
    /// regularizers, and a reward scaler of discount <paramref name="scaleRewardsGamma"/> when that is given.
    /// </summary>
    public static AlgorithmState ActorCritic(AlgorithmSpec spec, RegularizerConfig regularizers, double? scaleRewardsGamma = null)
    {
        if (spec.StepsPerEnv < 1) throw new ArgumentException($"StepsPerEnv = {spec.StepsPerEnv}: must be ≥ 1");
        return new(spec, critic: true, regularizers, scaleRewardsGamma, episodes: false);
    }

    /// <summary>The state of a critic-free algorithm on whole episodes (<see cref="Grpo"/>): actor and <see cref="EpisodeStorage"/> of <see cref="AlgorithmSpec.MaxEpisodeSteps"/>.</summary>
    public static AlgorithmState ActorOnly(AlgorithmSpec spec)
    {
        if (spec.MaxEpisodeSteps < 1) throw new ArgumentException($"MaxEpisodeSteps = {spec.MaxEpisodeSteps}: must be ≥ 1");
        return new(spec, critic: false, new RegularizerConfig(), scaleRewardsGamma: null, episodes: true);
    }

    /// <summary>What the state was built from.</summary>
    public AlgorithmSpec Spec { get; }
    /// <summary>Where the networks live.</summary>
    public Device Device => Spec.Device;
    /// <summary>The ranks this state trains with.</summary>
    public DataParallel Parallel => Spec.Parallel;
    /// <summary>The policy.</summary>
    public GaussianActor Actor { get; }
    /// <summary>The value function; null for a critic-free algorithm.</summary>
    public Critic? Critic { get; }
    /// <summary>The generator of every draw after initialization: action noise, minibatch order.</summary>
    public Generator Generator { get; }
    /// <summary>The [T, N] rollout of the current iteration (actor-critic algorithms); null otherwise.</summary>
    public RolloutStorage? Rollout { get; }
    /// <summary>The batch of whole episodes of the current iteration (critic-free algorithms); null otherwise.</summary>
    public EpisodeStorage? Episodes { get; }
    /// <summary>The entropy bonus and the KL to a base policy.</summary>
    public Regularizer Regularizer { get; }
    /// <summary>Divides rewards by a running std of the return; null when rewards are not scaled.</summary>
    public RewardScaler? RewardScaler { get; }

    /// <summary>Adds an optimizer whose state goes into checkpoints as <c>name.pt</c>, and is disposed with the state.</summary>
    public T TrackOptimizer<T>(string name, T optimizer) where T : optim.Optimizer
    {
        Part(name, d => CheckpointFiles.Save(d, name, optimizer), d => CheckpointFiles.Load(d, name, optimizer));
        _optimizers.Add(name);
        _tracked.Add(optimizer);
        return optimizer;
    }

    /// <summary>Adds a module (e.g. a reference policy) saved as <c>name.pt</c> and disposed with the state.</summary>
    public T TrackModule<T>(string name, T module) where T : nn.Module
    {
        Part(name, d => CheckpointFiles.Save(d, name, module), d => CheckpointFiles.Load(d, name, module));
        _tracked.Add(module);
        return module;
    }

    /// <summary>Adds named scalars (a learning rate, a counter) saved as <c>name.json</c> and restored through <paramref name="load"/>.</summary>
    public void TrackScalars(string name, Func<IReadOnlyDictionary<string, double>> save, Action<IReadOnlyDictionary<string, double>> load) =>
        Part(name, d => CheckpointFiles.Save(d, name, save()), d => load(CheckpointFiles.LoadScalars(d, name)));

    // DESIGN: a checkpoint is written by rank 0 alone and holds rank 0's state. What is private to another rank (its
    // generator, its environments' running discounted returns) is not saved per rank: it is re-derived from
    // (seed, rank, iteration) at every checkpoint, by the run that goes on and by the run resumed from it alike, so a
    // resume with the same ranks continues bit-identically and one with other ranks still has every rank's state.
    /// <summary>
    /// On a rank other than 0: reseeds the generator from (seed, rank, <paramref name="iteration"/>) and restarts the
    /// reward scaler's running returns, after a checkpoint at that iteration. Rank 0 keeps its state (it is the checkpoint's).
    /// </summary>
    public void RederiveRankState(int iteration)
    {
        if (Parallel.IsRoot) return;
        using var fresh = new Generator(RankSeed(Spec, iteration));
        using var state = fresh.get_state();
        Generator.set_state(state);
        RewardScaler?.RestartReturns();
    }

    private static ulong RankSeed(AlgorithmSpec spec, int iteration) =>
        Rng.Derive(Rng.Derive(spec.Seed, "rank", spec.Parallel.Rank), "checkpoint", iteration);

    /// <inheritdoc/>
    public void SaveState(string directory)
    {
        foreach (var (_, save, _) in _parts) save(directory);
    }

    /// <inheritdoc/>
    /// <remarks>The folder is checked against its <see cref="CheckpointManifest"/> before any file is read.</remarks>
    public void LoadState(string directory)
    {
        if (!CheckpointManifest.Verify(directory)) CheckSizes(directory);
        foreach (var (_, _, load) in _parts) load(directory);
    }

    /// <summary>
    /// Loads everything but the networks and the optimizers (learning rate, generator, regularizers, reward scaler):
    /// what a fine-tuning run keeps when its networks came from <see cref="Runner.InitFrom.Transplant"/>.
    /// </summary>
    public void LoadAllButNetworks(string directory)
    {
        foreach (var (name, _, load) in _parts)
            if (name is not ("actor" or "critic") && !_optimizers.Contains(name)) load(directory);
    }

    // DESIGN: a checkpoint written before manifests existed (the shipped Go1 runs' among them) is still loaded, checked by
    // what this state knows: every binary file it would write (networks, optimizer moments, generator) has a size fixed by
    // the shapes, so each file on disk must be exactly as long as this state's own, which catches a truncated file before
    // libtorch reads it. Flipped bytes of the same length cannot be told from training without a hash; the generator's
    // length is checked again at load and the networks' values for finiteness. Refusing such checkpoints, or writing a
    // manifest into them on first load (which would bless a file already damaged), were rejected.
    private void CheckSizes(string directory)
    {
        var reference = Directory.CreateTempSubdirectory("robotics-checkpoint-sizes-");
        try
        {
            SaveState(reference.FullName);
            foreach (var own in reference.GetFiles().Where(f => f.Extension is ".pt" or ".bin"))
            {
                var file = new FileInfo(Path.Combine(directory, own.Name));
                if (file.Exists && file.Length != own.Length)
                    throw new UserError($"{file.FullName}: {file.Length} bytes, this run's {own.Name} has {own.Length}: the file is truncated or is not of this network");
            }
        }
        finally { reference.Delete(recursive: true); }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Rollout?.Dispose();
        Episodes?.Dispose();
        RewardScaler?.Dispose();
        foreach (var t in _tracked) t.Dispose();
        Regularizer.Dispose();
        Actor.Dispose();
        Critic?.Dispose();
        Generator.Dispose();
    }
}
