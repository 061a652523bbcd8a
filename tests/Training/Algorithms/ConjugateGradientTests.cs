using Robotics.Training.Algorithms;
using Robotics.Training.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Algorithms;

public class ConjugateGradientTests
{
    public ConjugateGradientTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    [Fact]
    public void Solves_a_symmetric_positive_definite_system_in_at_most_dim_steps()
    {
        // F = MᵀM/20 + I (dim 20, float64) is SPD (eigenvalues in about [1, 5]); exact-arithmetic CG needs ≤ 20 steps.
        var gen = new Generator(11);
        var m = randn(new long[] { 20, 20 }, dtype: float64, generator: gen);
        var f = m.t().matmul(m) / 20 + eye(20, dtype: float64);
        var g = randn(20, dtype: float64, generator: gen);
        var result = ConjugateGradient.Solve(v => f.matmul(v), g, maxIterations: 20, residualTolerance: 1e-24);
        double relative = (f.matmul(result.X) - g).norm().ToDouble() / g.norm().ToDouble();
        Assert.True(result.Iterations <= 20, $"{result.Iterations} steps");
        Assert.True(relative < 1e-8, $"‖Fx − g‖/‖g‖ = {relative:E2} after {result.Iterations} steps");
        // And against a direct solve.
        Assert.True((result.X - linalg.solve(f, g)).norm().ToDouble() < 1e-6 * result.X.norm().ToDouble());
    }

    [Fact]
    public void Three_distinct_eigenvalues_take_three_steps()
    {
        // CG's k-th iterate is optimal over a degree-k polynomial in F: with eigenvalues {1, 2, 5} only
        // (dim 12) the residual vanishes after 3 steps, well before dim.
        var gen = new Generator(5);
        var (q, _) = linalg.qr(randn(new long[] { 12, 12 }, dtype: float64, generator: gen));
        var lambda = tensor(new double[] { 1, 1, 1, 1, 2, 2, 2, 2, 5, 5, 5, 5 });
        var f = q.matmul(diag(lambda)).matmul(q.t());
        var g = randn(12, dtype: float64, generator: gen);
        var result = ConjugateGradient.Solve(v => f.matmul(v), g, maxIterations: 12, residualTolerance: 1e-20);
        Assert.Equal(3, result.Iterations);
        Assert.True((f.matmul(result.X) - g).norm().ToDouble() < 1e-9 * g.norm().ToDouble());
    }

    [Fact]
    public void An_indefinite_matrix_is_refused_with_a_message()
    {
        var f = diag(tensor(new double[] { 1, -1 }));
        var e = Assert.Throws<InvalidOperationException>(() => ConjugateGradient.Solve(v => f.matmul(v), tensor(new double[] { 0, 1 }), 2));
        Assert.Contains("positive-definite", e.Message);
    }
}
