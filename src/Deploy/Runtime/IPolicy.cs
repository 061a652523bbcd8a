namespace Robotics.Deploy.Runtime;

/// <summary>
/// A deterministic control policy as the robot runs it: one observation in, one action out, once per
/// control period. Implementations preallocate everything and allocate nothing per call, so the
/// real-time loop can call <see cref="Run"/> on its hot path.
/// </summary>
public interface IPolicy
{
    /// <summary>Width of the observation vector the policy reads.</summary>
    int ObservationDim { get; }

    /// <summary>Width of the action vector the policy writes.</summary>
    int ActionDim { get; }

    /// <summary>Computes the action for one observation. observation: [ObservationDim]; action: [ActionDim], overwritten.</summary>
    void Run(ReadOnlySpan<float> observation, Span<float> action);
}
