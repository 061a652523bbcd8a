using Robotics.Deploy.Contract;
using Robotics.Deploy.Kinematics;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Sim.Tasks.Manipulation;
using Robotics.Training.Devices;
using Robotics.Training.Export;

namespace Robotics.Training.Tests.Export;

/// <summary>
/// What an arm's robot has at one control period: joint states; the goal as a <c>target_pose</c> message carries it, in
/// the base frame (position [m] [3], orientation as a unit quaternion w x y z [4]); the object's position as
/// <c>object_pose</c> carries it [m] [3] (null when the policy reads no object); the last action [n].
/// </summary>
public sealed record ArmFrame(double[] JointPos, double[] JointVel, double[] TargetPosition, double[] TargetOrientation, double[]? ObjectPosition, float[] LastAction);

/// <summary>
/// Golden-trace parity for the arms: a reach or push rollout in training code (the MuJoCo task, observation noise off, a
/// TorchSharp actor) is recorded as what the robot would have, with the training observations and actions. The deploy side,
/// from the exported file alone, computes the end-effector pose by the contract's kinematic chain into a
/// <see cref="SensorFrame"/>, builds the observation, runs the policy and maps the action: joint-state and perception terms
/// match training bit for bit, forward-kinematics terms within 1e-6, actions and targets within 1e-5.
/// </summary>
public class ArmGoldenTraceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arm-golden-trace-").FullName;

    private readonly Xunit.Abstractions.ITestOutputHelper _out;

    public ArmGoldenTraceTests(Xunit.Abstractions.ITestOutputHelper output)
    {
        _out = output;
        TorchRuntime.Initialize(ComputeDevice.Cpu);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // orientation_error's bound is MuJoCo's, not the chain's: the scene is compiled from a 6-digit MJCF, which writes the
    // URDF's hand mount (rpy 0 0 −π/4) as the quaternion (0.92388, 0, 0, −0.382683), 1.2e-6 rad off −π/4 (the π/2 twists
    // round to exactly π/2). The robot turns by the URDF's angle; training saw MuJoCo's. Positions match to rounding.
    private static readonly Dictionary<string, double> MuJoCoRounding = new() { ["orientation_error"] = 2e-6 };

    [Theory]
    [InlineData("panda_reach")]
    [InlineData("panda_push", "cube_pos[2]", "cube_to_target[2]")]   // the cube rests on the table, the target lies on it
    public void Deploy_reproduces_a_recorded_arm_rollout_through_forward_kinematics(string name, params string[] constant)
    {
        // Training side: randomization on (masses, gains, latency), noise off (perception adds its own).
        var file = ManipulationConfig.Load(TestPaths.Repo($"src/Sim/Tasks/Configs/{name}.toml"));
        using var task = new ManipulationTask(file with { Observations = file.Observations with { Noise = new Dictionary<string, double>() } });
        var contract = task.PolicyContract() with { Provenance = new Provenance { RunId = "golden", SourceCommit = "test" } };
        bool readsObject = contract.Input(InputKind.ObjectPose) is not null;
        task.Initialize(1);
        using var data = new MjData(task.ModelFor(0));
        var rng = new Rng(42);
        using var actor = GoldenTrace.WarmedActor(task, data, ref rng, seed: 3, constant);

        // 200 policy steps (4 s), a new goal every 2 s.
        var trace = GoldenTrace.Record(task, data, actor, ref rng, steps: 200, episodeSteps: 100, () =>
        {
            var f = task.MeasuredFrame(0);
            var q = new double[4];
            Rotation.ToQuaternion(f.TargetRotation, q);
            return new ArmFrame(f.JointPos.ToArray(), f.JointVel.ToArray(), f.TargetPosition.ToArray(), q,
                readsObject ? f.ObjectPosition.ToArray() : null, f.LastAction.ToArray());
        });
        var policyPath = Path.Combine(_dir, "policy.onnx");
        OnnxExporter.Export(actor, contract, policyPath);

        // Deploy side: only the file, the trace and Robotics.Deploy; the inputs the contract lists, the pose by its chain.
        var recorded = GoldenTrace.SaveAndLoad(trace, Path.Combine(_dir, "golden.json"));
        using var replay = new DeployReplay(policyPath, contract.JointNames);
        var c = replay.Contract;
        var chain = c.BuildKinematics();
        Assert.NotNull(chain);
        Assert.Equal(c.Kinematics!.BaseLink, c.Input(InputKind.TargetPose)!.Frame);
        bool object_ = c.Input(InputKind.ObjectPose) is not null;
        Assert.Equal(readsObject, object_);
        var frame = replay.Frame;
        foreach (var (s, t) in recorded.Select((s, t) => (s, t)))
        {
            var m = s.Measured;
            m.JointPos.CopyTo(frame.JointPos, 0);
            m.JointVel.CopyTo(frame.JointVel, 0);
            m.LastAction.CopyTo(frame.LastAction, 0);
            chain.Pose(frame.JointPos, frame.EePosition, frame.EeRotation);
            m.TargetPosition.CopyTo(frame.TargetPosition, 0);
            var q = m.TargetOrientation;
            Assert.True(Rotation.FromQuaternion(q[0], q[1], q[2], q[3], frame.TargetRotation));
            if (object_) m.ObjectPosition!.CopyTo(frame.ObjectPosition, 0);
            replay.Check(s.Policy, t);
        }
        replay.Conclude(_out, name, MuJoCoRounding);
    }
}
