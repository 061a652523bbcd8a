using Robotics.Deploy.Contract;
using Robotics.Deploy.Kinematics;
using Robotics.Deploy.Runtime;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Node;
using Robotics.RobotBridge.Ros2;
using Robotics.RobotBridge.Tests.Hil;
using Robotics.RobotBridge.Tests.Ros2;

namespace Robotics.RobotBridge.Tests.Node;

/// <summary>The operator's target pose: <see cref="TargetPoseWriter"/> and <c>robotics send-target</c> against a deploy node's subscription.</summary>
public sealed class SendTargetTests
{
    [Fact]
    public void A_reach_target_is_the_tools_rest_orientation_turned_by_the_yaw_in_the_base_frame()
    {
        var contract = OnnxPolicy.ReadContract(ArmPolicies.Path("panda_reach"));
        var writer = new TargetPoseWriter(contract);
        Assert.Equal(contract.Kinematics!.BaseLink, writer.Frame);
        Assert.True(writer.HasYaw);
        Assert.Null(writer.FixedZ);
        Span<double> p = stackalloc double[3];
        var rest = new double[9];
        contract.BuildKinematics()!.Pose(contract.DefaultJointPos, p, rest);

        var m = new PoseStamped();
        writer.Write(0.45, -0.1, 0.3, 0.3, 1_500_000_000_250, m);
        Assert.Equal((writer.Frame, 1500, 250u), (m.Header.FrameId, m.Header.Stamp.Sec, m.Header.Stamp.Nanosec));
        Assert.Equal((0.45, -0.1, 0.3), (m.Pose.Position.X, m.Pose.Position.Y, m.Pose.Position.Z));
        var q = m.Pose.Orientation;
        var r = new double[9];
        Assert.True(Rotation.FromQuaternion(q.W, q.X, q.Y, q.Z, r));
        // R · R_restᵀ is a pure turn of 0.3 rad about the base's z: the target family the policy was trained on.
        var e = new double[3];
        Rotation.Error(r, rest, e);
        Assert.Equal(0, e[0], 9);
        Assert.Equal(0, e[1], 9);
        Assert.Equal(0.3, e[2], 9);

        Assert.Empty(writer.OutOfRange(0.45, -0.1, 0.3, 0.3));
        Assert.Contains("target_x = 0.9 m lies outside the trained range", Assert.Single(writer.OutOfRange(0.9, -0.1, 0.3, 0.3)));
        Assert.Contains("target z is required", Assert.Throws<UserError>(() => writer.Write(0.45, 0, null, 0, 0, m)).Message);
        Assert.Contains("must be finite", Assert.Throws<UserError>(() => writer.Write(double.NaN, 0, 0.3, 0, 0, m)).Message);
    }

    [Fact]
    public void A_push_target_takes_the_table_height_from_the_contract_and_a_legged_policy_has_none()
    {
        var push = OnnxPolicy.ReadContract(ArmPolicies.Path("panda_push"));
        var writer = new TargetPoseWriter(push);
        Assert.False(writer.HasYaw);
        var z = push.Command("target_z")!;
        Assert.Equal(z.Low, z.High);
        Assert.Equal(z.Low, writer.FixedZ);
        var m = new PoseStamped();
        writer.Write(0.5, 0.1, null, 0, 0, m);
        Assert.Equal(z.Low, m.Pose.Position.Z);

        var go1 = OnnxPolicy.ReadContract(TestPaths.Repo("models/go1_velocity.onnx"));
        Assert.Contains("does not read target_pose (its inputs: cmd_vel, imu)", Assert.Throws<UserError>(() => new TargetPoseWriter(go1)).Message);
    }

    [Fact]
    public void Send_target_delivers_one_pose_to_the_deploy_nodes_subscription_and_fails_in_one_line_without_one()
    {
        string path = ArmPolicies.Path("panda_reach");
        var contract = OnnxPolicy.ReadContract(path);
        string topic = TestDomain.Topic("target_pose");
        uint domain = NodeTestDomain.Id(3);
        using var node = new Ros2Node("deploy", NodeTestDomain.Options);
        var io = new DdsRobotIo(node, contract.JointNames, contract.Inputs, new DdsRobotIoOptions
        {
            JointStatesTopic = TestDomain.Topic("joint_states"), EStopTopic = TestDomain.Topic("estop"), JointCommandsTopic = TestDomain.Topic("joint_commands"),
            StatusTopic = TestDomain.Topic("deploy_status"), Remap = new Dictionary<string, string> { ["target_pose"] = topic },
        });
        using (var send = new NodeProcess($"send-target --x 0.5 --y 0.05 --z 0.35 --yaw -0.2 --policy {path} --domain {domain} --loopback --topic {topic}"))
        {
            Assert.True(send.WaitForExit(60), "send-target did not exit");
            Assert.True(send.ExitCode == 0, send.Output);
            Assert.Contains($"sent target (0.5, 0.05, 0.35) m, yaw -0.2 rad in {contract.Kinematics!.BaseLink}", send.Output);
        }
        var frame = new SensorFrame(contract.JointCount, contract.JointCount);
        // Acknowledged by our reader before the tool exited; the node's receive thread hands it on a moment later.
        Assert.True(TestDomain.WaitUntil(() => { io.Read(frame); return frame.InputSequence[(int)InputKind.TargetPose] > 0; }, 5), "the target did not arrive");
        Assert.Equal(1, frame.InputSequence[(int)InputKind.TargetPose]);
        Assert.Null(io.InputError(InputKind.TargetPose));
        Assert.Equal([0.5, 0.05, 0.35], frame.TargetPosition);

        using var alone = new NodeProcess($"send-target --x 0.5 --y 0 --z 0.35 --policy {path} --domain {domain} --loopback --topic {TestDomain.Topic("nobody")} --wait 0.5");
        Assert.True(alone.WaitForExit(60));
        Assert.Equal(2, alone.ExitCode);
        // One line (beside Cyclone's own notice about the loopback interface).
        var line = Assert.Single(alone.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:"));
        Assert.StartsWith("error: no subscriber on /nobody_", line);
        Assert.EndsWith("is the deploy node running?", line.TrimEnd());
    }
}
