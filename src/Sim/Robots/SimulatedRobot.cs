using Robotics.Deploy.Contract;
using Robotics.Deploy.Kinematics;
using Robotics.Deploy.RealTime;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Tasks;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Tasks.Manipulation;

namespace Robotics.Sim.Robots;

/// <summary>Settings of a <see cref="SimulatedRobot"/>.</summary>
public sealed record SimulatedRobotOptions
{
    /// <summary>Time the robot advances per <see cref="SimulatedRobot.Advance"/>, the deploy loop's period [s]; a multiple of the physics step. Null: the task's physics step.</summary>
    public double? ControlPeriod { get; init; }
    /// <summary>Delay between a command's arrival and the motors applying it [s]; rounded to physics steps.</summary>
    public double Latency { get; init; }
    /// <summary>Arms: frames per second of the camera that measures the object's position [Hz].</summary>
    public double ObjectRate { get; init; } = 30;
    /// <summary>Arms: time from a camera frame being taken to its position being reported [s] (processing and transport).</summary>
    public double ObjectLatency { get; init; }
    /// <summary>Arms: half-width of the uniform noise on each axis of the measured object position [m].</summary>
    public double ObjectNoise { get; init; }
    /// <summary>Seed of the perception noise.</summary>
    public ulong Seed { get; init; }
    /// <summary>Legged robots on a terrain grid: the tile (level = row, column) whose centre the robot stands on. Null: level 0, column 0.</summary>
    public (int Level, int Column)? Tile { get; init; }

    /// <summary>Throws <see cref="UserError"/> naming the first bad field.</summary>
    public SimulatedRobotOptions Validate()
    {
        if (ControlPeriod is { } p && !(p > 0 && p <= 1)) throw new UserError($"SimulatedRobotOptions.ControlPeriod = {p} s: allowed (0, 1]");
        if (!(Latency >= 0 && Latency <= 1)) throw new UserError($"SimulatedRobotOptions.Latency = {Latency} s: allowed [0, 1]");
        if (!(ObjectRate > 0 && ObjectRate <= 10_000)) throw new UserError($"SimulatedRobotOptions.ObjectRate = {ObjectRate} Hz: allowed (0, 10000]");
        if (!(ObjectLatency >= 0 && ObjectLatency <= 1)) throw new UserError($"SimulatedRobotOptions.ObjectLatency = {ObjectLatency} s: allowed [0, 1]");
        if (!(ObjectNoise >= 0 && ObjectNoise <= 1)) throw new UserError($"SimulatedRobotOptions.ObjectNoise = {ObjectNoise} m: allowed [0, 1]");
        return this;
    }
}

/// <summary>
/// The hardware stand-in for hardware-in-the-loop runs: a PD task's robot in MuJoCo (nominal model) that takes
/// <see cref="JointCommand"/>s as motor drivers do — τ = Kp·(q* − q) − Kd·q̇ + τ_ff at the physics rate, plus the
/// driver's gravity compensation (the bias torques training adds) where the task has it, clamped to each motor's
/// effort and velocity envelope, after a latency — and reports what a robot's drivers and sensors publish: joint
/// positions, velocities and torques; for a legged robot the IMU's angular velocity and orientation and the operator's
/// velocity command; for an arm on the table scene the operator's target pose and the cube's position as a camera
/// measures it (<see cref="ObjectCamera"/>). Arm poses are in the base frame (the world shifted by the task's base
/// position, unrotated). It steps in lock-step with the caller (<see cref="Advance"/>); nothing in <see cref="Read"/>,
/// <see cref="Write"/>, <see cref="WritePositions"/> or <see cref="Advance"/> allocates.
/// </summary>
// DESIGN: the delay line holds whole commands per physics step rather than the task's per-policy-step targets
// (PdTask): a driver receives gains and feed-forward torques with every command, and the deploy loop runs at the
// physics rate, so each step may bring a different command. The motor law itself is PdActuators.Torque, the
// one training runs.
public sealed class SimulatedRobot : IRobotIo, IDisposable
{
    private readonly PdTaskSettings _s;
    private readonly PdActuators _pd;
    private readonly MjData _data;
    private readonly int _substeps, _latency, _n;
    private readonly JointCommand[] _line;     // commands by physics step, a ring of latency + 1
    private readonly JointCommand _pending;    // the last command written
    private readonly JointCommand _positions;  // WritePositions' command: the trained gains
    private readonly double[] _torque;         // [n] applied at the last physics step
    private readonly double[] _nominalStrength;   // [n] 1: the nominal motors, no randomized strength
    private long _physicsStep, _sequence;

    // Legged: the IMU and the operator's velocity command.
    private readonly LocomotionTask? _legged;
    private readonly int _gyroAdr, _quatAdr, _baseBody;
    private readonly Terrain.HeightField? _terrain;   // the ground under a legged robot, or null for the flat floor
    private readonly double _spawnX, _spawnY;         // where a legged robot stands at reset, world [m]
    private readonly double[] _command = new double[3];
    private long _commands;

    // Arm: the end effector, the cube, the target marker, the camera.
    private readonly ManipulationTask? _arm;
    private readonly int _eeBody, _mocap, _cubeQpos, _cubeDof;
    private readonly double[] _base = new double[3];            // base position in the world [m]
    private readonly double[] _target = new double[3];          // base frame [m]
    private readonly double[] _targetRotation = new double[9];  // base from target, row-major
    private readonly double[] _cube = new double[3];            // scratch: cube in the base frame [m]
    private readonly ObjectCamera? _camera;
    private long _targets;

    /// <summary>Builds the robot of a legged <paramref name="task"/> standing in its default pose; the task stays owned by the caller.</summary>
    public SimulatedRobot(LocomotionTask task, SimulatedRobotOptions? options = null) : this(task.Settings, task.Actuators, task.Model, options)
    {
        _legged = task;
        _gyroAdr = task.Model.SensorAdr[task.Model.SensorId(SceneBuilder.Gyro)];
        _quatAdr = task.Model.SensorAdr[task.Model.SensorId(SceneBuilder.Orientation)];
        _baseBody = task.Model.BodyId(task.Config.BaseLink);
        if (task.Terrain is { } map)
        {
            var (level, column) = options?.Tile ?? (0, 0);
            if (level < 0 || level >= map.Rows || column < 0 || column >= map.Columns)
                throw new UserError($"SimulatedRobotOptions.Tile = ({level}, {column}): the grid has levels 0–{map.Rows - 1} and columns 0–{map.Columns - 1}");
            _terrain = map;
            (_spawnX, _spawnY) = map.TileCenter(level, column);
        }
        else if (options?.Tile is not null) throw new UserError($"SimulatedRobotOptions.Tile: task '{task.Name}' has no terrain grid");
        Reset();
    }

    /// <summary>
    /// Builds the arm of <paramref name="task"/> on its table scene in its default pose, the target at the tool's rest pose (reach)
    /// or at the cube (push), the cube parked off the work area (reach) or in the middle of its start region (push); the task stays
    /// owned by the caller.
    /// </summary>
    public SimulatedRobot(ManipulationTask task, SimulatedRobotOptions? options = null) : this(task.Settings, task.Actuators, task.Model, options)
    {
        var o = options ?? new SimulatedRobotOptions();
        _arm = task;
        task.Config.BasePosition.CopyTo(_base, 0);
        _eeBody = task.Model.BodyId(task.Config.EeLink);
        _mocap = task.Model.BodyMocapid[task.Model.BodyId("target")];
        int cube = task.Model.JointId("cube");
        _cubeQpos = task.Model.JntQposadr[cube];
        _cubeDof = task.Model.JntDofadr[cube];
        _camera = new ObjectCamera(o.ObjectRate, o.ObjectLatency, o.ObjectNoise, o.Seed);
        Reset();
    }

    private SimulatedRobot(PdTaskSettings settings, PdActuators pd, MjModel model, SimulatedRobotOptions? options)
    {
        var o = (options ?? new SimulatedRobotOptions()).Validate();
        _s = settings;
        _pd = pd;
        _n = pd.Count;
        double dt = model.Timestep;
        double period = o.ControlPeriod ?? dt;
        _substeps = (int)Math.Round(period / dt);
        if (_substeps < 1 || Math.Abs(_substeps * dt - period) > 1e-9)
            throw new UserError($"SimulatedRobotOptions.ControlPeriod = {period} s is not a multiple of the physics step {dt} s");
        _latency = (int)Math.Round(o.Latency / dt);
        _line = Enumerable.Range(0, _latency + 1).Select(_ => new JointCommand(_n)).ToArray();
        _pending = new JointCommand(_n);
        _positions = new JointCommand(_n);
        settings.Kp.CopyTo(_positions.Kp, 0);
        settings.Kd.CopyTo(_positions.Kd, 0);
        _torque = new double[_n];
        _nominalStrength = Enumerable.Repeat(1.0, _n).ToArray();
        _data = new MjData(model);
    }

    /// <inheritdoc/>
    public int Joints => _n;
    /// <summary>Joint names in the order of <see cref="Read"/> and <see cref="Write"/> (the URDF's actuated joints).</summary>
    public IReadOnlyList<string> JointNames => _pd.JointNames;
    /// <summary>The task kind whose robot this is.</summary>
    public TaskKind Kind => _arm?.Config.Kind ?? TaskKind.Locomotion;
    /// <summary>Physics steps per <see cref="Advance"/>.</summary>
    public int Substeps => _substeps;
    /// <summary>Time per <see cref="Advance"/> [s].</summary>
    public double ControlPeriod => _substeps * _data.Model.Timestep;
    /// <summary>Latency in physics steps.</summary>
    public int LatencySteps => _latency;
    /// <summary>Simulated time [s]; it keeps running through <see cref="Reset()"/>, so stamps never go back.</summary>
    public double Time => _data.Time;
    /// <summary>The simulation state (for inspection and rendering).</summary>
    public MjData Data => _data;
    /// <inheritdoc/>
    public bool EStopPressed { get; set; }
    /// <summary>Torques the motors applied at the last physics step [N·m]. [n]</summary>
    public ReadOnlySpan<double> AppliedTorque => _torque;
    /// <summary>Whether the drivers add the bias (gravity and Coriolis) torques to every command, as the task trained with.</summary>
    public bool GravityCompensation => _s.GravityCompensation;

    /// <summary>
    /// Puts the robot in its default pose at rest, motors passive (zero command); a legged robot stands at the task's initial
    /// height, an arm's cube and target go where the constructor put them. Simulated time runs on.
    /// </summary>
    public void Reset() => Reset(_s.DefaultJointPos);

    /// <summary>As <see cref="Reset()"/>, with the joints at <paramref name="jointPositions"/> [rad] instead of the default pose (an episode's start). [n]</summary>
    /// <exception cref="ArgumentException">Another joint count, or a value that is not finite.</exception>
    public void Reset(ReadOnlySpan<double> jointPositions)
    {
        if (jointPositions.Length != _n) throw new ArgumentException($"{jointPositions.Length} joint positions for {_n} joints");
        for (int i = 0; i < _n; i++)
            if (!double.IsFinite(jointPositions[i])) throw new ArgumentException($"joint position of '{_pd.JointNames[i]}' is {jointPositions[i]}");
        double time = _data.Time;
        _data.Reset();
        _data.Time = time;
        var qpos = _data.Qpos;
        if (_legged is { } legged)
        {
            qpos[0] = _spawnX;
            qpos[1] = _spawnY;
            qpos[2] = (_terrain?.Height(_spawnX, _spawnY) ?? 0) + legged.Config.InitialHeight;
            qpos[3] = 1;
        }
        for (int i = 0; i < _n; i++) qpos[_pd.QposAddress[i]] = jointPositions[i];
        foreach (var c in _line) Clear(c);
        Clear(_pending);
        Array.Clear(_torque);
        _physicsStep = 0;
        if (_arm is { } arm)
        {
            var c = arm.Config;
            if (c.Kind == TaskKind.Reach)
            {
                // Parked off the work area, where the reach task keeps it.
                SetCube(0.8, 0.45);
                for (int k = 0; k < 3; k++) _target[k] = arm.RestPosition[k] - _base[k];
                arm.RestRotation.CopyTo(_targetRotation);
            }
            else
            {
                SetCube(0.5 * (c.CubeMin[0] + c.CubeMax[0]), 0.5 * (c.CubeMin[1] + c.CubeMax[1]));
                for (int k = 0; k < 3; k++) _target[k] = qpos[_cubeQpos + k] - _base[k];
                Rotation.Identity(_targetRotation);
            }
            MoveMarker();
            _camera!.Restart();
        }
        _data.Forward();
        See();
    }

    // ---------------------------------------------------------------- legged

    /// <summary>The operator's velocity command the robot reports (a joystick): vx [m/s], vy [m/s], yaw rate [rad/s].</summary>
    public void SetCommand(double vx, double vy, double yawRate)
    {
        _command[0] = vx; _command[1] = vy; _command[2] = yawRate;
        _commands++;
    }

    /// <summary>The base's linear velocity in its own frame [m/s] (ground truth, for scoring tracking). [3]</summary>
    /// <exception cref="InvalidOperationException">The robot is an arm.</exception>
    public void BaseLinearVelocity(Span<double> velocity)
    {
        RequireLegged();
        var xmat = _data.Xmat.Slice(9 * _baseBody, 9);
        var qvel = _data.Qvel;
        for (int i = 0; i < 3; i++) velocity[i] = xmat[i] * qvel[0] + xmat[3 + i] * qvel[1] + xmat[6 + i] * qvel[2];
    }

    /// <summary>The base's yaw rate about its own z axis [rad/s] (ground truth; the free joint's angular velocity is in the body frame).</summary>
    public double BaseAngularVelocityZ { get { RequireLegged(); return _data.Qvel[5]; } }

    /// <summary>Height of the base above the ground under it [m] (the terrain's, on a grid).</summary>
    public double BaseHeight
    {
        get
        {
            RequireLegged();
            var q = _data.Qpos;
            return q[2] - (_terrain?.Height(q[0], q[1]) ?? 0);
        }
    }

    // ---------------------------------------------------------------- arm

    /// <summary>
    /// The operator's goal, in the base frame, as a target_pose message carries it: reach, the tool's position [m, 3] and orientation
    /// (base from target, row-major [9]); push, the cube's goal position (the rotation is not read). Moves the target marker; the
    /// robot reports it from the next <see cref="Read"/> on as a new value.
    /// </summary>
    /// <exception cref="InvalidOperationException">The robot is legged.</exception>
    /// <exception cref="ArgumentException">Wrong lengths or a value that is not finite.</exception>
    public void SetTarget(ReadOnlySpan<double> position, ReadOnlySpan<double> rotation)
    {
        RequireArm();
        if (position.Length != 3 || rotation.Length != 9) throw new ArgumentException($"a target is 3 positions and 9 rotation entries; got {position.Length} and {rotation.Length}");
        foreach (var v in position) if (!double.IsFinite(v)) throw new ArgumentException($"target position has {v}");
        foreach (var v in rotation) if (!double.IsFinite(v)) throw new ArgumentException($"target rotation has {v}");
        position.CopyTo(_target);
        rotation.CopyTo(_targetRotation);
        MoveMarker();
        _targets++;
    }

    /// <summary>A target position without orientation (push) [m, base frame, 3]; see <see cref="SetTarget(ReadOnlySpan{double}, ReadOnlySpan{double})"/>.</summary>
    public void SetTarget(ReadOnlySpan<double> position)
    {
        Span<double> identity = stackalloc double[9];
        Rotation.Identity(identity);
        SetTarget(position, identity);
    }

    /// <summary>The goal the robot reports, base frame [m]. [3]</summary>
    public ReadOnlySpan<double> TargetPosition => _target;
    /// <summary>The goal orientation the robot reports, base from target, row-major. [9]</summary>
    public ReadOnlySpan<double> TargetRotation => _targetRotation;

    /// <summary>Puts the cube at rest on the table at (<paramref name="x"/>, <paramref name="y"/>) [m, base frame], unrotated.</summary>
    /// <exception cref="InvalidOperationException">The robot is legged.</exception>
    public void PlaceCube(double x, double y)
    {
        RequireArm();
        if (!double.IsFinite(x) || !double.IsFinite(y)) throw new ArgumentException($"cube position ({x}, {y}) is not finite");
        SetCube(x + _base[0], y + _base[1]);
        _data.Forward();
    }

    /// <summary>The cube's position, base frame [m] (ground truth). [3]</summary>
    public void CubePosition(Span<double> position)
    {
        RequireArm();
        for (int k = 0; k < 3; k++) position[k] = _data.Qpos[_cubeQpos + k] - _base[k];
    }

    /// <summary>The tool's position [m, 3] and orientation (base from end effector, row-major [9]) in the base frame (ground truth, as the task scores it).</summary>
    public void EndEffector(Span<double> position, Span<double> rotation)
    {
        RequireArm();
        for (int k = 0; k < 3; k++) position[k] = _data.Xpos[3 * _eeBody + k] - _base[k];
        _data.Xmat.Slice(9 * _eeBody, 9).CopyTo(rotation);
    }

    /// <summary>When the object position the robot reports was measured [s of simulated time] (NaN before the camera's first frame arrived).</summary>
    public double ObjectMeasuredAt => _camera?.MeasuredAt ?? double.NaN;

    // ---------------------------------------------------------------- I/O

    /// <summary>A failed sensor link: while set, <see cref="Read"/> leaves the frame as it was (its sequences stop advancing).</summary>
    public bool SensorsSilent { get; set; }

    /// <inheritdoc/>
    public void Read(SensorFrame frame)
    {
        if (SensorsSilent) return;
        var qpos = _data.Qpos;
        var qvel = _data.Qvel;
        for (int i = 0; i < _n; i++)
        {
            frame.JointPos[i] = qpos[_pd.QposAddress[i]];
            frame.JointVel[i] = qvel[_pd.DofAddress[i]];
            frame.JointTorque[i] = _torque[i];
        }
        frame.Sequence = _sequence;
        if (_legged is not null)
        {
            var sensors = _data.SensorData;
            for (int i = 0; i < 3; i++) frame.Gyro[i] = sensors[_gyroAdr + i];
            for (int i = 0; i < 4; i++) frame.Orientation[i] = sensors[_quatAdr + i];
            _command.CopyTo(frame.Command, 0);
            // The IMU's reading at the reset is its first value.
            frame.InputSequence[(int)InputKind.Imu] = _sequence + 1;
            frame.InputSequence[(int)InputKind.CmdVel] = _commands;
        }
        else
        {
            _target.CopyTo(frame.TargetPosition, 0);
            _targetRotation.CopyTo(frame.TargetRotation, 0);
            _camera!.Position.CopyTo(frame.ObjectPosition);
            frame.InputSequence[(int)InputKind.TargetPose] = _targets;
            frame.InputSequence[(int)InputKind.ObjectPose] = _camera.Sequence;
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The command has another joint count, or a non-finite value (named by joint).</exception>
    public void Write(JointCommand command)
    {
        if (command.Joints != _n) throw new ArgumentException($"command for {command.Joints} joints; the robot has {_n}");
        for (int i = 0; i < _n; i++)
            if (!double.IsFinite(command.Position[i]) || !double.IsFinite(command.Kp[i]) || !double.IsFinite(command.Kd[i]) || !double.IsFinite(command.Torque[i]))
                throw new ArgumentException($"command for joint '{_pd.JointNames[i]}' is not finite");
        _pending.CopyFrom(command);
    }

    /// <summary>
    /// A position-mode command, as a ros2_control position interface (franka) takes it: the drivers track <paramref name="targets"/>
    /// [rad] with the gains the task trained with (and their gravity compensation), no feed-forward torque. [n]
    /// </summary>
    /// <exception cref="ArgumentException">Another joint count, or a target that is not finite.</exception>
    public void WritePositions(ReadOnlySpan<double> targets)
    {
        if (targets.Length != _n) throw new ArgumentException($"{targets.Length} position targets; the robot has {_n} joints");
        targets.CopyTo(_positions.Position);
        Write(_positions);
    }

    /// <summary>Advances one control period: each physics step applies the command that arrived <see cref="LatencySteps"/> steps earlier.</summary>
    public void Advance()
    {
        for (int s = 0; s < _substeps; s++)
        {
            // The newest command enters the delay line; the motors act on the one L steps old.
            _line[_physicsStep % _line.Length].CopyFrom(_pending);
            var c = _line[(_physicsStep + 1) % _line.Length];   // written at step k − L: (k − L) mod (L + 1) = (k + 1) mod (L + 1)
            // The drive training runs, with the bias torques of the state before this step when the driver compensates gravity.
            _pd.Apply(_data, c.Position, c.Kp, c.Kd, _nominalStrength, _torque, _s.GravityCompensation, c.Torque);
            _data.Step();
            _physicsStep++;
        }
        _sequence++;
        See();
    }

    // ---------------------------------------------------------------- helpers

    // The camera looks at the cube once per control period (it takes a frame when one is due).
    private void See()
    {
        if (_camera is null) return;
        for (int k = 0; k < 3; k++) _cube[k] = _data.Qpos[_cubeQpos + k] - _base[k];
        _camera.Capture(_data.Time, _cube);
    }

    // The cube at rest on the table at world (x, y).
    private void SetCube(double x, double y)
    {
        var qpos = _data.Qpos;
        qpos[_cubeQpos] = x; qpos[_cubeQpos + 1] = y; qpos[_cubeQpos + 2] = ManipulationTask.TableTop + ManipulationTask.CubeHalf;
        qpos[_cubeQpos + 3] = 1; qpos[_cubeQpos + 4] = 0; qpos[_cubeQpos + 5] = 0; qpos[_cubeQpos + 6] = 0;
        _data.Qvel.Slice(_cubeDof, 6).Clear();
    }

    private void MoveMarker()
    {
        var pos = _data.MocapPos;
        for (int k = 0; k < 3; k++) pos[3 * _mocap + k] = _target[k] + _base[k];
        Rotation.ToQuaternion(_targetRotation, _data.MocapQuat.Slice(4 * _mocap, 4));
    }

    private void RequireLegged()
    {
        if (_legged is null) throw new InvalidOperationException($"the simulated {Kind.Name()} arm has no floating base");
    }

    private void RequireArm()
    {
        if (_arm is null) throw new InvalidOperationException("the simulated legged robot has no target, cube or end effector");
    }

    private static void Clear(JointCommand c)
    {
        Array.Clear(c.Position);
        Array.Clear(c.Kp);
        Array.Clear(c.Kd);
        Array.Clear(c.Torque);
    }

    /// <inheritdoc/>
    public void Dispose() => _data.Dispose();
}
