using Robotics.Deploy.Contract;
using Robotics.Deploy.Kinematics;
using Robotics.Deploy.RealTime;

namespace Robotics.Deploy.Safety;

/// <summary>
/// Clamps the operator's inputs in the sensor frame to the ranges the policy was trained on, every tick, before the
/// safety checks and the policy see them (allocation-free):
/// <list type="bullet">
/// <item><see cref="SensorFrame.Command"/> (vx, vy, yaw_rate) to the ranges of those names;</item>
/// <item><see cref="SensorFrame.TargetPosition"/> to target_x, target_y, target_z [m, base frame]; a range with
/// Low = High sets the value (push: the table height);</item>
/// <item>with a target_yaw range (reach), <see cref="SensorFrame.TargetRotation"/> to the yaw family it was trained on:
/// M = T · R_restᵀ, R_rest the tool's orientation at the default pose; a tilted M (more than <see cref="TiltTolerance"/>)
/// is projected onto a pure yaw, and the yaw is clamped; T is then rebuilt as Rz(yaw) · R_rest.</item>
/// </list>
/// An in-range value is never modified. A non-finite value is left as it is: the safety layer trips on it.
/// A changed input counts once per new message (<see cref="SensorFrame.InputSequence"/>), not once per tick.
/// When the policy reads cmd_vel, a velocity command without a new message for <see cref="SafetyConfig.CommandTimeout"/>
/// is replaced by zero (stand still) until the next message: <see cref="CommandTimedOut"/>.
/// </summary>
// DESIGN: the timeout sets zero at once instead of ramping the command down: the policy was trained on commands that
// change in steps (resampled), so a step to zero is in its experience, and a ramp would keep a robot whose operator is
// gone walking for longer. The age is counted in control ticks, so a lock-step run times out in simulated time.
// DESIGN: a Low = High range (push target_z) replaces the value without counting a clamp: the operator is not expected
// to know the table height, and a counter that rises with every target would hide the clamps that matter.
public sealed class InputLimiter
{
    /// <summary>Command names of <see cref="SensorFrame.Command"/>, in its order.</summary>
    public static readonly string[] VelocityCommands = ["vx", "vy", "yaw_rate"];

    /// <summary>Command names of <see cref="SensorFrame.TargetPosition"/>, in its order.</summary>
    public static readonly string[] TargetCommands = ["target_x", "target_y", "target_z"];

    /// <summary>The command name of the target's yaw about the base's vertical [rad], relative to the tool's rest orientation.</summary>
    public const string TargetYaw = "target_yaw";

    /// <summary>A target orientation tilted from the yaw family by more than this [rad] is projected onto it.</summary>
    public const double TiltTolerance = 0.01;

    private readonly double[] _velLow, _velHigh;       // [3], ±∞ where no range
    private readonly double[] _targetLow, _targetHigh; // [3], ±∞ where no range
    private readonly bool[] _targetConstant;           // [3] Low = High
    private readonly bool _hasYaw;
    private readonly double _yawLow, _yawHigh;         // [rad]
    private readonly double[] _rest = new double[9];   // R_rest, base from tool at the default pose
    private readonly double[] _m = new double[9];      // T · R_restᵀ
    private readonly long[] _counted = new long[PolicyInputs.KindCount];   // the sequence last counted, per input
    private readonly double _cosTilt = Math.Cos(TiltTolerance);
    private readonly int _timeoutTicks;                // ticks without a new cmd_vel after which it is zero; 0 = cmd_vel not read
    private long _commandSequence = -1;                // cmd_vel's InputSequence seen last tick
    private int _commandAge;                           // consecutive ticks without a new cmd_vel
    private long _clamps, _timeouts;

    /// <summary>The limiter for a validated configuration; <paramref name="chain"/> gives R_rest (required with a target_yaw range).</summary>
    public InputLimiter(ControllerConfig config, KinematicChain? chain)
    {
        ArgumentNullException.ThrowIfNull(config);
        (_velLow, _velHigh, _) = Ranges(config, VelocityCommands);
        (_targetLow, _targetHigh, _targetConstant) = Ranges(config, TargetCommands);
        if (config.Command(TargetYaw) is { } yaw)
        {
            if (chain is null) throw new UserError($"ControllerConfig.Commands has '{TargetYaw}', which needs the kinematic chain (the tool's rest orientation)");
            Span<double> p = stackalloc double[3];
            chain.Pose(config.DefaultJointPos, p, _rest);
            _hasYaw = true;
            _yawLow = yaw.Low;
            _yawHigh = yaw.High;
        }
        Array.Fill(_counted, -1);
        if (config.Inputs.Any(i => i.Name == PolicyInputs.Name(InputKind.CmdVel)))   // the tolerance keeps 0.5 / 0.005 at 100 ticks
            _timeoutTicks = Math.Max(1, (int)Math.Ceiling(config.Safety.CommandTimeout / config.ControlPeriod - 1e-9));
    }

    /// <summary>Control ticks without a new cmd_vel message after which the command is zero; 0 when the policy reads no cmd_vel.</summary>
    public int CommandTimeoutTicks => _timeoutTicks;

    /// <summary>True while the velocity command is zero because no new cmd_vel arrived within the timeout (loop thread).</summary>
    public bool CommandTimedOut { get; private set; }

    /// <summary>Times the velocity command timed out (each silence counted once; safe to read from any thread).</summary>
    public long CommandTimeouts => Interlocked.Read(ref _timeouts);

    /// <summary>Inputs changed by the clamp, once per new message (safe to read from any thread).</summary>
    public long Clamps => Interlocked.Read(ref _clamps);

    /// <summary>The tool's orientation at the default pose, base from tool, row-major; identity without a target_yaw range. [9]</summary>
    public ReadOnlySpan<double> RestRotation => _rest;

    /// <summary>Clamps the frame's inputs in place; allocates nothing.</summary>
    public void Limit(SensorFrame frame)
    {
        if (_timeoutTicks > 0) TimeOut(frame);
        if (ClampAll(frame.Command, _velLow, _velHigh, null)) Count(frame, InputKind.CmdVel);
        bool changed = ClampAll(frame.TargetPosition, _targetLow, _targetHigh, _targetConstant);
        if (_hasYaw) changed |= LimitYaw(frame.TargetRotation);
        if (changed) Count(frame, InputKind.TargetPose);
    }

    // Ages the velocity command by one tick, or resets its age on a new message; zero once it is too old.
    private void TimeOut(SensorFrame frame)
    {
        long sequence = frame.InputSequence[(int)InputKind.CmdVel];
        if (sequence != _commandSequence) { _commandSequence = sequence; _commandAge = 0; }
        else if (_commandAge < int.MaxValue) _commandAge++;
        bool timedOut = sequence > 0 && _commandAge >= _timeoutTicks;   // before the first message the robot reports zero: nothing timed out
        if (timedOut) Array.Clear(frame.Command);
        if (timedOut && !CommandTimedOut) Interlocked.Increment(ref _timeouts);
        CommandTimedOut = timedOut;
    }

    // Clamps each finite value; constants are set without counting. True when a non-constant value changed.
    private static bool ClampAll(double[] values, double[] low, double[] high, bool[]? constant)
    {
        bool changed = false;
        for (int k = 0; k < values.Length; k++)
        {
            double v = values[k];
            if (!double.IsFinite(v)) continue;
            double c = Math.Clamp(v, low[k], high[k]);
            if (c == v) continue;
            values[k] = c;
            if (constant is null || !constant[k]) changed = true;
        }
        return changed;
    }

    // T → Rz(clamp(yaw)) · R_rest when T is tilted from the yaw family or its yaw is out of range. True when changed.
    private bool LimitYaw(double[] t)
    {
        for (int k = 0; k < 9; k++) if (!double.IsFinite(t[k])) return false;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                _m[3 * i + j] = t[3 * i] * _rest[3 * j] + t[3 * i + 1] * _rest[3 * j + 1] + t[3 * i + 2] * _rest[3 * j + 2];
        bool tilted = _m[8] < _cosTilt;   // cos of the angle between M's z axis and the base's
        // The nearest pure yaw (maximizes trace(Rz(ψ)ᵀ M)): ψ = atan2(M10 − M01, M00 + M11).
        double yaw = Math.Atan2(_m[3] - _m[1], _m[0] + _m[4]);
        double clamped = ClampAngle(yaw, _yawLow, _yawHigh);
        if (!tilted && clamped == yaw) return false;
        Rotation.Yawed(clamped, _rest, t);
        return true;
    }

    // The angle in [low, high] equal to ψ modulo 2π, or else the nearer bound (by angular distance).
    private static double ClampAngle(double psi, double low, double high)
    {
        if (psi >= low && psi <= high) return psi;
        for (int turn = -1; turn <= 1; turn += 2)
        {
            double wrapped = psi + turn * 2 * Math.PI;
            if (wrapped >= low && wrapped <= high) return psi;   // the same rotation: in range
        }
        double toLow = Math.Abs(Math.IEEERemainder(psi - low, 2 * Math.PI));
        double toHigh = Math.Abs(Math.IEEERemainder(psi - high, 2 * Math.PI));
        return toLow <= toHigh ? low : high;
    }

    private void Count(SensorFrame frame, InputKind kind)
    {
        long sequence = frame.InputSequence[(int)kind];
        if (_counted[(int)kind] == sequence) return;
        _counted[(int)kind] = sequence;
        Interlocked.Increment(ref _clamps);
    }

    private static (double[] Low, double[] High, bool[] Constant) Ranges(ControllerConfig config, string[] names)
    {
        var low = new double[names.Length];
        var high = new double[names.Length];
        var constant = new bool[names.Length];
        for (int k = 0; k < names.Length; k++)
        {
            var range = config.Command(names[k]);
            low[k] = range?.Low ?? double.NegativeInfinity;
            high[k] = range?.High ?? double.PositiveInfinity;
            constant[k] = range is not null && range.Low == range.High;
        }
        return (low, high, constant);
    }
}
