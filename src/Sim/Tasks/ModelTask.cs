using Robotics.Sim.Envs;
using Robotics.Sim.Interop;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Deploy.Contract;

namespace Robotics.Sim.Tasks;

/// <summary>How <see cref="ModelTask"/> turns an action into controls.</summary>
public enum ActionMapping
{
    /// <summary>Action 0 is the first keyframe's control (the default pose; the middle of the range without keyframes), ±1 spans half the control range.</summary>
    DefaultPose,

    /// <summary>The action is the control itself (clamped to the control range): what mujoco-testspeed feeds.</summary>
    Raw,
}

/// <summary>Settings of <see cref="ModelTask"/>.</summary>
public sealed record ModelTaskConfig
{
    /// <summary>How actions become controls.</summary>
    public ActionMapping Actions { get; init; } = ActionMapping.DefaultPose;

    /// <summary>Reset to the model's first keyframe when it has one; otherwise (and when false) to qpos0.</summary>
    public bool ResetToKeyframe { get; init; } = true;

    /// <summary>Physics steps per environment step.</summary>
    public int Decimation { get; init; } = 1;

    /// <summary>Environment steps per episode before truncation.</summary>
    public int MaxEpisodeSteps { get; init; } = 1000;

    /// <summary>For a floating base (free joint first): the episode terminates when the base falls below this height [m]; 0 disables.</summary>
    public double MinBaseHeight { get; init; } = 0.0;

    /// <summary>Half-width of the uniform noise added to hinge and slide positions at reset [rad or m].</summary>
    public double ResetNoise { get; init; } = 0.01;

    /// <summary>Weight of the control cost Σ ctrl² in the reward [1/unit²].</summary>
    public double ControlCost { get; init; } = 0.01;

    /// <summary>Throws <see cref="UserError"/> naming the first field out of range.</summary>
    public ModelTaskConfig Validate()
    {
        if (Decimation is < 1 or > 1000) throw new UserError($"ModelTaskConfig.Decimation = {Decimation}: allowed 1..1000");
        if (MaxEpisodeSteps < 1) throw new UserError($"ModelTaskConfig.MaxEpisodeSteps = {MaxEpisodeSteps}: must be ≥ 1");
        if (!(MinBaseHeight >= 0)) throw new UserError($"ModelTaskConfig.MinBaseHeight = {MinBaseHeight} m: must be ≥ 0");
        if (!(ResetNoise >= 0)) throw new UserError($"ModelTaskConfig.ResetNoise = {ResetNoise}: must be ≥ 0");
        if (!(ControlCost >= 0)) throw new UserError($"ModelTaskConfig.ControlCost = {ControlCost}: must be ≥ 0");
        return this;
    }
}

/// <summary>
/// A task for any MuJoCo model: actions in [-1, 1] map onto controls around the default pose, the
/// policy observes qpos and qvel, the critic also the actuator forces, and the reward is an alive
/// bonus minus a control cost. The simulator benchmark uses it to measure what an environment costs
/// on top of mj_step on a user's own model.
/// </summary>
public sealed class ModelTask : IMjTask
{
    private readonly ModelTaskConfig _config;
    private readonly double[] _ctrlMid, _ctrlHalf, _ctrlLo, _ctrlHi;   // [nu]
    private readonly bool _floatingBase;
    private readonly int _key;                       // keyframe to reset to, or -1

    /// <summary>Wraps <paramref name="model"/> (not owned) with <paramref name="config"/>.</summary>
    public unsafe ModelTask(MjModel model, ModelTaskConfig? config = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _config = (config ?? new ModelTaskConfig()).Validate();
        Model = model;
        Name = name ?? Path.GetFileNameWithoutExtension(model.Source);
        int nu = model.Nu;
        if (nu == 0) throw new UserError($"{model.Source}: the model has no actuators, so there is nothing to act on");

        // ctrl = clamp(centre + half · action, lo, hi): see ActionMapping for centre and half.
        _ctrlMid = new double[nu];
        _ctrlHalf = new double[nu];
        _ctrlLo = new double[nu];
        _ctrlHi = new double[nu];
        var limited = model.ActuatorCtrllimited;
        var range = model.ActuatorCtrlrange;
        var keyCtrl = model.Nkey > 0 ? model.KeyCtrl[..nu] : default;
        for (int i = 0; i < nu; i++)
        {
            bool lim = limited[i] != 0;
            _ctrlLo[i] = lim ? range[2 * i] : double.NegativeInfinity;
            _ctrlHi[i] = lim ? range[2 * i + 1] : double.PositiveInfinity;
            _ctrlHalf[i] = lim && _config.Actions == ActionMapping.DefaultPose ? (range[2 * i + 1] - range[2 * i]) / 2 : 1;
            _ctrlMid[i] = _config.Actions == ActionMapping.Raw ? 0
                : model.Nkey > 0 ? keyCtrl[i] : lim ? (range[2 * i] + range[2 * i + 1]) / 2 : 0;
        }
        _floatingBase = model.Njnt > 0 && model.JntType[0] == (int)mjtJoint.mjJNT_FREE;
        _key = model.Nkey > 0 && _config.ResetToKeyframe ? 0 : -1;
        ObservationGroups = new[]
        {
            new ObservationGroup(ObservationGroup.Policy, new ObservationTerm[] { new("qpos", model.Nq), new("qvel", model.Nv) }),
            new ObservationGroup(ObservationGroup.Critic, new ObservationTerm[]
                { new("qpos", model.Nq), new("qvel", model.Nv), new("qfrc_actuator", model.Nv) }),
        };
    }

    /// <inheritdoc/>
    public string Name { get; }
    /// <inheritdoc/>
    public MjModel Model { get; }
    /// <inheritdoc/>
    public int ActionDim => _ctrlMid.Length;
    /// <inheritdoc/>
    public int Decimation => _config.Decimation;
    /// <inheritdoc/>
    public int MaxEpisodeSteps => _config.MaxEpisodeSteps;
    /// <inheritdoc/>
    public IReadOnlyList<ObservationGroup> ObservationGroups { get; }

    /// <inheritdoc/>
    public void Initialize(int numEnvs) { }

    /// <inheritdoc/>
    public void Reset(int env, MjData data, ref Rng rng)
    {
        if (_key >= 0) data.ResetToKeyframe(_key);
        double n = _config.ResetNoise;
        if (n > 0)
        {
            var type = Model.JntType;
            var adr = Model.JntQposadr;
            var qpos = data.Qpos;
            for (int j = 0; j < type.Length; j++)
                if (type[j] is (int)mjtJoint.mjJNT_HINGE or (int)mjtJoint.mjJNT_SLIDE)
                    qpos[adr[j]] += rng.Uniform(-n, n);
        }
        data.Forward();
    }

    /// <inheritdoc/>
    public void Simulate(int env, MjData data, ReadOnlySpan<float> action, ref Rng rng)
    {
        WriteControls(data, action);
        data.Step(Decimation);
    }

    /// <summary>Writes the controls for <paramref name="action"/> (see <see cref="ActionMapping"/>).</summary>
    public void WriteControls(MjData data, ReadOnlySpan<float> action)
    {
        var ctrl = data.Ctrl;
        for (int i = 0; i < ctrl.Length; i++)
            ctrl[i] = Math.Clamp(_ctrlMid[i] + _ctrlHalf[i] * action[i], _ctrlLo[i], _ctrlHi[i]);
    }

    /// <inheritdoc/>
    public void Observe(int env, MjData data, int group, Span<float> o, ref Rng rng)
    {
        int k = 0;
        foreach (var q in data.Qpos) o[k++] = (float)q;
        foreach (var v in data.Qvel) o[k++] = (float)v;
        if (group == 1)
            foreach (var f in data.QfrcActuator) o[k++] = (float)f;
    }

    /// <inheritdoc/>
    public float Reward(int env, MjData data, ReadOnlySpan<float> action, Span<float> terms)
    {
        double cost = 0;
        foreach (var c in data.Ctrl) cost += c * c;
        return (float)(1.0 - _config.ControlCost * cost);
    }

    /// <inheritdoc/>
    public bool IsTerminated(int env, MjData data) =>
        _floatingBase && _config.MinBaseHeight > 0 && data.Qpos[2] < _config.MinBaseHeight;
}
