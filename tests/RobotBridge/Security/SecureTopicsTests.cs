using System.Text.RegularExpressions;
using Robotics.RobotBridge.Dds;
using Robotics.RobotBridge.Messages.GeometryMsgs;
using Robotics.RobotBridge.Messages.SensorMsgs;
using Robotics.RobotBridge.Messages.StdMsgs;
using Robotics.RobotBridge.Ros2;
using Robotics.RobotBridge.Tests.Hil;
using Xunit.Abstractions;

namespace Robotics.RobotBridge.Tests.Security;

/// <summary>
/// DDS Security on loopback with the keystore's enclaves: what an unauthenticated participant can do to the secured
/// topics (nothing), what access control refuses an enclave, and the authenticated deploy and robot pair running the
/// Go1 hardware-in-the-loop as without security.
/// </summary>
[Collection(Hil.NodeProcesses.Name)]
public sealed partial class SecureTopicsTests(SecureTestKeystore keystore, ITestOutputHelper output) : IClassFixture<SecureTestKeystore>
{
    private const string Policy = "models/go1_velocity.onnx";

    [Theory]
    [InlineData(0, "/sim_robot", "cmd_vel")]
    [InlineData(1, "/deploy", "cmd_vel")]
    [InlineData(2, "/deploy", "joint_states")]
    [InlineData(3, "/operator", "joint_commands")]
    [InlineData(4, "/sim_robot", "joint_commands")]
    public void An_enclave_is_refused_a_writer_its_permissions_do_not_grant(int k, string enclave, string topic)
    {
        // Cyclone refuses the writer when it is created (NOT_ALLOWED_BY_SECURITY), before any sample: the node says
        // which enclave may not publish what. The same node may publish what its permissions grant.
        using var node = new Ros2Node("intruder", Ros2NodeOptions.Loopback(SecureTestDomain.Id(k)) with { Security = keystore.Options(enclave) });
        var e = Assert.Throws<UserError>(() => node.CreatePublisher<Float64MultiArray>(topic));
        Assert.Contains($"enclave {enclave} may not publish /{topic}", e.Message);
        Assert.Contains("permissions.xml", e.Message);
        string allowed = Robotics.RobotBridge.Security.Keystore.PolicyOf(enclave).Publish[0];
        Assert.Equal("/" + allowed, node.CreatePublisher<Float64MultiArray>(allowed).Topic);
        Assert.Equal("/robot/" + allowed, node.CreatePublisher<Float64MultiArray>("/robot/" + allowed).Topic);
    }

    [Fact]
    public void One_process_has_one_security_identity_per_domain()
    {
        // Cyclone would give a second enclave's node the first one's permissions: refused, naming the domain.
        uint domain = SecureTestDomain.Id(5);
        using (var op = new Ros2Node("operator", Ros2NodeOptions.Loopback(domain) with { Security = keystore.Options("/operator") }))
        using (var again = new Ros2Node("operator2", Ros2NodeOptions.Loopback(domain) with { Security = keystore.Options("/operator") }))
        {
            var other = Assert.Throws<UserError>(() => new Ros2Node("deploy", Ros2NodeOptions.Loopback(domain) with { Security = keystore.Options("/deploy") }));
            Assert.Contains($"domain {domain}", other.Message);
            Assert.Contains(Path.Combine("enclaves", "deploy"), other.Message);
            Assert.Contains("without security", Assert.Throws<UserError>(() => new Ros2Node("plain", Ros2NodeOptions.Loopback(domain))).Message);
        }
        // Once they are gone the domain takes another identity, whose permissions are its own.
        using var deploy = new Ros2Node("deploy", Ros2NodeOptions.Loopback(domain) with { Security = keystore.Options("/deploy") });
        deploy.CreatePublisher<Float64MultiArray>("joint_commands");
        Assert.Throws<UserError>(() => deploy.CreatePublisher<Twist>("cmd_vel"));
    }

    [Fact]
    public void Security_needs_a_domain_id_DDS_Security_covers()
    {
        var e = Assert.Throws<UserError>(() => new Ros2Node("deploy", Ros2NodeOptions.Loopback(231) with { Security = keystore.Options("/deploy") }));
        Assert.Contains("231", e.Message);
    }

    [Fact]
    public void An_unauthenticated_participant_neither_reads_nor_reaches_the_secured_topics()
    {
        // The secure pair in lock-step: each tick of the deploy node is a joint state from the robot and each step of the
        // robot a joint command from the node, so the node's tick count shows the two talk. This process is a
        // participant without security on the same domain, up before them: it subscribes to what they publish and forges
        // what they read (cmd_vel at 50 m/s, the e-stop, joint commands) all the while.
        uint domain = SecureTestDomain.Id(6);
        using var plain = new Ros2Node("intruder", Ros2NodeOptions.Loopback(domain));
        int states = 0, statuses = 0, commands = 0, imus = 0;
        var js = plain.CreateSubscription<JointState>("joint_states", QosProfile.SensorData, _ => Interlocked.Increment(ref states));
        var imu = plain.CreateSubscription<Imu>("imu", QosProfile.SensorData, _ => Interlocked.Increment(ref imus));
        var st = plain.CreateSubscription<Float64MultiArray>("deploy_status", onMessage: _ => Interlocked.Increment(ref statuses));
        // Its own forged commands (all zeros) come back to it in-process; the node's have gains in them.
        var jc = plain.CreateSubscription<Float64MultiArray>("joint_commands", onMessage: m => { if (m.Data.AsSpan().ContainsAnyExcept(0.0)) Interlocked.Increment(ref commands); });
        var cmdVel = plain.CreatePublisher<Twist>("cmd_vel");
        var estop = plain.CreatePublisher<Bool>("estop");
        var forged = plain.CreatePublisher<Float64MultiArray>("joint_commands");
        bool stop = false;
        var forger = new Thread(() =>
        {
            var fast = new Twist();
            fast.Linear.X = 50;
            var press = new Bool { Data = true };
            var command = new Float64MultiArray();
            command.Data.Resize(48);
            while (!Volatile.Read(ref stop)) { cmdVel.Publish(fast); estop.Publish(press); forged.Publish(command); Thread.Sleep(5); }
        }) { IsBackground = true };
        forger.Start();
        string keys = $" --keystore \"{keystore.Directory}\"";
        using (var sim = new NodeProcess($"sim-robot --task go1_velocity --domain {domain} --loopback --lockstep --seconds 10{keys}"))
        using (var deploy = new NodeProcess($"deploy --policy {Policy} --domain {domain} --loopback --lockstep --autostart --seconds 60{keys}"))
        {
            try
            {
                Assert.True(sim.WaitForExit(90), "sim-robot did not finish");
                deploy.Terminate();
                Assert.True(deploy.WaitForExit(10), "deploy did not stop on SIGTERM");
                Volatile.Write(ref stop, true);
                forger.Join();
                output.WriteLine($"--- sim-robot\n{sim.Output}\n--- deploy\n{deploy.Output}");
                Assert.Equal(0, sim.ExitCode);
                Assert.Contains("DDS Security enclave /deploy", deploy.Output);
                long ticks = long.Parse(TicksLine().Match(deploy.Output).Groups[1].Value);
                Assert.True(ticks >= 1900, $"the secure pair exchanged only {ticks} states and commands");   // 10 s at 200 Hz

                // The secure nodes never saw the forged samples: no e-stop arrived (the node ran on to the end instead of
                // stopping), no cmd_vel reached the node when it started or the robot, which scores from its first one.
                Assert.DoesNotContain("e-stop:", deploy.Output);
                Assert.Contains("final state Running", deploy.Output);
                Assert.Contains("cmd_vel #0", deploy.Output);
                Assert.Contains("no cmd_vel received", sim.Output);
                // And the plain participant read nothing of theirs, nor matched their endpoints.
                Assert.Equal((0, 0, 0, 0), (states, imus, statuses, commands));
                // Matched only with itself (its joint_commands reader and writer), never with them.
                Assert.Equal((0, 0, 0, 1), (js.MatchedPublishers, imu.MatchedPublishers, st.MatchedPublishers, jc.MatchedPublishers));
                Assert.Equal((0, 0, 1), (cmdVel.MatchedSubscriptions, estop.MatchedSubscriptions, forged.MatchedSubscriptions));
            }
            catch { output.WriteLine($"--- sim-robot\n{sim.Output}\n--- deploy\n{deploy.Output}"); throw; }
            finally { Volatile.Write(ref stop, true); }
        }
    }

    [Fact]
    public void The_authenticated_pair_tracks_cmd_vel_as_without_security()
    {
        // The Go1 DDS HIL comparison (DdsHilTests) with every participant in its enclave: this process as /operator, the
        // robot as /sim_robot, the node as /deploy; 2 s per command to keep it short.
        new DdsHilTests(output).TrackCmdVel(SecureTestDomain.Id(7), segment: 1.0, keystore.Options("/operator"), $" --keystore \"{keystore.Directory}\"");
    }

    [GeneratedRegex(@"; ticks (\d+);")]
    private static partial Regex TicksLine();
}
