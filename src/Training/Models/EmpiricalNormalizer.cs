using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Models;

/// <summary>
/// Running mean and variance of observations, kept as module buffers so that they travel with the
/// policy (checkpoint, ONNX export): y = (x − μ) / √(σ² + ε). <see cref="Update"/> merges a batch with
/// Chan's parallel formula; <see cref="Update"/> is called in training only.
/// </summary>
public sealed class EmpiricalNormalizer : nn.Module<Tensor, Tensor>
{
    private readonly Tensor mean, var, count;   // [dim], [dim], [1] (float64); names are the buffer names
    private readonly float _epsilon;

    /// <summary>A normalizer for vectors of width <paramref name="dim"/>.</summary>
    public EmpiricalNormalizer(int dim, float epsilon = 1e-8f) : base(nameof(EmpiricalNormalizer))
    {
        mean = zeros(dim);
        var = ones(dim);
        count = zeros(1, dtype: float64);
        _epsilon = epsilon;
        register_buffer(nameof(mean), mean);
        register_buffer(nameof(var), var);
        register_buffer(nameof(count), count);
    }

    /// <summary>Running mean. [dim]</summary>
    public Tensor Mean => mean;
    /// <summary>Running (population) variance. [dim]</summary>
    public Tensor Variance => var;
    /// <summary>Samples seen.</summary>
    public double Count => count.item<double>();
    /// <summary>ε added to the variance.</summary>
    public float Epsilon => _epsilon;

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => (x - mean) / sqrt(var + _epsilon);

    /// <summary>Sets the statistics to <paramref name="means"/> and <paramref name="variances"/> ([dim] each), as if from <paramref name="samples"/> samples.</summary>
    public void Load(float[] means, float[] variances, double samples)
    {
        using var _ = no_grad();
        using var m = tensor(means);
        using var v = tensor(variances);
        mean.copy_(m);
        var.copy_(v);
        count.fill_(samples);
    }

    /// <summary>
    /// Merges a batch [B, dim] into the running statistics; with the ranks of <paramref name="parallel"/>, the union of
    /// every rank's batch (exactly: its count, mean and M2), so every rank holds the same statistics.
    /// </summary>
    public void Update(Tensor batch, Distributed.DataParallel? parallel = null)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        double n = batch.shape[0];
        if (n == 0) return;
        Tensor batchMean, batchVar;
        if (parallel is { IsActive: true })
        {
            var (union, m, v) = parallel.Moments(batch);
            (n, batchMean, batchVar) = (union, m.to_type(mean.dtype), v.to_type(var.dtype));
        }
        else (batchMean, batchVar) = (batch.mean(new long[] { 0 }), batch.var(0, unbiased: false));
        double total = Count + n;
        var delta = batchMean - mean;
        var m2 = var * Count + batchVar * n + delta * delta * (Count * n / total);
        mean.add_(delta * (n / total));
        var.copy_(m2 / total);
        count.fill_(total);
    }
}
