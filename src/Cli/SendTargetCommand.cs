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
/// With <c>--stdin</c> it stays up as an operator's terminal: one goal per line (<c>x y z [yaw]</c>), each sent as it is read.
/// </summary>
internal static class SendTargetCommand
{
    public static Command Create()
    {
        var x = new Option<double?>("--x") { Description = "goal x in the base frame [m] (required unless --stdin)" };
        var y = new Option<double?>("--y") { Description = "goal y in the base frame [m] (required unless --stdin)" };
        var z = new Option<double?>("--z") { Description = "goal z in the base frame [m] (push: default the table height from the contract)" };
        var yaw = new Option<double?>("--yaw") { Description = "turn of the tool about the vertical from its rest orientation [rad] (reach; default 0)" };
        var stdin = new Option<bool>("--stdin") { Description = "read goals from standard input, one per line: x y z [yaw] (push: x y); ends at end of input" };
        var policy = new Option<string>("--policy") { Description = "the policy whose contract gives the frame, the tool's rest orientation and the ranges", DefaultValueFactory = _ => "models/panda_reach.onnx" };
        var frame = new Option<string?>("--frame") { Description = "header.frame_id (default: the contract's base link)" };
        var domain = new Option<uint>("--domain") { Description = "ROS_DOMAIN_ID (0–232)", DefaultValueFactory = _ => 0u };
        var loopback = new Option<bool>("--loopback") { Description = "keep DDS traffic on the loopback interface" };
        var topic = new Option<string?>("--topic") { Description = "topic (default: the contract's target_pose topic)" };
        var wait = new Option<double>("--wait") { Description = "how long to wait for a subscriber [s]", DefaultValueFactory = _ => 5.0 };
        var linger = new Option<double>("--linger") { Description = "how long to keep the goal on offer after sending it [s]: a node that starts meanwhile still receives it", DefaultValueFactory = _ => 2.0 };
        var cmd = new Command("send-target", "Publish a target pose (geometry_msgs/PoseStamped, base frame) for an arm policy's deploy node: one, or one per line of standard input.")
        {
            x, y, z, yaw, stdin, policy, frame, domain, loopback, topic, wait, linger,
        };
        var security = new SecurityFlags("/operator");
        security.AddTo(cmd);
        cmd.SetAction(r =>
        {
            if (r.GetValue(domain) is var d && d > 232) throw new UserError($"--domain {d}: allowed 0–232");
            if (r.GetValue(wait) is var w && !(w > 0 && double.IsFinite(w))) throw new UserError($"--wait {w} s: must be positive");
            if (r.GetValue(linger) is var l && !(l >= 0 && l <= 60)) throw new UserError($"--linger {l} s: allowed [0, 60]");
            using var sender = new Sender(r.GetValue(policy)!, r.GetValue(frame), r.GetValue(domain), r.GetValue(loopback), r.GetValue(topic), r.GetValue(wait), security.Resolve(r));
            if (r.GetValue(stdin))
            {
                if (r.GetValue(x) is not null || r.GetValue(y) is not null) throw new UserError("--stdin reads the goals from standard input: leave out --x and --y");
                return sender.FromLines(Console.In, r.GetValue(linger));
            }
            if (r.GetValue(x) is not { } gx || r.GetValue(y) is not { } gy) throw new UserError("--x and --y are required (or --stdin)");
            sender.Send(gx, gy, r.GetValue(z), r.GetValue(yaw));
            sender.Linger(r.GetValue(linger));
            return 0;
        });
        return cmd;
    }

    /// <summary>One operator's publisher of goals, kept for as many goals as it is given.</summary>
    private sealed class Sender : IDisposable
    {
        private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
        private readonly TargetPoseWriter _writer;
        private readonly Ros2Node _node;
        private readonly Ros2Publisher<PoseStamped> _publisher;
        private readonly PoseStamped _message = new();
        private readonly double _wait;
        private readonly string _where;

        public Sender(string policyPath, string? frame, uint domain, bool loopback, string? topic, double wait, Robotics.RobotBridge.Security.Ros2SecurityOptions? security)
        {
            _writer = new TargetPoseWriter(OnnxPolicy.ReadContract(policyPath), frame);
            _wait = wait;
            _where = $"domain {domain}{(loopback ? ", loopback" : "")}";
            _node = new Ros2Node("send_target", (loopback ? Ros2NodeOptions.Loopback(domain) : new Ros2NodeOptions { DomainId = domain }) with { Security = security });
            _publisher = _node.CreatePublisher<PoseStamped>(topic ?? _writer.Input.Topic, new DdsRobotIoOptions().SetpointQos);
        }

        /// <summary>Validates, waits for a subscriber (the first time), publishes and waits for the acknowledgment.</summary>
        public void Send(double x, double y, double? z, double? yaw)
        {
            if (yaw is not null && !_writer.HasYaw) throw new UserError($"--yaw: the {_writer.Contract.Task} policy's target is a position only (its contract has no target_yaw)");
            if (z is null && _writer.FixedZ is null) throw new UserError($"--z is required: the {_writer.Contract.Task} policy's target height varies");
            _writer.Write(x, y, z, yaw ?? 0, DateTime.UtcNow.Subtract(DateTime.UnixEpoch).Ticks * 100, _message);
            var deadline = DateTime.UtcNow.AddSeconds(_wait);
            bool first = _publisher.MatchedSubscriptions == 0;
            while (_publisher.MatchedSubscriptions == 0 && DateTime.UtcNow < deadline) Thread.Sleep(10);
            if (_publisher.MatchedSubscriptions == 0)
                throw new UserError(string.Create(Inv, $"no subscriber on {_publisher.Topic} within {_wait} s ({_where}): is the deploy node running?"));
            foreach (var note in _writer.OutOfRange(x, y, z, yaw ?? 0)) Console.WriteLine($"note: {note}");
            if (first)
            {
                // Discovery brings subscribers one at a time, and the sample lives only as long as this writer: publish once
                // the matched set has held still for a moment, so that every node already up (the deploy node, a simulator
                // scoring the goal) is among them.
                var settled = DateTime.UtcNow.AddMilliseconds(300);
                for (int matched = _publisher.MatchedSubscriptions; DateTime.UtcNow < settled && DateTime.UtcNow < deadline.AddSeconds(1); Thread.Sleep(10))
                    if (_publisher.MatchedSubscriptions != matched) { matched = _publisher.MatchedSubscriptions; settled = DateTime.UtcNow.AddMilliseconds(300); }
            }
            _publisher.Publish(_message);
            if (!_publisher.WaitForAcknowledgments(TimeSpan.FromSeconds(2)))
                throw new UserError($"the target on {_publisher.Topic} was not acknowledged within 2 s");
            var p = _message.Pose.Position;
            var q = _message.Pose.Orientation;
            Console.WriteLine(string.Create(Inv, $"sent target ({p.X:0.###}, {p.Y:0.###}, {p.Z:0.###}) m{(_writer.HasYaw ? $", yaw {yaw ?? 0:0.###} rad" : "")} in {_writer.Frame} " +
                $"(quaternion x y z w {q.X:0.####} {q.Y:0.####} {q.Z:0.####} {q.W:0.####}) on {_publisher.Topic} to {_publisher.MatchedSubscriptions} subscriber(s)"));
        }

        /// <summary>Transient-local: a subscriber matched while this writer lives gets the goal too; acknowledged before leaving.</summary>
        public void Linger(double seconds)
        {
            Thread.Sleep(TimeSpan.FromSeconds(seconds));
            _publisher.WaitForAcknowledgments(TimeSpan.FromSeconds(1));
        }

        /// <summary>
        /// One goal per line (x y z [yaw], spaces or commas; blank lines and # comments skipped) until the end of input.
        /// A bad line is reported with its number and skipped: the goals before and after it still go out. Returns 1 when any was bad.
        /// </summary>
        public int FromLines(TextReader input, double linger)
        {
            int bad = 0, number = 0;
            for (string? line; (line = input.ReadLine()) is not null;)
            {
                number++;
                string text = line.Split('#')[0].Trim();
                if (text.Length == 0) continue;
                try
                {
                    var parts = text.Split([' ', ',', '\t'], StringSplitOptions.RemoveEmptyEntries);
                    var v = new double[parts.Length];
                    for (int i = 0; i < parts.Length; i++)
                        if (!double.TryParse(parts[i], NumberStyles.Float, Inv, out v[i]) || !double.IsFinite(v[i]))
                            throw new UserError($"'{parts[i]}' is not a number");
                    if (v.Length is < 2 or > 4) throw new UserError($"{v.Length} values: expected x y [z [yaw]]");
                    Send(v[0], v[1], v.Length > 2 ? v[2] : null, v.Length > 3 ? v[3] : null);
                }
                catch (UserError e)
                {
                    bad++;
                    Console.Error.WriteLine($"error: standard input, line {number} ({text}): {e.Message}");
                }
            }
            Linger(linger);
            return bad == 0 ? 0 : 1;
        }

        public void Dispose() => _node.Dispose();
    }
}
