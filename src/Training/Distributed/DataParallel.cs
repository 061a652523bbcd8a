using System.Diagnostics;
using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Robotics.Training.Distributed;

// DESIGN: one object that the algorithms call at the few points where ranks must agree (gradients, KL, statistics),
// not a distributed subclass of each algorithm: the algorithms stay one readable file each, and the single-rank
// object returns before touching any tensor, so a run without mpirun computes exactly what it did before.
// Optimizer moments are not broadcast: every rank starts them at zero or loads them from the same checkpoint files,
// and from then on applies the same averaged gradient; the parameters are broadcast once as a guard.

/// <summary>
/// Data-parallel training over the ranks of an <see cref="MpiWorld"/>: parameters broadcast from rank 0, each
/// minibatch's gradients averaged with one all-reduce over a flat buffer, scalars averaged, and the mean and variance
/// of batches split over ranks merged exactly. <see cref="Single"/> is the world of one process, where every call
/// leaves its arguments as they are. A watchdog thread ends the job when a collective waits longer than
/// <see cref="RankTimeout"/>.
/// </summary>
public sealed class DataParallel : IDisposable
{
    private const int MessageBytes = 1024;
    private readonly MpiWorld? _world;
    private readonly Thread? _watchdog;
    private readonly string[] _hosts;
    private float[] _flat = [];
    private long _since;            // Stopwatch timestamp when the current collective began; 0 outside one
    private string _collective = "";
    private long _ticks;
    private volatile bool _disposed;

    /// <summary>The world of one process: nothing is communicated.</summary>
    public static DataParallel Single { get; } = new(null, TimeSpan.FromSeconds(60));

    /// <summary>Training over <paramref name="world"/>; a collective that waits longer than <paramref name="rankTimeout"/> ends the job.</summary>
    public DataParallel(MpiWorld? world, TimeSpan rankTimeout)
    {
        _world = world is { Size: > 1 } ? world : null;
        RankTimeout = rankTimeout;
        Rank = world?.Rank ?? 0;
        Size = world?.Size ?? 1;
        string host = world?.ProcessorName() ?? Environment.MachineName;
        _hosts = _world is null ? [host] : Gather("host names", host, 256);
        if (_world is null) return;
        _watchdog = new Thread(Watch) { IsBackground = true, Name = "rank watchdog" };
        _watchdog.Start();
    }

    /// <summary>This process's rank.</summary>
    public int Rank { get; }
    /// <summary>Ranks in the job.</summary>
    public int Size { get; }
    /// <summary>True on rank 0, the rank that writes the run's files.</summary>
    public bool IsRoot => Rank == 0;
    /// <summary>True with more than one rank: the calls communicate.</summary>
    public bool IsActive => _world is not null;
    /// <summary>How long a collective may wait for the other ranks before the job is ended.</summary>
    public TimeSpan RankTimeout { get; }
    /// <summary>The host of rank <paramref name="rank"/>.</summary>
    public string Host(int rank) => _hosts[rank];
    /// <summary>"rank r (host)".</summary>
    public string Name(int rank) => $"rank {rank} ({_hosts[rank]})";
    /// <summary>Seconds spent in collectives since the last call; resets the count.</summary>
    public double TakeCommunicationSeconds()
    {
        long t = Interlocked.Exchange(ref _ticks, 0);
        return (double)t / Stopwatch.Frequency;
    }

    /// <summary>Overwrites the parameters and buffers of <paramref name="module"/> with rank 0's (floating-point ones).</summary>
    public void BroadcastModule(nn.Module module)
    {
        if (_world is null) return;
        using var _ = no_grad();
        foreach (var (_, t) in module.state_dict())
        {
            if (t.dtype == ScalarType.Float32)
            {
                var host = t.detach().cpu().contiguous().data<float>().ToArray();
                Collective("MPI_Bcast", () => _world.Broadcast(host, 0));
                t.copy_(tensor(host).view_as(t));
            }
            else if (t.dtype == ScalarType.Float64)
            {
                var host = t.detach().cpu().contiguous().data<double>().ToArray();
                Collective("MPI_Bcast", () => _world.Broadcast(host, 0));
                t.copy_(tensor(host).view_as(t));
            }
        }
    }

    /// <summary>
    /// Replaces each parameter's gradient with its mean over the ranks: one all-reduce over all of them flattened.
    /// Call after backward and before gradient clipping. Parameters without a gradient are skipped (alike on every rank).
    /// </summary>
    public void AverageGradients(IEnumerable<Parameter> parameters)
    {
        if (_world is null) return;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var grads = parameters.Select(p => p.grad).Where(g => g is not null && !g.IsInvalid).Select(g => g!).ToArray();
        if (grads.Length == 0) return;
        var flat = AverageFlat(cat(grads.Select(g => g.reshape(-1)).ToArray(), 0));
        long offset = 0;
        foreach (var g in grads)
        {
            long n = g.numel();
            g.copy_(flat.narrow(0, offset, n).view_as(g));
            offset += n;
        }
    }

    /// <summary>The mean over the ranks of a flat float vector [P] (a gradient, a Fisher-vector product), on its device.</summary>
    public Tensor AverageFlat(Tensor flat)
    {
        if (_world is null) return flat;
        int n = checked((int)flat.numel());
        if (_flat.Length != n) _flat = new float[n];
        flat.detach().to_type(ScalarType.Float32).cpu().contiguous().data<float>().CopyTo(_flat, 0, 0);
        Collective("MPI_Allreduce", () => _world.AllReduceSum(_flat));
        float k = Size;
        for (int i = 0; i < n; i++) _flat[i] /= k;
        return tensor(_flat).to_type(flat.dtype).to(flat.device);
    }

    /// <summary>The mean of <paramref name="value"/> over the ranks.</summary>
    public double Average(double value)
    {
        if (_world is null) return value;
        Span<double> v = [value];
        SumInPlace(v);
        return v[0] / Size;
    }

    /// <summary>Replaces <paramref name="values"/> with their element-wise sum over the ranks.</summary>
    public void SumInPlace(Span<double> values)
    {
        if (_world is null) return;
        var copy = values.ToArray();
        Collective("MPI_Allreduce", () => _world.AllReduceSum(copy));
        copy.CopyTo(values);
    }

    /// <summary>
    /// The count, mean [dim] and population variance [dim] (float64, on the batch's device) of the union of every rank's
    /// <paramref name="batch"/> [B, dim] (or [B]): a sum, then the squared deviations from the union's mean, so the
    /// result is the one pass over all samples would give, not an average of per-rank statistics.
    /// </summary>
    public (double Count, Tensor Mean, Tensor Variance) Moments(Tensor batch)
    {
        using var _ = no_grad();
        var x = batch.reshape(batch.shape[0], -1).to_type(ScalarType.Float64);
        var first = new double[1 + x.shape[1]];
        first[0] = x.shape[0];
        x.sum(new long[] { 0 }).cpu().data<double>().CopyTo(first, 1, 0);
        SumInPlace(first);
        double n = first[0];
        var mean = (tensor(first[1..]) / n).to(batch.device);
        var m2 = ((x - mean).pow(2)).sum(new long[] { 0 }).cpu().data<double>().ToArray();
        SumInPlace(m2);
        return (n, mean, (tensor(m2) / n).to(batch.device));
    }

    /// <summary>(x − mean) / (std + 1e-8) with the union's mean and (unbiased) std over the ranks; single-rank: over this batch, as before.</summary>
    public Tensor Standardize(Tensor x)
    {
        if (_world is null) return (x - x.mean()) / (x.std() + 1e-8);
        var (n, mean, variance) = Moments(x.reshape(-1));
        var std = (variance * (n / Math.Max(1, n - 1))).sqrt().to_type(x.dtype);
        return (x - mean.to_type(x.dtype)) / (std + 1e-8);
    }

    /// <summary>
    /// Runs <paramref name="action"/> on every rank and agrees on how it went: when it fails on any rank, every rank
    /// throws a <see cref="UserError"/> naming the first failing rank, its host and its message, so no rank waits
    /// for another that has given up.
    /// </summary>
    public void Agree(string what, Action action)
    {
        if (_world is null) { action(); return; }
        string error = "";
        Exception? own = null;
        try { action(); }
        catch (Exception e) when (e is not OutOfMemoryException) { error = e.Message; own = e; }
        var all = Gather(what, error, MessageBytes);
        for (int r = 0; r < Size; r++)
            if (all[r].Length > 0) throw new UserError($"{Name(r)}: {what}: {all[r]}", own);
    }

    /// <summary>
    /// Refuses to start when a rank's <paramref name="digest"/> (of its binary, task and run settings) differs from
    /// rank 0's: every rank throws a <see cref="UserError"/> naming the ranks that disagree.
    /// </summary>
    public void CheckDigest(string digest)
    {
        if (_world is null) return;
        var all = Gather("run digests", digest, 128);
        var odd = Enumerable.Range(1, Size - 1).Where(r => all[r] != all[0]).ToArray();
        if (odd.Length > 0)
            throw new UserError($"the ranks do not run the same binary, task, seed and settings: {string.Join(", ", odd.Select(r => $"{Name(r)} has digest {all[r]}"))}, " +
                $"{Name(0)} has {all[0]}. Start every rank from the same build with the same arguments.");
    }

    /// <summary>
    /// SHA-256 of the floating-point parameters and buffers of <paramref name="modules"/> on this rank, compared with
    /// every other rank's: throws a <see cref="UserError"/> naming the ranks whose parameters have drifted from rank 0's.
    /// Returns the digest (hex).
    /// </summary>
    public string CheckIdenticalParameters(params nn.Module?[] modules)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var m in modules)
            if (m is not null)
                foreach (var (_, t) in m.state_dict())
                {
                    using var c = t.detach().cpu().contiguous();
                    if (c.dtype == ScalarType.Float32) sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes<float>(c.data<float>().ToArray()));
                    else if (c.dtype == ScalarType.Float64) sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes<double>(c.data<double>().ToArray()));
                }
        string digest = Convert.ToHexString(sha.GetHashAndReset());
        if (_world is null) return digest;
        var all = Gather("parameter digests", digest, 128);
        var odd = Enumerable.Range(1, Size - 1).Where(r => all[r] != all[0]).ToArray();
        if (odd.Length > 0)
            throw new UserError($"the ranks' parameters have drifted apart: {string.Join(", ", odd.Select(Name))} differ from {Name(0)}");
        return digest;
    }

    /// <summary>Every rank's <paramref name="text"/> (UTF-8, cut to <paramref name="bytes"/>), in rank order.</summary>
    private string[] Gather(string what, string text, int bytes)
    {
        var mine = new byte[bytes];
        var encoded = Encoding.UTF8.GetBytes(text);
        Array.Copy(encoded, mine, Math.Min(encoded.Length, bytes));
        var all = new byte[bytes * Size];
        Collective($"MPI_Allgather ({what})", () => _world!.AllGather(mine, all));
        return Enumerable.Range(0, Size).Select(r => Encoding.UTF8.GetString(all, r * bytes, bytes).TrimEnd('\0')).ToArray();
    }

    private void Collective(string call, Action body)
    {
        long start = Stopwatch.GetTimestamp();
        _collective = call;
        Volatile.Write(ref _since, start);
        try { body(); }
        finally
        {
            Volatile.Write(ref _since, 0);
            Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - start);
        }
    }

    // MPI was initialized MPI_THREAD_SINGLE and this thread calls MPI_Abort while the main thread sits in a collective;
    // the standard leaves that undefined, but Open MPI's abort only asks the launcher to kill the job, which is what
    // is wanted (seen ending a job with a SIGSTOPped rank in the tests). MPI_Init_thread with MPI_THREAD_MULTIPLE would make
    // it defined; it was not tried here.
    // A rank that died is noticed by mpirun, which ends the job and names it; a rank that stopped answering is not:
    // the others wait in their collective, and this thread ends the job once the wait exceeds the timeout.
    private void Watch()
    {
        while (!_disposed)
        {
            Thread.Sleep(200);
            long since = Volatile.Read(ref _since);
            if (since == 0 || Stopwatch.GetElapsedTime(since) < RankTimeout) continue;
            Console.Error.WriteLine($"error: {Name(Rank)} waited {RankTimeout.TotalSeconds:0} s in {_collective} for the other ranks " +
                $"({string.Join(", ", Enumerable.Range(0, Size).Where(r => r != Rank).Select(Name))}): a rank stopped answering; ending the job (--rank-timeout)");
            Console.Error.Flush();
            _world!.Abort(3);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _disposed = true;
}
