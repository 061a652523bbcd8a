namespace Robotics.Sim.Envs;

/// <summary>
/// A vectorized environment that can start groups of its copies from one sampled situation, for
/// group-relative methods (GRPO): environments [g·G, (g+1)·G) begin their next episode from the same
/// initial state, command and randomized model, so that their returns differ only through the actions.
/// </summary>
public interface IGroupResettable
{
    /// <summary>
    /// Resets every environment; the <paramref name="groupSize"/> copies of each group start from one draw
    /// of the reset distribution (state, command, domain randomization, the first observation's noise).
    /// Group g's draw depends only on (<paramref name="seed"/>, g). Fills the observations like a reset.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="groupSize"/> &lt; 1 or does not divide the number of environments.</exception>
    void ResetGroups(int groupSize, ulong seed);
}
