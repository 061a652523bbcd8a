using System.Text.Json;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Runtime;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Sim.Tasks;
using Robotics.Training.Models;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Export;

/// <summary>The policy's part of one recorded control period: the training observation, the actor's action, the joint targets [rad] the simulator drove its PD law with.</summary>
public sealed record PolicyStep(float[] Observation, float[] Action, double[] Targets);

/// <summary>One control period of a golden trace: what the robot would have measured, and what the policy saw and did in training.</summary>
public sealed record GoldenStep<TFrame>(TFrame Measured, PolicyStep Policy);

/// <summary>
/// The training side every golden trace shares: an actor whose normalizer saw the robot's own observations, a
/// rollout recorded per policy step, and the trace file. <see cref="DeployReplay"/> is the robot's side.
/// </summary>
internal static class GoldenTrace
{
    /// <summary>
    /// A deterministic actor (hidden [128, 64], seed <paramref name="seed"/>) whose normalizer statistics come from 200 steps
    /// of the task's own policy observations under random actions, with a new episode every 0.4 s, so every term varies as it
    /// does across a training batch. A term that never varied would get σ ≈ √ε = 1e-4 and amplify float rounding 10⁴-fold,
    /// which no real run has; each component must reach σ > 1e-3 except those named in <paramref name="constant"/>
    /// (e.g. <c>cube_pos[2]</c>: a cube resting on the table), which the task holds fixed by design.
    /// </summary>
    public static GaussianActor WarmedActor<T>(T task, MjData data, ref Rng rng, int seed, params string[] constant) where T : PdTask<T>
    {
        var group = task.ObservationGroups[0];
        Assert.Equal(ObservationGroup.Policy, group.Name);
        int obsDim = group.Dim, n = task.ActionDim;
        manual_seed(seed);
        var actor = new GaussianActor(obsDim, n, new NetworkConfig { Hidden = new[] { 128, 64 } });
        var obs = new float[obsDim];
        var random = new float[n];
        var seen = new List<float>();
        for (int t = 0; t < 200; t++)
        {
            if (t % 20 == 0) task.Reset(0, data, ref rng);
            task.Observe(0, data, 0, obs, ref rng);
            seen.AddRange(obs);
            for (int k = 0; k < n; k++) random[k] = (float)rng.Uniform(-1, 1);
            task.Simulate(0, data, random, ref rng);
        }
        using (var batch = tensor(seen.ToArray(), new long[] { 200, obsDim })) actor.Normalizer.Update(batch);
        var std = actor.Normalizer.Variance.sqrt().data<float>().ToArray();
        for (int k = 0; k < obsDim; k++)
            if (!constant.Contains(Term(group, k)))
                Assert.True(std[k] > 1e-3, $"{Term(group, k)} did not vary in the warm-up (σ = {std[k]:E1})");
        actor.eval();
        return actor;
    }

    /// <summary>
    /// Records <paramref name="steps"/> policy steps of environment 0 with the actor's deterministic actions, starting a new
    /// episode on termination and every <paramref name="episodeSteps"/> steps. <paramref name="measure"/> copies what the
    /// robot would have from the task's sensor frame; it runs after the observation and before the physics step.
    /// </summary>
    public static List<GoldenStep<TFrame>> Record<T, TFrame>(T task, MjData data, GaussianActor actor, ref Rng rng, int steps, int episodeSteps, Func<TFrame> measure)
        where T : PdTask<T>
    {
        int obsDim = task.ObservationGroups[0].Dim, n = task.ActionDim;
        var obs = new float[obsDim];
        var action = new float[n];
        var trace = new List<GoldenStep<TFrame>>();
        task.Reset(0, data, ref rng);
        for (int t = 0, episode = 0; t < steps; t++, episode++)
        {
            task.Observe(0, data, 0, obs, ref rng);
            using (no_grad())
            using (var scope = NewDisposeScope())
                actor.forward(tensor(obs, new long[] { 1, obsDim })).data<float>().CopyTo(action, 0, 0);
            var measured = measure();
            task.Simulate(0, data, action, ref rng);
            trace.Add(new GoldenStep<TFrame>(measured, new PolicyStep(obs.ToArray(), action.ToArray(), task.JointTargets(0).ToArray())));
            if (task.IsTerminated(0, data) || episode + 1 == episodeSteps)
            {
                task.Reset(0, data, ref rng);
                episode = -1;
            }
        }
        return trace;
    }

    /// <summary>Writes the trace as JSON and reads it back, as the robot's side gets it (doubles round-trip exactly).</summary>
    public static List<GoldenStep<TFrame>> SaveAndLoad<TFrame>(List<GoldenStep<TFrame>> trace, string path)
    {
        File.WriteAllText(path, JsonSerializer.Serialize(trace));
        return JsonSerializer.Deserialize<List<GoldenStep<TFrame>>>(File.ReadAllText(path))!;
    }

    /// <summary>The term and component an observation index falls in, e.g. <c>cube_pos[2]</c>.</summary>
    public static string Term(ObservationGroup g, int index)
    {
        for (int t = g.Terms.Count - 1; t >= 0; t--)
            if (g.Offset(t) <= index) return $"{g.Terms[t].Name}[{index - g.Offset(t)}]";
        return "?";
    }
}

/// <summary>
/// The robot's side of a golden trace, with only the .onnx file and Robotics.Deploy: the caller fills <see cref="Frame"/>
/// from a recorded step (and, for an arm, the end-effector pose by the contract's forward kinematics), then <see cref="Check"/>
/// builds the observation with <see cref="ObservationBuilder"/>, runs <see cref="OnnxPolicy"/> and maps the action with
/// the contract's <see cref="ActionMap"/>. Terms the robot measures directly must match training bit for bit; terms from
/// forward kinematics (<see cref="ObservationWriter.NeedsKinematics"/>) within a tolerance, their worst differences kept per term.
/// </summary>
internal sealed class DeployReplay : IDisposable
{
    /// <summary>The bound on a forward-kinematics term [m or rad], unless the test states another with its reason.</summary>
    public const double KinematicsTolerance = 1e-6;

    /// <summary>The bound on actions, and on the joint targets they map to [rad].</summary>
    public const double ActionTolerance = 1e-5;

    private readonly OnnxPolicy _policy;
    private readonly ObservationBuilder _builder;
    private readonly ActionMap _map;
    private readonly ObservationGroup _group;
    private readonly bool[] _kinematic;        // [obsDim] the index belongs to a forward-kinematics term
    private readonly double[] _worstTerm;      // [terms] worst |deploy − training|, kinematic terms only
    private readonly float[] _o, _a, _clipped;
    private readonly double[] _targets;
    private readonly HashSet<float> _distinct = new();
    private double _worstAction, _worstTarget;
    private int _steps;

    /// <summary>Opens the exported file for a robot with <paramref name="joints"/>.</summary>
    public DeployReplay(string policyPath, IReadOnlyList<string> joints)
    {
        _policy = OnnxPolicy.Load(policyPath, joints);
        _builder = new ObservationBuilder(_policy.Contract);
        Assert.Empty(_builder.ExternalTerms);
        _map = _policy.Contract.BuildActionMap();
        _group = _builder.Group;
        int n = _policy.ActionDim;
        Frame = new SensorFrame(n, n);
        _kinematic = new bool[_group.Dim];
        for (int t = 0; t < _group.Terms.Count; t++)
            if (ObservationWriter.NeedsKinematics(ObservationWriter.Resolve(_group.Terms[t].Name)))
                _kinematic.AsSpan(_group.Offset(t), _group.Terms[t].Width).Fill(true);
        _worstTerm = new double[_group.Terms.Count];
        _o = new float[_policy.ObservationDim];
        _a = new float[n];
        _clipped = new float[n];
        _targets = new double[n];
    }

    /// <summary>The contract read from the file.</summary>
    public PolicyContract Contract => _policy.Contract;

    /// <summary>What the robot measured this period; filled by the caller before <see cref="Check"/>.</summary>
    public SensorFrame Frame { get; }

    /// <summary>Worst |deploy − training| per forward-kinematics term so far (name → value).</summary>
    public IReadOnlyDictionary<string, double> WorstKinematicTerms =>
        Enumerable.Range(0, _group.Terms.Count).Where(t => _kinematic[_group.Offset(t)]).ToDictionary(t => _group.Terms[t].Name, t => _worstTerm[t]);

    /// <summary>Worst |deploy action − training action| so far.</summary>
    public double WorstAction => _worstAction;

    /// <summary>Rebuilds step <paramref name="step"/> from <see cref="Frame"/> and compares it with training.</summary>
    public void Check(PolicyStep s, int step)
    {
        _builder.Build(Frame, _o);
        for (int k = 0; k < _o.Length; k++)
        {
            if (_kinematic[k])
            {
                int term = TermIndex(k);
                _worstTerm[term] = Math.Max(_worstTerm[term], Math.Abs((double)_o[k] - s.Observation[k]));
                continue;
            }
            Assert.True(BitConverter.SingleToInt32Bits(_o[k]) == BitConverter.SingleToInt32Bits(s.Observation[k]),
                $"step {step}, observation {k} ({GoldenTrace.Term(_group, k)}): deploy {_o[k]:R} vs training {s.Observation[k]:R}");
        }
        _policy.Run(_o, _a);
        for (int k = 0; k < _a.Length; k++) _worstAction = Math.Max(_worstAction, Math.Abs(_a[k] - s.Action[k]));
        // The recorded action through the robot's map gives the simulator's targets exactly; the deploy action within its tolerance.
        Assert.Equal(-1, _map.Map(s.Action, Frame.JointPos, _clipped, _targets));
        Assert.Equal(s.Targets, _targets);
        Assert.Equal(-1, _map.Map(_a, Frame.JointPos, _clipped, _targets));
        for (int k = 0; k < _targets.Length; k++) _worstTarget = Math.Max(_worstTarget, Math.Abs(_targets[k] - s.Targets[k]));
        _distinct.Add(s.Action[0]);
        _steps++;
    }

    /// <summary>
    /// Asserts the bounds: each kinematic term within <see cref="KinematicsTolerance"/> or the bound <paramref name="tolerances"/>
    /// states for it, actions and targets within <see cref="ActionTolerance"/>, a rollout that varied; writes the figures.
    /// </summary>
    public void Conclude(Xunit.Abstractions.ITestOutputHelper output, string name, IReadOnlyDictionary<string, double>? tolerances = null)
    {
        var worst = WorstKinematicTerms;
        var terms = worst.Count == 0 ? "no forward-kinematics terms"
            : string.Join(", ", worst.Select(w => $"{w.Key} {w.Value:E2}"));
        output.WriteLine($"{name}, {_steps} steps: measured terms bit-identical; worst |deploy − training| per forward-kinematics term: {terms}; " +
            $"action {_worstAction:E2}; joint target {_worstTarget:E2} rad");
        foreach (var (term, value) in worst)
        {
            double bound = tolerances is not null && tolerances.TryGetValue(term, out var b) ? b : KinematicsTolerance;
            Assert.True(value <= bound, $"{name}: worst |deploy − training| of {term} = {value:E2}, over {bound:E0}");
        }
        Assert.True(_worstAction < ActionTolerance, $"{name}: max |deploy action − training action| = {_worstAction:E2}");
        Assert.True(_worstTarget < ActionTolerance, $"{name}: max |deploy target − training target| = {_worstTarget:E2} rad");
        Assert.True(_distinct.Count > 100, $"{name}: the rollout barely changed ({_distinct.Count} distinct actions); the trace would not test much");
    }

    /// <summary>Frees the policy.</summary>
    public void Dispose() => _policy.Dispose();

    private int TermIndex(int index)
    {
        for (int t = _group.Terms.Count - 1; t >= 0; t--)
            if (_group.Offset(t) <= index) return t;
        return 0;
    }
}
