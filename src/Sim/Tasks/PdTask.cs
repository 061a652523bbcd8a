using System.Diagnostics;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Safety;
using Robotics.Sim.Envs;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Sim.Randomization;
using Robotics.Sim.Robots;

namespace Robotics.Sim.Tasks;

/// <summary>What the core of a PD-driven task reads from its task file.</summary>
public sealed record PdTaskSettings
{
    /// <summary>Task name.</summary>
    public required string Name { get; init; }
    /// <summary>The task-file kind (<c>locomotion</c>, <c>reach</c>, <c>push</c>): selects the terms of that kind.</summary>
    public required string Kind { get; init; }
    /// <summary>Physics time step [s].</summary>
    public required double PhysicsDt { get; init; }
    /// <summary>Physics steps per policy step.</summary>
    public required int Decimation { get; init; }
    /// <summary>Episode length in policy steps.</summary>
    public required int MaxEpisodeSteps { get; init; }
    /// <summary>Default joint positions [rad], in the URDF's actuated order. [n]</summary>
    public required double[] DefaultJointPos { get; init; }
    /// <summary>Half-width of the uniform noise on joint positions at reset [rad].</summary>
    public required double ResetJointNoise { get; init; }
    /// <summary>Nominal Kp [N·m/rad]. [n]</summary>
    public required double[] Kp { get; init; }
    /// <summary>Nominal Kd [N·m·s/rad]. [n]</summary>
    public required double[] Kd { get; init; }
    /// <summary>Whether the PD law adds the gravity and Coriolis torques.</summary>
    public bool GravityCompensation { get; init; }
    /// <summary>
    /// Rate limit of the targets the PD law applies [rad/s], 0 = off. When set, each physics step's target passes the robot's
    /// command limiter (<see cref="CommandLimiter.Bound"/>: position limits, the torque window of the nominal drive, then at most
    /// min(this, the joint's rated speed) · dt from the last), as the robot's safety layer bounds what it sends.
    /// </summary>
    public double TargetRateLimit { get; init; }
    /// <summary>Clip each step's total at zero before the after-clip terms (legged_gym's only_positive_rewards).</summary>
    public bool OnlyPositiveRewards { get; init; }
    /// <summary>Domain randomization.</summary>
    public required RandomizationConfig Randomization { get; init; }
    /// <summary>Reward scales by term name, in the order the task computes and reports them.</summary>
    public required IReadOnlyDictionary<string, double> RewardScales { get; init; }
    /// <summary>Observation groups.</summary>
    public required ObservationSettings Observations { get; init; }
    /// <summary>
    /// The contract an exported policy is evaluated under, or null (the task file's own, as in training): its drive (Kp, Kd, gravity
    /// compensation), action map and policy observation layout replace the task file's.
    /// </summary>
    public PolicyContract? Contract { get; init; }
}

/// <summary>
/// The core the locomotion and manipulation tasks share: the robot on its scene with PD actuators, the
/// per-environment arrays, the action map and latency line, the PD law at the physics rate, reset noise,
/// the reward loop over the task file's scaled terms and the observe loop over its term lists, both
/// resolved by name from the task kind's tables once, and disposal. The task kind adds what it measures.
/// </summary>
/// <typeparam name="TSelf">The task kind, whose tables' functions read its state.</typeparam>
public abstract class PdTask<TSelf> : IMjTask, IPolicyContractSource, IDisposable where TSelf : PdTask<TSelf>
{
    /// <summary>The observation group that carries sensor noise and reads what the robot measures.</summary>
    public const string NoisyGroup = ObservationGroup.Policy;

    /// <summary>Policy steps of joint targets the latency line keeps.</summary>
    protected const int LatencyDepth = 4;

    private readonly PdTaskSettings _s;
    private readonly TSelf _self;
    private readonly PdActuators _pd;
    private readonly int _n;
    private RewardTermDef<TSelf>[] _rewards = Array.Empty<RewardTermDef<TSelf>>();   // selected, in the scales' order
    private double[] _rewardScale = Array.Empty<double>();                              // signed: + Reward*, − Cost*
    private bool _afterClipStage;                                                       // the table has after-clip terms
    private ObservationFunction<TSelf>[][] _observe = Array.Empty<ObservationFunction<TSelf>[]>();   // [group][term]
    private bool[] _noisy = Array.Empty<bool>();                                        // [group]
    private ActionMap? _actionMap;

    // Per environment, preallocated by Initialize.
    private MjModel[] _models = Array.Empty<MjModel>();
    private EnvSample[] _sample = Array.Empty<EnvSample>();
    private double[] _targets = Array.Empty<double>();          // [N, LatencyDepth, n] joint targets, newest first
    private double[] _q = Array.Empty<double>();                // [N, n] joint positions the action map reads
    private double[] _applied = Array.Empty<double>();          // [N, n] rate-limited targets the PD law applied last, TargetRateLimit > 0 only
    private double[] _rateStep = Array.Empty<double>();         // [n] largest target change per physics step [rad]
    private double[] _torque = Array.Empty<double>();           // [N, n]
    private float[] _lastAction = Array.Empty<float>(), _prevAction = Array.Empty<float>();   // [N, n] clipped
    private long[] _physicsTicks = Array.Empty<long>();         // [N] Stopwatch ticks spent in mj_step

    /// <summary>The robot on its scene; call <see cref="Prepare"/> at the end of the task kind's constructor.</summary>
    protected PdTask(PdTaskSettings settings, UrdfRobot robot, MjModel model)
    {
        _s = settings.Contract is { } contract
            ? settings with { Kp = contract.Drive.Kp.ToArray(), Kd = contract.Drive.Kd.ToArray(), GravityCompensation = contract.Drive.GravityCompensation }
            : settings;
        _self = (TSelf)this;
        Robot = robot;
        Model = model;
        Model.Timestep = settings.PhysicsDt;
        _pd = new PdActuators(Model, Robot);
        _n = _pd.Count;
        if (_s.TargetRateLimit > 0)
            _rateStep = _pd.VelocityLimit.Select(v => Math.Min(_s.TargetRateLimit, v) * _s.PhysicsDt).ToArray();
        // The contract's per-joint values are in its joint order, which must be the robot's.
        if (_s.Contract is { } c && !c.JointNames.SequenceEqual(_pd.JointNames))
            throw new UserError($"policy contract of '{c.Task}' lists the joints {string.Join(", ", c.JointNames)}; task '{_s.Name}''s robot has {string.Join(", ", _pd.JointNames)}");
    }

    /// <summary>
    /// Resolves the task file's reward scales and observation lists against the kind's tables, by name, and
    /// builds the action map; every width function may read the task kind's fields from here on.
    /// </summary>
    protected void Prepare(IReadOnlyList<RewardTermDef<TSelf>> rewardTable, IReadOnlyList<ObservationTermDef<TSelf>> observationTable, ActionSpec action)
    {
        _rewards = _s.RewardScales.Keys.Select(k => rewardTable.Single(t => t.Name == k)).ToArray();
        _rewardScale = _rewards.Select(t => t.Sign * _s.RewardScales[t.Name]).ToArray();
        _afterClipStage = rewardTable.Any(t => t.AfterClip);
        RewardTerms = _rewards.Select(t => t.Name).ToArray();

        var o = _s.Observations;
        var groups = new[] { (ObservationGroup.Policy, o.PolicyTerms), (ObservationGroup.Critic, o.CriticTerms) };
        var defs = groups.Select(g => g.Item2.Select(name => observationTable.Single(t => t.Name == name)).ToArray()).ToArray();
        var built = groups.Select((g, i) => TaskObservations.Group(g.Item1, g.Item2, name => defs[i].Single(d => d.Name == name).Width(_self),
            o.Scales, o.Noise, o.Clip, noisy: g.Item1 == NoisyGroup)).ToArray();
        if (_s.Contract is { } contract)
        {
            // The contract's policy layout: its terms by name, in its order, with its scales, noise and clip.
            defs[0] = contract.Observation.Select(term => ContractTerm(observationTable, term)).ToArray();
            built[0] = new ObservationGroup(ObservationGroup.Policy, contract.Observation);
            action = contract.Action;
        }
        ObservationGroups = built;
        _noisy = ObservationGroups.Select(g => g.Name == NoisyGroup).ToArray();
        _observe = defs.Select(d => d.Select(t => t.Write).ToArray()).ToArray();

        _actionMap = new ActionMap(action, PolicyContracts.Limits(_pd));
    }

    // The task's definition of a contract's term, which must be one the policy may observe in this task kind, of the contract's width.
    private ObservationTermDef<TSelf> ContractTerm(IReadOnlyList<ObservationTermDef<TSelf>> table, ObservationTerm term)
    {
        var def = table.FirstOrDefault(t => t.Name == term.Name && !t.Privileged && (t.Only is not { } only || only.Name() == _s.Kind))
            ?? throw new UserError($"policy contract: observation term '{term.Name}' is not one a policy of task '{_s.Name}' ({_s.Kind}) observes");
        int width = def.Width(_self);
        if (width != term.Width) throw new UserError($"policy contract: observation term '{term.Name}' has width {term.Width}; task '{_s.Name}' computes {width}");
        return def;
    }

    /// <summary>The core's settings, from the task file.</summary>
    internal PdTaskSettings Settings => _s;
    /// <summary>The robot description.</summary>
    public UrdfRobot Robot { get; }
    /// <summary>The PD actuators (joint ↔ motor mapping, limits).</summary>
    public PdActuators Actuators => _pd;
    /// <summary>The nominal (unrandomized) scene.</summary>
    public MjModel Model { get; }
    /// <summary>The map from actions to joint targets, the one the robot runs (the contract's action section).</summary>
    public ActionMap ActionMap => _actionMap ?? throw new InvalidOperationException("Prepare was not called");
    /// <inheritdoc/>
    public string Name => _s.Name;
    /// <inheritdoc/>
    public int ActionDim => _n;
    /// <inheritdoc/>
    public int Decimation => _s.Decimation;
    /// <inheritdoc/>
    public int MaxEpisodeSteps => _s.MaxEpisodeSteps;
    /// <inheritdoc/>
    public IReadOnlyList<ObservationGroup> ObservationGroups { get; private set; } = Array.Empty<ObservationGroup>();
    /// <inheritdoc/>
    public IReadOnlyList<string> RewardTerms { get; private set; } = Array.Empty<string>();
    /// <summary>Policy period [s].</summary>
    public double PolicyDt => _s.PhysicsDt * _s.Decimation;
    /// <summary>Default joint positions [rad], subtracted from joint_pos observations. [n]</summary>
    public double[] DefaultJointPos => _s.DefaultJointPos;

    /// <inheritdoc/>
    public abstract PolicyContract PolicyContract();

    /// <inheritdoc/>
    public MjModel ModelFor(int env) => _models[env];

    /// <summary>The randomized parameters of environment <paramref name="env"/> in its current episode.</summary>
    public EnvSample Sample(int env) => _sample[env];

    /// <summary>Seconds all environments spent inside mj_step since <see cref="ResetPhysicsTime"/>, summed over environments (the benchmark's raw-physics share).</summary>
    public double PhysicsSeconds => (double)_physicsTicks.Sum() / Stopwatch.Frequency;

    /// <summary>Zeroes <see cref="PhysicsSeconds"/>.</summary>
    public void ResetPhysicsTime() => Array.Clear(_physicsTicks);

    /// <summary>The joint targets environment <paramref name="env"/>'s last action mapped to [rad] (the newest of the latency line). [n]</summary>
    public ReadOnlySpan<double> JointTargets(int env) => _targets.AsSpan(env * LatencyDepth * _n, _n);

    /// <summary>Joint torques of environment <paramref name="env"/>'s last physics step [N·m]. [n]</summary>
    protected ReadOnlySpan<double> Torque(int env) => _torque.AsSpan(env * _n, _n);
    /// <summary>The clipped action of environment <paramref name="env"/>'s last step. [n]</summary>
    protected ReadOnlySpan<float> LastAction(int env) => _lastAction.AsSpan(env * _n, _n);
    /// <summary>The clipped action of the step before. [n]</summary>
    protected ReadOnlySpan<float> PreviousAction(int env) => _prevAction.AsSpan(env * _n, _n);

    // ---------------------------------------------------------------- environments

    /// <inheritdoc/>
    public void Initialize(int numEnvs)
    {
        foreach (var m in _models) m.Dispose();
        int n = _n;
        _models = Enumerable.Range(0, numEnvs).Select(_ => Model.Clone()).ToArray();
        _sample = Enumerable.Range(0, numEnvs).Select(_ => new EnvSample(n)).ToArray();
        _targets = new double[numEnvs * LatencyDepth * n];
        _q = new double[numEnvs * n];
        _applied = _rateStep.Length > 0 ? new double[numEnvs * n] : Array.Empty<double>();
        _torque = new double[numEnvs * n];
        _lastAction = new float[numEnvs * n];
        _prevAction = new float[numEnvs * n];
        _physicsTicks = new long[numEnvs];
        InitializeTask(numEnvs);
    }

    /// <summary>Allocates the task kind's per-environment state.</summary>
    protected abstract void InitializeTask(int numEnvs);

    /// <summary>
    /// Starts an episode: randomizes the model, puts the joints at the default pose with reset noise (clamped to
    /// their ranges), clears the actions and torques, fills the latency line with the targets of action 0, then
    /// lets the task kind place the rest.
    /// </summary>
    public void Reset(int env, MjData data, ref Rng rng)
    {
        int n = _n;
        BeforeReset(env);
        Randomizer.Apply(_s.Randomization, RandomizerIndices, Model, _models[env], _s.Kp, _s.Kd, ref rng, _sample[env]);
        var qpos = data.Qpos;
        var q = _q.AsSpan(env * n, n);
        for (int i = 0; i < n; i++)
        {
            double noisy = _s.DefaultJointPos[i] + (_s.ResetJointNoise > 0 ? rng.Uniform(-_s.ResetJointNoise, _s.ResetJointNoise) : 0);
            qpos[_pd.QposAddress[i]] = q[i] = Math.Clamp(noisy, _pd.Lower[i], _pd.Upper[i]);
        }
        var history = _targets.AsSpan(env * LatencyDepth * n, LatencyDepth * n);
        ActionMap.Zero(q, history[..n]);
        for (int k = 1; k < LatencyDepth; k++) history[..n].CopyTo(history.Slice(k * n, n));
        if (_rateStep.Length > 0) history[..n].CopyTo(_applied.AsSpan(env * n, n));   // the robot's limiter restarts from the measured pose
        Array.Clear(_lastAction, env * n, n);
        Array.Clear(_prevAction, env * n, n);
        Array.Clear(_torque, env * n, n);
        ResetTask(env, data, ref rng);
    }

    /// <summary>Bodies, base and friction geoms the randomizer changes.</summary>
    protected abstract RandomizerIndices RandomizerIndices { get; }

    /// <summary>Before anything of the new episode: keep what the ended one achieved.</summary>
    protected virtual void BeforeReset(int env) { }

    /// <summary>The task kind's part of a reset, after the joints: the rest of the state, then its measurements.</summary>
    protected abstract void ResetTask(int env, MjData data, ref Rng rng);

    /// <summary>
    /// Maps the action to joint targets with the contract's <see cref="ActionMap"/> (clip included), pushes them
    /// into the latency line and runs the PD law for <see cref="Decimation"/> physics steps; then the task kind's
    /// part. A non-finite action is refused before any physics, its targets held, as the robot trips on one.
    /// </summary>
    /// <exception cref="ArgumentException">An action is NaN or infinite; the message names the joint.</exception>
    public void Simulate(int env, MjData data, ReadOnlySpan<float> action, ref Rng rng)
    {
        int n = _n;
        var history = _targets.AsSpan(env * LatencyDepth * n, LatencyDepth * n);
        history[..^n].CopyTo(history[n..]);   // shift: the newest target goes first
        var q = _q.AsSpan(env * n, n);
        if (ActionMap.ReadsMeasured)
        {
            var qpos = data.Qpos;
            for (int i = 0; i < n; i++) q[i] = qpos[_pd.QposAddress[i]];
        }
        var last = _lastAction.AsSpan(env * n, n);
        last.CopyTo(_prevAction.AsSpan(env * n, n));
        int bad = ActionMap.Map(action, q, last, history[..n]);
        if (bad >= 0) throw new ArgumentException($"action {bad} ('{_pd.JointNames[bad]}') is {action[bad]}: a policy emitting a non-finite action is a bug to report");

        // The PD law at the physics rate. With a latency of L physics steps, physics step p still sees the
        // target of ⌈(L − p) / decimation⌉ policy steps ago while p < L. The limiter runs after the delay (the robot's runs
        // before the wire): its rate window commutes with a delay; its torque window sees the state L steps later.
        var sample = _sample[env];
        var torque = _torque.AsSpan(env * n, n);
        var applied = _rateStep.Length > 0 ? _applied.AsSpan(env * n, n) : default;
        long physics = 0;
        for (int p = 0; p < _s.Decimation; p++)
        {
            int age = PdActuators.TargetAge(p, sample.Latency, _s.Decimation, LatencyDepth);
            var target = history.Slice(age * n, n);
            if (!applied.IsEmpty)
            {
                // The robot's command limiter, with the nominal drive it knows (the contract's), at the measured state.
                var qpos = data.Qpos;
                var qvel = data.Qvel;
                for (int i = 0; i < n; i++)
                    applied[i] = CommandLimiter.Bound(target[i], applied[i], qpos[_pd.QposAddress[i]], qvel[_pd.DofAddress[i]],
                        _pd.Lower[i], _pd.Upper[i], _s.Kp[i], _s.Kd[i], _pd.Effort[i], _rateStep[i]);
                target = applied;
            }
            _pd.Apply(data, target, sample.Kp, sample.Kd, sample.Strength, torque, _s.GravityCompensation);
            long start = Stopwatch.GetTimestamp();
            data.Step();
            physics += Stopwatch.GetTimestamp() - start;
        }
        _physicsTicks[env] += physics;
        AfterPhysics(env, data, ref rng);
    }

    /// <summary>The task kind's part of a step after the physics: events, then its measurements.</summary>
    protected abstract void AfterPhysics(int env, MjData data, ref Rng rng);

    // ---------------------------------------------------------------- reward, observations

    /// <summary>State the reward terms read that must advance every step, whether a term is scaled or not.</summary>
    protected virtual void BeforeReward(int env) { }

    /// <inheritdoc/>
    public float Reward(int env, MjData data, ReadOnlySpan<float> action, Span<float> terms)
    {
        BeforeReward(env);
        double dt = PolicyDt, total = 0, afterClip = 0;
        for (int k = 0; k < _rewards.Length; k++)
        {
            double contribution = _rewardScale[k] * _rewards[k].Compute(_self, env, data) * dt;
            terms[k] = (float)contribution;
            if (_rewards[k].AfterClip) afterClip += contribution;
            else total += contribution;
        }
        double clipped = _s.OnlyPositiveRewards ? Math.Max(0, total) : total;
        return (float)(_afterClipStage ? clipped + afterClip : clipped);
    }

    /// <inheritdoc/>
    public abstract bool IsTerminated(int env, MjData data);

    /// <summary>The sensor frame the terms of a group read: what the robot measured for the noisy group, else the truth.</summary>
    protected abstract SensorFrame Frame(int env, bool noisy);

    /// <inheritdoc/>
    public void Observe(int env, MjData data, int group, Span<float> o, ref Rng rng)
    {
        var g = ObservationGroups[group];
        var write = _observe[group];
        var frame = Frame(env, _noisy[group]);
        for (int t = 0; t < write.Length; t++)
        {
            var term = g.Terms[t];
            var slice = o.Slice(g.Offset(t), term.Width);
            write[t](_self, env, data, frame, slice);
            if (term.Noise > 0)
                for (int k = 0; k < slice.Length; k++) slice[k] += (float)rng.Uniform(-term.Noise, term.Noise);
        }
        g.ScaleAndClip(o);
    }

    /// <summary>A term <see cref="ObservationWriter"/> writes from the sensor frame, as the robot does.</summary>
    protected static ObservationTermDef<TSelf> Measured(string name, string doc)
    {
        var kind = ObservationWriter.Resolve(name);
        if (kind == MeasuredTerm.None) throw new ArgumentException($"'{name}' is not a measured term");
        return new(name, doc, t => ObservationWriter.Width(kind, t.ActionDim), (t, _, _, frame, slice) => ObservationWriter.Write(kind, frame, t.DefaultJointPos, slice));
    }

    /// <summary>Widens doubles into an observation slice.</summary>
    protected static void Copy(ReadOnlySpan<double> from, Span<float> to)
    {
        for (int i = 0; i < to.Length; i++) to[i] = (float)from[i];
    }

    /// <summary>Frees the scene and every environment's randomized copy.</summary>
    public void Dispose()
    {
        foreach (var m in _models) m.Dispose();
        Model.Dispose();
        GC.SuppressFinalize(this);
    }
}
