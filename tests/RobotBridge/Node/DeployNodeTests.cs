using Robotics.Deploy.Safety;
using Robotics.RobotBridge.Messages.SensorMsgs;
using Robotics.RobotBridge.Node;
using Robotics.RobotBridge.Ros2;
using Robotics.RobotBridge.Tests.Hil;
using Robotics.RobotBridge.Tests.Ros2;

namespace Robotics.RobotBridge.Tests.Node;

/// <summary>The deploy node in process, against a driver that does not publish every joint the policy needs.</summary>
public sealed class DeployNodeTests
{
    [Fact]
    public void A_driver_missing_a_policy_joint_is_named_and_the_node_never_starts()
    {
        var io = new DdsRobotIoOptions
        {
            JointStatesTopic = TestDomain.Topic("joint_states"), ImuTopic = TestDomain.Topic("imu"), CmdVelTopic = TestDomain.Topic("cmd_vel"),
            EStopTopic = TestDomain.Topic("estop"), JointCommandsTopic = TestDomain.Topic("joint_commands"), StatusTopic = TestDomain.Topic("deploy_status"),
        };
        using var node = new DeployNode(new DeployNodeOptions
        {
            PolicyPath = TestPaths.Repo("models/go1_velocity.onnx"), DomainId = NodeTestDomain.Id(3), Loopback = true, Io = io,
            LockStep = true, AutoStart = true, Seconds = 1.0,
        });
        using var driver = new Ros2Node("driver", NodeTestDomain.Options);
        var joints = driver.CreatePublisher<JointState>(io.JointStatesTopic);
        var imu = driver.CreatePublisher<Imu>(io.ImuTopic);
        // Every Go1 joint but the front-right calf.
        var js = new JointState();
        var names = node.Config.JointNames.Where(j => j != "FR_calf_joint").ToArray();
        js.Name.Set(names);
        js.Position.Set(new double[names.Length]);

        var log = new List<string>();
        using var feeding = new CancellationTokenSource();
        var feeder = new Thread(() =>
        {
            while (!feeding.IsCancellationRequested) { imu.Publish(new Imu()); joints.Publish(js); Thread.Sleep(10); }
        });
        feeder.Start();
        var r = node.Run(line => { lock (log) log.Add(line); });
        feeding.Cancel();
        feeder.Join();

        Assert.Contains(log, l => l.Contains("refusing to start") && l.Contains("'FR_calf_joint'"));
        Assert.DoesNotContain(log, l => l.Contains("start requested"));
        Assert.Equal(SafetyState.Idle, r.FinalState);
        Assert.Equal(0, r.Ticks);    // lock-step ticks only on usable joint states
    }
}
