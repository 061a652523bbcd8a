using Robotics.Training.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Devices;

public class HostRandomTests
{
    public HostRandomTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    [Fact]
    public void Draws_are_the_cpu_generators_whatever_the_device_asked()
    {
        // The same seed gives the same noise and permutation as libtorch's own CPU draws.
        using var g1 = new Generator(42);
        using var g2 = new Generator(42);
        using var ours = HostRandom.Randn(new long[] { 4, 3 }, g1, CPU);
        using var plain = randn(new long[] { 4, 3 }, generator: g2);
        Assert.Equal(plain.data<float>().ToArray(), ours.data<float>().ToArray());
        Assert.Equal(DeviceType.CPU, ours.device_type);
        using var p1 = HostRandom.Randperm(10, g1, CPU);
        using var p2 = randperm(10, generator: g2);
        Assert.Equal(p2.data<long>().ToArray(), p1.data<long>().ToArray());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), p1.data<long>().ToArray().Order());
    }
}
