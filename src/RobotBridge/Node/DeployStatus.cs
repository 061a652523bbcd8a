using Robotics.Deploy.Safety;
using Robotics.RobotBridge.Messages.StdMsgs;

namespace Robotics.RobotBridge.Node;

/// <summary>
/// The deploy node's status, published every control tick on <c>deploy_status</c> as a std_msgs/Float64MultiArray
/// (a type every ROS 2 install has, so <c>ros2 topic echo /deploy_status</c> works without our packages).
/// One dimension labelled with the field names; the values, in order:
/// <code>
/// [0] state                SafetyState as a number (0 Idle, 1 SoftStart, 2 Running, 3 Damping, 4 EStop, 5 Hold)
/// [1] last_cause           SafetyCause of the last transition, as a number
/// [2] tick                 the control tick this status belongs to (0, 1, ...)
/// [3] policy_runs          policy evaluations so far
/// [4] sensor_sequence      joint-state messages the node has read (the watchdog's counter)
/// [5] estop_received_tick  ticks read before the e-stop message arrived (−1: none yet), to measure e-stop latency
/// [6] input_clamps         operator inputs (cmd_vel, target_pose) clamped to the trained ranges, once per message
/// [7] workspace_clamps     ticks whose joint targets were held back to keep the end effector in the workspace box (arms)
/// </code>
/// </summary>
// DESIGN: a Float64MultiArray rather than a status message of our own (or diagnostic_msgs/DiagnosticStatus):
// a custom type needs our package on every machine that wants to echo it, and DiagnosticStatus carries its
// values as strings, which the loop would have to format (allocating) every tick.
public readonly record struct DeployStatus(SafetyState State, SafetyCause LastCause, long Tick, long PolicyRuns, long SensorSequence, long EStopReceivedTick,
    long InputClamps, long WorkspaceClamps)
{
    /// <summary>Values per message.</summary>
    public const int Fields = 8;

    /// <summary>The label of the message's one dimension: the field names, comma-separated.</summary>
    public const string Label = "state,last_cause,tick,policy_runs,sensor_sequence,estop_received_tick,input_clamps,workspace_clamps";

    /// <summary>
    /// The status of <paramref name="controller"/>'s last tick; <paramref name="estopStop"/>: it is the stop of an e-stop
    /// (EStop, or Hold for an arm). Allocates nothing: every robot interface publishes it each tick.
    /// </summary>
    public static DeployStatus Of(Robotics.Deploy.RealTime.Controller controller, long sensorSequence, long estopReceivedTick, out bool estopStop)
    {
        var safety = controller.Safety;
        var state = safety.State;
        estopStop = state == SafetyState.EStop || (state == SafetyState.Hold && safety.LastCause is SafetyCause.EStopInput or SafetyCause.EStopRequest);
        return new DeployStatus(state, safety.LastCause, controller.Ticks - 1, controller.PolicyRuns, sensorSequence, estopReceivedTick,
            safety.InputClamps, safety.WorkspaceClamps);
    }

    /// <summary>Sets the layout (allocates; call once).</summary>
    public static void PrepareLayout(Float64MultiArray message)
    {
        message.Layout.Dim.Resize(1, static () => new MultiArrayDimension());
        message.Layout.Dim[0].Label = Label;
        message.Layout.Dim[0].Size = Fields;
        message.Layout.Dim[0].Stride = Fields;
        message.Data.Resize(Fields);
    }

    /// <summary>Writes this status into a message prepared by <see cref="PrepareLayout"/>. Allocates nothing.</summary>
    public void Encode(Float64MultiArray message)
    {
        var d = message.Data.AsSpan();
        d[0] = (double)State; d[1] = (double)LastCause; d[2] = Tick; d[3] = PolicyRuns; d[4] = SensorSequence; d[5] = EStopReceivedTick;
        d[6] = InputClamps; d[7] = WorkspaceClamps;
    }

    /// <summary>Reads a status message; false when it does not have <see cref="Fields"/> values.</summary>
    public static bool TryDecode(Float64MultiArray message, out DeployStatus status)
    {
        var d = message.Data.AsSpan();
        if (d.Length != Fields) { status = default; return false; }
        status = new DeployStatus((SafetyState)(int)d[0], (SafetyCause)(int)d[1], (long)d[2], (long)d[3], (long)d[4], (long)d[5], (long)d[6], (long)d[7]);
        return true;
    }
}
