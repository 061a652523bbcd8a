using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Tasks.Locomotion;

namespace Robotics.Sim.Robots;

/// <summary>Settings of a <see cref="SimulatedRobot"/>.</summary>
public sealed record SimulatedRobotOptions
{
    /// <summary>Time the robot advances per <see cref="SimulatedRobot.Advance"/>, the deploy loop's period [s]; a multiple of the physics step.</summary>
    public double ControlPeriod { get; init; } = 0.005;
    /// <summary>Delay between a command's arrival and the motors applying it [s]; rounded to physics steps.</summary>
    public double Latency { get; init; }
    /// <summary>Throws <see cref="UserError"/> naming the first bad field.</summary>
    public SimulatedRobotOptions Validate()
    {
        if (!(ControlPeriod > 0 && ControlPeriod <= 1)) throw new UserError($"SimulatedRobotOptions.ControlPeriod = {ControlPeriod} s: allowed (0, 1]");
        if (!(Latency >= 0 && Latency <= 1)) throw new UserError($"SimulatedRobotOptions.Latency = {Latency} s: allowed [0, 1]");
        return this;
    }
}

/// <summary>
/// The hardware stand-in for hardware-in-the-loop runs: a legged task's robot in MuJoCo (nominal model)
/// that takes <see cref="JointCommand"/>s as motor drivers do — τ = Kp·(q* − q) − Kd·q̇ + τ_ff at the
/// physics rate, clamped to each motor's effort and velocity envelope, after a latency — and reports what
/// a robot driver publishes: IMU angular velocity and orientation, joint positions, velocities and torques.
/// It steps in lock-step with the caller (<see cref="Advance"/>); nothing in <see cref="Read"/>,
/// <see cref="Write"/> or <see cref="Advance"/> allocates.
/// </summary>
public sealed class SimulatedRobot : IRobotIo, IDisposable
{
    private readonly LocomotionTask _task;
    private readonly PdActuators _pd;
    private readonly MjData _data;
    private readonly int _substeps, _latency, _gyroAdr, _quatAdr, _baseBody, _n;
    private readonly JointCommand[] _line;     // commands by physics step, a ring of latency + 1
    private readonly JointCommand _pending;    // the last command written
    private readonly double[] _torque;         // [n] applied at the last physics step
    private readonly double[] _command = new double[3];
    private long _physicsStep, _sequence;

    /// <summary>Builds the robot of <paramref name="task"/> standing in its default pose; the task stays owned by the caller.</summary>
    public SimulatedRobot(LocomotionTask task, SimulatedRobotOptions? options = null)
    {
        var o = (options ?? new SimulatedRobotOptions()).Validate();
        _task = task;
        _pd = task.Actuators;
        _n = _pd.Count;
        double dt = task.Model.Timestep;
        _substeps = (int)Math.Round(o.ControlPeriod / dt);
        if (_substeps < 1 || Math.Abs(_substeps * dt - o.ControlPeriod) > 1e-9)
            throw new UserError($"SimulatedRobotOptions.ControlPeriod = {o.ControlPeriod} s is not a multiple of the physics step {dt} s");
        _latency = (int)Math.Round(o.Latency / dt);
        _line = Enumerable.Range(0, _latency + 1).Select(_ => new JointCommand(_n)).ToArray();
        _pending = new JointCommand(_n);
        _torque = new double[_n];
        _gyroAdr = task.Model.SensorAdr[task.Model.SensorId(SceneBuilder.Gyro)];
        _quatAdr = task.Model.SensorAdr[task.Model.SensorId(SceneBuilder.Orientation)];
        _baseBody = task.Model.BodyId(task.Config.BaseLink);
        _data = new MjData(task.Model);
        Reset();
    }

    /// <inheritdoc/>
    public int Joints => _n;
    /// <summary>Joint names in the order of <see cref="Read"/> and <see cref="Write"/> (the URDF's actuated joints).</summary>
    public IReadOnlyList<string> JointNames => _pd.JointNames;
    /// <summary>Physics steps per <see cref="Advance"/>.</summary>
    public int Substeps => _substeps;
    /// <summary>Latency in physics steps.</summary>
    public int LatencySteps => _latency;
    /// <summary>Simulated time [s].</summary>
    public double Time => _data.Time;
    /// <summary>The simulation state (for inspection and rendering).</summary>
    public MjData Data => _data;
    /// <inheritdoc/>
    public bool EStopPressed { get; set; }
    /// <summary>Torques the motors applied at the last physics step [N·m]. [n]</summary>
    public ReadOnlySpan<double> AppliedTorque => _torque;

    /// <summary>Stands the robot in its default pose at the task's initial height, motors passive (zero command).</summary>
    public void Reset()
    {
        _data.Reset();
        var qpos = _data.Qpos;
        qpos[2] = _task.Config.InitialHeight;
        qpos[3] = 1;
        for (int i = 0; i < _n; i++) qpos[_pd.QposAddress[i]] = _task.Config.DefaultJointPos[i];
        foreach (var c in _line) Clear(c);
        Clear(_pending);
        Array.Clear(_torque);
        _physicsStep = 0;
        _data.Forward();
    }

    /// <summary>The operator's velocity command the robot reports (a joystick): vx [m/s], vy [m/s], yaw rate [rad/s].</summary>
    public void SetCommand(double vx, double vy, double yawRate)
    {
        _command[0] = vx; _command[1] = vy; _command[2] = yawRate;
    }

    /// <summary>A failed sensor link: while set, <see cref="Read"/> leaves the frame as it was (its sequence stops advancing).</summary>
    public bool SensorsSilent { get; set; }

    /// <inheritdoc/>
    public void Read(SensorFrame frame)
    {
        if (SensorsSilent) return;
        var sensors = _data.SensorData;
        var qpos = _data.Qpos;
        var qvel = _data.Qvel;
        for (int i = 0; i < 3; i++) frame.Gyro[i] = sensors[_gyroAdr + i];
        for (int i = 0; i < 4; i++) frame.Orientation[i] = sensors[_quatAdr + i];
        for (int i = 0; i < _n; i++)
        {
            frame.JointPos[i] = qpos[_pd.QposAddress[i]];
            frame.JointVel[i] = qvel[_pd.DofAddress[i]];
            frame.JointTorque[i] = _torque[i];
        }
        _command.CopyTo(frame.Command, 0);
        frame.Sequence = _sequence;
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

    /// <summary>Advances one control period: each physics step applies the command that arrived <see cref="LatencySteps"/> steps earlier.</summary>
    public void Advance()
    {
        var qpos = _data.Qpos;
        var qvel = _data.Qvel;
        var ctrl = _data.Ctrl;
        for (int s = 0; s < _substeps; s++)
        {
            // The newest command enters the delay line; the motors act on the one L steps old.
            _line[_physicsStep % _line.Length].CopyFrom(_pending);
            var c = _line[(_physicsStep + 1) % _line.Length];   // written at step k − L: (k − L) mod (L + 1) = (k + 1) mod (L + 1)
            for (int i = 0; i < _n; i++)
            {
                double tau = PdActuators.Torque(c.Position[i], qpos[_pd.QposAddress[i]], qvel[_pd.DofAddress[i]], c.Kp[i], c.Kd[i], 1.0,
                    _pd.Effort[i], _pd.VelocityLimit[i], c.Torque[i]);
                _torque[i] = tau;
                ctrl[_pd.Motor[i]] = tau;
            }
            _data.Step();
            _physicsStep++;
        }
        _sequence++;
    }

    /// <summary>The base's linear velocity in its own frame [m/s] (ground truth, for scoring tracking). [3]</summary>
    public void BaseLinearVelocity(Span<double> velocity)
    {
        var xmat = _data.Xmat.Slice(9 * _baseBody, 9);
        var qvel = _data.Qvel;
        for (int i = 0; i < 3; i++) velocity[i] = xmat[i] * qvel[0] + xmat[3 + i] * qvel[1] + xmat[6 + i] * qvel[2];
    }

    /// <summary>The base's yaw rate about its own z axis [rad/s] (ground truth; the free joint's angular velocity is in the body frame).</summary>
    public double BaseAngularVelocityZ => _data.Qvel[5];

    /// <summary>Height of the base above the ground [m].</summary>
    public double BaseHeight => _data.Qpos[2];

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
