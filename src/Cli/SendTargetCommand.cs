using System.CommandLine;
using System.Globalization;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Runtime;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Node;
using Robotics.RobotBridge.Ros2;

namespace Robotics.Cli;

/// <summary>
/// <c>robotics send-target --x 0.45 --y 0.1 --z 0.7 [--yaw 0.3]</c>: the operator's goal for an arm policy, one
/// geometry_msgs/PoseStamped in the robot's base frame on target_pose (reliable, transient-local: a deploy node that
/// starts later still receives it). Waits for a subscriber, publishes, waits for the acknowledgment, exits.
/// </summary>
internal static class SendTargetCommand
{
    public static Command Create()
    {
        var x = new Option<double>("--x") { Description = "goal x in the base frame [m]", Required = true };
        var y = new Option<double>("--y") { Description = "goal y in the base frame [m]", Required = true };
        var z = new Option<double?>("--z") { Description = "goal z in the base frame [m] (push: default the table height from the contract)" };
        var yaw = new Option<double?>("--yaw") { Description = "turn of the tool about the vertical from its rest orientation [rad] (reach; default 0)" };
        var policy = new Option<string>("--policy") { Description = "the policy whose contract gives the frame, the tool's rest orientation and the ranges", DefaultValueFactory = _ => "models/panda_reach.onnx" };
        var frame = new Option<string?>("--frame") { Description = "header.frame_id (default: the contract's base link)" };
        var domain = new Option<uint>("--domain") { Description = "ROS_DOMAIN_ID (0–232)", DefaultValueFactory = _ => 0u };
        var loopback = new Option<bool>("--loopback") { Description = "keep DDS traffic on the loopback interface" };
        var topic = new Option<string?>("--topic") { Description = "topic (default: the contract's target_pose topic)" };
        var wait = new Option<double>("--wait") { Description = "how long to wait for a subscriber [s]", DefaultValueFactory = _ => 5.0 };
        var linger = new Option<double>("--linger") { Description = "how long to keep the goal on offer after sending it [s]: a node that starts meanwhile still receives it", DefaultValueFactory = _ => 2.0 };
        var cmd = new Command("send-target", "Publish one target pose (geometry_msgs/PoseStamped, base frame) for an arm policy's deploy node.")
        {
            x, y, z, yaw, policy, frame, domain, loopback, topic, wait, linger,
        };
        var security = new SecurityFlags("/operator");
        security.AddTo(cmd);
        cmd.SetAction(r => Run(r.GetValue(x), r.GetValue(y), r.GetValue(z), r.GetValue(yaw), r.GetValue(policy)!, r.GetValue(frame), r.GetValue(domain), r.GetValue(loopback),
            r.GetValue(topic), r.GetValue(wait), r.GetValue(linger), security.Resolve(r)));
        return cmd;
    }

    private static int Run(double x, double y, double? z, double? yaw, string policyPath, string? frame, uint domain, bool loopback, string? topicArg, double wait, double linger,
        Robotics.RobotBridge.Security.Ros2SecurityOptions? security)
    {
        if (domain > 232) throw new UserError($"--domain {domain}: allowed 0–232");
        if (!(wait > 0 && double.IsFinite(wait))) throw new UserError($"--wait {wait} s: must be positive");
        if (!(linger >= 0 && linger <= 60)) throw new UserError($"--linger {linger} s: allowed [0, 60]");
        var writer = new TargetPoseWriter(OnnxPolicy.ReadContract(policyPath), frame);
        if (yaw is not null && !writer.HasYaw) throw new UserError($"--yaw: the {writer.Contract.Task} policy's target is a position only (its contract has no target_yaw)");
        if (z is null && writer.FixedZ is null) throw new UserError($"--z is required: the {writer.Contract.Task} policy's target height varies");
        var message = new PoseStamped();
        writer.Write(x, y, z, yaw ?? 0, DateTime.UtcNow.Subtract(DateTime.UnixEpoch).Ticks * 100, message);
        string topic = topicArg ?? writer.Input.Topic;

        var inv = CultureInfo.InvariantCulture;
        using var node = new Ros2Node("send_target", (loopback ? Ros2NodeOptions.Loopback(domain) : new Ros2NodeOptions { DomainId = domain }) with { Security = security });
        var publisher = node.CreatePublisher<PoseStamped>(topic, new DdsRobotIoOptions().SetpointQos);
        var deadline = DateTime.UtcNow.AddSeconds(wait);
        while (publisher.MatchedSubscriptions == 0 && DateTime.UtcNow < deadline) Thread.Sleep(10);
        if (publisher.MatchedSubscriptions == 0)
            throw new UserError(string.Create(inv, $"no subscriber on {publisher.Topic} within {wait} s (domain {domain}{(loopback ? ", loopback" : "")}): is the deploy node running?"));
        foreach (var note in writer.OutOfRange(x, y, z, yaw ?? 0)) Console.WriteLine($"note: {note}");
        // Discovery brings subscribers one at a time, and the sample lives only as long as this writer: publish once the
        // matched set has held still for a moment, so that every node already up (the deploy node, a simulator scoring
        // the goal) is among them.
        var settled = DateTime.UtcNow.AddMilliseconds(300);
        for (int matched = publisher.MatchedSubscriptions; DateTime.UtcNow < settled && DateTime.UtcNow < deadline.AddSeconds(1); Thread.Sleep(10))
            if (publisher.MatchedSubscriptions != matched) { matched = publisher.MatchedSubscriptions; settled = DateTime.UtcNow.AddMilliseconds(300); }
        publisher.Publish(message);
        if (!publisher.WaitForAcknowledgments(TimeSpan.FromSeconds(2)))
            throw new UserError($"the target on {publisher.Topic} was not acknowledged within 2 s");
        // Transient-local: a subscriber matched while this writer lives gets the goal too; acknowledged before leaving.
        Thread.Sleep(TimeSpan.FromSeconds(linger));
        publisher.WaitForAcknowledgments(TimeSpan.FromSeconds(1));
        var p = message.Pose.Position;
        var q = message.Pose.Orientation;
        Console.WriteLine(string.Create(inv, $"sent target ({p.X:0.###}, {p.Y:0.###}, {p.Z:0.###}) m{(writer.HasYaw ? $", yaw {yaw ?? 0:0.###} rad" : "")} in {writer.Frame} " +
            $"(quaternion x y z w {q.X:0.####} {q.Y:0.####} {q.Z:0.####} {q.W:0.####}) on {publisher.Topic} to {publisher.MatchedSubscriptions} subscriber(s)"));
        return 0;
    }
}
