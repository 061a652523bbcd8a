using Robotics.Deploy.RealTime;

namespace Robotics.Deploy.Tests.RealTime;

public class LatencyHistogramTests
{
    [Fact]
    public void Percentiles_are_upper_bin_edges_of_the_ranked_sample()
    {
        // 0.1 ms bins, 100 bins (10 ms). 80 × 0.25 ms (bin 2), 10 × 0.75 ms (bin 7), 9 × 4.05 ms (bin 40), 1 × 23 ms (overflow).
        var h = new LatencyHistogram(1e-4, 100);
        for (int i = 0; i < 80; i++) h.Add(0.25e-3);
        for (int i = 0; i < 10; i++) h.Add(0.75e-3);
        for (int i = 0; i < 9; i++) h.Add(4.05e-3);
        h.Add(23e-3);
        Assert.Equal(100, h.Count);
        Assert.Equal(1, h.Overflow);
        Assert.Equal(80, h[2]);
        Assert.Equal(10, h[7]);
        Assert.Equal(9, h[40]);
        Assert.Equal(0.3e-3, h.Percentile(0.5), 12);    // rank 50 → bin 2 → upper edge 0.3 ms
        Assert.Equal(0.3e-3, h.Percentile(0.8), 12);    // rank 80 → still bin 2
        Assert.Equal(0.8e-3, h.Percentile(0.9), 12);    // rank 90 → bin 7
        Assert.Equal(4.1e-3, h.Percentile(0.99), 12);   // rank 99 → bin 40
        Assert.Equal(23e-3, h.Percentile(1), 12);       // rank 100 overflowed → the exact max
        Assert.Equal(23e-3, h.Max, 12);
        Assert.Equal("0.2–0.3 ms 80, 0.7–0.8 ms 10, 4–4.1 ms 9, >10 ms 1", h.Describe());
    }

    [Fact]
    public void A_negative_age_counts_as_early_in_bin_zero_and_a_nan_is_ignored()
    {
        var h = new LatencyHistogram(1e-4, 10);
        h.Add(-2e-3);
        h.Add(double.NaN);
        h.Add(0.05e-3);
        Assert.Equal(2, h.Count);
        Assert.Equal(1, h.Early);
        Assert.Equal(2, h[0]);
        Assert.Equal(0.05e-3, h.Max, 12);
        h.Clear();
        Assert.Equal(0, h.Percentile(0.5));
        Assert.Equal("empty", h.Describe());
        Assert.Throws<ArgumentException>(() => h.Percentile(0));
    }

    [Fact]
    public void Many_scattered_bins_are_merged_to_a_few_groups()
    {
        var h = new LatencyHistogram(1e-4, 64);
        for (int k = 0; k < 64; k++) h.Add((k + 0.5) * 1e-4);
        // 64 bins with one each, merged by 8 → 8 groups of 8.
        Assert.Equal("0–0.8 ms 8, 0.8–1.6 ms 8, 1.6–2.4 ms 8, 2.4–3.2 ms 8, 3.2–4 ms 8, 4–4.8 ms 8, 4.8–5.6 ms 8, 5.6–6.4 ms 8", h.Describe(maxGroups: 8));
    }
}
