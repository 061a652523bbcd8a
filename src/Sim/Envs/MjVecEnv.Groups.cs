using Robotics.Sim.Random;

namespace Robotics.Sim.Envs;

// Group reset, kept apart from the stepping code: one draw of the reset distribution per group.
public sealed partial class MjVecEnv : IGroupResettable
{
    /// <inheritdoc/>
    /// <remarks>
    /// Every task draws its reset (state, command, randomized model, observation noise) from the
    /// environment's random stream only, so giving the G copies of a group identical streams gives them
    /// one draw. The copies keep those identical streams afterwards: sensor noise, pushes and command
    /// resampling stay common to the group (common random numbers) while the trajectories agree, and the
    /// spread of returns within a group comes from the policy's action sampling.
    /// </remarks>
    // DESIGN: re-seeding each copy with its own stream right after the reset was the alternative; it adds
    // environment noise to the group's spread of returns, which the group baseline cannot remove.
    public void ResetGroups(int groupSize, ulong seed)
    {
        if (groupSize < 1 || NumEnvs % groupSize != 0)
            throw new ArgumentOutOfRangeException(nameof(groupSize), groupSize, $"the group size must divide the {NumEnvs} environments");
        for (int i = 0; i < NumEnvs; i++) _rng[i] = Rng.For(seed, "group", i / groupSize);
        Run(_resetSlice);
    }
}
