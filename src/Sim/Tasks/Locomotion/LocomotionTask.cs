using System.Diagnostics;
using System.Xml.Linq;
using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Sim.Interop;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Sim.Randomization;
using Robotics.Sim.Robots;
using Robotics.Sim.Terrain;

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
public sealed class LocomotionTask : PdTask<LocomotionTask>, ITerrainTask
{
    private const double PushVisibleSeconds = 0.2;   // the critic sees a push for this long
    private const double SpawnMargin = 0.5;          // spawn offsets keep the base this far inside a tile's platform [m]
    private const double ScanReference = 0.5;        // legged_gym's height scan: base z − 0.5 m − terrain height, clipped to ±1 m

    /// <summary>Name of the height-scan observation term (a robot has no height map yet: a policy reading it cannot deploy).</summary>
    public const string HeightScanTerm = ObservationWriter.HeightScan;

    /// <summary>The reward terms of velocity tracking; the task file's <c>[rewards]</c> scales select and order them.</summary>
    internal static readonly RewardTermDef<LocomotionTask>[] RewardTable =
    {
        new(LocomotionTerms.RewardTrackLinVel, "exp(−|v*xy − vxy|² / σ): planar velocity tracking in the base frame",
            static (t, env, _) => t.TrackLinVel(env)),
        new("RewardTrackAngVel", "exp(−(ω*z − ωz)² / σ): yaw-rate tracking",
            static (t, env, _) => t.TrackAngVel(env)),
        new("CostLinVelZ", "vz² [m²/s²]: vertical base velocity",
            static (t, env, _) => t._linVel[3 * env + 2] * t._linVel[3 * env + 2]),
        new("CostAngVelXY", "ωx² + ωy² [rad²/s²]: roll and pitch rates",
            static (t, env, _) => t._angVel[3 * env] * t._angVel[3 * env] + t._angVel[3 * env + 1] * t._angVel[3 * env + 1]),
        new("CostOrientation", "gx² + gy²: tilt, from the projected gravity",
            static (t, env, _) => t._gravity[3 * env] * t._gravity[3 * env] + t._gravity[3 * env + 1] * t._gravity[3 * env + 1]),
        new("CostTorques", "Σ τ² [N²·m²]: joint torques",
            static (t, env, _) => SumSquares(t.Torque(env))),
        new("CostActionRate", "Σ (aₜ − aₜ₋₁)²: action rate",
            static (t, env, _) => Tasks.RewardTerms.ActionRate(t.LastAction(env), t.PreviousAction(env))),
        new("RewardFeetAirTime", "Σ (air time − target) at touchdown [s], while commanded to move",
            static (t, env, _) => t._airReward[env]),
        new("CostCollision", "number of penalized links (thighs, calves) touching the ground",
            static (t, env, _) => t._collisions[env]),
        new("CostJointLimits", "Σ distance beyond the soft joint limits [rad]",
            static (t, _, data) => t.JointLimitExcess(data)),
        // legged_gym adds it after the only_positive_rewards clip, so a fall costs its full scale even when the
        // step's other terms clip to zero.
        new(LocomotionTerms.CostTermination, "1 on the step an episode terminates (a fall), else 0",
            static (t, env, _) => t.Fell(env) ? 1 : 0) { AfterClip = true },
    };

    /// <summary>The observation terms of velocity tracking; the task file's group lists select and order them.</summary>
    internal static readonly ObservationTermDef<LocomotionTask>[] ObservationTable =
    {
        Measured("base_ang_vel", "IMU angular velocity [rad/s]"),
        Measured("projected_gravity", "unit gravity vector in the IMU frame"),
        Measured("commands", "vx [m/s], vy [m/s], yaw rate [rad/s]"),
        Measured("joint_pos", "joint positions relative to the default pose [rad]"),
        Measured("joint_vel", "joint velocities [rad/s]"),
        Measured("last_action", "the previous (clipped) action"),
        new("base_lin_vel", "base linear velocity in the base frame [m/s]", static _ => 3,
            static (t, env, _, _, s) => Copy(t._linVel.AsSpan(3 * env, 3), s)) { Privileged = true },
        new("friction", "ground friction coefficient", static _ => 1,
            static (t, env, _, _, s) => s[0] = (float)t.Sample(env).Friction) { Privileged = true },
        new("added_mass", "payload added to the base [kg]", static _ => 1,
            static (t, env, _, _, s) => s[0] = (float)t.Sample(env).AddedMass) { Privileged = true },
        new("motor_strength", "torque multiplier per joint", static t => t.ActionDim,
            static (t, env, _, _, s) => Copy(t.Sample(env).Strength, s)) { Privileged = true },
        new("contact_forces", "normal force per foot [N]", static t => t._feet,
            static (t, env, _, _, s) => Copy(t._footForce.AsSpan(env * t._feet, t._feet), s)) { Privileged = true },
        new("foot_heights", "height of each foot [m]", static t => t._feet,
            static (t, env, _, _, s) => Copy(t._footHeight.AsSpan(env * t._feet, t._feet), s)) { Privileged = true },
        new("push", "velocity of the last push while it is fresh [m/s]", static _ => 3,
            static (t, env, _, _, s) => Copy(t._push.AsSpan(3 * env, 3), s)) { Privileged = true },
        new("action_latency", "action latency [s]", static _ => 1,
            static (t, env, _, _, s) => s[0] = (float)(t.Sample(env).Latency * t._c.PhysicsDt)) { Privileged = true },
        // Not privileged: a task may give it to the policy, whose contract then needs a height map on the robot.
        new(HeightScanTerm, "clip(base z − 0.5 − terrain height, −1, 1) [m] at 17 × 11 points 0.1 m apart around the base, yaw-aligned", static _ => ScanPattern.Default.Count,
            static (t, env, _, _, s) => t.HeightScan(env, s)),
    };

    private readonly LocomotionConfig _c;
    private readonly HeightField? _map;            // null on the flat floor
    private TerrainCurriculum? _curriculum;
    private readonly RandomizerIndices _ix;
    private readonly int _n, _feet, _baseBody, _gyroAdr, _quatAdr;
    private readonly int[] _footOfBody;          // [nbody] foot index or -1
    private readonly bool[] _penalized, _terminal; // [nbody]
    private readonly double[] _softLower, _softUpper; // [n]

    // Per environment, preallocated by InitializeTask.
    private SensorFrame[] _measuredFrame = Array.Empty<SensorFrame>(), _trueFrame = Array.Empty<SensorFrame>();
    private double[] _cmd = Array.Empty<double>();              // [N, 3]
    private int[] _cmdTimer = Array.Empty<int>();               // [N] policy steps to the next resample
    private int[] _cmdAge = Array.Empty<int>();                 // [N] policy steps since the command last changed
    private int[] _pushTimer = Array.Empty<int>(), _pushAge = Array.Empty<int>();             // [N]; age: policy steps since the last push, −1 before the first
    private double[] _push = Array.Empty<double>();             // [N, 3]
    private Fall[] _lastFall = Array.Empty<Fall>();             // [N] how the last terminated episode ended
    private double[] _airTime = Array.Empty<double>(), _footForce = Array.Empty<double>(), _footHeight = Array.Empty<double>(); // [N, F]
    private double[] _airReward = Array.Empty<double>();        // [N] RewardFeetAirTime's value this step
    private bool[] _footContact = Array.Empty<bool>();          // [N, F]
    private int[] _collisions = Array.Empty<int>();             // [N]
    private bool[] _baseContact = Array.Empty<bool>();          // [N]
    private double[] _linVel = Array.Empty<double>(), _angVel = Array.Empty<double>(), _gravity = Array.Empty<double>(); // [N, 3] base frame
    private double[] _basePos = Array.Empty<double>();          // [N, 3] world
    private double[] _yaw = Array.Empty<double>();              // [N] base heading [rad]
    private double[] _spawn = Array.Empty<double>();            // [N, 2] world x, y of the episode's start
    private int[] _tile = Array.Empty<int>();                   // [N, 2] level, column of the episode's tile
    private double[] _lastEpisode = Array.Empty<double>();      // [N, 5] level, column, distance, commanded, asked of the last ended episode
    private double[] _ideal = Array.Empty<double>();            // [N, 3] x, y [m] from the spawn point and heading [rad] of the commanded path
    private double[] _commanded = Array.Empty<double>();        // [N] Σ |planar command| · dt over the episode [m]
    private int[] _episodeSteps = Array.Empty<int>();           // [N] policy steps in the episode

    /// <summary>Builds the scene from the config's URDF and prepares every index.</summary>
    public LocomotionTask(LocomotionConfig config) : this(config, UrdfRobot.Load(config.Urdf)) { }

    private LocomotionTask(LocomotionConfig config, UrdfRobot robot) : this(config, robot, TerrainGenerator.Generate(config.Terrain, config.TerrainSeed)) { }

    private LocomotionTask(LocomotionConfig config, UrdfRobot robot, HeightField? map) : base(CoreSettings(config, robot), robot,
        SceneBuilder.Build(robot, Scene(map), new SceneOptions
        {
            FloatingBase = true, BasePosition = new[] { 0, 0, config.InitialHeight }, ImuLink = config.ImuLink, Armature = config.Armature,
        }))
    {
        _c = config;
        _map = map;
        // The heights go into the shared model before Initialize clones it per environment.
        if (map is not null) TerrainScene.Upload(Model, map);
        _n = Actuators.Count;
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
        if (frictionGeoms.Length == 0 || geomBody[frictionGeoms[0]] != 0) throw new UserError($"{Model.Source}: the scene has no ground geom");
        _ix = new RandomizerIndices(robotBodies, _baseBody, frictionGeoms, Actuators.DofAddress);

        // Soft joint limits: a fraction of the range about its middle.
        var pd = Actuators;
        _softLower = new double[_n];
        _softUpper = new double[_n];
        for (int i = 0; i < _n; i++)
        {
            double mid = (pd.Lower[i] + pd.Upper[i]) / 2, half = (pd.Upper[i] - pd.Lower[i]) / 2 * config.SoftJointLimit;
            _softLower[i] = mid - half;
            _softUpper[i] = mid + half;
        }
        Prepare(RewardTable, ObservationTable, PolicyContracts.LocomotionAction(config, _n));
    }

    // The flat scene; on a grid, its floor plane replaced by the terrain's hfield (same material and friction).
    private static string Scene(HeightField? map)
    {
        var xml = Assets.Read("scene_flat.xml");
        if (map is null) return xml;
        var scene = XDocument.Parse(xml);
        var floor = scene.Descendants("geom").Single(g => (string?)g.Attribute("name") == "floor");
        floor.Remove();
        TerrainScene.AddTo(scene, map);
        var geom = scene.Descendants("geom").Single(g => (string?)g.Attribute("name") == TerrainScene.Name);
        foreach (var a in new[] { "material", "friction" }) geom.SetAttributeValue(a, floor.Attribute(a)?.Value);
        // A sky: a camera looking up a stair or slope sees it instead of the black void. Visual only: physics is unchanged.
        scene.Root!.Element("asset")!.Add(new XElement("texture", new XAttribute("name", "sky"), new XAttribute("type", "skybox"),
            new XAttribute("builtin", "gradient"), new XAttribute("rgb1", "0.55 0.7 0.9"), new XAttribute("rgb2", "0.1 0.15 0.25"),
            new XAttribute("width", "256"), new XAttribute("height", "1536")));
        return scene.ToString();
    }

    private static PdTaskSettings CoreSettings(LocomotionConfig c, UrdfRobot robot)
    {
        int n = robot.Actuated.Count;
        return new PdTaskSettings
        {
            Name = c.Name, Kind = LocomotionConfig.Kind.Name(), PhysicsDt = c.PhysicsDt, Decimation = c.Decimation, MaxEpisodeSteps = c.MaxEpisodeSteps,
            DefaultJointPos = c.DefaultJointPos, ResetJointNoise = c.ResetJointNoise,
            Kp = Enumerable.Repeat(c.Kp, n).ToArray(), Kd = Enumerable.Repeat(c.Kd, n).ToArray(),
            OnlyPositiveRewards = c.OnlyPositiveRewards, Randomization = c.Randomization, RewardScales = c.RewardScales, Observations = c.Observations,
            Contract = c.Contract,
        };
    }

    /// <summary>Loads a task file and builds the task.</summary>
    public static LocomotionTask Load(string path, IReadOnlyList<string>? overrides = null) => new(LocomotionConfig.Load(path, overrides));

    /// <summary>The task's settings.</summary>
    public LocomotionConfig Config => _c;

    /// <summary>The generated terrain, or null on the flat floor.</summary>
    public HeightField? Terrain => _map;

    /// <inheritdoc/>
    public TerrainCurriculum? Curriculum => _curriculum;

    /// <summary>
    /// On a grid, where each reset puts an environment instead of its curriculum tile: called with the environment's
    /// index, returns the tile's (level, column). Evaluation and rendering choose tiles with it; null (the default) follows
    /// the curriculum. Called from the worker thread stepping that environment.
    /// </summary>
    public Func<int, (int Level, int Column)>? TileOverride { get; set; }

    /// <summary>
    /// The last ended episode of environment <paramref name="env"/> on a grid: its tile, the planar distance [m] the base
    /// got from its spawn point, the commanded distance Σ |v*xy|·dt [m], and how far from the spawn point the commands asked
    /// it to get [m] (the displacement of the path a perfect tracker follows, turning with the yaw-rate command); level −1
    /// before any episode ended.
    /// </summary>
    public (int Level, int Column, double Distance, double Commanded, double Asked) LastEpisode(int env) =>
        (_lastEpisode[5 * env] is var l && double.IsNaN(l) ? -1 : (int)l, (int)_lastEpisode[5 * env + 1], _lastEpisode[5 * env + 2],
         _lastEpisode[5 * env + 3], _lastEpisode[5 * env + 4]);

    /// <summary>World x, y, z of environment <paramref name="env"/>'s base after the last step or reset [m]. [3]</summary>
    public ReadOnlySpan<double> BasePosition(int env) => _basePos.AsSpan(3 * env, 3);

    /// <summary>World x, y where environment <paramref name="env"/>'s episode started [m]. [2]</summary>
    public ReadOnlySpan<double> SpawnPosition(int env) => _spawn.AsSpan(2 * env, 2);

    /// <inheritdoc/>
    public override PolicyContract PolicyContract() => PolicyContracts.Locomotion(this);

    /// <inheritdoc/>
    protected override RandomizerIndices RandomizerIndices => _ix;

    /// <summary>What the robot of environment <paramref name="env"/> measured after the last step (gyro with its bias, no added noise): the policy group's source.</summary>
    public SensorFrame MeasuredFrame(int env) => _measuredFrame[env];

    /// <inheritdoc/>
    protected override SensorFrame Frame(int env, bool noisy) => noisy ? _measuredFrame[env] : _trueFrame[env];

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
    protected override void InitializeTask(int numEnvs)
    {
        int n = _n, f = _feet;
        _measuredFrame = Enumerable.Range(0, numEnvs).Select(_ => new SensorFrame(n, n)).ToArray();
        _trueFrame = Enumerable.Range(0, numEnvs).Select(_ => new SensorFrame(n, n)).ToArray();
        _cmd = new double[numEnvs * 3];
        _cmdTimer = new int[numEnvs];
        _cmdAge = new int[numEnvs];
        _pushTimer = new int[numEnvs];
        _pushAge = new int[numEnvs];
        _lastFall = new Fall[numEnvs];
        _push = new double[numEnvs * 3];
        _airTime = new double[numEnvs * f];
        _airReward = new double[numEnvs];
        _footForce = new double[numEnvs * f];
        _footHeight = new double[numEnvs * f];
        _footContact = new bool[numEnvs * f];
        _collisions = new int[numEnvs];
        _baseContact = new bool[numEnvs];
        _linVel = new double[numEnvs * 3];
        _angVel = new double[numEnvs * 3];
        _gravity = new double[numEnvs * 3];
        _basePos = new double[numEnvs * 3];
        _yaw = new double[numEnvs];
        _spawn = new double[numEnvs * 2];
        _tile = new int[numEnvs * 2];
        _lastEpisode = new double[numEnvs * 5];
        _ideal = new double[numEnvs * 3];
        _lastEpisode.AsSpan().Fill(double.NaN);
        _commanded = new double[numEnvs];
        _episodeSteps = new int[numEnvs];
        _curriculum = _map is null ? null : new TerrainCurriculum(numEnvs, _map.Rows, _map.Columns, _map.TileSize, _c.Curriculum, _c.TerrainSeed);
    }

    // ---------------------------------------------------------------- reset

    // The ended episode moves its environment on the curriculum: how far the base got against how far its commands asked
    // it to get from the spawn point (a perfect tracker of a turning command ends short of the path length it walked).
    // DESIGN: legged_gym compares with |command| × episode length; its commands hold a world heading, so its path is
    // nearly straight. Ours turn at a commanded yaw rate, and against the path length a robot that tracked a turning
    // command perfectly was demoted: go1_rough's curriculum sank to level ~1.4 with half the robots on level 0.
    /// <inheritdoc/>
    protected override void BeforeReset(int env)
    {
        if (_curriculum is null || _episodeSteps[env] == 0) return;
        double dx = _basePos[3 * env] - _spawn[2 * env], dy = _basePos[3 * env + 1] - _spawn[2 * env + 1];
        double distance = Math.Sqrt(dx * dx + dy * dy);
        _lastEpisode[5 * env] = _tile[2 * env];
        _lastEpisode[5 * env + 1] = _tile[2 * env + 1];
        _lastEpisode[5 * env + 2] = distance;
        _lastEpisode[5 * env + 3] = _commanded[env];
        _lastEpisode[5 * env + 4] = Math.Sqrt(_ideal[3 * env] * _ideal[3 * env] + _ideal[3 * env + 1] * _ideal[3 * env + 1]);
        _curriculum.EndEpisode(env, distance, _lastEpisode[5 * env + 4]);
    }

    /// <inheritdoc/>
    protected override void ResetTask(int env, MjData data, ref Rng rng)
    {
        // Standing above the ground in the default pose (the joints are placed already): at the origin on the flat
        // floor, on a grid somewhere on the platform of the environment's tile, above the terrain there.
        var qpos = data.Qpos;
        if (_map is null || _curriculum is null)
        {
            qpos[0] = 0; qpos[1] = 0; qpos[2] = _c.InitialHeight;
        }
        else
        {
            var (level, column) = TileOverride?.Invoke(env) ?? (_curriculum.Level(env), _curriculum.Column(env));
            _tile[2 * env] = level;
            _tile[2 * env + 1] = column;
            var (cx, cy) = _map.TileCenter(level, column);
            double r = Math.Max(0, _c.Terrain.PlatformWidth / 2 - SpawnMargin);
            double x = cx + rng.Uniform(-r, r), y = cy + rng.Uniform(-r, r);
            qpos[0] = x; qpos[1] = y; qpos[2] = _map.Height(x, y) + _c.InitialHeight;
        }
        _spawn[2 * env] = qpos[0];
        _spawn[2 * env + 1] = qpos[1];
        _commanded[env] = 0;
        Array.Clear(_ideal, 3 * env, 3);   // the spawn pose faces +x (yaw 0)
        _episodeSteps[env] = 0;
        qpos[3] = 1; qpos[4] = 0; qpos[5] = 0; qpos[6] = 0;
        data.Qvel.Clear();

        SampleCommand(env, ref rng);
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
    protected override void AfterPhysics(int env, MjData data, ref Rng rng)
    {
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

        _episodeSteps[env]++;
        double vx = _cmd[3 * env], vy = _cmd[3 * env + 1];
        _commanded[env] += Math.Sqrt(vx * vx + vy * vy) * PolicyDt;
        if (_curriculum is not null)
        {
            // The commanded path: the body-frame velocity command at the heading the yaw-rate command gives.
            ref double heading = ref _ideal[3 * env + 2];
            double c = Math.Cos(heading), sn = Math.Sin(heading);
            _ideal[3 * env] += (c * vx - sn * vy) * PolicyDt;
            _ideal[3 * env + 1] += (sn * vx + c * vy) * PolicyDt;
            heading += _cmd[3 * env + 2] * PolicyDt;
        }
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
        var bias = Sample(env).ImuBias;
        for (int i = 0; i < 3; i++)
        {
            truth.Gyro[i] = sensors[_gyroAdr + i];
            meas.Gyro[i] = sensors[_gyroAdr + i] + bias[i];
        }
        for (int i = 0; i < 4; i++) truth.Orientation[i] = meas.Orientation[i] = sensors[_quatAdr + i];
        var pd = Actuators;
        for (int i = 0; i < _n; i++)
        {
            truth.JointPos[i] = meas.JointPos[i] = qpos[pd.QposAddress[i]];
            truth.JointVel[i] = meas.JointVel[i] = qvel[pd.DofAddress[i]];
        }
        var last = LastAction(env);
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
        for (int i = 0; i < 3; i++) _basePos[3 * env + i] = qpos[i];
        _yaw[env] = Math.Atan2(xmat[3], xmat[0]);

        // Foot heights above the terrain under each foot (above z = 0 on the flat floor).
        var xpos = data.Xpos;
        var footHeight = _footHeight.AsSpan(env * _feet, _feet);
        for (int b = 0; b < _footOfBody.Length; b++)
            if (_footOfBody[b] is var f and >= 0)
                footHeight[f] = _map is null ? xpos[3 * b + 2] : xpos[3 * b + 2] - _map.Height(xpos[3 * b], xpos[3 * b + 1]);
    }

    // legged_gym's measured_heights: clip(base z − 0.5 − h, −1, 1) at each scan point (h = 0 on the flat floor); the task file scales it.
    private void HeightScan(int env, Span<float> s)
    {
        double z = _basePos[3 * env + 2];
        int count = ScanPattern.Default.Count;
        if (_map is null) s[..count].Fill((float)Math.Clamp(z - ScanReference, -1, 1));
        else
        {
            _map.Scan(_basePos[3 * env], _basePos[3 * env + 1], _yaw[env], ScanPattern.Default, s);
            for (int k = 0; k < count; k++) s[k] = (float)Math.Clamp(z - ScanReference - s[k], -1, 1);
        }
    }

    // ---------------------------------------------------------------- reward, termination

    // Feet air time: at touchdown, the time spent in the air beyond the target; only while asked to move.
    /// <inheritdoc/>
    protected override void BeforeReward(int env)
    {
        var cmd = _cmd.AsSpan(3 * env, 3);
        double dt = PolicyDt, airReward = 0;
        var air = _airTime.AsSpan(env * _feet, _feet);
        var contact = _footContact.AsSpan(env * _feet, _feet);
        for (int f = 0; f < _feet; f++)
        {
            air[f] += dt;
            if (contact[f] && air[f] > dt) airReward += air[f] - _c.FeetAirTimeTarget;
            if (contact[f]) air[f] = 0;
        }
        if (Math.Sqrt(cmd[0] * cmd[0] + cmd[1] * cmd[1]) <= 0.1) airReward = 0;
        _airReward[env] = airReward;
    }

    private double TrackLinVel(int env)
    {
        var cmd = _cmd.AsSpan(3 * env, 3);
        var lin = _linVel.AsSpan(3 * env, 3);
        return Math.Exp(-((cmd[0] - lin[0]) * (cmd[0] - lin[0]) + (cmd[1] - lin[1]) * (cmd[1] - lin[1])) / _c.TrackingSigma);
    }

    private double TrackAngVel(int env)
    {
        double e = _cmd[3 * env + 2] - _angVel[3 * env + 2];
        return Math.Exp(-e * e / _c.TrackingSigma);
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
        var address = Actuators.QposAddress;
        double s = 0;
        for (int i = 0; i < _n; i++)
        {
            double q = qpos[address[i]];
            s += Math.Max(0, _softLower[i] - q) + Math.Max(0, q - _softUpper[i]);
        }
        return s;
    }

    /// <inheritdoc/>
    public override bool IsTerminated(int env, MjData data)
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
}
