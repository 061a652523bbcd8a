using Robotics.Deploy.Contract;
using Robotics.Deploy.Kinematics;
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
public sealed class ManipulationTask : PdTask<ManipulationTask>
{
    /// <summary>Height of the table top in the world [m] (scene_table.xml).</summary>
    public const double TableTop = 0.4;
    /// <summary>Half the cube's edge [m]: a cube resting on the table has its centre this high above it.</summary>
    public const double CubeHalf = 0.025;
    private const TaskKind Reach = TaskKind.Reach, Push = TaskKind.Push;

    /// <summary>The reward terms of the arm tasks; the task file's <c>[rewards]</c> scales select and order them.</summary>
    internal static readonly RewardTermDef<ManipulationTask>[] RewardTable =
    {
        new("RewardEePosition", "1 − tanh(d / 0.1), d = end effector to target [m]",
            static (t, env, _) => 1 - Math.Tanh(t._distance[env] / 0.1)) { Only = Reach },
        new("RewardEeOrientation", "1 − tanh(θ / 0.5), θ = orientation error [rad]",
            static (t, env, _) => 1 - Math.Tanh(t.OrientationError(env) / 0.5)) { Only = Reach },
        new("RewardEeToCube", "1 − tanh(d / w), d = end effector to cube [m], w = ee_to_cube_std",
            static (t, env, _) => 1 - Math.Tanh(t._eeToCube[env] / t._c.EeToCubeStd)) { Only = Push },
        new("RewardCubeToTarget", "1 − tanh(d / w), d = cube to target [m], w = cube_to_target_std",
            static (t, env, _) => 1 - Math.Tanh(t._distance[env] / t._c.CubeToTargetStd)) { Only = Push },
        new("RewardSuccess", "1 while the success condition holds",
            static (t, env, _) => t._success[env] ? 1 : 0),
        new("CostActionRate", "Σ (aₜ − aₜ₋₁)²",
            static (t, env, _) => Tasks.RewardTerms.ActionRate(t.LastAction(env), t.PreviousAction(env))),
        new("CostJointVel", "Σ q̇² [rad²/s²]",
            static (t, env, _) => t.JointVelSquared(env)),
        new("CostJointVelLimit", "Σ max(|q̇| − rated speed, 0)² [rad²/s²]: what a real arm's drives refuse",
            static (t, env, _) => t.JointVelBeyondRated(env)),
    };

    /// <summary>
    /// The observation terms of the arm tasks; the task file's group lists select and order them. Positions are
    /// in the arm's base frame [m] (the world shifted by the base position; the base is not rotated), written by
    /// <see cref="ObservationWriter"/> from the sensor frame: forward kinematics and perception fill it on a robot.
    /// </summary>
    internal static readonly ObservationTermDef<ManipulationTask>[] ObservationTable =
    {
        Measured("joint_pos", "joint positions relative to the default pose [rad]"),
        Measured("joint_vel", "joint velocities [rad/s]"),
        Measured("last_action", "the previous (clipped) action"),
        Measured("ee_pos", "end effector position [m]"),
        Measured("target_pos", "goal position [m]"),
        Measured("ee_to_target", "goal − end effector [m]") with { Only = Reach },
        Measured("orientation_error", "rotation vector from the tool to the target orientation [rad]") with { Only = Reach },
        Measured("cube_pos", "cube position [m]") with { Only = Push },
        Measured("cube_to_target", "goal − cube [m]") with { Only = Push },
        Measured("ee_to_cube", "cube − end effector [m]") with { Only = Push },
        new("cube_vel", "cube linear velocity [m/s]", static _ => 3,
            static (t, _, data, _, s) => { for (int k = 0; k < 3; k++) s[k] = (float)data.Qvel[t._cubeDof + k]; }) { Privileged = true, Only = Push },
        new("friction", "table and cube friction coefficient", static _ => 1,
            static (t, env, _, _, s) => s[0] = (float)t.Sample(env).Friction) { Privileged = true },
        new("motor_strength", "torque multiplier per joint", static t => t.ActionDim,
            static (t, env, _, _, s) => Copy(t.Sample(env).Strength, s)) { Privileged = true },
        new("joint_torque", "joint torques of the last physics step [N·m]", static t => t.ActionDim,
            static (t, env, _, _, s) => Copy(t.Torque(env), s)) { Privileged = true },
    };

    private readonly ManipulationConfig _c;
    private readonly RandomizerIndices _ix;
    private readonly int _n, _eeBody, _mocap, _cubeQpos, _cubeDof;
    private readonly double[] _eeRest = new double[9];   // end-effector orientation at the default pose, world from ee
    private readonly double[] _eeRestPosition = new double[3];   // end-effector position at the default pose, world [m]

    // Per environment, preallocated by InitializeTask.
    private SensorFrame[] _frame = Array.Empty<SensorFrame>();
    private double[] _goal = Array.Empty<double>();         // [N, 3] reach: ee target; push: cube target
    private double[] _goalRot = Array.Empty<double>();      // [N, 9] reach: target orientation
    private double[] _ee = Array.Empty<double>();           // [N, 3]
    private double[] _orientationError = Array.Empty<double>(); // [N, 3] rotation vector, world frame
    private double[] _distance = Array.Empty<double>();     // [N] reach: ee–target; push: cube–target
    private double[] _eeToCube = Array.Empty<double>();     // [N]
    private bool[] _success = Array.Empty<bool>(), _finalSuccess = Array.Empty<bool>();   // [N]
    private double[] _finalDistance = Array.Empty<double>(), _finalOrientation = Array.Empty<double>(); // [N]
    private bool[] _tripped = Array.Empty<bool>();          // [N] the last step ended on one of the robot's safety trips
    private WorkspaceBox? _workspace;                       // base frame, when episodes end on leaving it
    private readonly double[] _eeBase = new double[3];      // scratch: the tool in the base frame [m]

    /// <summary>Builds the table scene with the arm from its URDF.</summary>
    public ManipulationTask(ManipulationConfig config) : this(config, UrdfRobot.Load(config.Urdf)) { }

    private ManipulationTask(ManipulationConfig config, UrdfRobot robot) : base(CoreSettings(config), robot,
        SceneBuilder.Build(robot, Assets.Read("scene_table.xml"), new SceneOptions
        {
            FloatingBase = false, BasePosition = config.BasePosition, Armature = config.Armature,
        }))
    {
        _c = config;
        var pd = Actuators;
        _n = pd.Count;
        _eeBody = Model.BodyId(config.EeLink);
        _mocap = Model.BodyMocapid[Model.BodyId("target")];
        int cube = Model.JointId("cube");
        _cubeQpos = Model.JntQposadr[cube];
        _cubeDof = Model.JntDofadr[cube];

        var robotBodies = Robot.Links.Where(l => Model.TryId(mjtObj.mjOBJ_BODY, l) >= 0).Select(l => Model.BodyId(l)).ToArray();
        _ix = new RandomizerIndices(robotBodies, Model.BodyId(Robot.RootLink), new[] { Model.GeomId("table"), Model.GeomId("cube") }, pd.DofAddress);

        // The tool's orientation at the default pose: reach targets are yawed copies of it.
        using (var data = new MjData(Model))
        {
            for (int i = 0; i < _n; i++) data.Qpos[pd.QposAddress[i]] = config.DefaultJointPos[i];
            data.Forward();
            data.Xmat.Slice(9 * _eeBody, 9).CopyTo(_eeRest);
            data.Xpos.Slice(3 * _eeBody, 3).CopyTo(_eeRestPosition);
        }
        Prepare(RewardTable, ObservationTable, PolicyContracts.ManipulationAction(config, _n));
    }

    private static PdTaskSettings CoreSettings(ManipulationConfig c) => new()
    {
        Name = c.Name, Kind = c.Kind.Name(), PhysicsDt = c.PhysicsDt, Decimation = c.Decimation, MaxEpisodeSteps = c.MaxEpisodeSteps,
        DefaultJointPos = c.DefaultJointPos, ResetJointNoise = c.ResetJointNoise, Kp = c.Kp, Kd = c.Kd,
        GravityCompensation = c.GravityCompensation, TargetRateLimit = c.TargetRateLimit, Randomization = c.Randomization,
        RewardScales = c.RewardScales, Observations = c.Observations, Contract = c.Contract,
    };

    /// <summary>Loads a task file and builds the task.</summary>
    public static ManipulationTask Load(string path, IReadOnlyList<string>? overrides = null) => new(ManipulationConfig.Load(path, overrides));

    /// <summary>The task's settings.</summary>
    public ManipulationConfig Config => _c;
    /// <inheritdoc/>
    public override PolicyContract PolicyContract() => PolicyContracts.Manipulation(this);
    /// <inheritdoc/>
    protected override RandomizerIndices RandomizerIndices => _ix;
    /// <inheritdoc/>
    protected override SensorFrame Frame(int env, bool noisy) => _frame[env];

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
    /// <summary>The goal orientation of environment <paramref name="env"/> (reach), world from target, row-major. [9]</summary>
    public ReadOnlySpan<double> GoalRotation(int env) => _goalRot.AsSpan(9 * env, 9);
    /// <summary>The tool's orientation at the default pose, world from end effector, row-major: reach targets are yawed copies of it. [9]</summary>
    public ReadOnlySpan<double> RestRotation => _eeRest;
    /// <summary>The tool's position at the default pose in the world [m]. [3]</summary>
    public ReadOnlySpan<double> RestPosition => _eeRestPosition;
    /// <summary>What environment <paramref name="env"/> measured after the last step or reset: the frame the observation terms read.</summary>
    public SensorFrame MeasuredFrame(int env) => _frame[env];
    /// <summary>Sets the goal of environment <paramref name="env"/> (and the target marker); for reach, the orientation is yawed by <paramref name="yaw"/>.</summary>
    public void SetGoal(int env, MjData data, double x, double y, double z, double yaw = 0)
    {
        _goal[3 * env] = x; _goal[3 * env + 1] = y; _goal[3 * env + 2] = z;
        Rotation.Yawed(yaw, _eeRest, _goalRot.AsSpan(9 * env, 9));
        var mocap = data.MocapPos;
        mocap[3 * _mocap] = x; mocap[3 * _mocap + 1] = y; mocap[3 * _mocap + 2] = z;
    }

    /// <inheritdoc/>
    protected override void InitializeTask(int numEnvs)
    {
        int n = _n;
        _frame = Enumerable.Range(0, numEnvs).Select(_ => new SensorFrame(n, n)).ToArray();
        _goal = new double[numEnvs * 3];
        _goalRot = new double[numEnvs * 9];
        _tripped = new bool[numEnvs];
        // The box the robot holds the arm at: the contract's when evaluating one, else the one this task's contract states.
        _workspace = _c.WorkspaceTrip is null ? null : _c.Contract?.Workspace ?? PolicyContracts.Workspace(this);
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
    protected override void BeforeReset(int env)
    {
        // What the episode that just ended achieved, kept for evaluation.
        _finalSuccess[env] = _success[env];
        _finalDistance[env] = _distance[env];
        _finalOrientation[env] = OrientationError(env);
    }

    /// <inheritdoc/>
    protected override void ResetTask(int env, MjData data, ref Rng rng)
    {
        var qpos = data.Qpos;
        if (_c.Kind == TaskKind.Reach)
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
    /// <remarks>
    /// The end effector's pose is measured at the joint positions the step reached (as the robot's forward kinematics
    /// computes it), not at those mj_step started from.
    /// </remarks>
    protected override void AfterPhysics(int env, MjData data, ref Rng rng)
    {
        data.Kinematics();
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
        var pd = Actuators;
        for (int i = 0; i < _n; i++)
        {
            frame.JointPos[i] = qpos[pd.QposAddress[i]];
            frame.JointVel[i] = data.Qvel[pd.DofAddress[i]];
        }
        LastAction(env).CopyTo(frame.LastAction);
        // The arm's part of the frame, in the base frame (the world shifted by the unrotated base).
        var cube = qpos.Slice(_cubeQpos, 3);
        var b = _c.BasePosition;
        for (int k = 0; k < 3; k++)
        {
            frame.EePosition[k] = ee[k] - b[k];
            frame.TargetPosition[k] = goal[k] - b[k];
            frame.ObjectPosition[k] = cube[k] - b[k];
        }
        data.Xmat.Slice(9 * _eeBody, 9).CopyTo(frame.EeRotation);
        _goalRot.AsSpan(9 * env, 9).CopyTo(frame.TargetRotation);

        if (_c.Kind == TaskKind.Reach)
        {
            _distance[env] = Distance3(ee, goal);
            Rotation.Error(_goalRot.AsSpan(9 * env, 9), data.Xmat.Slice(9 * _eeBody, 9), _orientationError.AsSpan(3 * env, 3));
            _success[env] = _distance[env] <= _c.SuccessPosition && OrientationError(env) <= _c.SuccessOrientation;
        }
        else
        {
            _distance[env] = Math.Sqrt((cube[0] - goal[0]) * (cube[0] - goal[0]) + (cube[1] - goal[1]) * (cube[1] - goal[1]));
            _eeToCube[env] = Distance3(ee, cube);
            _success[env] = _distance[env] <= _c.SuccessDistance;
        }
    }

    private static double Distance3(ReadOnlySpan<double> a, ReadOnlySpan<double> b) =>
        Math.Sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));

    // ---------------------------------------------------------------- reward, termination

    private double JointVelSquared(int env)
    {
        double s = 0;
        foreach (var v in _frame[env].JointVel) s += v * v;
        return s;
    }

    // Speed beyond each joint's rated speed (the URDF's velocity limit), squared and summed.
    private double JointVelBeyondRated(int env)
    {
        var v = _frame[env].JointVel;
        var rated = Actuators.VelocityLimit;
        double s = 0;
        for (int i = 0; i < v.Length; i++)
        {
            double over = Math.Abs(v[i]) - rated[i];
            if (over > 0) s += over * over;
        }
        return s;
    }

    /// <summary>
    /// Where the robot's safety layer would stop the arm (Hold), the episode ends too: a joint past
    /// <see cref="ManipulationConfig.VelocityTrip"/> × its rated speed, or the tool more than <see cref="ManipulationConfig.WorkspaceTrip"/>
    /// outside the workspace box; and, for push, when the cube fell off the table. Otherwise episodes end at the time limit.
    /// </summary>
    public override bool IsTerminated(int env, MjData data)
    {
        bool tripped = false;
        if (_c.VelocityTrip > 0)
        {
            var qvel = data.Qvel;
            var rated = Actuators.VelocityLimit;
            for (int i = 0; i < _n && !tripped; i++) tripped = Math.Abs(qvel[Actuators.DofAddress[i]]) > _c.VelocityTrip * rated[i];
        }
        if (!tripped && _workspace is not null)
        {
            for (int k = 0; k < 3; k++) _eeBase[k] = _ee[3 * env + k] - _c.BasePosition[k];
            tripped = _workspace.Outside(_eeBase) > _c.WorkspaceTrip;
        }
        _tripped[env] = tripped;
        return tripped || (_c.Kind == TaskKind.Push && data.Qpos[_cubeQpos + 2] < TableTop - 0.1);
    }

    /// <summary>Whether environment <paramref name="env"/>'s last step ended on one of the robot's safety trips (velocity, workspace; read when an episode ends).</summary>
    public bool EndedOnSafetyTrip(int env) => _tripped[env];
}
