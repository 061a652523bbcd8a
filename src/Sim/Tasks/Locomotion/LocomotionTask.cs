using System.Diagnostics;
using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Sim.Interop;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Sim.Randomization;
using Robotics.Sim.Robots;

namespace Robotics.Sim.Tasks.Locomotion;

/// <summary>How an episode ended in a fall.</summary>
/// <param name="BaseContact">A terminal link (trunk, hips) touched the ground; otherwise the base tilted past the task's limit.</param>
/// <param name="Tilt">Angle between the base's z axis and the vertical at the end [rad].</param>
/// <param name="SecondsSincePush">Time since the last push [s]; NaN when the episode had none.</param>
/// <param name="SecondsSinceCommand">Time since the velocity command last changed [s]: the episode's first command, a resample, or <see cref="LocomotionTask.SetCommand"/>.</param>
public readonly record struct Fall(bool BaseContact, double Tilt, double SecondsSincePush, double SecondsSinceCommand);

/// <summary>
/// Velocity tracking for a legged robot described by a URDF and a task file: commands (vx, vy, yaw
/// rate) sampled per episode and resampled mid-episode, a PD actuator model at the physics rate with
/// action latency, pushes, domain randomization per episode, reward terms named like their scales,
/// termination on base contact or tilt and truncation at the time limit. The policy observes what a
/// real robot measures, built by <see cref="ObservationWriter"/> (the code the deploy node runs); the
/// critic observes the same without noise plus privileged state.
/// </summary>
public sealed class LocomotionTask : IMjTask, IPolicyContractSource, IDisposable
{
    private const double PushVisibleSeconds = 0.2;   // the critic sees a push for this long
    private static readonly int TerminationTerm = Array.IndexOf(LocomotionTerms.All, LocomotionTerms.CostTermination);

    private readonly LocomotionConfig _c;
    private readonly PdActuators _pd;
    private readonly RandomizerIndices _ix;
    private readonly int _n, _feet, _baseBody, _gyroAdr, _quatAdr;
    private readonly int[] _footOfBody;          // [nbody] foot index or -1
    private readonly bool[] _penalized, _terminal; // [nbody]
    private readonly int[] _termIds;             // reward terms with a scale, indices into LocomotionTerms.All
    private readonly double[] _termScale;        // signed: + for Reward*, − for Cost*
    private readonly MeasuredTerm[][] _measured; // [group][term]
    private readonly int[][] _privileged;        // [group][term] index into LocomotionConfig.PrivilegedTerms, or -1
    private readonly double[] _softLower, _softUpper; // [n]
    private readonly double[] _kp, _kd;               // [n] nominal gains

    // Per environment, preallocated by Initialize.
    private MjModel[] _models = Array.Empty<MjModel>();
    private EnvSample[] _sample = Array.Empty<EnvSample>();
    private SensorFrame[] _measuredFrame = Array.Empty<SensorFrame>(), _trueFrame = Array.Empty<SensorFrame>();
    private double[] _cmd = Array.Empty<double>();              // [N, 3]
    private int[] _cmdTimer = Array.Empty<int>();               // [N] policy steps to the next resample
    private int[] _cmdAge = Array.Empty<int>();                 // [N] policy steps since the command last changed
    private float[] _lastAction = Array.Empty<float>(), _prevAction = Array.Empty<float>();   // [N, n]
    // Joint targets of the last LatencyDepth policy steps, newest first: the actuator path's delay line.
    private const int LatencyDepth = 4;
    private double[] _targets = Array.Empty<double>();          // [N, LatencyDepth, n]
    private double[] _torque = Array.Empty<double>();           // [N, n]
    private int[] _pushTimer = Array.Empty<int>(), _pushAge = Array.Empty<int>();             // [N]; age: policy steps since the last push, −1 before the first
    private double[] _push = Array.Empty<double>();             // [N, 3]
    private Fall[] _lastFall = Array.Empty<Fall>();             // [N] how the last terminated episode ended
    private double[] _airTime = Array.Empty<double>(), _footForce = Array.Empty<double>(), _footHeight = Array.Empty<double>(); // [N, F]
    private bool[] _footContact = Array.Empty<bool>();          // [N, F]
    private int[] _collisions = Array.Empty<int>();             // [N]
    private bool[] _baseContact = Array.Empty<bool>();          // [N]
    private long[] _physicsTicks = Array.Empty<long>();         // [N] Stopwatch ticks spent in mj_step
    private double[] _linVel = Array.Empty<double>(), _angVel = Array.Empty<double>(), _gravity = Array.Empty<double>(); // [N, 3] base frame

    /// <summary>Builds the scene from the config's URDF and prepares every index.</summary>
    public LocomotionTask(LocomotionConfig config)
    {
        _c = config;
        Robot = UrdfRobot.Load(config.Urdf);
        Model = SceneBuilder.Build(Robot, Assets.Read("scene_flat.xml"), new SceneOptions
        {
            FloatingBase = true, BasePosition = new[] { 0, 0, config.InitialHeight }, ImuLink = config.ImuLink, Armature = config.Armature,
        });
        Model.Timestep = config.PhysicsDt;
        _pd = new PdActuators(Model, Robot);
        _n = _pd.Count;
        _kp = Enumerable.Repeat(config.Kp, _n).ToArray();
        _kd = Enumerable.Repeat(config.Kd, _n).ToArray();
        _feet = config.Feet.Count;
        _baseBody = Model.BodyId(config.BaseLink);
        _gyroAdr = Model.SensorAdr[Model.SensorId(SceneBuilder.Gyro)];
        _quatAdr = Model.SensorAdr[Model.SensorId(SceneBuilder.Orientation)];

        // Bodies by role, from link names.
        int nbody = Model.Nbody;
        _footOfBody = Enumerable.Repeat(-1, nbody).ToArray();
        for (int f = 0; f < _feet; f++) _footOfBody[Model.BodyId(config.Feet[f])] = f;
        var names = Enumerable.Range(0, nbody).Select(b => Model.Name(mjtObj.mjOBJ_BODY, b) ?? "").ToArray();
        _penalized = names.Select(n => config.PenalizedContacts.Any(p => n.Contains(p, StringComparison.Ordinal))).ToArray();
        _terminal = names.Select(n => config.TerminateContacts.Any(p => n.Contains(p, StringComparison.Ordinal))).ToArray();
        var robotBodies = Robot.Links.Where(l => Model.TryId(mjtObj.mjOBJ_BODY, l) >= 0).Select(l => Model.BodyId(l)).ToArray();
        var geomBody = Model.GeomBodyid.ToArray();
        var frictionGeoms = Enumerable.Range(0, Model.Ngeom).Where(g => geomBody[g] == 0 || _footOfBody[geomBody[g]] >= 0).ToArray();
        if (frictionGeoms.Length == 0 || geomBody[frictionGeoms[0]] != 0) throw new MjException($"{Model.Source}: the scene has no ground geom");
        _ix = new RandomizerIndices(robotBodies, _baseBody, frictionGeoms, _pd.DofAddress);

        // Soft joint limits: a fraction of the range about its middle.
        _softLower = new double[_n];
        _softUpper = new double[_n];
        for (int i = 0; i < _n; i++)
        {
            double mid = (_pd.Lower[i] + _pd.Upper[i]) / 2, half = (_pd.Upper[i] - _pd.Lower[i]) / 2 * config.SoftJointLimit;
            _softLower[i] = mid - half;
            _softUpper[i] = mid + half;
        }

        // Reward terms that have a scale, in the fixed order.
        string[] termNames;
        (_termIds, _termScale, termNames) = Tasks.RewardTerms.Select(LocomotionTerms.All, config.RewardScales);
        RewardTerms = termNames;

        ObservationGroups = new[]
        {
            Group(ObservationGroup.Policy, config.PolicyTerms, noisy: true),
            Group(ObservationGroup.Critic, config.CriticTerms, noisy: false),
        };
        _measured = ObservationGroups.Select(g => g.Terms.Select(t => ObservationWriter.Resolve(t.Name)).ToArray()).ToArray();
        _privileged = ObservationGroups.Select(g => g.Terms.Select(t => Array.IndexOf(LocomotionConfig.PrivilegedTerms, t.Name)).ToArray()).ToArray();
    }

    private ObservationGroup Group(string name, IReadOnlyList<string> terms, bool noisy) =>
        TaskObservations.Group(name, terms, Width, _c.ObservationScales, _c.ObservationNoise, _c.ObservationClip, noisy);

    private int Width(string term) => ObservationWriter.Resolve(term) is var m && m != MeasuredTerm.None
        ? ObservationWriter.Width(m, _n)
        : term switch
        {
            "base_lin_vel" or "push" => 3,
            "friction" or "added_mass" or "action_latency" => 1,
            "motor_strength" => _n,
            "contact_forces" or "foot_heights" => _feet,
            _ => throw new ArgumentException($"unknown observation term '{term}'"),
        };

    /// <summary>Loads a task file and builds the task.</summary>
    public static LocomotionTask Load(string path, IReadOnlyList<string>? overrides = null) => new(LocomotionConfig.Load(path, overrides));

    /// <summary>The task's settings.</summary>
    public LocomotionConfig Config => _c;
    /// <summary>The robot description.</summary>
    public UrdfRobot Robot { get; }
    /// <summary>The PD actuators (joint ↔ motor mapping, limits).</summary>
    public PdActuators Actuators => _pd;
    /// <inheritdoc/>
    public string Name => _c.Name;
    /// <summary>The nominal (unrandomized) scene.</summary>
    public MjModel Model { get; }
    /// <inheritdoc/>
    public int ActionDim => _n;
    /// <inheritdoc/>
    public int Decimation => _c.Decimation;
    /// <inheritdoc/>
    public int MaxEpisodeSteps => _c.MaxEpisodeSteps;
    /// <inheritdoc/>
    public IReadOnlyList<ObservationGroup> ObservationGroups { get; }
    /// <inheritdoc/>
    public IReadOnlyList<string> RewardTerms { get; }
    /// <summary>Policy period [s].</summary>
    public double PolicyDt => _c.PhysicsDt * _c.Decimation;

    /// <inheritdoc/>
    public PolicyContract PolicyContract() => PolicyContracts.Locomotion(this);

    /// <summary>What the robot of environment <paramref name="env"/> measured after the last step (gyro with its bias, no added noise): the policy group's source.</summary>
    public SensorFrame MeasuredFrame(int env) => _measuredFrame[env];

    /// <summary>The randomized parameters of environment <paramref name="env"/> in its current episode.</summary>
    public EnvSample Sample(int env) => _sample[env];

    /// <summary>The command environment <paramref name="env"/> is tracking: vx, vy, yaw rate. [3]</summary>
    public ReadOnlySpan<double> Command(int env) => _cmd.AsSpan(3 * env, 3);

    /// <summary>Base linear velocity of environment <paramref name="env"/> in the base frame [m/s]. [3]</summary>
    public ReadOnlySpan<double> BaseLinVel(int env) => _linVel.AsSpan(3 * env, 3);

    /// <summary>Base angular velocity of environment <paramref name="env"/> in the base frame [rad/s]. [3]</summary>
    public ReadOnlySpan<double> BaseAngVel(int env) => _angVel.AsSpan(3 * env, 3);

    /// <summary>Overrides the commands of environment <paramref name="env"/> (until the next resample).</summary>
    public void SetCommand(int env, double vx, double vy, double yawRate)
    {
        _cmd[3 * env] = vx; _cmd[3 * env + 1] = vy; _cmd[3 * env + 2] = yawRate;
        _cmdAge[env] = 0;
        _trueFrame[env].Command[0] = _measuredFrame[env].Command[0] = vx;
        _trueFrame[env].Command[1] = _measuredFrame[env].Command[1] = vy;
        _trueFrame[env].Command[2] = _measuredFrame[env].Command[2] = yawRate;
    }

    /// <inheritdoc/>
    public MjModel ModelFor(int env) => _models[env];

    /// <summary>Seconds all environments spent inside mj_step since <see cref="ResetPhysicsTime"/>, summed over environments (the benchmark's raw-physics share).</summary>
    public double PhysicsSeconds => (double)_physicsTicks.Sum() / Stopwatch.Frequency;

    /// <summary>Zeroes <see cref="PhysicsSeconds"/>.</summary>
    public void ResetPhysicsTime() => Array.Clear(_physicsTicks);

    /// <inheritdoc/>
    public void Initialize(int numEnvs)
    {
        foreach (var m in _models) m.Dispose();
        int n = _n, f = _feet;
        _models = Enumerable.Range(0, numEnvs).Select(_ => Model.Clone()).ToArray();
        _sample = Enumerable.Range(0, numEnvs).Select(_ => new EnvSample(n)).ToArray();
        _measuredFrame = Enumerable.Range(0, numEnvs).Select(_ => new SensorFrame(n, n)).ToArray();
        _trueFrame = Enumerable.Range(0, numEnvs).Select(_ => new SensorFrame(n, n)).ToArray();
        _cmd = new double[numEnvs * 3];
        _cmdTimer = new int[numEnvs];
        _cmdAge = new int[numEnvs];
        _lastAction = new float[numEnvs * n];
        _prevAction = new float[numEnvs * n];
        _targets = new double[numEnvs * LatencyDepth * n];
        _torque = new double[numEnvs * n];
        _pushTimer = new int[numEnvs];
        _pushAge = new int[numEnvs];
        _lastFall = new Fall[numEnvs];
        _push = new double[numEnvs * 3];
        _airTime = new double[numEnvs * f];
        _footForce = new double[numEnvs * f];
        _footHeight = new double[numEnvs * f];
        _footContact = new bool[numEnvs * f];
        _collisions = new int[numEnvs];
        _baseContact = new bool[numEnvs];
        _physicsTicks = new long[numEnvs];
        _linVel = new double[numEnvs * 3];
        _angVel = new double[numEnvs * 3];
        _gravity = new double[numEnvs * 3];
    }

    // ---------------------------------------------------------------- reset

    /// <inheritdoc/>
    public void Reset(int env, MjData data, ref Rng rng)
    {
        int n = _n;
        var sample = _sample[env];
        Randomizer.Apply(_c.Randomization, _ix, Model, _models[env], _kp, _kd, ref rng, sample);

        // Standing above the ground in the default pose, joints perturbed.
        var qpos = data.Qpos;
        qpos[0] = 0; qpos[1] = 0; qpos[2] = _c.InitialHeight;
        qpos[3] = 1; qpos[4] = 0; qpos[5] = 0; qpos[6] = 0;
        for (int i = 0; i < n; i++)
        {
            double q = _c.DefaultJointPos[i] + (_c.ResetJointNoise > 0 ? rng.Uniform(-_c.ResetJointNoise, _c.ResetJointNoise) : 0);
            qpos[_pd.QposAddress[i]] = Math.Clamp(q, _pd.Lower[i], _pd.Upper[i]);
        }
        data.Qvel.Clear();

        SampleCommand(env, ref rng);
        Array.Clear(_lastAction, env * n, n);
        Array.Clear(_prevAction, env * n, n);
        for (int k = 0; k < LatencyDepth; k++) _c.DefaultJointPos.CopyTo(_targets, (env * LatencyDepth + k) * n);
        Array.Clear(_torque, env * n, n);
        Array.Clear(_airTime, env * _feet, _feet);
        Array.Clear(_push, env * 3, 3);
        _pushAge[env] = -1;
        _pushTimer[env] = NextPushSteps(ref rng);
        data.Forward();
        Measure(env, data);
    }

    private void SampleCommand(int env, ref Rng rng)
    {
        SetCommand(env,
            rng.Uniform(_c.CommandVx.Low, _c.CommandVx.High),
            rng.Uniform(_c.CommandVy.Low, _c.CommandVy.High),
            rng.Uniform(_c.CommandYawRate.Low, _c.CommandYawRate.High));
        _cmdTimer[env] = Math.Max(1, (int)Math.Round(_c.CommandResampleSeconds / PolicyDt));
    }

    private int NextPushSteps(ref Rng rng) =>
        _c.Randomization.PushInterval is { } p ? Math.Max(1, (int)Math.Round(p.Apply(0, ref rng) / PolicyDt)) : int.MaxValue;

    // ---------------------------------------------------------------- step

    /// <inheritdoc/>
    public void Simulate(int env, MjData data, ReadOnlySpan<float> action, ref Rng rng)
    {
        int n = _n;
        var history = _targets.AsSpan(env * LatencyDepth * n, LatencyDepth * n);
        history[..^n].CopyTo(history[n..]);   // shift: the newest target goes first
        var target = history[..n];
        for (int i = 0; i < n; i++) target[i] = _c.DefaultJointPos[i] + _c.ActionScale * action[i];
        _lastAction.AsSpan(env * n, n).CopyTo(_prevAction.AsSpan(env * n, n));
        action.CopyTo(_lastAction.AsSpan(env * n, n));

        // The PD law at the physics rate. With a latency of L physics steps, physics step p still sees the
        // target of ⌈(L − p) / decimation⌉ policy steps ago while p < L.
        var sample = _sample[env];
        var torque = _torque.AsSpan(env * n, n);
        long physics = 0;
        for (int p = 0; p < _c.Decimation; p++)
        {
            int age = PdActuators.TargetAge(p, sample.Latency, _c.Decimation, LatencyDepth);
            _pd.Apply(data, history.Slice(age * n, n), sample.Kp, sample.Kd, sample.Strength, torque);
            long start = Stopwatch.GetTimestamp();
            data.Step();
            physics += Stopwatch.GetTimestamp() - start;
        }
        _physicsTicks[env] += physics;

        // Pushes: a horizontal velocity kick in a random direction every few seconds.
        var push = _push.AsSpan(env * 3, 3);
        if (--_pushTimer[env] <= 0 && _c.Randomization.PushVelocity is { } pv)
        {
            double speed = pv.Apply(0, ref rng), angle = rng.Uniform(0, 2 * Math.PI);
            push[0] = speed * Math.Cos(angle);
            push[1] = speed * Math.Sin(angle);
            var qvel = data.Qvel;
            qvel[0] += push[0];
            qvel[1] += push[1];
            _pushAge[env] = 0;
            _pushTimer[env] = NextPushSteps(ref rng);
        }
        else if (_pushAge[env] >= 0 && ++_pushAge[env] * PolicyDt > PushVisibleSeconds) push.Clear();   // zero before the first push anyway

        _cmdAge[env]++;
        if (--_cmdTimer[env] <= 0) SampleCommand(env, ref rng);
        Measure(env, data);
    }

    // Everything the reward, termination and observations read, from the state after the step.
    private void Measure(int env, MjData data)
    {
        var m = data.Model;
        var qpos = data.Qpos;
        var qvel = data.Qvel;
        var xmat = data.Xmat.Slice(9 * _baseBody, 9);   // world from base, row-major

        // Base velocities in the base frame: the free joint's linear velocity is in the world frame,
        // its angular velocity already in the body frame. Gravity seen from the base: −(third row of R).
        var lin = _linVel.AsSpan(3 * env, 3);
        var ang = _angVel.AsSpan(3 * env, 3);
        var grav = _gravity.AsSpan(3 * env, 3);
        for (int i = 0; i < 3; i++)
        {
            lin[i] = xmat[i] * qvel[0] + xmat[3 + i] * qvel[1] + xmat[6 + i] * qvel[2];
            ang[i] = qvel[3 + i];
            grav[i] = -xmat[6 + i];
        }

        // Sensor frames: what the robot measures (gyro with bias) and the truth (for the critic).
        var meas = _measuredFrame[env];
        var truth = _trueFrame[env];
        var sensors = data.SensorData;
        var bias = _sample[env].ImuBias;
        for (int i = 0; i < 3; i++)
        {
            truth.Gyro[i] = sensors[_gyroAdr + i];
            meas.Gyro[i] = sensors[_gyroAdr + i] + bias[i];
        }
        for (int i = 0; i < 4; i++) truth.Orientation[i] = meas.Orientation[i] = sensors[_quatAdr + i];
        for (int i = 0; i < _n; i++)
        {
            truth.JointPos[i] = meas.JointPos[i] = qpos[_pd.QposAddress[i]];
            truth.JointVel[i] = meas.JointVel[i] = qvel[_pd.DofAddress[i]];
        }
        var last = _lastAction.AsSpan(env * _n, _n);
        last.CopyTo(truth.LastAction);
        last.CopyTo(meas.LastAction);

        // Ground contacts by body: feet (with normal force), penalized links, terminal links.
        var footContact = _footContact.AsSpan(env * _feet, _feet);
        var footForce = _footForce.AsSpan(env * _feet, _feet);
        footContact.Clear();
        footForce.Clear();
        int collisions = 0;
        bool baseContact = false;
        var geomBody = m.GeomBodyid;
        var contacts = data.Contacts;
        Span<double> force = stackalloc double[6];
        for (int c = 0; c < contacts.Length; c++)
        {
            int b1 = geomBody[contacts[c].geom1], b2 = geomBody[contacts[c].geom2];
            if (b1 != 0 && b2 != 0) continue;          // only contacts with the ground (world body)
            int body = b1 == 0 ? b2 : b1;
            int foot = _footOfBody[body];
            if (foot >= 0)
            {
                data.ContactForce(c, force);
                footContact[foot] = true;
                footForce[foot] += Math.Abs(force[0]);
            }
            if (_penalized[body]) collisions++;
            if (_terminal[body]) baseContact = true;
        }
        _collisions[env] = collisions;
        _baseContact[env] = baseContact;
        var xpos = data.Xpos;
        var footHeight = _footHeight.AsSpan(env * _feet, _feet);
        for (int b = 0; b < _footOfBody.Length; b++)
            if (_footOfBody[b] is var f and >= 0) footHeight[f] = xpos[3 * b + 2];
    }

    // ---------------------------------------------------------------- reward, termination

    /// <inheritdoc/>
    public float Reward(int env, MjData data, ReadOnlySpan<float> action, Span<float> terms)
    {
        int n = _n;
        var cmd = _cmd.AsSpan(3 * env, 3);
        var lin = _linVel.AsSpan(3 * env, 3);
        var ang = _angVel.AsSpan(3 * env, 3);
        var grav = _gravity.AsSpan(3 * env, 3);
        double dt = PolicyDt, sigma = _c.TrackingSigma, total = 0;

        // Feet air time: at touchdown, the time spent in the air beyond the target; only while asked to move.
        double airReward = 0;
        var air = _airTime.AsSpan(env * _feet, _feet);
        var contact = _footContact.AsSpan(env * _feet, _feet);
        for (int f = 0; f < _feet; f++)
        {
            air[f] += dt;
            if (contact[f] && air[f] > dt) airReward += air[f] - _c.FeetAirTimeTarget;
            if (contact[f]) air[f] = 0;
        }
        if (Math.Sqrt(cmd[0] * cmd[0] + cmd[1] * cmd[1]) <= 0.1) airReward = 0;

        double afterClip = 0;   // CostTermination: not clipped
        for (int k = 0; k < _termIds.Length; k++)
        {
            double value = _termIds[k] switch
            {
                0 => Math.Exp(-((cmd[0] - lin[0]) * (cmd[0] - lin[0]) + (cmd[1] - lin[1]) * (cmd[1] - lin[1])) / sigma),
                1 => Math.Exp(-(cmd[2] - ang[2]) * (cmd[2] - ang[2]) / sigma),
                2 => lin[2] * lin[2],
                3 => ang[0] * ang[0] + ang[1] * ang[1],
                4 => grav[0] * grav[0] + grav[1] * grav[1],
                5 => SumSquares(_torque.AsSpan(env * n, n)),
                6 => Tasks.RewardTerms.ActionRate(action, _prevAction.AsSpan(env * n, n)),
                7 => airReward,
                8 => _collisions[env],
                9 => JointLimitExcess(data),
                _ => Fell(env) ? 1 : 0,
            };
            double contribution = _termScale[k] * value * dt;
            terms[k] = (float)contribution;
            if (_termIds[k] == TerminationTerm) afterClip += contribution;
            else total += contribution;
        }
        return (float)((_c.OnlyPositiveRewards ? Math.Max(0, total) : total) + afterClip);
    }

    private static double SumSquares(ReadOnlySpan<double> x)
    {
        double s = 0;
        foreach (var v in x) s += v * v;
        return s;
    }

    private double JointLimitExcess(MjData data)
    {
        var qpos = data.Qpos;
        double s = 0;
        for (int i = 0; i < _n; i++)
        {
            double q = qpos[_pd.QposAddress[i]];
            s += Math.Max(0, _softLower[i] - q) + Math.Max(0, q - _softUpper[i]);
        }
        return s;
    }

    /// <inheritdoc/>
    public bool IsTerminated(int env, MjData data)
    {
        if (!Fell(env)) return false;
        _lastFall[env] = new Fall(_baseContact[env], Math.Acos(Math.Clamp(-_gravity[3 * env + 2], -1, 1)),
            _pushAge[env] < 0 ? double.NaN : _pushAge[env] * PolicyDt, _cmdAge[env] * PolicyDt);
        return true;
    }

    // A terminal link on the ground, or the base tilted past the limit: from the state Measure left.
    private bool Fell(int env) => _baseContact[env] || _gravity[3 * env + 2] > -Math.Cos(_c.MaxTilt);

    /// <summary>How environment <paramref name="env"/>'s last terminated episode ended (valid after a termination, until the next).</summary>
    public Fall LastFall(int env) => _lastFall[env];

    // ---------------------------------------------------------------- observations

    /// <inheritdoc/>
    public void Observe(int env, MjData data, int group, Span<float> o, ref Rng rng)
    {
        var g = ObservationGroups[group];
        bool policy = group == 0;
        var frame = policy ? _measuredFrame[env] : _trueFrame[env];
        var sample = _sample[env];
        for (int t = 0; t < g.Terms.Count; t++)
        {
            var term = g.Terms[t];
            var slice = o.Slice(g.Offset(t), term.Width);
            var kind = _measured[group][t];
            if (kind != MeasuredTerm.None) ObservationWriter.Write(kind, frame, _c.DefaultJointPos, slice);
            else Privileged(_privileged[group][t], env, sample, slice);
            if (term.Noise > 0)
                for (int k = 0; k < slice.Length; k++) slice[k] += (float)rng.Uniform(-term.Noise, term.Noise);
        }
        g.ScaleAndClip(o);
    }

    // Indices into LocomotionConfig.PrivilegedTerms, resolved once.
    private void Privileged(int term, int env, EnvSample sample, Span<float> slice)
    {
        switch (term)
        {
            case 0: Copy(_linVel.AsSpan(3 * env, 3), slice); break;                 // base_lin_vel [m/s]
            case 1: slice[0] = (float)sample.Friction; break;                        // friction
            case 2: slice[0] = (float)sample.AddedMass; break;                       // added_mass [kg]
            case 3: Copy(sample.Strength, slice); break;                             // motor_strength
            case 4: Copy(_footForce.AsSpan(env * _feet, _feet), slice); break;       // contact_forces [N]
            case 5: Copy(_footHeight.AsSpan(env * _feet, _feet), slice); break;      // foot_heights [m]
            case 6: Copy(_push.AsSpan(3 * env, 3), slice); break;                    // push [m/s]
            case 7: slice[0] = (float)(sample.Latency * _c.PhysicsDt); break;       // action_latency [s]
            default: throw new InvalidOperationException($"privileged term index {term}");
        }
    }

    private static void Copy(ReadOnlySpan<double> from, Span<float> to)
    {
        for (int i = 0; i < to.Length; i++) to[i] = (float)from[i];
    }

    /// <summary>Frees the scene and every environment's randomized copy.</summary>
    public void Dispose()
    {
        foreach (var m in _models) m.Dispose();
        Model.Dispose();
    }
}
