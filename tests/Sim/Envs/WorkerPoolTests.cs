using Robotics.Sim.Envs;

namespace Robotics.Sim.Tests.Envs;

public class WorkerPoolTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Every_worker_runs_once_per_run_and_run_waits_for_all(int workers)
    {
        using var pool = new WorkerPool(workers, "test");
        var counts = new int[workers];
        for (int run = 0; run < 500; run++)
        {
            pool.Run(w => { Thread.SpinWait(50); Interlocked.Increment(ref counts[w]); });
            Assert.All(counts, c => Assert.Equal(run + 1, Volatile.Read(ref c)));
        }
    }

    [Fact]
    public void Disposed_pool_refuses_work()
    {
        var pool = new WorkerPool(2, "test");
        pool.Dispose();
        pool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pool.Run(_ => { }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerPool(0, "none"));
    }
}
