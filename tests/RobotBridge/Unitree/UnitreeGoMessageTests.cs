using System.Reflection;
using Robotics.RobotBridge.Cdr;
using Robotics.RobotBridge.Messages.UnitreeGo;
using Robotics.RobotBridge.Ros2;
using Robotics.RobotBridge.Unitree;

namespace Robotics.RobotBridge.Tests.Unitree;

/// <summary>The generated unitree_go messages: names, CDR layout, round trips; and the Go2 motor slots.</summary>
public class UnitreeGoMessageTests
{
    /// <summary>Sets every primitive in <paramref name="message"/> (nested messages and arrays included) to the next counter value.</summary>
    private static void Fill(object message, ref int counter)
    {
        foreach (var f in message.GetType().GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = f.GetValue(message)!;
            if (value is Array array)
            {
                for (int i = 0; i < array.Length; i++)
                {
                    var element = array.GetValue(i)!;
                    if (IsPrimitive(element.GetType())) array.SetValue(Next(element.GetType(), ref counter), i);
                    else Fill(element, ref counter);
                }
            }
            else if (IsPrimitive(f.FieldType)) f.SetValue(message, Next(f.FieldType, ref counter));
            else Fill(value, ref counter);
        }
    }

    private static bool IsPrimitive(Type t) => t.IsPrimitive;

    private static object Next(Type t, ref int counter)
    {
        int v = ++counter;
        return Type.GetTypeCode(t) switch
        {
            TypeCode.Byte => (object)(byte)(v % 251 + 1),
            TypeCode.SByte => (sbyte)(v % 127 - 60),
            TypeCode.Int16 => (short)(-v * 7),
            TypeCode.UInt16 => (ushort)(v * 13),
            TypeCode.Int32 => -v * 1001,
            TypeCode.UInt32 => (uint)v * 100_003u,
            TypeCode.Single => v * 0.37f - 11f,
            _ => throw new InvalidOperationException($"no filler for {t}"),
        };
    }

    /// <summary>Asserts every primitive of <paramref name="actual"/> equals <paramref name="expected"/>'s, naming the field path on failure.</summary>
    private static int AssertSameFields(object expected, object actual, string path)
    {
        int compared = 0;
        foreach (var f in expected.GetType().GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            var e = f.GetValue(expected)!;
            var a = f.GetValue(actual)!;
            if (e is Array ea)
            {
                var aa = (Array)a;
                Assert.Equal(ea.Length, aa.Length);
                for (int i = 0; i < ea.Length; i++)
                {
                    var ee = ea.GetValue(i)!;
                    if (IsPrimitive(ee.GetType())) { Assert.True(ee.Equals(aa.GetValue(i)), $"{path}{f.Name}[{i}]: {ee} != {aa.GetValue(i)}"); compared++; }
                    else compared += AssertSameFields(ee, aa.GetValue(i)!, $"{path}{f.Name}[{i}].");
                }
            }
            else if (IsPrimitive(f.FieldType)) { Assert.True(e.Equals(a), $"{path}{f.Name}: {e} != {a}"); compared++; }
            else compared += AssertSameFields(e, a, $"{path}{f.Name}.");
        }
        return compared;
    }

    private static T RoundTrip<T>(T message) where T : class, IRosMessage<T>, new()
    {
        var bytes = RosMessage.Serialize(message, new CdrWriter(1024)).ToArray();
        var back = new T();
        RosMessage.Deserialize(bytes, back);
        return back;
    }

    [Fact]
    public void LowCmd_round_trips_through_cdr()
    {
        var cmd = new LowCmd();
        int counter = 0;
        Fill(cmd, ref counter);
        // head 2 + 4 + sn 2 + version 2 + bandwidth + 20 motors × 9 + bms 4 + 40 + 12 + 2 + gpio + reserve + crc
        Assert.Equal(2 + 2 + 2 + 2 + 1 + 180 + 4 + 40 + 12 + 2 + 1 + 1 + 1, AssertSameFields(cmd, RoundTrip(cmd), ""));
    }

    [Fact]
    public void LowState_round_trips_through_cdr()
    {
        var state = new LowState();
        int counter = 0;
        Fill(state, ref counter);
        var back = RoundTrip(state);
        // head 2, flags 2, sn 2, version 2, bandwidth; imu 14; motors 20 × 12; bms 4 + 1 + 1 + 2 + 2 + 15;
        // foot forces 8, tick, remote 40, bit_flag, adc_reel, ntc 2, power 2, fans 4, reserve, crc
        Assert.Equal(2 + 2 + 2 + 2 + 1 + 14 + 240 + 25 + 8 + 1 + 40 + 1 + 1 + 2 + 2 + 4 + 1 + 1, AssertSameFields(state, back, ""));
        Assert.Equal(state.MotorState[11].TauEst, back.MotorState[11].TauEst);
        Assert.Equal(state.ImuState.Quaternion, back.ImuState.Quaternion);
    }

    [Fact]
    public void LowCmd_cdr_payload_is_808_bytes_with_the_crc_last()
    {
        var cmd = new LowCmd { Crc = 0xA1B2C3D4, Reserve = 0x01020304, Gpio = 0x77 };
        cmd.MotorCmd[0].Q = 1f;
        var bytes = RosMessage.Serialize(cmd, new CdrWriter(1024)).ToArray();
        var payload = bytes.AsSpan(CdrWriter.HeaderSize);
        // XCDR1: motor 0's mode at 22, its q at 24 (4-aligned), 34 bytes; motors 1..19 36 bytes each, to 740;
        // bms 740, remote 744, led 784, fan 796, gpio 798, pad, reserve 800, crc 804. Not the C struct's 812.
        Assert.Equal(808, payload.Length);
        Assert.Equal(1f, BitConverter.ToSingle(payload[24..28]));
        Assert.Equal(0x77, payload[798]);
        Assert.Equal(0x01020304u, BitConverter.ToUInt32(payload[800..804]));
        Assert.Equal(0xA1B2C3D4u, BitConverter.ToUInt32(payload[804..808]));
    }

    [Fact]
    public void Type_and_topic_names_are_what_the_robot_uses()
    {
        Assert.Equal("unitree_go::msg::dds_::LowCmd_", LowCmd.DdsTypeName);
        Assert.Equal("unitree_go::msg::dds_::LowState_", LowState.DdsTypeName);
        Assert.Equal("unitree_go::msg::dds_::MotorCmd_", MotorCmd.DdsTypeName);
        Assert.Equal("unitree_go::msg::dds_::MotorState_", MotorState.DdsTypeName);
        Assert.Equal("unitree_go::msg::dds_::IMUState_", IMUState.DdsTypeName);
        Assert.Equal("unitree_go::msg::dds_::BmsCmd_", BmsCmd.DdsTypeName);
        Assert.Equal("unitree_go::msg::dds_::BmsState_", BmsState.DdsTypeName);
        Assert.Equal("unitree_go/msg/LowCmd", LowCmd.RosTypeName);
        Assert.Equal("rt/lowcmd", RosNames.ToDds(RosNames.Resolve(Go2LowLevel.CommandTopic, "/")));
        Assert.Equal("rt/lowstate", RosNames.ToDds(RosNames.Resolve(Go2LowLevel.StateTopic, "/")));
    }

    [Fact]
    public void Leg_joints_map_to_slots_by_name()
    {
        Assert.Equal(0, Go2LowLevel.SlotOf("FR_hip_joint"));
        Assert.Equal(2, Go2LowLevel.SlotOf("FR_calf_joint"));
        Assert.Equal(3, Go2LowLevel.SlotOf("FL_hip_joint"));
        Assert.Equal(7, Go2LowLevel.SlotOf("RR_thigh_joint"));
        Assert.Equal(11, Go2LowLevel.SlotOf("RL_calf_joint"));
        string[] legs = ["FR", "FL", "RR", "RL"];
        string[] parts = ["hip", "thigh", "calf"];
        for (int l = 0; l < 4; l++)
            for (int p = 0; p < 3; p++)
            {
                Assert.Equal(3 * l + p, Go2LowLevel.SlotOf($"{legs[l]}_{parts[p]}_joint"));
                Assert.Equal($"{legs[l]}_{parts[p]}_joint", Go2LowLevel.LegJoints[3 * l + p]);
            }
        Assert.Equal(Go2LowLevel.LegMotors, Go2LowLevel.LegJoints.Count);
        Assert.False(Go2LowLevel.TryGetSlot("FR_hip", out _));
        var e = Assert.Throws<UserError>(() => Go2LowLevel.SlotOf("FR_knee_joint"));
        Assert.Contains("FR_knee_joint", e.Message);
        Assert.Contains("RL_calf_joint", e.Message);
    }

    [Fact]
    public void Initialize_sets_the_header_and_servo_mode_on_the_legs_only()
    {
        var cmd = new LowCmd();
        int counter = 0;
        Fill(cmd, ref counter);   // Initialize must overwrite everything
        Go2LowLevel.Initialize(cmd);
        Assert.Equal([0xFE, 0xEF], cmd.Head);
        Assert.Equal(0xFF, cmd.LevelFlag);
        Assert.Equal(0, cmd.Gpio);
        Assert.Equal(Go2LowLevel.MotorSlots, cmd.MotorCmd.Length);
        for (int slot = 0; slot < Go2LowLevel.MotorSlots; slot++)
        {
            var m = cmd.MotorCmd[slot];
            bool leg = slot < 12;
            Assert.Equal(leg ? 0x01 : 0x00, m.Mode);
            Assert.Equal(leg ? 2.146e9f : 0f, m.Q);
            Assert.Equal(leg ? 16000f : 0f, m.Dq);
            Assert.Equal(0f, m.Kp);
            Assert.Equal(0f, m.Kd);
            Assert.Equal(0f, m.Tau);
            Assert.All(m.Reserve, r => Assert.Equal(0u, r));
        }
        var zeroed = new LowCmd();
        Go2LowLevel.Initialize(zeroed);
        Assert.Equal(UnitreeCrc.Compute(zeroed), UnitreeCrc.Compute(cmd));   // nothing of the fill survives

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) Go2LowLevel.Initialize(cmd);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
