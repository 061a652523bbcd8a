using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Sim.Interop;
using Robotics.Sim.Tasks.Manipulation;

namespace Robotics.Sim.Tests.Tasks;

/// <summary>
/// The reach task is solvable as specified: a scripted damped-least-squares controller, reading only
/// the policy's own observations (ee_to_target, orientation_error) and the arm's Jacobian, reaches the
/// sampled targets within 2 cm and 0.1 rad under the task's randomization.
/// </summary>
public class ReachSolvableTests
{
    [Fact]
    public unsafe void Jacobian_controller_succeeds_on_sampled_targets()
    {
        const int envs = 8;
        using var env = new MjVecEnv(ManipulationTask.Load(ManipulationTaskTests.Reach), envs, 2, seed: 21, ownsTask: true);
        var task = (ManipulationTask)env.Task;
        var critic = env.ObservationGroups.Single(g => g.Name == ObservationGroup.Critic);
        int posAt = critic.OffsetOf("ee_to_target"), rotAt = critic.OffsetOf("orientation_error");
        var jac = new double[6 * task.Model.Nv];
        var actions = new float[envs * 7];
        int successes = 0, episodes = 0;
        for (int t = 0; t < task.MaxEpisodeSteps && episodes < envs; t++)
        {
            var obs = env.Observations(ObservationGroup.Critic);
            for (int i = 0; i < envs; i++)
            {
                var data = env.Data(i);
                int ee = data.Model.BodyId("ee");
                fixed (double* j = jac) MuJoCoNative.mj_jacBody(data.Model.Native, data.Native, j, j + 3 * task.Model.Nv, ee);
                var e = new double[6];
                for (int k = 0; k < 3; k++) { e[k] = obs[i * critic.Dim + posAt + k]; e[3 + k] = obs[i * critic.Dim + rotAt + k]; }
                // Six joints solve the six-dimensional error; joint 3 (the redundant one) is held at its
                // ready position, so there is no null space to drift in.
                var solve = new[] { 0, 1, 3, 4, 5, 6 };
                var dofs = solve.Select(k => task.Actuators.DofAddress[k]).ToArray();
                var dq = DampedLeastSquares(jac, task.Model.Nv, dofs, e, lambda: 0.05);
                var step = new double[7];
                for (int k = 0; k < solve.Length; k++) step[solve[k]] = dq[k] / task.Config.ActionScale;
                step[2] = 0.5 * (task.Config.DefaultJointPos[2] - data.Qpos[task.Actuators.QposAddress[2]]) / task.Config.ActionScale;
                for (int k = 0; k < 7; k++) actions[i * 7 + k] = (float)Math.Clamp(step[k], -1, 1);
            }
            env.Step(actions);
            for (int i = 0; i < envs; i++)
                if (env.Truncated[i]) { episodes++; if (task.FinalSuccess(i)) successes++; }
        }
        Assert.Equal(envs, episodes);
        Assert.True(successes >= envs - 1, $"{successes}/{envs} episodes ended within 2 cm and 0.1 rad");
    }

    // dq = Jᵀ (J Jᵀ + λ² I)⁻¹ e over the arm's dofs; J is 6 × nv row-major (position rows, then rotation rows).
    private static double[] DampedLeastSquares(double[] jac, int nv, int[] dofs, double[] e, double lambda)
    {
        int n = dofs.Length;
        var a = new double[6, 7];   // [J Jᵀ + λ² I | e]
        for (int r = 0; r < 6; r++)
            for (int c = 0; c < 6; c++)
            {
                double s = 0;
                foreach (var d in dofs) s += jac[r * nv + d] * jac[c * nv + d];
                a[r, c] = s + (r == c ? lambda * lambda : 0);
            }
        for (int r = 0; r < 6; r++) a[r, 6] = e[r];
        for (int p = 0; p < 6; p++)   // Gauss–Jordan with partial pivoting
        {
            int best = p;
            for (int r = p + 1; r < 6; r++) if (Math.Abs(a[r, p]) > Math.Abs(a[best, p])) best = r;
            for (int c = 0; c < 7; c++) (a[p, c], a[best, c]) = (a[best, c], a[p, c]);
            for (int r = 0; r < 6; r++)
            {
                if (r == p) continue;
                double f = a[r, p] / a[p, p];
                for (int c = p; c < 7; c++) a[r, c] -= f * a[p, c];
            }
        }
        var y = new double[6];
        for (int r = 0; r < 6; r++) y[r] = a[r, 6] / a[r, r];
        var dq = new double[n];
        for (int k = 0; k < n; k++)
            for (int r = 0; r < 6; r++) dq[k] += jac[r * nv + dofs[k]] * y[r];
        return dq;
    }
}
