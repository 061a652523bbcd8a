using System.Diagnostics;
using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;

namespace Robotics.Deploy.Tests.RealTime;

public class StateAgeMeterTests
{
    private const long Wall = 1_764_000_000_000_000_000;   // a wall-clock instant [ns since the Unix epoch]
    private static long Ticks(double seconds) => (long)(seconds * Stopwatch.Frequency);

    // `count` ticks each acting on a state `age` old, on the wall clock (stamped) or since receipt.
    private static void Feed(StateAgeMeter m, double age, int count, bool stamped = true)
    {
        for (int i = 0; i < count; i++)
        {
            long now = Ticks(100 + i * 0.002), wall = Wall + i * 2_000_000L;
            m.Record(stamped ? wall - (long)(age * 1e9) : 5_000_000L * i, now - Ticks(age), now, wall);
        }
    }

    [Fact]
    public void Stamps_on_the_node_clock_are_used_and_the_warning_fires_above_the_trained_range_plus_a_period()
    {
        // Trained 0–5 ms at a 5 ms control period: warned above 10 ms at p99.
        var trained = new LatencyRange { Low = 0, High = 0.005 };
        var below = new StateAgeMeter(0.005, trained);
        Feed(below, 0.00925, 1000);
        Assert.Equal(StateAgeClock.Stamp, below.Clock);
        Assert.Equal(0.010, below.Limit!.Value, 12);
        Assert.False(below.Exceeds);
        Assert.Null(below.Warning());
        Assert.Contains("within it plus one control period (10.00 ms)", below.DescribeTrained());
        Assert.Contains("from the joint state's stamp", below.Describe());
        Assert.Contains("p99 9.25 ms", below.Describe());   // the bin edge 9.3 ms, capped at the exact maximum

        var above = new StateAgeMeter(0.005, trained);
        Feed(above, 0.00405, 985);
        Feed(above, 0.01235, 15);   // 1.5 % of the ticks: above the limit at p99
        Assert.True(above.Exceeds);
        Assert.Contains("warning: state age p99 12.35 ms exceeds the trained action latency 0–5 ms plus one control period (10.00 ms)", above.Warning());
        Assert.Equal(above.Warning(), above.DescribeTrained());
    }

    [Fact]
    public void Too_few_ticks_or_an_unknown_range_are_not_judged()
    {
        var few = new StateAgeMeter(0.005, new LatencyRange { Low = 0, High = 0 });
        Feed(few, 0.05, (int)StateAgeMeter.MinSamples - 1);
        Assert.False(few.Exceeds);
        Assert.Contains("too few ticks", few.DescribeTrained());

        var unknown = new StateAgeMeter(0.005, null);
        Feed(unknown, 0.05, 1000);
        Assert.Null(unknown.Limit);
        Assert.False(unknown.Exceeds);
        Assert.Null(unknown.Warning());
        Assert.Equal("trained action latency: not recorded in the policy contract; the measured age is not judged", unknown.DescribeTrained());
        Assert.Equal(1000, unknown.Histogram.Count);   // measured all the same
    }

    [Fact]
    public void Stamps_far_from_the_node_clock_fall_back_to_the_age_since_receipt_and_say_so()
    {
        var m = new StateAgeMeter(0.002, null);
        Feed(m, 0.00315, 100, stamped: false);   // simulated time: seconds since the start, not since 1970
        Assert.Equal(StateAgeClock.Receipt, m.Clock);
        Assert.Contains("since receipt (the first stamp was", m.Describe());
        Assert.Equal(0.00315, m.Histogram.Percentile(0.5), 9);

        var told = new StateAgeMeter(0.002, null);
        told.UseReceipt("lock-step: the stamps are simulated time");
        Feed(told, 0.0011, 10);   // stamps on the wall clock, but the node was told
        Assert.Equal(StateAgeClock.Receipt, told.Clock);
        Assert.Contains("since receipt (lock-step: the stamps are simulated time)", told.Describe());

        var none = new StateAgeMeter(0.002, null);
        none.Record(-1, Ticks(1), Ticks(1.001), Wall);
        Assert.Contains("the joint states carry no stamp", none.Describe());
        none.Record(-1, 0, Ticks(2), Wall);   // neither stamp nor receipt: nothing to measure
        Assert.Equal(1, none.Histogram.Count);
    }
}
