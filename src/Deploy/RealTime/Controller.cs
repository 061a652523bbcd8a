using Robotics.Deploy.Contract;
using Robotics.Deploy.Kinematics;
using Robotics.Deploy.Runtime;
using Robotics.Deploy.Safety;

namespace Robotics.Deploy.RealTime;

/// <summary>
/// One control tick, Read → Update → Write, allocation-free:
/// <list type="number">
/// <item>Read the robot into the preallocated <see cref="SensorFrame"/> (plus the last action);</item>
/// <item>an arm's forward kinematics: the end-effector pose of the measured joint positions into the frame;</item>
/// <item>the operator's inputs clamped to their trained ranges (<see cref="InputLimiter"/>);</item>
/// <item>the <see cref="SafetyLayer"/> checks requests, the e-stop, the watchdogs and the measured triggers;</item>
/// <item>every <see cref="ControllerConfig.PolicyDecimation"/> ticks while Running: build the observation
/// with the training code (<see cref="ObservationBuilder"/>), run the policy, clip the action and map it to
/// joint targets with the training code (<see cref="ActionMap"/>: about the default pose, or an arm's
/// clamp(q + scale · a) from this tick's measured q; held until the next policy tick, as in the simulator);</item>
/// <item>the safety layer writes the command of its state (limits, rate limit, workspace), which goes to the robot;</item>
/// <item>the age of the joint state acted on, at that moment, goes into <see cref="StateAge"/>.</item>
/// </list>
/// </summary>
public sealed class Controller
{
    private readonly ControllerConfig _c;
    private readonly IPolicy _policy;
    private readonly IRobotIo _robot;
    private readonly ObservationBuilder _observationBuilder;
    private readonly float[] _observation;   // [obsDim]
    private readonly ActionMap _actionMap;
    private readonly KinematicChain? _chain;
    private readonly float[] _raw;           // [n] the policy's output
    private readonly float[] _action;        // [n] clipped
    private readonly float[] _lastAction;    // [n] what the policy sent last, clipped (zero at each start)
    private readonly double[] _targets;      // [n] policy targets, held between policy ticks
    private long _tick, _runTicks, _policyRuns;
    private bool _wasRunning;

    /// <summary>Wires a policy and a robot; checks that they fit the configuration.</summary>
    /// <exception cref="UserError">The configuration is invalid (the message names the field), or the
    /// policy's or robot's widths do not match it: the controller is never built half-configured.</exception>
    public Controller(ControllerConfig config, IPolicy policy, IRobotIo robot, EventRing? events = null)
    {
        _c = (config ?? throw new ArgumentNullException(nameof(config))).Validate();
        _policy = policy ?? throw new ArgumentNullException(nameof(policy));
        _robot = robot ?? throw new ArgumentNullException(nameof(robot));
        int n = config.Joints;
        _observationBuilder = new ObservationBuilder(config.Observation, config.DefaultJointPos);
        if (_observationBuilder.ExternalTerms.Contains(ObservationWriter.HeightScan))
            throw new UserError($"observation group '{config.Observation.Name}': the policy reads '{ObservationWriter.HeightScan}', a height map of the terrain around the robot; " +
                "no height-map input exists on the robot side yet, so this policy cannot be deployed (train it with height_scan in the critic group only)");
        if (_observationBuilder.ExternalTerms.Count > 0)
            throw new UserError($"observation group '{config.Observation.Name}': term '{_observationBuilder.ExternalTerms[0]}' is not measured by a robot; " +
                "the controller reads base_ang_vel, projected_gravity, commands, joint_pos, joint_vel, last_action from its sensor frame");
        if (policy.ObservationDim != _observationBuilder.Dim)
            throw new UserError($"the policy reads {policy.ObservationDim} observation values; ControllerConfig.Observation ({config.Observation}) has {_observationBuilder.Dim}");
        if (policy.ActionDim != n)
            throw new UserError($"the policy writes {policy.ActionDim} actions; ControllerConfig.JointNames has {n} joints");
        if (robot.Joints != n)
            throw new UserError($"the robot has {robot.Joints} joints; ControllerConfig.JointNames has {n}");

        Events = events ?? new EventRing();
        StateAge = new StateAgeMeter(config.ControlPeriod, config.TrainedActionLatency);
        Safety = new SafetyLayer(config, Events);
        Frame = new SensorFrame(n, n);
        Command = new JointCommand(n);
        _observation = new float[_observationBuilder.Dim];
        // As PolicyContract.BuildActionMap: an arm's targets are clamped to its joint limits, the simulator's actuator limits.
        var s = config.Safety;
        _actionMap = new ActionMap(config.Action, new JointLimits { PositionLower = s.PositionLower, PositionUpper = s.PositionUpper, Velocity = s.VelocityLimits });
        _chain = Safety.Kinematics;
        _raw = new float[n];
        _action = new float[n];
        _lastAction = new float[n];
        _targets = new double[n];
        _actionMap.Zero(Frame.JointPos, _targets);
    }

    /// <summary>The configuration.</summary>
    public ControllerConfig Config => _c;

    /// <summary>The safety state machine (operator requests go here).</summary>
    public SafetyLayer Safety { get; }

    /// <summary>The log ring: transitions, refusals, overruns.</summary>
    public EventRing Events { get; }

    /// <summary>The age of the joint state each tick acted on, when its command was written (needs the robot to stamp its frames).</summary>
    public StateAgeMeter StateAge { get; }

    /// <summary>The latest measurements.</summary>
    public SensorFrame Frame { get; }

    /// <summary>The command written last.</summary>
    public JointCommand Command { get; }

    /// <summary>The observation built last. [obsDim]</summary>
    public ReadOnlySpan<float> Observation => _observation;

    /// <summary>The clipped action of the last policy run. [n]</summary>
    public ReadOnlySpan<float> Action => _action;

    /// <summary>The policy's joint targets before the safety limiter [rad]. [n]</summary>
    public ReadOnlySpan<double> PolicyTargets => _targets;

    /// <summary>Ticks run.</summary>
    public long Ticks => _tick;

    /// <summary>Policy evaluations run.</summary>
    public long PolicyRuns => _policyRuns;

    /// <summary>One control period: Read → kinematics → input clamp → safety checks → (policy) → safety command → Write. Allocates nothing.</summary>
    public void Tick()
    {
        long tick = _tick++;

        // Read, then what the robot computes from it: the end effector's pose, the inputs within their trained ranges.
        _robot.Read(Frame);
        _lastAction.CopyTo(Frame.LastAction, 0);
        _chain?.Pose(Frame.JointPos, Frame.EePosition, Frame.EeRotation);
        Safety.Inputs.Limit(Frame);

        // Update: safety first; the policy only while Running, from the first Running tick on.
        Safety.Check(Frame, _robot.EStopPressed, tick);
        bool running = Safety.State == SafetyState.Running;
        if (running && !_wasRunning)
        {
            // A fresh start, as at the start of a training episode: no last action, targets at action 0.
            Array.Clear(_lastAction);
            _lastAction.CopyTo(Frame.LastAction, 0);
            _actionMap.Zero(Frame.JointPos, _targets);
            _runTicks = 0;
        }
        if (running && _runTicks++ % _c.PolicyDecimation == 0) RunPolicy();
        _wasRunning = Safety.State == SafetyState.Running;

        // Write the command of the state reached (a trip above already switched it to Damping or Hold).
        Safety.Command(Frame, _targets, Command);
        _robot.Write(Command);
        StateAge.Record(Frame);
    }

    // Observation → policy → action → targets, tripping the safety layer on any non-finite value.
    private void RunPolicy()
    {
        _observationBuilder.Build(Frame, _observation);
        int bad = FirstNonFinite(_observation);
        if (bad >= 0) { Safety.Trip(SafetyCause.NonFiniteObservation, bad, _observation[bad]); return; }

        _policy.Run(_observation, _raw);
        _policyRuns++;
        // Clip (always on) and map as in training; the clipped action is the next observation's last action.
        bad = _actionMap.Map(_raw, Frame.JointPos, _action, _targets);
        if (bad >= 0) { Safety.Trip(SafetyCause.NonFiniteAction, bad, _raw[bad]); return; }
        _action.CopyTo(_lastAction, 0);
    }

    private static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++) if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    /// <summary>
    /// Last resort when a tick failed (an exception from the robot or the policy): writes a damping
    /// command (Kp = 0, Kd = damping gain, τ = 0) at the last measured pose straight to the robot.
    /// </summary>
    public void WriteDampingCommand()
    {
        for (int i = 0; i < Command.Joints; i++)
        {
            double q = Frame.JointPos[i];
            Command.Position[i] = double.IsFinite(q) ? q : 0;
            Command.Kp[i] = 0;
            Command.Kd[i] = _c.Safety.DampingKd;
            Command.Torque[i] = 0;
        }
        _robot.Write(Command);
    }
}
