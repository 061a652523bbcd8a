using Robotics.Training.Algorithms;
using Robotics.Training.Devices;
using Robotics.Training.Models;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Algorithms;

/// <summary>
/// The natural gradient is covariant: it does not depend on how the policy is parameterized. Two linear
/// Gaussian policies describe the same μ(x) = W·x + b: P reads x, P′ reads x′ = x ⊘ c with weights
/// W′ = W ⊙ c, c = (1, 10), i.e. P′'s second weight is a rescaled parameter. On the same data, the
/// natural step changes μ identically in both; the vanilla step θ += η·g does not: ∂L/∂W′₂ = ∂L/∂W₂ / 10,
/// so W′₂ moves 10× less and W₂ = W′₂/10 moves 100× less.
/// </summary>
public class CovarianceTests
{
    private readonly ITestOutputHelper _out;
    public CovarianceTests(ITestOutputHelper output) { _out = output; TorchRuntime.Initialize(ComputeDevice.Cpu); }

    private static readonly NetworkConfig Linear = new() { Hidden = Array.Empty<int>(), NormalizeObservations = false, InitNoiseStd = 0.5 };

    [Fact]
    public void Natural_step_is_invariant_to_rescaling_a_parameter_and_the_vanilla_step_is_not()
    {
        var gen = new Generator(3);
        var scale = tensor(new double[] { 1, 10 });
        var obs = randn(new long[] { 512, 2 }, dtype: float64, generator: gen);            // [B, 2]
        var probe = randn(new long[] { 64, 2 }, dtype: float64, generator: gen);          // where μ is compared
        using var p = new GaussianActor(2, 1, Linear);
        using var q = new GaussianActor(2, 1, Linear);
        p.to(ScalarType.Float64);
        q.to(ScalarType.Float64);
        var (w, b) = (p.Network.parameters().ElementAt(0), p.Network.parameters().ElementAt(1));
        var (wq, bq) = (q.Network.parameters().ElementAt(0), q.Network.parameters().ElementAt(1));
        using (no_grad())
        {
            w.copy_(tensor(new double[,] { { 0.3, -0.2 } }));
            b.fill_(0.1);
            wq.copy_(w * scale);        // W′ = W ⊙ c
            bq.copy_(b);
        }
        // Same actions and advantages for both: a ~ π(·|x), A = −(a − (0.5·x₁ − x₂))².
        Tensor act, adv;
        using (no_grad())
        {
            var mean = p.forward(obs);
            act = mean + 0.5 * randn(mean.shape, dtype: float64, generator: gen);
            adv = -(act.squeeze(1) - (0.5 * obs[.., 0] - obs[.., 1])).pow(2);
            adv = (adv - adv.mean()) / adv.std();
        }

        // The change of μ on the probe states after one step of each kind, for P and for P′.
        Tensor Change(GaussianActor actor, Tensor x, Tensor px, bool natural)
        {
            using var reg = new Regularizer(actor, 2, 1, Linear, new RegularizerConfig());
            var parameters = FlatParameters.Trainable(actor);
            var theta = FlatParameters.Get(parameters);
            Tensor before, oldMean, oldStd, oldLogp;
            using (no_grad())
            {
                before = actor.forward(px);
                oldMean = actor.forward(x);
                oldStd = actor.Std(oldMean);
                oldLogp = GaussianActor.LogProb(act, oldMean, oldStd);
            }
            var (objective, _, _) = NaturalPolicyGradient.Objective(actor, reg, x, act, oldLogp, adv);
            var g = FlatParameters.Gradient(objective, parameters);
            // Natural: 4 parameters (W 2, b 1, log σ 1), 4 CG steps, no damping (damping is not covariant).
            var step = natural ? NaturalPolicyGradient.Step(actor, parameters, x, oldMean, oldStd, g, 4, 0, 0.01).Step : 0.1 * g;
            FlatParameters.Set(parameters, theta + step);
            using (no_grad()) return actor.forward(px) - before;
        }

        var naturalP = Change(p, obs, probe, natural: true);
        var naturalQ = Change(q, obs / scale, probe / scale, natural: true);
        double naturalGap = (naturalP - naturalQ).abs().max().ToDouble() / naturalP.abs().max().ToDouble();
        // Back to the same starting point for the vanilla steps.
        using (no_grad())
        {
            w.copy_(tensor(new double[,] { { 0.3, -0.2 } })); b.fill_(0.1); p.LogStd.fill_(Math.Log(0.5));
            wq.copy_(w * scale); bq.copy_(b); q.LogStd.fill_(Math.Log(0.5));
        }
        var vanillaP = Change(p, obs, probe, natural: false);
        var vanillaQ = Change(q, obs / scale, probe / scale, natural: false);
        double vanillaGap = (vanillaP - vanillaQ).abs().max().ToDouble() / vanillaP.abs().max().ToDouble();

        _out.WriteLine($"max |Δμ_P − Δμ_P′| / max |Δμ_P| on 64 probe states: natural {naturalGap:E2}, vanilla {vanillaGap:0.00}");
        Assert.True(naturalGap < 1e-6, $"natural steps differ by {naturalGap:E2} of the change");
        Assert.True(vanillaGap > 0.1, $"vanilla steps should differ (x₂'s weight moves 100× less in P′): {vanillaGap:0.000}");
    }
}
