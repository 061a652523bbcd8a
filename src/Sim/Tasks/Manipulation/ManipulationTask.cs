using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Sim.Interop;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Sim.Randomization;
using Robotics.Sim.Robots;

namespace Robotics.Sim.Tasks.Manipulation;

/// <summary>
/// An arm on the table scene, reaching a pose or pushing the cube to a target. An action sets joint
/// targets relative to the measured joint positions (clamped to the joint ranges); the PD law with gravity compensation runs at the
/// physics rate through the action latency; randomization is applied per episode. Success: reach
/// within 2 cm and 0.1 rad (by default), or the cube within 3 cm of the target.
/// </summary>
public sealed class ManipulationTask : IMjTask, IPolicyContractSource, IDisposable
{
    private const int LatencyDepth = 4;
    private const double TableTop = 0.4;   // m, from scene_table.xml
    private const double CubeHalf = 0.025; // m

    private readonly ManipulationConfig _c;
    private readonly PdActuators _pd;
    private readonly RandomizerIndices _ix;
    private readonly int _n, _eeBody, _mocap, _cubeQpos, _cubeDof;
    private readonly double[] _eeRest = new double[9];   // end-effector orientation at the default pose, world from ee
    private readonly int[] _termIds;
    private readonly double[] _termScale;
    private readonly MeasuredTerm[][] _measured;
    private readonly int[][] _local;        // [group][term] index into LocalTerms, or -1 when measured by ObservationWriter

    private static readonly string[] LocalTerms =
        { "ee_pos", "target_pos", "ee_to_target", "orientation_error", "cube_pos", "cube_to_target", "ee_to_cube", "cube_vel", "friction", "motor_strength", "joint_torque" };

    // Per environment.
    private MjModel[] _models = Array.Empty<MjModel>();
    private EnvSample[] _sample = Array.Empty<EnvSample>();
    private SensorFrame[] _frame = Array.Empty<SensorFrame>();
    private double[] _targets = Array.Empty<double>();      // [N, LatencyDepth, n] joint targets, newest first
    private double[] _torque = Array.Empty<double>();       // [N, n]
    private float[] _lastAction = Array.Empty<float>(), _prevAction = Array.Empty<float>();  // [N, n]
    private double[] _goal = Array.Empty<double>();         // [N, 3] reach: ee target; push: cube target
    private double[] _goalRot = Array.Empty<double>();      // [N, 9] reach: target orientation
    private double[] _ee = Array.Empty<double>();           // [N, 3]
    private double[] _orientationError = Array.Empty<double>(); // [N, 3] rotation vector, world frame
    private double[] _distance = Array.Empty<double>();     // [N] reach: ee–target; push: cube–target
    private double[] _eeToCube = Array.Empty<double>();     // [N]
    private bool[] _success = Array.Empty<bool>(), _finalSuccess = Array.Empty<bool>();   // [N]
    private double[] _finalDistance = Array.Empty<double>(), _finalOrientation = Array.Empty<double>(); // [N]

    /// <summary>Builds the table scene with the arm from its URDF.</summary>
    public ManipulationTask(ManipulationConfig config)
    {
        _c = config;
        Robot = UrdfRobot.Load(config.Urdf);
        Model = SceneBuilder.Build(Robot, Assets.Read("scene_table.xml"), new SceneOptions
        {
            FloatingBase = false, BasePosition = config.BasePosition, Armature = config.Armature,
        });
        Model.Timestep = config.PhysicsDt;
        _pd = new PdActuators(Model, Robot);
        _n = _pd.Count;
        _eeBody = Model.BodyId(config.EeLink);
        _mocap = Model.BodyMocapid[Model.BodyId("target")];
        int cube = Model.JointId("cube");
        _cubeQpos = Model.JntQposadr[cube];
        _cubeDof = Model.JntDofadr[cube];

        var robotBodies = Robot.Links.Where(l => Model.TryId(mjtObj.mjOBJ_BODY, l) >= 0).Select(l => Model.BodyId(l)).ToArray();
        _ix = new RandomizerIndices(robotBodies, Model.BodyId(Robot.RootLink), new[] { Model.GeomId("table"), Model.GeomId("cube") }, _pd.DofAddress);

        // The tool's orientation at the default pose: reach targets are yawed copies of it.
        using (var data = new MjData(Model))
        {
            for (int i = 0; i < _n; i++) data.Qpos[_pd.QposAddress[i]] = config.DefaultJointPos[i];
            data.Forward();
            data.Xmat.Slice(9 * _eeBody, 9).CopyTo(_eeRest);
        }

        string[] termNames;
        (_termIds, _termScale, termNames) = Tasks.RewardTerms.Select(ManipulationTerms.All, config.RewardScales);
        RewardTerms = termNames;
        ObservationGroups = new[] { Group(ObservationGroup.Policy, config.PolicyTerms, true), Group(ObservationGroup.Critic, config.CriticTerms, false) };
        _measured = ObservationGroups.Select(g => g.Terms.Select(t => ObservationWriter.Resolve(t.Name)).ToArray()).ToArray();
        _local = ObservationGroups.Select(g => g.Terms.Select(t => Array.IndexOf(LocalTerms, t.Name)).ToArray()).ToArray();
    }

    private ObservationGroup Group(string name, IReadOnlyList<string> terms, bool noisy) =>
        TaskObservations.Group(name, terms, Width, _c.ObservationScales, _c.ObservationNoise, _c.ObservationClip, noisy);

    private int Width(string term) => term switch
    {
        "joint_pos" or "joint_vel" or "last_action" or "motor_strength" or "joint_torque" => _n,
        "friction" => 1,
        _ => 3,
    };

    /// <summary>Loads a task file and builds the task.</summary>
    public static ManipulationTask Load(string path, IReadOnlyList<string>? overrides = null) => new(ManipulationConfig.Load(path, overrides));

    /// <summary>The task's settings.</summary>
    public ManipulationConfig Config => _c;
    /// <summary>The arm's description.</summary>
    public UrdfRobot Robot { get; }
    /// <summary>Joint ↔ motor mapping and limits.</summary>
    public PdActuators Actuators => _pd;
    /// <inheritdoc/>
    public string Name => _c.Name;
    /// <summary>The nominal scene.</summary>
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
    /// <inheritdoc/>
    public MjModel ModelFor(int env) => _models[env];
    /// <inheritdoc/>
    public PolicyContract PolicyContract() => PolicyContracts.Manipulation(this);

    /// <summary>Reach: end effector to target [m]; push: cube to target [m]; after the last step.</summary>
    public double Distance(int env) => _distance[env];
    /// <summary>Reach: orientation error [rad] after the last step (0 for push).</summary>
    public double OrientationError(int env) =>
        Math.Sqrt(_orientationError[3 * env] * _orientationError[3 * env] + _orientationError[3 * env + 1] * _orientationError[3 * env + 1] + _orientationError[3 * env + 2] * _orientationError[3 * env + 2]);
    /// <summary>Whether the success condition holds after the last step.</summary>
    public bool IsSuccess(int env) => _success[env];
    /// <summary>Whether the success condition held at the last step of the episode that ended last (read after Step, where it ended).</summary>
    public bool FinalSuccess(int env) => _finalSuccess[env];
    /// <summary>Final distance [m] of the episode that ended last (see <see cref="Distance"/>).</summary>
    public double FinalDistance(int env) => _finalDistance[env];
    /// <summary>Final orientation error [rad] of the episode that ended last (reach).</summary>
    public double FinalOrientationError(int env) => _finalOrientation[env];
    /// <summary>The goal of environment <paramref name="env"/>: the end effector's (reach) or the cube's (push) target position [m]. [3]</summary>
    public ReadOnlySpan<double> Goal(int env) => _goal.AsSpan(3 * env, 3);
    /// <summary>Sets the goal of environment <paramref name="env"/> (and the target marker); for reach, the orientation is yawed by <paramref name="yaw"/>.</summary>
    public void SetGoal(int env, MjData data, double x, double y, double z, double yaw = 0)
    {
        _goal[3 * env] = x; _goal[3 * env + 1] = y; _goal[3 * env + 2] = z;
        double c = Math.Cos(yaw), s = Math.Sin(yaw);
        var r = _goalRot.AsSpan(9 * env, 9);
        for (int j = 0; j < 3; j++)   // Rz(yaw) · R_rest
        {
            r[j] = c * _eeRest[j] - s * _eeRest[3 + j];
            r[3 + j] = s * _eeRest[j] + c * _eeRest[3 + j];
            r[6 + j] = _eeRest[6 + j];
        }
        var mocap = data.MocapPos;
        mocap[3 * _mocap] = x; mocap[3 * _mocap + 1] = y; mocap[3 * _mocap + 2] = z;
    }

    /// <inheritdoc/>
    public void Initialize(int numEnvs)
    {
        foreach (var m in _models) m.Dispose();
        int n = _n;
        _models = Enumerable.Range(0, numEnvs).Select(_ => Model.Clone()).ToArray();
        _sample = Enumerable.Range(0, numEnvs).Select(_ => new EnvSample(n)).ToArray();
        _frame = Enumerable.Range(0, numEnvs).Select(_ => new SensorFrame(n, n)).ToArray();
        _targets = new double[numEnvs * LatencyDepth * n];
        _torque = new double[numEnvs * n];
        _lastAction = new float[numEnvs * n];
        _prevAction = new float[numEnvs * n];
        _goal = new double[numEnvs * 3];
        _goalRot = new double[numEnvs * 9];
        _ee = new double[numEnvs * 3];
        _orientationError = new double[numEnvs * 3];
        _distance = new double[numEnvs];
        _eeToCube = new double[numEnvs];
        _success = new bool[numEnvs];
        _finalSuccess = new bool[numEnvs];
        _finalDistance = new double[numEnvs];
        _finalOrientation = new double[numEnvs];
    }

    // ---------------------------------------------------------------- reset

    /// <inheritdoc/>
    public void Reset(int env, MjData data, ref Rng rng)
    {
        // What the episode that just ended achieved, kept for evaluation.
        _finalSuccess[env] = _success[env];
        _finalDistance[env] = _distance[env];
        _finalOrientation[env] = OrientationError(env);
        Randomizer.Apply(_c.Randomization, _ix, Model, _models[env], _c.Kp, _c.Kd, ref rng, _sample[env]);

        // The arm at its default pose, perturbed; its targets there.
        var qpos = data.Qpos;
        var history = _targets.AsSpan(env * LatencyDepth * _n, LatencyDepth * _n);
        for (int i = 0; i < _n; i++)
        {
            double q = _c.DefaultJointPos[i] + (_c.ResetJointNoise > 0 ? rng.Uniform(-_c.ResetJointNoise, _c.ResetJointNoise) : 0);
            qpos[_pd.QposAddress[i]] = Math.Clamp(q, _pd.Lower[i], _pd.Upper[i]);
            for (int k = 0; k < LatencyDepth; k++) history[k * _n + i] = qpos[_pd.QposAddress[i]];
        }
        Array.Clear(_lastAction, env * _n, _n);
        Array.Clear(_prevAction, env * _n, _n);
        Array.Clear(_torque, env * _n, _n);

        if (_c.Kind == ManipulationKind.Reach)
        {
            // Parked cube out of the way; a target pose in the box, the tool yawed about the vertical.
            qpos[_cubeQpos] = 0.8; qpos[_cubeQpos + 1] = 0.45; qpos[_cubeQpos + 2] = TableTop + CubeHalf;
            SetGoal(env, data, rng.Uniform(_c.TargetMin[0], _c.TargetMax[0]), rng.Uniform(_c.TargetMin[1], _c.TargetMax[1]),
                rng.Uniform(_c.TargetMin[2], _c.TargetMax[2]), rng.Uniform(_c.TargetYaw.Low, _c.TargetYaw.High));
        }
        else
        {
            // The cube somewhere in its region, the target at least MinPushDistance away on the table.
            double cx = rng.Uniform(_c.CubeMin[0], _c.CubeMax[0]), cy = rng.Uniform(_c.CubeMin[1], _c.CubeMax[1]), tx = cx, ty = cy;
            for (int attempt = 0; attempt < 100 && Math.Sqrt((tx - cx) * (tx - cx) + (ty - cy) * (ty - cy)) < _c.MinPushDistance; attempt++)
            {
                tx = rng.Uniform(_c.PushTargetMin[0], _c.PushTargetMax[0]);
                ty = rng.Uniform(_c.PushTargetMin[1], _c.PushTargetMax[1]);
            }
            qpos[_cubeQpos] = cx; qpos[_cubeQpos + 1] = cy; qpos[_cubeQpos + 2] = TableTop + CubeHalf;
            SetGoal(env, data, tx, ty, TableTop + CubeHalf);
        }
        qpos[_cubeQpos + 3] = 1; qpos[_cubeQpos + 4] = 0; qpos[_cubeQpos + 5] = 0; qpos[_cubeQpos + 6] = 0;
        data.Qvel.Clear();
        data.Forward();
        Measure(env, data);
    }

    // ---------------------------------------------------------------- step

    /// <inheritdoc/>
    public void Simulate(int env, MjData data, ReadOnlySpan<float> action, ref Rng rng)
    {
        int n = _n;
        var history = _targets.AsSpan(env * LatencyDepth * n, LatencyDepth * n);
        history[..^n].CopyTo(history[n..]);
        var target = history[..n];
        // Targets are relative to the measured joint positions (no wind-up while the PD lags behind).
        var qpos = data.Qpos;
        for (int i = 0; i < n; i++) target[i] = Math.Clamp(qpos[_pd.QposAddress[i]] + _c.ActionScale * action[i], _pd.Lower[i], _pd.Upper[i]);
        _lastAction.AsSpan(env * n, n).CopyTo(_prevAction.AsSpan(env * n, n));
        action.CopyTo(_lastAction.AsSpan(env * n, n));

        var sample = _sample[env];
        var torque = _torque.AsSpan(env * n, n);
        for (int p = 0; p < _c.Decimation; p++)
        {
            int age = PdActuators.TargetAge(p, sample.Latency, _c.Decimation, LatencyDepth);
            _pd.Apply(data, history.Slice(age * n, n), sample.Kp, sample.Kd, sample.Strength, torque, _c.GravityCompensation);
            data.Step();
        }
        Measure(env, data);
    }

    private void Measure(int env, MjData data)
    {
        var xpos = data.Xpos;
        var ee = _ee.AsSpan(3 * env, 3);
        for (int k = 0; k < 3; k++) ee[k] = xpos[3 * _eeBody + k];
        var goal = _goal.AsSpan(3 * env, 3);
        var qpos = data.Qpos;
        var frame = _frame[env];
        for (int i = 0; i < _n; i++)
        {
            frame.JointPos[i] = qpos[_pd.QposAddress[i]];
            frame.JointVel[i] = data.Qvel[_pd.DofAddress[i]];
        }
        _lastAction.AsSpan(env * _n, _n).CopyTo(frame.LastAction);

        if (_c.Kind == ManipulationKind.Reach)
        {
            _distance[env] = Distance3(ee, goal);
            RotationError(_goalRot.AsSpan(9 * env, 9), data.Xmat.Slice(9 * _eeBody, 9), _orientationError.AsSpan(3 * env, 3));
            _success[env] = _distance[env] <= _c.SuccessPosition && OrientationError(env) <= _c.SuccessOrientation;
        }
        else
        {
            var cube = qpos.Slice(_cubeQpos, 3);
            _distance[env] = Math.Sqrt((cube[0] - goal[0]) * (cube[0] - goal[0]) + (cube[1] - goal[1]) * (cube[1] - goal[1]));
            _eeToCube[env] = Distance3(ee, cube);
            _success[env] = _distance[env] <= _c.SuccessDistance;
        }
    }

    private static double Distance3(ReadOnlySpan<double> a, ReadOnlySpan<double> b) =>
        Math.Sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));

    /// <summary>
    /// The rotation vector (axis × angle, world frame) that turns <paramref name="current"/> into
    /// <paramref name="target"/>: the log of R* · Rᵀ. Both row-major 3 × 3.
    /// </summary>
    public static void RotationError(ReadOnlySpan<double> target, ReadOnlySpan<double> current, Span<double> error)
    {
        Span<double> e = stackalloc double[9];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                e[3 * i + j] = target[3 * i] * current[3 * j] + target[3 * i + 1] * current[3 * j + 1] + target[3 * i + 2] * current[3 * j + 2];
        double cos = Math.Clamp((e[0] + e[4] + e[8] - 1) / 2, -1, 1);
        double angle = Math.Acos(cos);
        double sx = e[7] - e[5], sy = e[2] - e[6], sz = e[3] - e[1];   // 2 sin(angle) · axis
        double norm = Math.Sqrt(sx * sx + sy * sy + sz * sz);
        if (norm < 1e-12)
        {
            // No rotation, or exactly π (axis from the symmetric part; any sign will do).
            if (angle < 1e-6) { error.Clear(); return; }
            sx = Math.Sqrt(Math.Max(0, (e[0] + 1) / 2)); sy = Math.Sqrt(Math.Max(0, (e[4] + 1) / 2)); sz = Math.Sqrt(Math.Max(0, (e[8] + 1) / 2));
            norm = Math.Sqrt(sx * sx + sy * sy + sz * sz);
        }
        error[0] = angle * sx / norm;
        error[1] = angle * sy / norm;
        error[2] = angle * sz / norm;
    }

    // ---------------------------------------------------------------- reward, termination, observations

    /// <inheritdoc/>
    public float Reward(int env, MjData data, ReadOnlySpan<float> action, Span<float> terms)
    {
        double dt = _c.PhysicsDt * _c.Decimation, total = 0;
        for (int k = 0; k < _termIds.Length; k++)
        {
            double value = _termIds[k] switch
            {
                0 => 1 - Math.Tanh(_distance[env] / 0.1),
                1 => 1 - Math.Tanh(OrientationError(env) / 0.5),
                2 => 1 - Math.Tanh(_eeToCube[env] / _c.EeToCubeStd),
                3 => 1 - Math.Tanh(_distance[env] / _c.CubeToTargetStd),
                4 => _success[env] ? 1 : 0,
                5 => Tasks.RewardTerms.ActionRate(action, _prevAction.AsSpan(env * _n, _n)),
                _ => JointVelSquared(env),
            };
            double contribution = _termScale[k] * value * dt;
            terms[k] = (float)contribution;
            total += contribution;
        }
        return (float)total;
    }

    private double JointVelSquared(int env)
    {
        double s = 0;
        foreach (var v in _frame[env].JointVel) s += v * v;
        return s;
    }

    /// <summary>Push: the cube fell off the table. Reach: never (episodes end at the time limit).</summary>
    public bool IsTerminated(int env, MjData data) =>
        _c.Kind == ManipulationKind.Push && data.Qpos[_cubeQpos + 2] < TableTop - 0.1;

    /// <inheritdoc/>
    public void Observe(int env, MjData data, int group, Span<float> o, ref Rng rng)
    {
        var g = ObservationGroups[group];
        for (int t = 0; t < g.Terms.Count; t++)
        {
            var term = g.Terms[t];
            var slice = o.Slice(g.Offset(t), term.Width);
            if (_measured[group][t] is var m && m != MeasuredTerm.None) ObservationWriter.Write(m, _frame[env], _c.DefaultJointPos, slice);
            else Local(_local[group][t], env, data, slice);
            if (term.Noise > 0)
                for (int k = 0; k < slice.Length; k++) slice[k] += (float)rng.Uniform(-term.Noise, term.Noise);
        }
        g.ScaleAndClip(o);
    }

    // Indices into LocalTerms, resolved once. Positions are relative to the arm's base [m].
    private void Local(int term, int env, MjData data, Span<float> s)
    {
        var ee = _ee.AsSpan(3 * env, 3);
        var goal = _goal.AsSpan(3 * env, 3);
        var cube = data.Qpos.Slice(_cubeQpos, 3);
        var b = _c.BasePosition;
        switch (term)
        {
            case 0: for (int k = 0; k < 3; k++) s[k] = (float)(ee[k] - b[k]); break;                       // ee_pos
            case 1: for (int k = 0; k < 3; k++) s[k] = (float)(goal[k] - b[k]); break;                     // target_pos
            case 2: for (int k = 0; k < 3; k++) s[k] = (float)(goal[k] - ee[k]); break;                    // ee_to_target
            case 3: for (int k = 0; k < 3; k++) s[k] = (float)_orientationError[3 * env + k]; break;       // orientation_error [rad]
            case 4: for (int k = 0; k < 3; k++) s[k] = (float)(cube[k] - b[k]); break;                     // cube_pos
            case 5: for (int k = 0; k < 3; k++) s[k] = (float)(goal[k] - cube[k]); break;                  // cube_to_target
            case 6: for (int k = 0; k < 3; k++) s[k] = (float)(cube[k] - ee[k]); break;                    // ee_to_cube
            case 7: for (int k = 0; k < 3; k++) s[k] = (float)data.Qvel[_cubeDof + k]; break;              // cube_vel [m/s]
            case 8: s[0] = (float)_sample[env].Friction; break;                                             // friction
            case 9: for (int k = 0; k < _n; k++) s[k] = (float)_sample[env].Strength[k]; break;           // motor_strength
            case 10: for (int k = 0; k < _n; k++) s[k] = (float)_torque[env * _n + k]; break;             // joint_torque [N·m]
            default: throw new InvalidOperationException($"observation term index {term}");
        }
    }

    /// <summary>Frees the scene and every environment's randomized copy.</summary>
    public void Dispose()
    {
        foreach (var m in _models) m.Dispose();
        Model.Dispose();
    }
}
