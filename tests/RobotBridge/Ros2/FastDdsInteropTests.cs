using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Messages.SensorMsgs;
using Robotics.RobotBridge.Ros2;

namespace Robotics.RobotBridge.Tests.Ros2;

/// <summary>
/// Builds the Fast DDS peer (native/fastdds_peer: IDL in ROS 2 naming → fastddsgen → g++ against
/// libfastrtps-dev) once per machine and source version, cached under the temp folder.
/// </summary>
public sealed class FastDdsPeerBuild
{
    /// <summary>The built executable.</summary>
    public string Executable { get; }

    public FastDdsPeerBuild()
    {
        var src = TestPaths.Repo("native/fastdds_peer");
        var sources = new[] { "Ros2Types.idl", "peer.cpp" }.Select(f => Path.Combine(src, f)).ToArray();
        var hash = Convert.ToHexString(SHA256.HashData(sources.SelectMany(File.ReadAllBytes).ToArray()))[..12];
        var dir = Path.Combine(Path.GetTempPath(), $"robotics-fastdds-peer-{hash}");
        Executable = Path.Combine(dir, "fastdds_peer");
        if (File.Exists(Executable)) return;
        var work = dir + ".tmp" + Environment.ProcessId;
        Directory.CreateDirectory(work);
        Run("fastddsgen", $"-replace -d \"{work}\" \"{sources[0]}\"", work);
        Run("g++", $"-O1 -std=c++17 -I\"{work}\" -o \"{Path.Combine(work, "fastdds_peer")}\" \"{sources[1]}\" Ros2Types.cxx Ros2TypesPubSubTypes.cxx -lfastrtps -lfastcdr", work);
        try { Directory.Move(work, dir); }
        catch (IOException) { Directory.Delete(work, recursive: true); }     // another run built it meanwhile
    }

    private static void Run(string file, string args, string dir)
    {
        Process p;
        try { p = Process.Start(new ProcessStartInfo(file, args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true })!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{file} not found ({e.Message}): apt-get install libfastrtps-dev fastddsgen g++ (./robotics does)");
        }
        using (p)
        {
            var output = p.StandardOutput.ReadToEndAsync();
            var error = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {args} failed:\n{output.Result}\n{error}");
        }
    }
}

/// <summary>Our node and a Fast DDS 2.9 participant (the DDS of ROS 2's default RMW) exchange ROS 2 messages on loopback.</summary>
public class FastDdsInteropTests(FastDdsPeerBuild peer) : IClassFixture<FastDdsPeerBuild>
{
    [Fact]
    public void Fast_DDS_peer_receives_our_JointState_and_we_obey_its_cmd_vel()
    {
        string jsTopic = TestDomain.Topic("joint_states"), cmdTopic = TestDomain.Topic("cmd_vel");
        var lines = new ConcurrentQueue<string>();
        using var process = Process.Start(new ProcessStartInfo(peer.Executable,
            $"{TestDomain.Id} rt/{jsTopic} rt/{cmdTopic} 60") { RedirectStandardOutput = true, RedirectStandardError = true })!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue("stderr: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var node = new Ros2Node("policy", TestDomain.Options);
            var pub = node.CreatePublisher<JointState>(jsTopic);
            var cmd = node.CreateSubscription<Twist>(cmdTopic);

            var js = new JointState();
            js.Name.Set(Enumerable.Range(0, 12).Select(i => $"joint_{i:00}").ToArray());
            js.Position.Set(Enumerable.Range(0, 12).Select(i => 0.25 + i).ToArray());
            var twist = new Twist();
            bool obeyed = TestDomain.WaitUntil(() =>
            {
                pub.Publish(js);       // until discovery completes, these may go nowhere: keep sending
                Thread.Sleep(50);
                return cmd.TryTakeLatest(twist);
            }, seconds: 30);
            Assert.True(obeyed, "no cmd_vel from the Fast DDS peer; its output:\n" + string.Join("\n", lines));
            Assert.Equal(12.0, twist.Linear.X);      // the peer decoded all 12 joints of our JointState
            Assert.Equal(0.25, twist.Angular.Z);     // and position[0]
            Assert.True(TestDomain.WaitUntil(() => lines.Any(l => l.StartsWith("joint_state 12 joint_00 0.250000")), 5),
                "peer did not print the JointState:\n" + string.Join("\n", lines));
            Assert.Equal(0, cmd.DroppedMalformed);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
            process.WaitForExit();
        }
    }

    [Fact]
    public void Fast_DDS_peer_and_we_exchange_PoseStamped_both_ways_reliable_and_transient_local()
    {
        string inTopic = TestDomain.Topic("target_pose"), outTopic = TestDomain.Topic("pose_echo");
        var latched = new Robotics.RobotBridge.Node.DdsRobotIoOptions().SetpointQos;
        using var node = new Ros2Node("operator", TestDomain.Options);
        var pub = node.CreatePublisher<PoseStamped>(inTopic, latched);
        var sub = node.CreateSubscription<PoseStamped>(outTopic, latched);
        var sent = new PoseStamped();
        sent.Header.FrameId = "panda_link0";
        sent.Header.Stamp.Sec = 1_700_000_000; sent.Header.Stamp.Nanosec = 123_456_789;
        sent.Pose.Position.X = 0.45; sent.Pose.Position.Y = -0.125; sent.Pose.Position.Z = 0.7;
        sent.Pose.Orientation.X = 0.5; sent.Pose.Orientation.Y = -0.5; sent.Pose.Orientation.Z = 0.25; sent.Pose.Orientation.W = Math.Sqrt(1 - 0.5 * 0.5 * 2 - 0.25 * 0.25);
        // Once, before the peer exists: a transient-local sample must reach a late-joining reader of the other vendor.
        Assert.True(pub.Publish(sent));

        var lines = new ConcurrentQueue<string>();
        using var process = Process.Start(new ProcessStartInfo(peer.Executable,
            $"{TestDomain.Id} rt/{TestDomain.Topic("joint_states")} rt/{TestDomain.Topic("cmd_vel")} 60 rt/{inTopic} rt/{outTopic}") { RedirectStandardOutput = true, RedirectStandardError = true })!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue("stderr: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var echo = new PoseStamped();
            Assert.True(TestDomain.WaitUntil(() => sub.TryTakeLatest(echo), seconds: 30), "no PoseStamped back from the Fast DDS peer; its output:\n" + string.Join("\n", lines));
            // The peer decoded every field of ours (it prints them) and we decode every field of its reply.
            Assert.True(TestDomain.WaitUntil(() => lines.Contains("pose panda_link0 1700000000 123456789 0.450000 -0.125000 0.700000 0.500000 -0.500000 0.250000 " +
                sent.Pose.Orientation.W.ToString("0.000000", System.Globalization.CultureInfo.InvariantCulture)), 5), "peer did not print our pose:\n" + string.Join("\n", lines));
            Assert.Equal("peer/panda_link0", echo.Header.FrameId);
            Assert.Equal((1_700_000_000, 123_456_789u), (echo.Header.Stamp.Sec, echo.Header.Stamp.Nanosec));
            Assert.Equal((0.9, -0.25, 1.4), (echo.Pose.Position.X, echo.Pose.Position.Y, echo.Pose.Position.Z));
            Assert.Equal((0.5, -0.5, 0.25, sent.Pose.Orientation.W), (echo.Pose.Orientation.X, echo.Pose.Orientation.Y, echo.Pose.Orientation.Z, echo.Pose.Orientation.W));
            Assert.Equal(0, sub.DroppedMalformed);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
            process.WaitForExit();
        }
    }
}
