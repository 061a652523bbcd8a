using Robotics.Deploy.Runtime;
using Robotics.Deploy.Tests.RealTime;

namespace Robotics.Deploy.Tests.Runtime;

[Collection(TimingCollection.Name)]
public class InferenceBenchmarkTests
{
    private static SimdMlp Net(int seed)
    {
        var rng = new Random(seed);
        float[] R(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        return new SimdMlp(null, null, new[] { new MlpLayer(R(64 * 45), R(64), 45, 64), new MlpLayer(R(12 * 64), R(12), 64, 12) });
    }

    // A smoke run with tiny N: the counts asked for, ordered percentiles, nothing allocated, and the
    // action comparison sees a different network as different and the same one as identical.
    [Fact]
    [Trait("Category", "Benchmark")]
    public void Tiny_run_reports_the_calls_asked_for_with_ordered_percentiles()
    {
        var config = new InferenceBenchmarkConfig { Calls = 3000, Rounds = 3, WarmupCalls = 500 };
        var same = InferenceBenchmark.Run(Net(1), Net(1), config);
        foreach (var s in new[] { same.Candidate, same.Floor })
        {
            Assert.Equal(3000, s.Calls);
            Assert.True(s.P50Us > 0 && s.P50Us <= s.P99Us && s.P99Us <= s.P999Us && s.P999Us <= s.MaxUs, s.ToString());
            Assert.True(s.MeanUs <= s.MaxUs, s.ToString());
            Assert.Equal(0, s.AllocatedBytes);
        }
        Assert.Equal(0, same.MaxAbsActionDifference);
        Assert.Equal(same.Candidate.P99Us / same.Floor.P99Us, same.P99Ratio, 12);

        var different = InferenceBenchmark.Run(Net(1), Net(2), config with { Calls = 100, Rounds = 1, WarmupCalls = 10 });
        Assert.True(different.MaxAbsActionDifference > 1e-3, $"{different.MaxAbsActionDifference}");
        Assert.Equal(100, different.Floor.Calls);
    }

    [Fact]
    public void Bad_settings_and_mismatched_policies_are_refused_by_name()
    {
        Assert.Contains("Calls = 0", Assert.Throws<UserError>(() => new InferenceBenchmarkConfig { Calls = 0 }.Validate()).Message);
        Assert.Contains("Rounds = 50", Assert.Throws<UserError>(() => new InferenceBenchmarkConfig { Calls = 10, Rounds = 50 }.Validate()).Message);
        var other = new SimdMlp(null, null, new[] { new MlpLayer(new float[12 * 44], new float[12], 44, 12) });
        Assert.Contains("must match", Assert.Throws<ArgumentException>(() => InferenceBenchmark.Run(Net(1), other, new InferenceBenchmarkConfig { Calls = 10, Rounds = 1 })).Message);
    }
}
