namespace Robotics.Sim.Envs;

/// <summary>
/// K workers that run one piece of work each, together: the calling thread is worker 0 and K−1
/// background threads are the rest. <see cref="Run"/> returns when all have finished. Nothing is
/// allocated per run; waits spin briefly, then block.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    // Spins before a blocking wait: a step of a batch of environments takes tens of microseconds,
    // about what a futex wake-up costs, so a short spin saves most of them.
    private const int SpinCount = 2000;

    private readonly Thread[] _threads;
    private readonly ManualResetEventSlim[] _go;
    private readonly ManualResetEventSlim _done = new(false, SpinCount);
    private Action<int>? _work;
    private int _remaining;
    private volatile bool _stopping;

    public WorkerPool(int count, string name)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "a worker pool needs at least one worker");
        Count = count;
        _threads = new Thread[count - 1];
        _go = new ManualResetEventSlim[count - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            int worker = i + 1;
            _go[i] = new ManualResetEventSlim(false, SpinCount);
            _threads[i] = new Thread(() => Loop(worker)) { IsBackground = true, Name = $"{name} worker {worker}" };
            _threads[i].Start();
        }
    }

    /// <summary>Number of workers, the caller included.</summary>
    public int Count { get; }

    /// <summary>Runs <paramref name="work"/>(w) for every worker w in parallel and waits for all. <paramref name="work"/> must not throw.</summary>
    public void Run(Action<int> work)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        if (Count == 1) { work(0); return; }
        _work = work;
        Volatile.Write(ref _remaining, Count - 1);
        _done.Reset();
        foreach (var g in _go) g.Set();
        work(0);
        _done.Wait();
        _work = null;
    }

    private void Loop(int worker)
    {
        var go = _go[worker - 1];
        while (true)
        {
            go.Wait();
            go.Reset();
            if (_stopping) return;
            _work!(worker);
            if (Interlocked.Decrement(ref _remaining) == 0) _done.Set();
        }
    }

    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        foreach (var g in _go) g.Set();
        foreach (var t in _threads) t.Join();
        foreach (var g in _go) g.Dispose();
        _done.Dispose();
    }
}
