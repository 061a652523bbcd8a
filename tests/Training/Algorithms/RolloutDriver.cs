using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Training.Algorithms;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Algorithms;

/// <summary>Collects one rollout into an algorithm by hand (what OnPolicyRunner does, without the update), so a test can look between the steps.</summary>
internal static class RolloutDriver
{
    public static void Collect(IVecEnv env, IOnPolicyAlgorithm alg, int steps)
    {
        int p = env.ObservationGroups.Single(g => g.Name == ObservationGroup.Policy).Dim;
        var cg = env.ObservationGroups.FirstOrDefault(g => g.Name == ObservationGroup.Critic) ?? env.ObservationGroups[0];
        Tensor T(ReadOnlySpan<float> v, int dim) => dim == 0 ? tensor(v.ToArray()) : tensor(v.ToArray(), new long[] { v.Length / dim, dim });
        Tensor Flags(ReadOnlySpan<bool> v) => tensor(v.ToArray().Select(b => b ? 1f : 0f).ToArray());
        for (int t = 0; t < steps; t++)
        {
            using var scope = NewDisposeScope();
            var actions = alg.Act(T(env.Observations(ObservationGroup.Policy), p), T(env.Observations(cg.Name), cg.Dim));
            env.Step(actions.data<float>().ToArray());
            alg.ProcessStep(T(env.Rewards, 0), Flags(env.Terminated), Flags(env.Truncated), T(env.FinalObservations(cg.Name), cg.Dim));
        }
        using (NewDisposeScope()) alg.ComputeReturns(T(env.Observations(cg.Name), cg.Dim));
    }
}
