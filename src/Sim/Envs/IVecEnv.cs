using Robotics.Deploy.Contract;

namespace Robotics.Sim.Envs;

/// <summary>
/// N environments stepped together. Every buffer is preallocated and row-major, and stays valid (and
/// is overwritten) until the next <see cref="Step"/> or <see cref="Reset"/>.
/// </summary>
/// <remarks>
/// Episodes end in one of two ways, kept apart because learning treats them differently:
/// <see cref="Terminated"/> (a terminal state: the value of what follows is zero) and
/// <see cref="Truncated"/> (the time limit: bootstrap from the value of the final observation).
/// An environment whose episode ended is reset inside <see cref="Step"/>; its row of
/// <see cref="Observations"/> then holds the first observation of the new episode, and its row of
/// <see cref="FinalObservations"/> the last observation of the episode that ended.
/// </remarks>
public interface IVecEnv : IDisposable
{
    /// <summary>Number of environments, N.</summary>
    int NumEnvs { get; }

    /// <summary>Width of one environment's action.</summary>
    int ActionDim { get; }

    /// <summary>Seconds of simulated time per <see cref="Step"/>.</summary>
    double StepDt { get; }

    /// <summary>The observation groups (at least <c>policy</c>; <c>critic</c> for an asymmetric critic).</summary>
    IReadOnlyList<ObservationGroup> ObservationGroups { get; }

    /// <summary>Current observations of a group. [N, dim]</summary>
    ReadOnlySpan<float> Observations(string group);

    /// <summary>Last observations of the episodes that ended at the last step; row i is valid where <c>Terminated[i] || Truncated[i]</c>. [N, dim]</summary>
    ReadOnlySpan<float> FinalObservations(string group);

    /// <summary>Reward of the last step. [N]</summary>
    ReadOnlySpan<float> Rewards { get; }

    /// <summary>The episode reached a terminal state at the last step. [N]</summary>
    ReadOnlySpan<bool> Terminated { get; }

    /// <summary>The episode hit its time limit at the last step (and did not terminate). [N]</summary>
    ReadOnlySpan<bool> Truncated { get; }

    /// <summary>Undiscounted return of the episode that ended at the last step; valid where it ended. [N]</summary>
    ReadOnlySpan<float> EpisodeReturns { get; }

    /// <summary>Length in steps of the episode that ended at the last step; valid where it ended. [N]</summary>
    ReadOnlySpan<int> EpisodeLengths { get; }

    /// <summary>Resets every environment with a fresh seed and fills <see cref="Observations"/>.</summary>
    void Reset(ulong seed);

    /// <summary>Applies one action per environment and advances them all by <see cref="StepDt"/>. actions: [N, actionDim], each in [-1, 1]</summary>
    void Step(ReadOnlySpan<float> actions);
}
