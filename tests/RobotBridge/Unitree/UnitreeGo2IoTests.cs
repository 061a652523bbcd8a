using Robotics.Deploy.Contract;
using Robotics.RobotBridge.Cdr;
using Robotics.RobotBridge.Dds;
using Robotics.Deploy.RealTime;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Messages.StdMsgs;
using Robotics.RobotBridge.Messages.UnitreeGo;
using Robotics.RobotBridge.Node;
using Robotics.RobotBridge.Ros2;
using Robotics.RobotBridge.Tests.Hil;
using Robotics.RobotBridge.Tests.Ros2;
using Robotics.RobotBridge.Unitree;

namespace Robotics.RobotBridge.Tests.Unitree;

/// <summary>The deploy node's Go2 interface against a loopback "robot" node publishing rt/lowstate and reading rt/lowcmd.</summary>
public sealed class UnitreeGo2IoTests : IDisposable
{
    // The policy's order differs from the slot order on purpose: joints are matched by name.
    private static readonly string[] PolicyJoints =
    [
        "FL_hip_joint", "FR_hip_joint", "RL_hip_joint", "RR_hip_joint",
        "FL_thigh_joint", "FR_thigh_joint", "RL_thigh_joint", "RR_thigh_joint",
        "FL_calf_joint", "FR_calf_joint", "RL_calf_joint", "RR_calf_joint",
    ];

    private readonly Ros2Node _robot, _deploy;
    private readonly Ros2Publisher<LowState> _state;
    private readonly Ros2Publisher<Twist> _cmdVel;
    private readonly Ros2Publisher<Bool> _estop;
    private readonly List<LowCmd> _commands = [];
    private readonly PolicyInput[] _inputs = [PolicyInputs.Default(InputKind.CmdVel, "base"), PolicyInputs.Default(InputKind.Imu, "base")];

    public UnitreeGo2IoTests()
    {
        // A namespace of this test's own: rt/lowstate and rt/lowcmd are fixed names, and tests of one run share the domain.
        var options = NodeTestDomain.Options with { Namespace = "/" + TestDomain.Topic("go2") };
        _robot = new Ros2Node("robot", options);
        _deploy = new Ros2Node("deploy", options);
        _state = _robot.CreatePublisher<LowState>(Go2LowLevel.StateTopic);
        _cmdVel = _robot.CreatePublisher<Twist>("cmd_vel");
        _estop = _robot.CreatePublisher<Bool>("estop");
        _robot.CreateSubscription<LowCmd>(Go2LowLevel.CommandTopic, QosProfile.Default with { Depth = 1000 }, m =>
        {
            lock (_commands) _commands.Add(Copy(m));
        });
    }

    private static LowCmd Copy(LowCmd m)
    {
        var bytes = RosMessage.Serialize(m, new CdrWriter());
        var copy = new LowCmd();
        Assert.True(RosMessage.TryDeserialize(bytes, copy));
        return copy;
    }

    private UnitreeGo2Io Io() => new(_deploy, PolicyJoints, _inputs);

    // Motor slot s reports q = 0.1·s, dq = −s, tau_est = 0.5·s; the IMU a tilted quaternion; feet 10, 20, 30, 40.
    private static LowState State(uint tick)
    {
        var s = new LowState { Tick = tick };
        for (int slot = 0; slot < Go2LowLevel.MotorSlots; slot++)
        {
            s.MotorState[slot].Q = 0.1f * slot;
            s.MotorState[slot].Dq = -slot;
            s.MotorState[slot].TauEst = 0.5f * slot;
        }
        float[] q = [0.9f, 0.1f, -0.3f, 0.2f];
        q.CopyTo(s.ImuState.Quaternion, 0);
        float[] g = [0.5f, -0.25f, 1.5f];
        g.CopyTo(s.ImuState.Gyroscope, 0);
        for (int f = 0; f < 4; f++) s.FootForce[f] = (short)(10 * (f + 1));
        return s;
    }

    private void Match(UnitreeGo2Io io) =>
        Assert.True(TestDomain.WaitUntil(() => _state.MatchedSubscriptions == 1 && _estop.MatchedSubscriptions == 1 && _cmdVel.MatchedSubscriptions == 1 && io.CommandSubscribers == 1), "no match");

    [Fact]
    public void Joints_come_from_their_motor_slots_by_name_and_the_imu_in_unitree_order()
    {
        var io = Io();
        Assert.Equal([3, 0, 9, 6, 4, 1, 10, 7, 5, 2, 11, 8], io.Slots);
        Match(io);
        var frame = new SensorFrame(12, 12);
        _state.Publish(State(1000));
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return frame.Sequence == 1; }), "no lowstate arrived");
        for (int i = 0; i < 12; i++)
        {
            int slot = Go2LowLevel.SlotOf(PolicyJoints[i]);
            Assert.Equal(0.1f * slot, frame.JointPos[i]);
            Assert.Equal(-slot, frame.JointVel[i]);
            Assert.Equal(0.5f * slot, frame.JointTorque[i]);
        }
        Assert.Equal(new double[] { 0.9f, 0.1f, -0.3f, 0.2f }, frame.Orientation);   // w, x, y, z as both order it
        Assert.Equal(new double[] { 0.5, -0.25, 1.5 }, frame.Gyro);
        Assert.Equal(new double[] { 10, 20, 30, 40 }, io.FootForce.ToArray());
        Assert.Equal(1000, io.Tick);
        Assert.Equal(1, frame.InputSequence[(int)InputKind.Imu]);
        Assert.True(io.SensorsLive);
        Assert.Equal("/lowstate", io.JointStatesTopic[io.JointStatesTopic.LastIndexOf('/')..]);
    }

    [Fact]
    public void The_sequence_advances_only_when_the_tick_changes()
    {
        var io = Io();
        Match(io);
        var frame = new SensorFrame(12, 12);
        _state.Publish(State(7));
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return frame.Sequence == 1; }));
        long received = 0;
        // The same tick again (a stalled control board repeating itself) is not new data: the watchdog sees no progress.
        for (int k = 0; k < 3; k++) _state.Publish(State(7));
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return ++received > 50; }));
        Assert.Equal(1, frame.Sequence);
        Assert.Equal(1, frame.InputSequence[(int)InputKind.Imu]);
        _state.Publish(State(9));
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return frame.Sequence == 2; }));
        Assert.Equal(9, io.Tick);
    }

    [Fact]
    public void A_policy_joint_the_go2_has_no_motor_for_is_refused_by_name()
    {
        var e = Assert.Throws<UserError>(() => new UnitreeGo2Io(_deploy, [.. PolicyJoints[..11], "FR_wheel_joint"], _inputs));
        Assert.Contains("'FR_wheel_joint'", e.Message);
        Assert.Contains("RL_calf_joint", e.Message);   // the names it does have
        var renamed = Assert.Throws<UserError>(() => new UnitreeGo2Io(_deploy, PolicyJoints, _inputs,
            new DdsRobotIoOptions { JointRenames = new Dictionary<string, string> { ["FL_hip_joint"] = "fl_hip" } }));
        Assert.Contains("fl_hip (the policy's FL_hip_joint)", renamed.Message);
        var input = Assert.Throws<UserError>(() => new UnitreeGo2Io(_deploy, PolicyJoints, [PolicyInputs.Default(InputKind.TargetPose, "base")]));
        Assert.Contains("target_pose", input.Message);
        Assert.Throws<UserError>(() => new UnitreeGo2Io(_deploy, PolicyJoints, _inputs, new DdsRobotIoOptions { CommandMode = JointCommandMode.Position }));
    }

    [Fact]
    public void Every_write_is_a_crc_stamped_servo_command_in_the_joints_slots()
    {
        var io = Io();
        Match(io);
        var command = new JointCommand(12);
        const int writes = 20;
        for (int k = 0; k < writes; k++)
        {
            for (int i = 0; i < 12; i++)
            {
                command.Position[i] = 0.01 * i + k;
                command.Kp[i] = 20 + i;
                command.Kd[i] = 0.5 + 0.01 * i;
                command.Torque[i] = -0.1 * i;
            }
            io.Write(command);
        }
        Assert.True(TestDomain.WaitUntil(() => { lock (_commands) return _commands.Count == writes; }), $"{_commands.Count} of {writes} LowCmd arrived");
        for (int k = 0; k < writes; k++)
        {
            var m = _commands[k];
            Assert.True(UnitreeCrc.IsValid(m), $"write {k}: crc 0x{m.Crc:X8}, expected 0x{UnitreeCrc.Compute(m):X8}");
            Assert.NotEqual(0u, m.Crc);
            Assert.Equal([Go2LowLevel.Head0, Go2LowLevel.Head1], m.Head);
            Assert.Equal(Go2LowLevel.LowLevelFlag, m.LevelFlag);
            for (int i = 0; i < 12; i++)
            {
                var motor = m.MotorCmd[Go2LowLevel.SlotOf(PolicyJoints[i])];
                Assert.Equal(Go2LowLevel.ServoMode, motor.Mode);
                Assert.Equal((float)(0.01 * i + k), motor.Q);
                Assert.Equal(0f, motor.Dq);
                Assert.Equal((float)(20 + i), motor.Kp);
                Assert.Equal((float)(0.5 + 0.01 * i), motor.Kd);
                Assert.Equal((float)(-0.1 * i), motor.Tau);
            }
            for (int slot = Go2LowLevel.LegMotors; slot < Go2LowLevel.MotorSlots; slot++)
                Assert.Equal(Go2LowLevel.PassiveMode, m.MotorCmd[slot].Mode);
        }
        Assert.Equal(writes, io.CommandsWritten);
    }

    [Fact]
    public void Passive_commands_reach_the_motors_as_they_are_zero_torque_and_damping()
    {
        // What the safety layer writes in EStop/Idle (Kp = Kd = τ = 0) and Damping (Kp = 0, the contract's Kd, τ = 0).
        var io = Io();
        Match(io);
        var passive = new JointCommand(12);
        var damping = new JointCommand(12);
        for (int i = 0; i < 12; i++) { passive.Position[i] = 0.3; damping.Position[i] = -0.7; damping.Kd[i] = 1.0; }
        io.Write(passive);
        io.Write(damping);
        Assert.True(TestDomain.WaitUntil(() => { lock (_commands) return _commands.Count == 2; }));
        for (int slot = 0; slot < 12; slot++)
        {
            var zero = _commands[0].MotorCmd[slot];
            Assert.Equal((0f, 0f, 0f, 0f), (zero.Kp, zero.Kd, zero.Tau, zero.Dq));
            var damp = _commands[1].MotorCmd[slot];
            Assert.Equal((0f, 1f, 0f, 0f), (damp.Kp, damp.Kd, damp.Tau, damp.Dq));
        }
        Assert.All(_commands, c => Assert.True(UnitreeCrc.IsValid(c)));
    }

    [Theory]
    [InlineData(0x20, 0x02, true)]    // L2 + B
    [InlineData(0xFF, 0xFF, true)]    // every key: the chord is among them
    [InlineData(0x20, 0x00, false)]   // L2 alone
    [InlineData(0x00, 0x02, false)]   // B alone
    [InlineData(0x10, 0x02, false)]   // R2 + B
    [InlineData(0x20, 0x01, false)]   // L2 + A
    [InlineData(0x00, 0x00, false)]
    public void The_e_stop_chord_is_L2_and_B_in_the_remote_key_bytes(byte low, byte high, bool chord)
    {
        var remote = new byte[40];
        remote[2] = low;
        remote[3] = high;
        remote[0] = 0xFF; remote[4] = 0xFF;   // head and stick bytes do not count
        Assert.Equal(chord, UnitreeGo2Io.IsEStopChord(remote));
        var pressed = new byte[40];
        UnitreeGo2Io.PressEStopChord(pressed);
        Assert.True(UnitreeGo2Io.IsEStopChord(pressed));
        Assert.Equal(2, pressed.Count(b => b != 0));
    }

    [Fact]
    public void The_remote_chord_latches_the_e_stop_even_when_the_loop_never_reads_its_lowstate()
    {
        var io = Io();
        Match(io);
        var frame = new SensorFrame(12, 12);
        _state.Publish(State(1));
        long reads = 0;
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); reads++; return frame.Sequence == 1; }));
        Assert.False(io.EStopPressed);
        var held = State(2);
        UnitreeGo2Io.PressEStopChord(held.WirelessRemote);
        _state.Publish(held);
        _state.Publish(State(3));   // released before the loop looks: the latest lowstate shows no chord
        Assert.True(TestDomain.WaitUntil(() => io.EStopChordSeen), "the chord was not seen");
        io.Read(frame);
        Assert.True(io.EStopPressed);
        Assert.Equal(reads, io.EStopReceivedTick);   // the Reads done before it arrived
        // A false on the estop topic releases that topic's latch, not the chord's.
        _estop.Publish(new Bool { Data = false });
        Thread.Sleep(100);
        io.Read(frame);
        Assert.True(io.EStopPressed);
    }

    [Fact]
    public void The_estop_topic_presses_and_releases()
    {
        var io = Io();
        Match(io);
        var frame = new SensorFrame(12, 12);
        _estop.Publish(new Bool { Data = true });
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return io.EStopPressed; }));
        _estop.Publish(new Bool { Data = false });
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return !io.EStopPressed; }));
        Assert.False(io.EStopChordSeen);
    }

    [Fact]
    public void Ten_thousand_ticks_of_read_and_write_allocate_nothing()
    {
        var io = Io();
        Match(io);
        var frame = new SensorFrame(12, 12);
        var command = new JointCommand(12);
        var twist = new Twist();
        twist.Linear.X = 0.5;
        _cmdVel.Publish(twist);
        _state.Publish(State(1));
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return frame.Sequence == 1 && frame.Command[0] == 0.5; }));
        io.Write(command);   // the first publish sizes the writer's buffer
        long allocated = 0;
        var state = State(2);
        for (int tick = 0; tick < 10_000; tick++)
        {
            if (tick % 100 == 0) { state.Tick = (uint)(2 + tick); _state.Publish(state); }
            long before = GC.GetAllocatedBytesForCurrentThread();
            io.Read(frame);
            command.Position[0] = frame.JointPos[0] + tick * 1e-4;
            command.Kp[0] = 20;
            io.Write(command);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.True(frame.Sequence > 1, "no lowstate taken during the run");
        Assert.Equal(0, allocated);
    }

    public void Dispose()
    {
        _deploy.Dispose();
        _robot.Dispose();
    }
}
