using Robotics.Training.Algorithms;
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
}
