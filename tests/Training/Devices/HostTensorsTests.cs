using Robotics.Training.Devices;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Devices;

public class HostTensorsTests
{
    public HostTensorsTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    [Fact]
    public void A_buffer_becomes_rows_of_its_width_with_its_values()
    {
        var values = Enumerable.Range(0, 12).Select(i => i * 0.5f).ToArray();
        using var rows = HostTensors.FromSpan(values, 3, CPU);
        Assert.Equal(new long[] { 4, 3 }, rows.shape);
        Assert.Equal(values, rows.data<float>().ToArray());
        Assert.Equal(values[7], rows[2, 1].item<float>());

        using var flat = HostTensors.FromSpan(values.AsSpan(2, 5), 0, CPU);
        Assert.Equal(new long[] { 5 }, flat.shape);
        Assert.Equal(values[2..7], flat.data<float>().ToArray());

        // The tensor owns a copy: changing the buffer afterwards changes nothing.
        values[0] = 99;
        Assert.Equal(0f, rows[0, 0].item<float>());
    }

    [Fact]
    public void A_buffer_that_is_not_whole_rows_is_refused_by_name()
    {
        var ex = Assert.Throws<ArgumentException>(() => HostTensors.FromSpan(new float[10], 3, CPU));
        Assert.Contains("10 floats", ex.Message);
        Assert.Contains("rows of 3", ex.Message);
    }

    [Fact]
    public void A_large_buffer_makes_no_managed_array()
    {
        // 4096 environments × 54 critic observations: a managed copy would be an 885 kB array.
        var buffer = new float[4096 * 54];
        using (HostTensors.FromSpan(buffer, 54, CPU)) { } // warm up the JIT and TorchSharp's statics
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
            using (HostTensors.FromSpan(buffer, 54, CPU)) { }
        long perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / 10;
        Assert.True(perCall < 4096, $"{perCall} managed bytes per call: the buffer was copied through a managed array");
    }
}
