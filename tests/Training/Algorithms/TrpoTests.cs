using Robotics.Training.Algorithms;
using Robotics.Training.Devices;
using Robotics.Training.Models;
using Robotics.Training.Tests.Runner;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Algorithms;

public class TrpoTests
{
    private readonly ITestOutputHelper _out;
    public TrpoTests(ITestOutputHelper output) { _out = output; TorchRuntime.Initialize(ComputeDevice.Cpu); }

    [Fact]
    public void Every_accepted_step_keeps_the_kl_within_delta_and_improves_the_surrogate()
    {
        // The contextual bandit (reward −(a − x)²) with an MLP policy; after each update the test measures,
        // with its own formulas, KL(π_before ‖ π_after) over the rollout's states and the surrogate
        // mean(π_after/π_before · Â), Â the normalized advantages, against the same before the update.
        const double delta = 0.01;
        const int envs = 64, steps = 8;
        using var env = new BanditEnv(envs, 2);
        using var trpo = new Trpo(new AlgorithmSpec(1, 1, 1, envs, steps, new NetworkConfig { Hidden = new[] { 32, 32 } }, CPU, 2), new TrpoConfig { MaxKl = delta });
        int accepted = 0, backtracked = 0;
        var lines = new List<string>();
        for (int update = 0; update < 15; update++)
        {
            RolloutDriver.Collect(env, trpo, steps);
            using var scope = NewDisposeScope();
            var s = trpo.Storage;
            var obs = s.PolicyObs.reshape(-1, 1).clone();
            var act = s.Actions.reshape(-1, 1).clone();
            var adv = s.Advantages.reshape(-1).clone();
            adv = (adv - adv.mean()) / (adv.std() + 1e-8);
            Tensor m0, s0;
            using (no_grad()) { m0 = trpo.Actor.forward(obs); s0 = trpo.Actor.Std(m0); }
            var theta0 = FlatParameters.Get(FlatParameters.Trainable(trpo.Actor));

            var stats = trpo.Update(0);

            Tensor m1, s1;
            using (no_grad()) { m1 = trpo.Actor.forward(obs); s1 = trpo.Actor.Std(m1); }
            bool moved = (FlatParameters.Get(FlatParameters.Trainable(trpo.Actor)) - theta0).abs().max().ToDouble() > 0;
            var search = trpo.LastLineSearch!;
            Assert.Equal(search.Accepted, moved);
            if (!moved) { lines.Add("rejected"); continue; }
            accepted++;
            if (search.Backtracks > 0) backtracked++;
            // KL(N(m0, s0) ‖ N(m1, s1)) for a 1-D Gaussian; log N(a; m, s) written out.
            double kl = (log(s1 / s0) + (s0.pow(2) + (m0 - m1).pow(2)) / (2 * s1.pow(2)) - 0.5).mean().ToDouble();
            Tensor LogN(Tensor m, Tensor sd) => -0.5 * ((act - m) / sd).pow(2) - sd.log() - 0.5 * Math.Log(2 * Math.PI);
            double surrogate = (exp(LogN(m1, s1) - LogN(m0, s0)).squeeze(1) * adv).mean().ToDouble();
            double before = adv.mean().ToDouble();   // the ratio is 1 before the step
            lines.Add($"KL {kl:0.00000} surrogate {before:0.0000}→{surrogate:0.0000} backtracks {search.Backtracks}");
            Assert.True(kl <= delta * (1 + 1e-3), $"update {update}: KL {kl} > δ = {delta}");
            Assert.True(surrogate > before, $"update {update}: surrogate {surrogate} ≤ {before}");
            Assert.Equal(search.Kl, kl, 3);
        }
        _out.WriteLine($"{accepted} of 15 steps accepted, {backtracked} after backtracking:\n  " + string.Join("\n  ", lines));
        Assert.True(accepted >= 10, $"only {accepted} of 15 steps accepted");
    }
}
