using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Deploy.Contract;

namespace Robotics.Sim.Envs;

/// <summary>
/// What one MuJoCo task is: its model, how actions become controls, what it observes, rewards and
/// when its episodes end. <see cref="MjVecEnv"/> calls it for each environment, from several threads
/// at once but never for the same environment concurrently; per-environment state lives in arrays
/// indexed by <c>env</c>, allocated by <see cref="Initialize"/>. None of the per-step calls may allocate.
/// </summary>
public interface IMjTask
{
    /// <summary>Task name, e.g. <c>cartpole_swingup</c>.</summary>
    string Name { get; }

    /// <summary>The model every environment of the task simulates (shared, read-only while stepping).</summary>
    MjModel Model { get; }

    /// <summary>Width of an action.</summary>
    int ActionDim { get; }

    /// <summary>Physics steps per environment step (policy period = timestep × decimation).</summary>
    int Decimation { get; }

    /// <summary>Environment steps after which an episode is truncated.</summary>
    int MaxEpisodeSteps { get; }

    /// <summary>The observation groups, by name.</summary>
    IReadOnlyList<ObservationGroup> ObservationGroups { get; }

    /// <summary>Allocates per-environment state for <paramref name="numEnvs"/> environments.</summary>
    void Initialize(int numEnvs);

    /// <summary>Starts a new episode: sets the state of <paramref name="data"/>, drawing randomness from <paramref name="rng"/> only.</summary>
    void Reset(int env, MjData data, ref Rng rng);

    /// <summary>The model environment <paramref name="env"/> simulates: <see cref="Model"/>, or its own randomized copy.</summary>
    MjModel ModelFor(int env) => Model;

    /// <summary>
    /// Applies one action (tasks with an action map clip it to the contract's action.clip) and advances the physics by <see cref="Decimation"/> steps, running
    /// whatever the actuators do at the physics rate; <paramref name="rng"/> serves latency, noise and pushes.
    /// </summary>
    void Simulate(int env, MjData data, ReadOnlySpan<float> action, ref Rng rng);

    /// <summary>Names of the reward terms <see cref="Reward"/> reports (may be empty).</summary>
    IReadOnlyList<string> RewardTerms => Array.Empty<string>();

    /// <summary>Writes observation group <paramref name="group"/> (index into <see cref="ObservationGroups"/>) into <paramref name="destination"/>; <paramref name="rng"/> serves sensor noise.</summary>
    void Observe(int env, MjData data, int group, Span<float> destination, ref Rng rng);

    /// <summary>Reward for the step just taken; each term's weighted contribution goes to <paramref name="terms"/> [RewardTerms.Count].</summary>
    float Reward(int env, MjData data, ReadOnlySpan<float> action, Span<float> terms);

    /// <summary>True when the state is terminal.</summary>
    bool IsTerminated(int env, MjData data);
}
