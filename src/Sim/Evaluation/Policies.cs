using Robotics.Deploy.Runtime;
using Robotics.Sim.Envs;
using Robotics.Sim.Robots;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Tasks.Manipulation;

namespace Robotics.Sim.Evaluation;

/// <summary>Adapters between the robot's one-observation policies and the simulator's batches.</summary>
public static class Policies
{
    /// <summary>Runs <paramref name="policy"/> once per environment: observations [N, obsDim] → actions [N, actDim].</summary>
    public static BatchPolicy Batch(IPolicy policy) => (observations, actions) =>
    {
        int od = policy.ObservationDim, ad = policy.ActionDim;
        if (observations.Length % od != 0 || actions.Length / ad != observations.Length / od)
            throw new ArgumentException($"the policy reads {od} and writes {ad} values per environment; got {observations.Length} observations for {actions.Length} actions");
        for (int i = 0; i < observations.Length / od; i++) policy.Run(observations.Slice(i * od, od), actions.Slice(i * ad, ad));
    };

    /// <summary>The actuated joints of a task's robot in action order, which a deployed policy must match.</summary>
    /// <exception cref="UserError">The task has no robot with PD actuators (e.g. the cart-pole).</exception>
    public static IReadOnlyList<string> JointNames(IMjTask task) => task switch
    {
        LocomotionTask l => l.Actuators.JointNames,
        ManipulationTask m => m.Actuators.JointNames,
        _ => throw new UserError($"task '{task.Name}' has no robot joints to match a policy against"),
    };
}
