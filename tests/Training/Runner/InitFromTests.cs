using Robotics.Training.Algorithms;
using Robotics.Training.Export;
using Robotics.Training.Tests.Export;
using Robotics.Training.Devices;
using Robotics.Training.Models;
using Robotics.Training.Runner;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Runner;

/// <summary><c>train --init-from</c> across observation layouts: networks are carried over term by term.</summary>
public class InitFromTests
{
    public InitFromTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    private static RunObservationTerm Term(string name, int width, float scale = 1f) => new(name, width, scale, 0f, 100f);
    private static RunObservationGroup Group(string name, params RunObservationTerm[] terms) => new(name, terms.Sum(t => t.Width), terms);

    private static readonly NetworkConfig Network = new() { Hidden = new[] { 16, 8 } };

    [Fact]
    public void Columns_follow_their_term_by_name_and_a_new_term_has_none()
    {
        var source = Group("critic", Term("a", 2), Term("b", 3, scale: 2f));
        var target = Group("critic", Term("b", 3, scale: 4f), Term("n", 2), Term("a", 2));
        var (column, factor) = InitFrom.ColumnMap(source, target);
        Assert.Equal(new[] { 2, 3, 4, -1, -1, 0, 1 }, column);
        Assert.Equal(new[] { 2f, 2f, 2f, 1f, 1f, 1f, 1f }, factor);
        Assert.False(InitFrom.SameLayout(source, target));
        Assert.True(InitFrom.SameLayout(source, Group("critic", Term("a", 2), Term("b", 3, scale: 2f))));
    }

    [Fact]
    public void A_transplanted_critic_values_the_shared_terms_as_the_source_did_whatever_the_new_term_holds()
    {
        var policy = Group("policy", Term("p", 3));
        var sourceCritic = Group("critic", Term("a", 2), Term("b", 3));
        // Reordered, one term rescaled, one new term: the mapping is by name.
        var targetCritic = Group("critic", Term("b", 3, scale: 0.5f), Term("height_scan", 4), Term("a", 2));
        var dir = Directory.CreateTempSubdirectory("robotics-init-from-").FullName;
        try
        {
            using var source = AlgorithmState.ActorCritic(new AlgorithmSpec(3, 5, 2, 4, 8, Network, CPU, 7), new RegularizerConfig());
            using (var batch = randn(64, 5) * 3 + 1) source.Critic!.Normalizer.Update(batch);
            using (var batch = randn(64, 3)) source.Actor.Normalizer.Update(batch);
            source.SaveState(dir);

            using var target = AlgorithmState.ActorCritic(new AlgorithmSpec(3, 9, 2, 4, 8, Network, CPU, 8), new RegularizerConfig());
            var note = InitFrom.Transplant(dir, target, new[] { policy, sourceCritic }, new[] { policy, targetCritic });
            Assert.Contains("critic: 5 → 9 inputs, new height_scan [4]", note);
            Assert.Contains("actor: as is", note);

            using var _ = no_grad();
            using var a = randn(32, 2);
            using var b = randn(32, 3);
            using var sourceObs = cat(new[] { a, b }, 1);
            using var expected = source.Critic!.forward(sourceObs);
            foreach (var fill in new[] { 0.0, 5.0, -3.0 })
            {
                using var scan = full(32, 4, fill);
                using var bScaled = b * 0.5;
                using var targetObs = cat(new[] { bScaled, scan, a }, 1);
                using var actual = target.Critic!.forward(targetObs);
                Assert.True(allclose(actual, expected, rtol: 1e-4, atol: 1e-5), $"height_scan = {fill}: the critic's value changed");
            }
            using var p = randn(32, 3);
            using var mu0 = source.Actor.forward(p);
            using var mu1 = target.Actor.forward(p);
            Assert.True(equal(mu0, mu1).all().item<bool>());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Networks_that_differ_beyond_their_inputs_are_refused_naming_the_file()
    {
        var policy = Group("policy", Term("p", 3));
        var dir = Directory.CreateTempSubdirectory("robotics-init-from-").FullName;
        try
        {
            using (var source = AlgorithmState.ActorCritic(new AlgorithmSpec(3, 5, 2, 4, 8, Network, CPU, 7), new RegularizerConfig())) source.SaveState(dir);
            using var target = AlgorithmState.ActorCritic(new AlgorithmSpec(3, 6, 2, 4, 8, Network with { Hidden = new[] { 32, 8 } }, CPU, 7), new RegularizerConfig());
            var e = Assert.Throws<UserError>(() => InitFrom.Transplant(dir, target, new[] { policy, Group("critic", Term("a", 5)) }, new[] { policy, Group("critic", Term("a", 5), Term("n", 1)) }));
            Assert.Contains("actor.pt does not fit this network", e.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    // An exported policy of 45 → 64 → 32 → 12 (OnnxExporterTests' contract: projected_gravity, base_ang_vel, commands, joint_pos, joint_vel, last_action).
    private static (string Path, RunObservationGroup Policy) ExportedPolicy(string dir, ActivationFunction activation = ActivationFunction.Elu)
    {
        var path = System.IO.Path.Combine(dir, "policy.onnx");
        using var actor = OnnxExporterTests.TrainedLookingActor(45, 12, activation, seed: 3);
        var contract = OnnxExporterTests.Contract(45, 12);
        OnnxExporter.Export(actor, contract, path);
        return (path, Group("policy", contract.Observation.Select(t => new RunObservationTerm(t.Name, t.Width, t.Scale, t.Noise, t.Clip)).ToArray()));
    }

    [Fact]
    public void An_actor_started_from_an_exported_policy_acts_as_the_file_does()
    {
        var dir = Directory.CreateTempSubdirectory("robotics-init-onnx-").FullName;
        try
        {
            var (path, policy) = ExportedPolicy(dir);
            var network = new NetworkConfig { Hidden = new[] { 64, 32 }, InitNoiseStd = 0.3 };
            using var state = AlgorithmState.ActorCritic(new AlgorithmSpec(45, 50, 12, 4, 8, network, CPU, 5), new RegularizerConfig());
            var note = InitFrom.FromPolicyFile(path, state, policy);
            Assert.Contains("45→64→32→12", note);
            Assert.Contains("test_run", note);
            Assert.Contains("σ 0.3", note);
            Assert.Equal(InitFrom.PolicyFileSamples, state.Actor.Normalizer.Count);

            var mlp = OnnxWeights.ReadSimdMlp(path);
            manual_seed(2);
            using var x = randn(200, 45) * logspace(-1, 1, 45) + (arange(45, dtype: float32) * 3 - 20);
            float[] actual;
            using (no_grad()) actual = state.Actor.forward(x).data<float>().ToArray();
            var input = x.data<float>().ToArray();
            var a = new float[12];
            double worst = 0;
            for (int i = 0; i < 200; i++)
            {
                mlp.Run(input.AsSpan(i * 45, 45), a);
                for (int k = 0; k < 12; k++) worst = Math.Max(worst, Math.Abs(a[k] - actual[i * 12 + k]));
            }
            Assert.True(worst < 1e-4, $"max |actor − file| = {worst:E2}");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void An_exported_policy_that_does_not_fit_is_refused_naming_what_differs()
    {
        var dir = Directory.CreateTempSubdirectory("robotics-init-onnx-").FullName;
        try
        {
            var (path, policy) = ExportedPolicy(dir);
            using (var wide = AlgorithmState.ActorCritic(new AlgorithmSpec(45, 45, 12, 4, 8, new NetworkConfig { Hidden = new[] { 128, 32 } }, CPU, 5), new RegularizerConfig()))
            {
                var e = Assert.Throws<UserError>(() => InitFrom.FromPolicyFile(path, wide, policy));
                Assert.Contains("45→64→32→12", e.Message);
                Assert.Contains("--hidden", e.Message);
            }
            using var state = AlgorithmState.ActorCritic(new AlgorithmSpec(45, 45, 12, 4, 8, new NetworkConfig { Hidden = new[] { 64, 32 } }, CPU, 5), new RegularizerConfig());
            var reordered = policy with { Terms = policy.Terms.Reverse().ToArray() };
            var other = Assert.Throws<UserError>(() => InitFrom.FromPolicyFile(path, state, reordered));
            Assert.Contains("the policy observes projected_gravity [3]", other.Message);
            using var tanh = AlgorithmState.ActorCritic(new AlgorithmSpec(45, 45, 12, 4, 8, new NetworkConfig { Hidden = new[] { 64, 32 }, Activation = ActivationFunction.Tanh }, CPU, 5), new RegularizerConfig());
            Assert.Contains("Elu", Assert.Throws<UserError>(() => InitFrom.FromPolicyFile(path, tanh, policy)).Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
