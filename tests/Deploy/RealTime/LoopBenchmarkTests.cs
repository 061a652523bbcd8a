using Robotics.Deploy.RealTime;
using Robotics.Deploy.Safety;

namespace Robotics.Deploy.Tests.RealTime;

[Collection(TimingCollection.Name)]
public class LoopBenchmarkTests
{
    // A one-second smoke run of the benchmark; the 60 s figures come from LoopBenchmark.Run in a console program.
    [Fact]
    [Trait("Category", "Benchmark")]
    public void One_second_at_500_Hz_reports_ordered_percentiles()
    {
        var r = LoopBenchmark.Run(new LoopBenchmarkConfig
        {
            RateHz = 500, Seconds = 1, WarmupSeconds = 0.2, Loop = new LoopConfig { FifoPriority = 0, LockMemory = false },
        });
        Assert.True(r.Ticks is >= 200 and <= 501, r.ToString());
        Assert.True(r.P50Us <= r.P99Us && r.P99Us <= r.P999Us && r.P999Us <= r.MaxUs, r.ToString());
        Assert.Equal(SafetyState.Running, r.FinalState);
        Assert.Equal(0, r.AllocatedBytes);
        Assert.Contains("500 Hz", r.ToString());
    }
}
