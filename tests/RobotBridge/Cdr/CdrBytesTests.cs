using Robotics.RobotBridge.Cdr;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Messages.SensorMsgs;
using Robotics.RobotBridge.Messages.StdMsgs;

namespace Robotics.RobotBridge.Tests.Cdr;

/// <summary>Serialized bytes against XCDR1 worked out by hand (offsets count from the byte after the 4-byte header).</summary>
public class CdrBytesTests
{
    private static JointState TwoJoints()
    {
        var js = new JointState();
        js.Header.Stamp.Sec = 1;
        js.Header.Stamp.Nanosec = 2;
        js.Header.FrameId = "base";
        js.Name.Set(["hip", "knee"]);
        js.Position.Set([1.5, -0.25]);
        return js;
    }

    [Fact]
    public void JointState_with_two_joints_matches_hand_computed_bytes()
    {
        byte[] expected =
        [
            0x00, 0x01, 0x00, 0x00,                         // encapsulation CDR_LE, payload 72 bytes: no padding
            0x01, 0x00, 0x00, 0x00,                         //  0: header.stamp.sec = 1
            0x02, 0x00, 0x00, 0x00,                         //  4: header.stamp.nanosec = 2
            0x05, 0x00, 0x00, 0x00,                         //  8: frame_id length 5 ("base" + NUL)
            (byte)'b', (byte)'a', (byte)'s', (byte)'e', 0,  // 12: "base\0"
            0x00, 0x00, 0x00,                               // 17: pad to 20
            0x02, 0x00, 0x00, 0x00,                         // 20: name: 2 strings
            0x04, 0x00, 0x00, 0x00,                         // 24: length 4
            (byte)'h', (byte)'i', (byte)'p', 0,             // 28: "hip\0"
            0x05, 0x00, 0x00, 0x00,                         // 32: length 5
            (byte)'k', (byte)'n', (byte)'e', (byte)'e', 0,  // 36: "knee\0"
            0x00, 0x00, 0x00,                               // 41: pad to 44
            0x02, 0x00, 0x00, 0x00,                         // 44: position: 2 doubles (48 is 8-aligned: no pad)
            0, 0, 0, 0, 0, 0, 0xF8, 0x3F,                   // 48: 1.5   = 0x3FF8000000000000
            0, 0, 0, 0, 0, 0, 0xD0, 0xBF,                   // 56: -0.25 = 0xBFD0000000000000
            0x00, 0x00, 0x00, 0x00,                         // 64: velocity: empty (no alignment for no elements)
            0x00, 0x00, 0x00, 0x00,                         // 68: effort: empty; payload ends at 72
        ];
        var bytes = RosMessage.Serialize(TwoJoints(), new CdrWriter()).ToArray();
        Assert.Equal(expected, bytes);

        var back = new JointState();
        RosMessage.Deserialize(bytes, back);
        Assert.Equal(1, back.Header.Stamp.Sec);
        Assert.Equal(2u, back.Header.Stamp.Nanosec);
        Assert.Equal("base", back.Header.FrameId);
        Assert.Equal(["hip", "knee"], back.Name.ToArray());
        Assert.Equal([1.5, -0.25], back.Position.ToArray());
        Assert.Equal(0, back.Velocity.Count);
        Assert.Equal(0, back.Effort.Count);
    }

    [Fact]
    public void PoseStamped_matches_hand_computed_bytes()
    {
        var pose = new PoseStamped();
        pose.Header.Stamp.Sec = 3;
        pose.Header.FrameId = "base";
        pose.Pose.Position.X = 0.5;
        pose.Pose.Position.Y = -0.25;
        pose.Pose.Position.Z = 1.0;
        byte[] expected =
        [
            0x00, 0x01, 0x00, 0x00,                         // encapsulation CDR_LE, payload 80 bytes: no padding
            0x03, 0x00, 0x00, 0x00,                         //  0: header.stamp.sec = 3
            0x00, 0x00, 0x00, 0x00,                         //  4: header.stamp.nanosec = 0
            0x05, 0x00, 0x00, 0x00,                         //  8: frame_id length 5
            (byte)'b', (byte)'a', (byte)'s', (byte)'e', 0,  // 12: "base\0"
            0, 0, 0, 0, 0, 0, 0,                            // 17: pad to 24 (doubles are 8-aligned)
            0, 0, 0, 0, 0, 0, 0xE0, 0x3F,                   // 24: position.x = 0.5
            0, 0, 0, 0, 0, 0, 0xD0, 0xBF,                   // 32: position.y = -0.25
            0, 0, 0, 0, 0, 0, 0xF0, 0x3F,                   // 40: position.z = 1
            0, 0, 0, 0, 0, 0, 0, 0,                         // 48: orientation.x = 0
            0, 0, 0, 0, 0, 0, 0, 0,                         // 56: orientation.y = 0
            0, 0, 0, 0, 0, 0, 0, 0,                         // 64: orientation.z = 0
            0, 0, 0, 0, 0, 0, 0xF0, 0x3F,                   // 72: orientation.w = 1 (the default); payload ends at 80
        ];
        var bytes = RosMessage.Serialize(pose, new CdrWriter()).ToArray();
        Assert.Equal(expected, bytes);

        var back = new PoseStamped();
        RosMessage.Deserialize(bytes, back);
        Assert.Equal("base", back.Header.FrameId);
        Assert.Equal((0.5, -0.25, 1.0), (back.Pose.Position.X, back.Pose.Position.Y, back.Pose.Position.Z));
        Assert.Equal(1.0, back.Pose.Orientation.W);
    }

    [Fact]
    public void Padding_to_four_bytes_is_recorded_in_the_options()
    {
        // Bool: a 1-byte payload, padded with 3 zeros; options byte = 3 (as Cyclone writes it).
        var b = RosMessage.Serialize(new Bool { Data = true }, new CdrWriter()).ToArray();
        Assert.Equal(new byte[] { 0x00, 0x01, 0x00, 0x03, 0x01, 0x00, 0x00, 0x00 }, b);
        var back = new Bool();
        RosMessage.Deserialize(b, back);
        Assert.True(back.Data);
    }

    [Fact]
    public void Twist_is_six_doubles_back_to_back()
    {
        var t = new Twist();
        t.Linear.X = 1; t.Angular.Z = -2;
        var bytes = RosMessage.Serialize(t, new CdrWriter()).ToArray();
        Assert.Equal(4 + 6 * 8, bytes.Length);
        Assert.Equal(1.0, BitConverter.ToDouble(bytes, 4 + 0));         // linear.x at payload offset 0
        Assert.Equal(-2.0, BitConverter.ToDouble(bytes, 4 + 40));       // angular.z at payload offset 5×8
    }

    [Fact]
    public void Float64MultiArray_aligns_data_after_the_layout()
    {
        var m = new Float64MultiArray();
        m.Layout.Dim.Resize(1, () => new MultiArrayDimension());
        m.Layout.Dim[0].Label = "x";  m.Layout.Dim[0].Size = 2;  m.Layout.Dim[0].Stride = 2;
        m.Data.Set([3.0, 4.0]);
        var bytes = RosMessage.Serialize(m, new CdrWriter()).ToArray();
        // 0: dim count 1 | 4: label len 2 | 8: "x\0" | 10: pad | 12: size | 16: stride | 20: data_offset
        // 24: data count 2 | 28: pad to 32 | 32: 3.0 | 40: 4.0 | end 48
        Assert.Equal(4 + 48, bytes.Length);
        Assert.Equal(2u, BitConverter.ToUInt32(bytes, 4 + 24));
        Assert.Equal(3.0, BitConverter.ToDouble(bytes, 4 + 32));
        var back = new Float64MultiArray();
        RosMessage.Deserialize(bytes, back);
        Assert.Equal("x", back.Layout.Dim[0].Label);
        Assert.Equal([3.0, 4.0], back.Data.ToArray());
    }

    [Fact]
    public void Imu_round_trips_with_fixed_arrays_and_default_quaternion()
    {
        var imu = new Imu();
        Assert.Equal(1.0, imu.Orientation.W);       // .msg default "float64 w 1"
        imu.OrientationCovariance[0] = -1;
        imu.AngularVelocity.Y = 0.5;
        imu.LinearAcceleration.Z = 9.81;
        var bytes = RosMessage.Serialize(imu, new CdrWriter()).ToArray();
        // header: stamp 8 + frame_id "" (length 4 + NUL 1) = 13 → pad to 16; then all doubles, 8-aligned from 16:
        // quaternion 32 + orientation_covariance 72 + 2 × (vector 24 + covariance 72) = 296; 16 + 296 = 312
        Assert.Equal(4 + 312, bytes.Length);
        var back = new Imu();
        RosMessage.Deserialize(bytes, back);
        Assert.Equal(-1, back.OrientationCovariance[0]);
        Assert.Equal(0.5, back.AngularVelocity.Y);
        Assert.Equal(9.81, back.LinearAcceleration.Z);
        Assert.Equal(1.0, back.Orientation.W);
    }

    [Fact]
    public void Decoding_into_an_existing_instance_allocates_nothing_when_sizes_do_not_grow()
    {
        var bytes = RosMessage.Serialize(TwoJoints(), new CdrWriter()).ToArray();
        var into = new JointState();
        RosMessage.Deserialize(bytes, into);            // first decode sizes the sequences and makes the strings
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) RosMessage.Deserialize(bytes, into);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        // Fewer joints: the storage is kept, still nothing allocated.
        var one = TwoJoints();
        one.Name.Set(["hip"]); one.Position.Set([0.1]);
        var shorter = RosMessage.Serialize(one, new CdrWriter()).ToArray();
        before = GC.GetAllocatedBytesForCurrentThread();
        RosMessage.Deserialize(shorter, into);
        RosMessage.Deserialize(bytes, into);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Serializing_with_a_reused_writer_allocates_nothing()
    {
        var js = TwoJoints();
        var w = new CdrWriter();
        RosMessage.Serialize(js, w);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) RosMessage.Serialize(js, w);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
