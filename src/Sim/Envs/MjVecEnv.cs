using System.Runtime.ExceptionServices;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Deploy.Contract;

namespace Robotics.Sim.Envs;

/// <summary>
/// N MuJoCo environments of one <see cref="IMjTask"/>, stepped on K threads. Environment i has its own
/// MjData and its own random stream <c>Rng.For(seed, "env", i)</c>, so the results for a seed are the
/// same whatever K is and whichever thread steps which environment.
/// </summary>
public sealed partial class MjVecEnv : IVecEnv
{
    private readonly IMjTask _task;
    private readonly MjData[] _data;
    private readonly Rng[] _rng;
    private readonly WorkerPool _pool;
    private readonly Action<int> _stepSlice, _resetSlice;
    private readonly Dictionary<string, int> _groupIndex;

    // Buffers, all preallocated.
    private readonly float[][] _obs, _finalObs;    // per group: [N, dim]
    private readonly float[] _actions;             // [N, actionDim]
    private readonly float[] _rewards;             // [N]
    private readonly bool[] _terminated, _truncated; // [N]
    private readonly float[] _episodeReturn, _doneReturn; // [N]
    private readonly int[] _episodeLength, _doneLength;   // [N]
    private readonly int[] _episodeLimit;          // [N] steps at which the current episode is truncated
    private readonly float[] _terms, _episodeTerms, _doneTerms;   // [N, nTerms]
    private readonly int _nTerms;
    private readonly Exception?[] _errors;         // per worker: its lowest-index failure of the last run
    private readonly int[] _errorEnv;              // per worker: that failure's environment

    private readonly bool _ownsTask;

    /// <summary>The stream index of environment 0 (a rank's offset in data-parallel training; 0 otherwise).</summary>
    public int FirstIndex { get; }

    /// <summary>
    /// Creates <paramref name="numEnvs"/> environments of <paramref name="task"/> on <paramref name="threads"/>
    /// threads and resets them with <paramref name="seed"/>. With <paramref name="ownsTask"/>, disposing the
    /// environment disposes the task (and so its model) too. Environment i draws from the stream of index
    /// <paramref name="firstIndex"/> + i, so K processes with offsets 0, N, 2N, … draw what one process with K·N would.
    /// </summary>
    public MjVecEnv(IMjTask task, int numEnvs, int threads = 1, ulong seed = 0, bool ownsTask = false, int firstIndex = 0)
    {
        _ownsTask = ownsTask;
        FirstIndex = firstIndex;
        ArgumentNullException.ThrowIfNull(task);
        if (numEnvs < 1) throw new ArgumentOutOfRangeException(nameof(numEnvs), numEnvs, "at least one environment");
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "at least one thread");
        if (task.Decimation < 1) throw new ArgumentException($"task '{task.Name}': decimation must be ≥ 1, got {task.Decimation}");
        if (task.MaxEpisodeSteps < 1) throw new ArgumentException($"task '{task.Name}': MaxEpisodeSteps must be ≥ 1, got {task.MaxEpisodeSteps}");
        _task = task;
        NumEnvs = numEnvs;
        Threads = Math.Min(threads, numEnvs);
        ActionDim = task.ActionDim;
        ObservationGroups = task.ObservationGroups;
        _groupIndex = ObservationGroups.Select((g, i) => (g.Name, i)).ToDictionary(x => x.Name, x => x.i);

        task.Initialize(numEnvs);
        _data = new MjData[numEnvs];
        for (int i = 0; i < numEnvs; i++) _data[i] = new MjData(task.ModelFor(i));
        _rng = new Rng[numEnvs];
        _obs = ObservationGroups.Select(g => new float[numEnvs * g.Dim]).ToArray();
        _finalObs = ObservationGroups.Select(g => new float[numEnvs * g.Dim]).ToArray();
        _actions = new float[numEnvs * ActionDim];
        _rewards = new float[numEnvs];
        _terminated = new bool[numEnvs];
        _truncated = new bool[numEnvs];
        _episodeReturn = new float[numEnvs];
        _doneReturn = new float[numEnvs];
        _episodeLength = new int[numEnvs];
        _doneLength = new int[numEnvs];
        _episodeLimit = new int[numEnvs];
        Array.Fill(_episodeLimit, task.MaxEpisodeSteps);

        RewardTermNames = task.RewardTerms;
        _nTerms = RewardTermNames.Count;
        _terms = new float[numEnvs * _nTerms];
        _episodeTerms = new float[numEnvs * _nTerms];
        _doneTerms = new float[numEnvs * _nTerms];

        _pool = new WorkerPool(Threads, task.Name);
        _errors = new Exception?[Threads];
        _errorEnv = new int[Threads];
        _stepSlice = StepSlice;
        _resetSlice = ResetSlice;
        Reset(seed);
    }

    /// <inheritdoc/>
    public int NumEnvs { get; }

    /// <summary>Worker threads, the caller included.</summary>
    public int Threads { get; }

    /// <inheritdoc/>
    public int ActionDim { get; }

    /// <inheritdoc/>
    public double StepDt => _task.Model.Timestep * _task.Decimation;

    /// <inheritdoc/>
    public IReadOnlyList<ObservationGroup> ObservationGroups { get; }

    /// <summary>The task being simulated.</summary>
    public IMjTask Task => _task;

    /// <summary>The simulation state of environment <paramref name="env"/> (for inspection and rendering).</summary>
    public MjData Data(int env) => _data[env];

    /// <inheritdoc/>
    public ReadOnlySpan<float> Observations(string group) => _obs[GroupIndex(group)];

    /// <inheritdoc/>
    public ReadOnlySpan<float> FinalObservations(string group) => _finalObs[GroupIndex(group)];

    /// <inheritdoc/>
    public ReadOnlySpan<float> Rewards => _rewards;

    /// <inheritdoc/>
    public ReadOnlySpan<bool> Terminated => _terminated;

    /// <inheritdoc/>
    public ReadOnlySpan<bool> Truncated => _truncated;

    /// <inheritdoc/>
    public ReadOnlySpan<float> EpisodeReturns => _doneReturn;

    /// <summary>Names of the task's reward terms.</summary>
    public IReadOnlyList<string> RewardTermNames { get; }

    /// <summary>Each reward term's contribution to the last step's reward. [N, terms]</summary>
    public ReadOnlySpan<float> RewardTermValues => _terms;

    /// <summary>Each reward term's sum over the episode that ended at the last step; valid where it ended. [N, terms]</summary>
    public ReadOnlySpan<float> EpisodeRewardTerms => _doneTerms;

    /// <inheritdoc/>
    public ReadOnlySpan<int> EpisodeLengths => _doneLength;

    private int GroupIndex(string group) =>
        _groupIndex.TryGetValue(group, out var i) ? i
        : throw new KeyNotFoundException($"task '{_task.Name}' has no observation group '{group}'; it has {string.Join(", ", _groupIndex.Keys)}");

    /// <inheritdoc/>
    public void Reset(ulong seed)
    {
        for (int i = 0; i < NumEnvs; i++) _rng[i] = Rng.For(seed, "env", FirstIndex + i);
        Run(_resetSlice);
    }

    /// <summary>
    /// Truncates each environment's current episode after a uniformly drawn 1…MaxEpisodeSteps steps (the stream
    /// (seed, "stagger", i)), so that environments reset together do not reach their time limit together, and
    /// the episodes after it (which run the whole length) do not go through the same moments (a command
    /// resample, a push) in step. Call it right after <see cref="Reset"/>. The first episodes are cut short,
    /// not started late: the lengths they report are the steps they ran.
    /// </summary>
    // DESIGN: rsl_rl sets each episode's step counter to a random value instead; that reports the first
    // episodes' lengths wrong and does not change what they do, so a shorter first limit is used here.
    public void StaggerEpisodes(ulong seed)
    {
        int max = _task.MaxEpisodeSteps;
        for (int i = 0; i < NumEnvs; i++) _episodeLimit[i] = 1 + Rng.For(seed, "stagger", FirstIndex + i).NextInt(max);
    }

    /// <inheritdoc/>
    public void Step(ReadOnlySpan<float> actions)
    {
        if (actions.Length != _actions.Length)
            throw new ArgumentException($"expected {NumEnvs} × {ActionDim} = {_actions.Length} actions, got {actions.Length}", nameof(actions));
        actions.CopyTo(_actions);
        Run(_stepSlice);
    }

    private void Run(Action<int> slice)
    {
        Array.Clear(_errors);
        _next = 0;
        _chunk = Math.Max(1, NumEnvs / (Threads * 8));
        _pool.Run(slice);
        // Report the failing environment with the lowest index, whichever thread met it first.
        int first = -1;
        for (int w = 0; w < _errors.Length; w++)
            if (_errors[w] is not null && (first < 0 || _errorEnv[w] < _errorEnv[first])) first = w;
        if (first >= 0) ExceptionDispatchInfo.Throw(_errors[first]!);
    }

    // Workers claim chunks of environments from a shared counter, so a worker whose environments reset
    // or touch more contacts does not leave the others waiting. Which thread steps an environment
    // changes nothing in its result: each has its own data and random stream.
    // DESIGN: fixed contiguous slices per worker were simpler but cost ~7% at 2 threads on the quadruped
    // task (workers idle at the barrier while the slowest finishes).
    private int _next;
    private int _chunk = 1;

    private bool Claim(out int begin, out int end)
    {
        begin = Interlocked.Add(ref _next, _chunk) - _chunk;
        end = Math.Min(begin + _chunk, NumEnvs);
        return begin < NumEnvs;
    }

    private void ResetSlice(int worker)
    {
        while (Claim(out int begin, out int end))
        for (int i = begin; i < end; i++)
        {
            try
            {
                ResetEnv(i);
                _rewards[i] = 0;
                _terminated[i] = _truncated[i] = false;
            }
            catch (Exception e) { Fail(worker, i, e); break; }
        }
    }

    private void StepSlice(int worker)
    {
        int a = ActionDim;
        while (Claim(out int begin, out int end))
        for (int i = begin; i < end; i++)
        {
            try
            {
                var data = _data[i];
                var action = new ReadOnlySpan<float>(_actions, i * a, a);
                _task.Simulate(i, data, action, ref _rng[i]);

                var terms = new Span<float>(_terms, i * _nTerms, _nTerms);
                float reward = _task.Reward(i, data, action, terms);
                var episodeTerms = new Span<float>(_episodeTerms, i * _nTerms, _nTerms);
                for (int k = 0; k < terms.Length; k++) episodeTerms[k] += terms[k];
                bool terminated = data.Diverged || _task.IsTerminated(i, data);
                int length = ++_episodeLength[i];
                bool truncated = !terminated && length >= _episodeLimit[i];
                _rewards[i] = reward;
                _terminated[i] = terminated;
                _truncated[i] = truncated;
                _episodeReturn[i] += reward;
                Observe(i);

                if (terminated || truncated)
                {
                    // Keep the last observation for bootstrapping, then start the next episode.
                    for (int g = 0; g < _obs.Length; g++)
                    {
                        int dim = ObservationGroups[g].Dim;
                        Array.Copy(_obs[g], i * dim, _finalObs[g], i * dim, dim);
                    }
                    _doneReturn[i] = _episodeReturn[i];
                    _doneLength[i] = length;
                    episodeTerms.CopyTo(new Span<float>(_doneTerms, i * _nTerms, _nTerms));
                    ResetEnv(i);
                }
            }
            catch (Exception e) { Fail(worker, i, e); break; }
        }
    }

    private void ResetEnv(int i)
    {
        var data = _data[i];
        data.Reset();
        _task.Reset(i, data, ref _rng[i]);
        _episodeReturn[i] = 0;
        _episodeLength[i] = 0;
        _episodeLimit[i] = _task.MaxEpisodeSteps;
        Array.Clear(_episodeTerms, i * _nTerms, _nTerms);
        Observe(i);
    }

    private void Observe(int i)
    {
        for (int g = 0; g < _obs.Length; g++)
        {
            int dim = ObservationGroups[g].Dim;
            _task.Observe(i, _data[i], g, new Span<float>(_obs[g], i * dim, dim), ref _rng[i]);
        }
    }

    private void Fail(int worker, int env, Exception e)
    {
        if (_errors[worker] is not null && _errorEnv[worker] <= env) return;
        _errors[worker] = Wrap(env, e);
        _errorEnv[worker] = env;
    }

    // Name the environment; keep bad input and argument errors (a NaN action) recognisable as such.
    private static Exception Wrap(int env, Exception e) => e switch
    {
        UserError => new UserError($"environment {env}: {e.Message}", e),
        ArgumentException => new ArgumentException($"environment {env}: {e.Message}", e),
        _ => new InvalidOperationException($"environment {env}: {e.Message}", e),
    };

    /// <summary>Stops the workers and frees every environment's data, and the task when the environment owns it.</summary>
    public void Dispose()
    {
        _pool.Dispose();
        foreach (var d in _data) d?.Dispose();
        if (_ownsTask && _task is IDisposable t) t.Dispose();
    }
}
