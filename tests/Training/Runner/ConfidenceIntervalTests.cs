using Robotics.Training.Runner;

namespace Robotics.Training.Tests.Runner;

public class ConfidenceIntervalTests
{
    [Fact]
    public void Five_values_by_hand()
    {
        // {1, 2, 3, 4, 5}: mean 3; s² = (4 + 1 + 0 + 1 + 4)/4 = 2.5, s = 1.5811388; s/√5 = 0.7071068;
        // t_{0.975, 4} = 2.7764 → half-width 1.963211 → [1.036789, 4.963211].
        var ci = ConfidenceInterval.StudentT95(new double[] { 1, 2, 3, 4, 5 });
        Assert.Equal(3, ci.Mean, 10);
        Assert.Equal(1.963211, ci.HalfWidth, 5);
        Assert.Equal(1.036789, ci.Low, 5);
        Assert.Equal(4.963211, ci.High, 5);
        Assert.Equal(5, ci.Count);
    }

    [Fact]
    public void Two_and_three_seeds_by_hand()
    {
        // {2, 4}: mean 3, s = √2, s/√2 = 1, t_{0.975, 1} = 12.7062 → ±12.7062: two seeds say little.
        var two = ConfidenceInterval.StudentT95(new double[] { 2, 4 });
        Assert.Equal(12.7062, two.HalfWidth, 4);
        // {100, 110, 120}: mean 110, s = 10, s/√3 = 5.7735027, t_{0.975, 2} = 4.3027 → ±24.841650.
        var three = ConfidenceInterval.StudentT95(new double[] { 100, 110, 120 });
        Assert.Equal(110, three.Mean, 10);
        Assert.Equal(24.841650, three.HalfWidth, 1e-5);
        // One value: a mean, no interval.
        Assert.True(double.IsNaN(ConfidenceInterval.StudentT95(new double[] { 7 }).HalfWidth));
        Assert.Throws<ArgumentException>(() => ConfidenceInterval.StudentT95(Array.Empty<double>()));
    }

    [Fact]
    public void T_quantile_beyond_the_table_meets_known_values()
    {
        // Exact: ν = 40 → 2.02108, 60 → 2.00030, 120 → 1.97993; ν → ∞ → 1.95996. The table ends at 30 with 2.0423.
        Assert.Equal(2.0423, ConfidenceInterval.TQuantile975(30), 4);
        Assert.Equal(2.02108, ConfidenceInterval.TQuantile975(40), 3);
        Assert.Equal(2.00030, ConfidenceInterval.TQuantile975(60), 4);
        Assert.Equal(1.97993, ConfidenceInterval.TQuantile975(120), 4);
        Assert.Equal(1.95996, ConfidenceInterval.TQuantile975(1_000_000), 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => ConfidenceInterval.TQuantile975(0));
    }
}
