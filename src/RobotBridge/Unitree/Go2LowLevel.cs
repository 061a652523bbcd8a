using System.Collections.Frozen;
using Robotics.RobotBridge.Messages.UnitreeGo;

namespace Robotics.RobotBridge.Unitree;

/// <summary>
/// The Unitree Go2 low-level interface's constants: the motor slots of <see cref="LowCmd.MotorCmd"/> and
/// <see cref="LowState.MotorState"/> by joint name, the frame header, and a command initialized as the SDK's examples do.
/// </summary>
public static class Go2LowLevel
{
    /// <summary>ROS topic of the commands, relative to the root namespace: <c>/lowcmd</c>, on DDS <c>rt/lowcmd</c>.</summary>
    public const string CommandTopic = "lowcmd";

    /// <summary>ROS topic of the state, relative to the root namespace: <c>/lowstate</c>, on DDS <c>rt/lowstate</c>.</summary>
    public const string StateTopic = "lowstate";

    /// <summary>Motor slots in a <see cref="LowCmd"/> or <see cref="LowState"/>.</summary>
    public const int MotorSlots = 20;

    /// <summary>Leg motors, in slots 0..11.</summary>
    public const int LegMotors = 12;

    /// <summary><c>head[0]</c> of a command frame.</summary>
    public const byte Head0 = 0xFE;

    /// <summary><c>head[1]</c> of a command frame.</summary>
    public const byte Head1 = 0xEF;

    /// <summary><c>level_flag</c> for low-level control.</summary>
    public const byte LowLevelFlag = 0xFF;

    /// <summary><c>mode</c> of a motor under the PD law (servo).</summary>
    public const byte ServoMode = 0x01;

    /// <summary><c>mode</c> of a passive motor.</summary>
    public const byte PassiveMode = 0x00;

    /// <summary>The SDK's "no position target" value of <see cref="MotorCmd.Q"/> (its <c>PosStopF</c>) [rad].</summary>
    public const float PositionStop = 2.146e9f;

    /// <summary>The SDK's "no velocity target" value of <see cref="MotorCmd.Dq"/> (its <c>VelStopF</c>) [rad/s].</summary>
    public const float VelocityStop = 16000f;

    /// <summary>The 12 leg joints by slot: slot i drives <c>LegJoints[i]</c>. FR, FL, RR, RL × hip, thigh, calf, as Go2's URDF names them.</summary>
    public static IReadOnlyList<string> LegJoints { get; } =
    [
        "FR_hip_joint", "FR_thigh_joint", "FR_calf_joint",
        "FL_hip_joint", "FL_thigh_joint", "FL_calf_joint",
        "RR_hip_joint", "RR_thigh_joint", "RR_calf_joint",
        "RL_hip_joint", "RL_thigh_joint", "RL_calf_joint",
    ];

    private static readonly FrozenDictionary<string, int> SlotByJoint =
        LegJoints.Select((name, slot) => KeyValuePair.Create(name, slot)).ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The motor slot of leg joint <paramref name="joint"/>, or false when Go2 has no joint of that name.</summary>
    public static bool TryGetSlot(string joint, out int slot) => SlotByJoint.TryGetValue(joint, out slot);

    /// <summary>The motor slot of leg joint <paramref name="joint"/> (e.g. <c>RL_calf_joint</c> → 11).</summary>
    /// <exception cref="UserError">Go2 has no leg joint of that name; the message lists the names it has.</exception>
    public static int SlotOf(string joint) =>
        SlotByJoint.TryGetValue(joint ?? "", out var slot) ? slot
            : throw new UserError($"the Unitree Go2 has no leg joint '{joint}'; its joints are {string.Join(", ", LegJoints)}");

    /// <summary>
    /// Sets <paramref name="command"/> as the SDK's examples start one: head 0xFE 0xEF, level_flag 0xFF, gpio 0; the 12 leg
    /// slots in servo mode with no position or velocity target (<see cref="PositionStop"/>, <see cref="VelocityStop"/>)
    /// and zero gains and torque, so they exert nothing until given a target; the unused slots 12..19 and every other
    /// field zero. Leaves <c>crc</c> to <see cref="UnitreeCrc.Stamp"/>. Allocates nothing.
    /// </summary>
    public static void Initialize(LowCmd command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Head[0] = Head0;
        command.Head[1] = Head1;
        command.LevelFlag = LowLevelFlag;
        command.FrameReserve = 0;
        Array.Clear(command.Sn);
        Array.Clear(command.Version);
        command.Bandwidth = 0;
        for (int slot = 0; slot < command.MotorCmd.Length; slot++)
        {
            var m = command.MotorCmd[slot];
            bool leg = slot < LegMotors;
            m.Mode = leg ? ServoMode : PassiveMode;
            m.Q = leg ? PositionStop : 0f;
            m.Dq = leg ? VelocityStop : 0f;
            m.Tau = 0f;
            m.Kp = 0f;
            m.Kd = 0f;
            Array.Clear(m.Reserve);
        }
        command.BmsCmd.Off = 0;
        Array.Clear(command.BmsCmd.Reserve);
        Array.Clear(command.WirelessRemote);
        Array.Clear(command.Led);
        Array.Clear(command.Fan);
        command.Gpio = 0;
        command.Reserve = 0;
        command.Crc = 0;
    }
}
