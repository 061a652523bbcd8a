using Robotics.Training.Devices;
using Robotics.Training.Models;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Models;

public class NormalizerTests
{
    public NormalizerTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    [Fact]
    public void Merged_batches_give_the_statistics_of_all_samples()
    {
        using var n = new EmpiricalNormalizer(2);
        // Column 0: 1 2 3 | 4 5 → mean 3, population variance 2. Column 1: 10 10 10 | 20 20 → mean 14, variance 24.
        n.Update(tensor(new float[] { 1, 10, 2, 10, 3, 10 }).reshape(3, 2));
        n.Update(tensor(new float[] { 4, 20, 5, 20 }).reshape(2, 2));
        Assert.Equal(5, n.Count);
        var mean = n.Mean.data<float>().ToArray();
        var var = n.Variance.data<float>().ToArray();
        Assert.Equal(3f, mean[0], 5);
        Assert.Equal(14f, mean[1], 5);
        Assert.Equal(2f, var[0], 4);
        Assert.Equal(24f, var[1], 4);
        // y = (x − μ)/√(σ² + ε): x = (5, 14) → (2/√2, 0)
        var y = n.forward(tensor(new float[] { 5, 14 }).reshape(1, 2)).data<float>().ToArray();
        Assert.Equal(MathF.Sqrt(2), y[0], 4);
        Assert.Equal(0f, y[1], 5);
    }

    [Fact]
    public void Statistics_are_buffers_that_travel_with_the_module()
    {
        using var n = new EmpiricalNormalizer(3);
        var names = n.named_buffers().Select(b => b.name).ToList();
        Assert.Equal(new[] { "mean", "var", "count" }, names);
        Assert.Empty(n.parameters());
    }
}
