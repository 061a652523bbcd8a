using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Algorithms;

/// <summary>The result of <see cref="ConjugateGradient.Solve"/>: x ≈ A⁻¹b, the steps taken and ‖b − A·x‖.</summary>
public sealed record CgResult(Tensor X, int Iterations, double ResidualNorm);

/// <summary>
/// Conjugate gradient for A·x = b with A symmetric positive-definite and known only through products
/// A·v (Hestenes &amp; Stiefel 1952; Nocedal &amp; Wright, Alg. 5.2). In exact arithmetic it solves an
/// n-dimensional system in at most n steps; NPG and TRPO stop after ~10, which is enough for a direction.
/// Shared by <see cref="NaturalPolicyGradient"/> and <see cref="Trpo"/>, where A = F + λI.
/// </summary>
public static class ConjugateGradient
{
    /// <summary>
    /// Solves <paramref name="product"/>(x) = <paramref name="b"/> from x₀ = 0, for at most
    /// <paramref name="maxIterations"/> steps or until ‖r‖² &lt; <paramref name="residualTolerance"/>.
    /// b: [n] (any float dtype); product maps [n] → [n].
    /// </summary>
    public static CgResult Solve(Func<Tensor, Tensor> product, Tensor b, int maxIterations, double residualTolerance = 1e-10)
    {
        if (b.dim() != 1) throw new ArgumentException($"conjugate gradient: b must be a vector [n], got [{string.Join(", ", b.shape)}]");
        if (maxIterations < 1) throw new ArgumentException($"conjugate gradient: maxIterations = {maxIterations}: must be ≥ 1");
        using var _ = no_grad();
        var x = zeros_like(b);
        var r = b.clone();          // residual b − A·x (x = 0)
        var p = b.clone();          // search direction, A-conjugate to the previous ones
        double rr = r.dot(r).ToDouble();
        int k = 0;
        while (k < maxIterations && rr >= residualTolerance)
        {
            // Step along p to the minimum of ½xᵀAx − bᵀx, then make the next direction A-conjugate.
            Tensor ap;
            using (enable_grad()) ap = product(p).detach();
            double pAp = p.dot(ap).ToDouble();
            if (!(pAp > 0)) throw new InvalidOperationException($"conjugate gradient: pᵀAp = {pAp} at step {k}; the matrix is not positive-definite (add damping)");
            double alpha = rr / pAp;
            x.add_(p, alpha);
            r.sub_(ap * alpha);
            double rrNext = r.dot(r).ToDouble();
            p = r + (rrNext / rr) * p;
            rr = rrNext;
            k++;
        }
        return new CgResult(x, k, Math.Sqrt(rr));
    }
}
