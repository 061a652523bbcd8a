using Robotics.Deploy.RealTime;

namespace Robotics.Deploy.Tests.RealTime;

public class PeriodHistogramTests
{
    [Fact]
    public void Percentiles_are_upper_bin_edges_of_the_ranked_sample()
    {
        // 1 µs bins, 100 bins. Samples (absolute values binned): 98 × 0.5 µs (bin 0), 1 × −3.2 µs (bin 3), 1 × 250 µs (overflow).
        var h = new PeriodHistogram(1e-6, 100);
        for (int i = 0; i < 98; i++) h.Add(0.5e-6);
        h.Add(-3.2e-6);
        h.Add(250e-6);
        Assert.Equal(100, h.Count);
        Assert.Equal(1, h.Overflow);
        Assert.Equal(98, h[0]);
        Assert.Equal(1, h[3]);
        Assert.Equal(1e-6, h.Percentile(0.5), 15);    // rank 50 → bin 0 → upper edge 1 µs
        Assert.Equal(1e-6, h.Percentile(0.98), 15);   // rank 98 → bin 0
        Assert.Equal(4e-6, h.Percentile(0.99), 15);   // rank 99 → bin 3 → 4 µs
        Assert.Equal(250e-6, h.Percentile(1), 15);    // rank 100 overflowed → the exact max
        Assert.Equal(250e-6, h.Max, 15);
        h.Clear();
        Assert.Equal(0, h.Percentile(0.5));
        Assert.Throws<ArgumentException>(() => h.Percentile(0));
    }
}
