using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Sim.Random;

namespace Robotics.Training.Tests.Algorithms;

/// <summary>
/// A discrete-time linear-quadratic regulator as an IVecEnv: x' = A·x + B·u, reward = scale·(offset − (xᵀQx + uᵀRu)),
/// x₀ ~ U(−1, 1)ⁿ, episodes of <c>horizon</c> steps (a time limit, or a true end when <c>terminateAtHorizon</c>).
/// The policy sees x [n]; the critic sees the quadratic features x_i·x_j (i ≤ j) [n(n+1)/2], so that a
/// linear critic can represent V(x) = xᵀPx + c exactly, and optionally a one-hot of the step [horizon].
/// </summary>
internal sealed class LqrEnv : IVecEnv
{
    private readonly double[,] _a, _b, _q, _r;
    private readonly int _n, _m, _horizon, _criticDim;
    private readonly bool _terminate, _timeFeature;
    private readonly double _offset, _scale;
    private readonly double[] _x;                 // [N, n]
    private readonly int[] _t, _lengths;          // [N]
    private readonly float[] _obs, _final, _cobs, _cfinal, _rewards, _returns, _running;
    private readonly bool[] _terminated, _truncated;
    private Rng _rng;

    public LqrEnv(int envs, double[,] a, double[,] b, double[,] q, double[,] r, int horizon, ulong seed,
        bool terminateAtHorizon = false, double rewardOffset = 0, bool timeFeature = false, double rewardScale = 1)
    {
        _scale = rewardScale;
        (_a, _b, _q, _r, _horizon, _terminate, _offset, _timeFeature) = (a, b, q, r, horizon, terminateAtHorizon, rewardOffset, timeFeature);
        _n = a.GetLength(0);
        _m = b.GetLength(1);
        NumEnvs = envs;
        _criticDim = _n * (_n + 1) / 2 + (timeFeature ? horizon : 0);
        _x = new double[envs * _n];
        _t = new int[envs]; _lengths = new int[envs];
        _obs = new float[envs * _n]; _final = new float[envs * _n];
        _cobs = new float[envs * _criticDim]; _cfinal = new float[envs * _criticDim];
        _rewards = new float[envs]; _returns = new float[envs]; _running = new float[envs];
        _terminated = new bool[envs]; _truncated = new bool[envs];
        ObservationGroups = new[]
        {
            new ObservationGroup(ObservationGroup.Policy, new[] { new ObservationTerm("x", _n) }),
            new ObservationGroup(ObservationGroup.Critic, new[] { new ObservationTerm("quadratic", _criticDim) }),
        };
        Reset(seed);
    }

    public int NumEnvs { get; }
    public int ActionDim => _m;
    public double StepDt => 1;
    public IReadOnlyList<ObservationGroup> ObservationGroups { get; }
    public ReadOnlySpan<float> Observations(string group) => group == ObservationGroup.Policy ? _obs : _cobs;
    public ReadOnlySpan<float> FinalObservations(string group) => group == ObservationGroup.Policy ? _final : _cfinal;
    public ReadOnlySpan<float> Rewards => _rewards;
    public ReadOnlySpan<bool> Terminated => _terminated;
    public ReadOnlySpan<bool> Truncated => _truncated;
    public ReadOnlySpan<float> EpisodeReturns => _returns;
    public ReadOnlySpan<int> EpisodeLengths => _lengths;

    public void Reset(ulong seed)
    {
        _rng = Rng.For(seed, "lqr");
        for (int i = 0; i < NumEnvs; i++) { Start(i); Observe(i, _obs, _cobs); }
    }

    public void Step(ReadOnlySpan<float> actions)
    {
        var next = new double[_n];
        for (int i = 0; i < NumEnvs; i++)
        {
            // Cost of (x, u), then x' = A·x + B·u.
            double cost = 0;
            for (int j = 0; j < _n; j++)
                for (int k = 0; k < _n; k++) cost += _x[i * _n + j] * _q[j, k] * _x[i * _n + k];
            for (int j = 0; j < _m; j++)
                for (int k = 0; k < _m; k++) cost += actions[i * _m + j] * _r[j, k] * actions[i * _m + k];
            for (int j = 0; j < _n; j++)
            {
                double s = 0;
                for (int k = 0; k < _n; k++) s += _a[j, k] * _x[i * _n + k];
                for (int k = 0; k < _m; k++) s += _b[j, k] * actions[i * _m + k];
                next[j] = s;
            }
            next.CopyTo(_x, i * _n);
            _t[i]++;
            _rewards[i] = (float)(_scale * (_offset - cost));
            _running[i] += _rewards[i];
            bool end = _t[i] >= _horizon;
            _terminated[i] = end && _terminate;
            _truncated[i] = end && !_terminate;
            if (end)
            {
                Observe(i, _final, _cfinal);
                _returns[i] = _running[i];
                _lengths[i] = _t[i];
                Start(i);
            }
            Observe(i, _obs, _cobs);
        }
    }

    private void Start(int i)
    {
        for (int j = 0; j < _n; j++) _x[i * _n + j] = _rng.Uniform(-1, 1);
        _t[i] = 0;
        _running[i] = 0;
    }

    private void Observe(int i, float[] obs, float[] cobs)
    {
        for (int j = 0; j < _n; j++) obs[i * _n + j] = (float)_x[i * _n + j];
        int c = i * _criticDim;
        for (int j = 0; j < _n; j++)
            for (int k = j; k < _n; k++) cobs[c++] = (float)(_x[i * _n + j] * _x[i * _n + k]);
        if (_timeFeature)
            for (int h = 0; h < _horizon; h++) cobs[c++] = h == _t[i] ? 1 : 0;
    }

    public void Dispose() { }
}
