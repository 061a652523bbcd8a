using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Sim.Random;

namespace Robotics.Training.Tests.Runner;

/// <summary>
/// A one-step contextual bandit as an IVecEnv: observe x ~ U(−1, 1), act a, reward −(a − x)²; every
/// step ends its episode (terminated). The optimal policy is a = x, return 0.
/// </summary>
internal sealed class BanditEnv : IVecEnv
{
    private readonly float[] _obs, _final, _rewards, _returns;
    private readonly bool[] _terminated, _truncated;
    private readonly int[] _lengths;
    private Rng _rng;

    public BanditEnv(int n, ulong seed)
    {
        NumEnvs = n;
        _obs = new float[n]; _final = new float[n]; _rewards = new float[n]; _returns = new float[n];
        _terminated = new bool[n]; _truncated = new bool[n]; _lengths = new int[n];
        ObservationGroups = new[] { new ObservationGroup(ObservationGroup.Policy, new[] { new ObservationTerm("x", 1) }) };
        Reset(seed);
    }

    public int NumEnvs { get; }
    public int ActionDim => 1;
    public double StepDt => 1;
    public IReadOnlyList<ObservationGroup> ObservationGroups { get; }
    public ReadOnlySpan<float> Observations(string group) => _obs;
    public ReadOnlySpan<float> FinalObservations(string group) => _final;
    public ReadOnlySpan<float> Rewards => _rewards;
    public ReadOnlySpan<bool> Terminated => _terminated;
    public ReadOnlySpan<bool> Truncated => _truncated;
    public ReadOnlySpan<float> EpisodeReturns => _returns;
    public ReadOnlySpan<int> EpisodeLengths => _lengths;

    public void Reset(ulong seed)
    {
        _rng = Rng.For(seed, "bandit");
        for (int i = 0; i < NumEnvs; i++) _obs[i] = (float)_rng.Uniform(-1, 1);
    }

    public void Step(ReadOnlySpan<float> actions)
    {
        for (int i = 0; i < NumEnvs; i++)
        {
            float d = actions[i] - _obs[i];
            _rewards[i] = _returns[i] = -d * d;
            _terminated[i] = true;
            _lengths[i] = 1;
            _final[i] = _obs[i];
            _obs[i] = (float)_rng.Uniform(-1, 1);
        }
    }

    public void Dispose() { }
}
