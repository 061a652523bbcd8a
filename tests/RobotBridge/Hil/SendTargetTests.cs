using Robotics.RobotBridge.Dds;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Ros2;

namespace Robotics.RobotBridge.Tests.Hil;

/// <summary><c>robotics send-target --stdin</c>: an operator's terminal that stays up and sends one goal per line.</summary>
[Collection(NodeProcesses.Name)]
public sealed class SendTargetTests
{
    [Fact]
    public void Each_line_of_standard_input_is_one_goal_and_a_bad_line_is_named_and_skipped()
    {
        // The in-process node tests' domain, on a topic of this test's own.
        uint domain = NodeTestDomain.Id(3);
        string topic = $"send_target_{Guid.NewGuid():N}";
        var received = new List<(string Frame, double X, double Y, double Z)>();
        using var node = new Ros2Node("goal_listener", Ros2NodeOptions.Loopback(domain));
        node.CreateSubscription<PoseStamped>(topic, QosProfile.Default with { Depth = 100 }, m =>
        {
            lock (received) received.Add((m.Header.FrameId, m.Pose.Position.X, m.Pose.Position.Y, m.Pose.Position.Z));
        });
        using var send = new NodeProcess($"send-target --stdin --policy models/panda_reach.onnx --domain {domain} --loopback --topic {topic} --linger 0.5",
            stdin: "0.45 0.1 0.3 0.2\n# a comment\n0.4 x 0.3\n\n0.35,-0.2,0.4\n");
        try
        {
            Assert.True(send.WaitForExit(60), "send-target did not finish");
            Assert.Equal(1, send.ExitCode);   // one line was bad
            Assert.Contains("error: standard input, line 3 (0.4 x 0.3): 'x' is not a number", send.Output);
            Assert.Equal(2, send.Output.Split('\n').Count(l => l.StartsWith("sent target", StringComparison.Ordinal)));
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (received.Count < 2 && DateTime.UtcNow < deadline) Thread.Sleep(10);
            lock (received)
            {
                Assert.Equal(2, received.Count);
                Assert.Equal(("base", 0.45, 0.1, 0.3), received[0]);
                Assert.Equal(("base", 0.35, -0.2, 0.4), received[1]);
            }
        }
        catch { Console.WriteLine(send.Output); throw; }
    }
}
