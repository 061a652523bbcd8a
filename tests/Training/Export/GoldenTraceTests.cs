using Robotics.Deploy.Contract;
using Robotics.Deploy.Runtime;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Training.Devices;
using Robotics.Training.Export;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Export;

/// <summary>What the Go1 measured at one control period: IMU, joint states, the velocity command, the last action.</summary>
public sealed record LeggedFrame(double[] Gyro, double[] Orientation, double[] JointPos, double[] JointVel, double[] Command, float[] LastAction);

/// <summary>
/// Golden-trace parity: a Go1 rollout in training code (MuJoCo task + TorchSharp actor) is recorded to
/// a file as raw sensor frames, observations and actions; the deploy side (ObservationBuilder +
/// OnnxPolicy on the exported file) then reproduces every observation bit for bit from the frames,
/// every action within 1e-5, and through the contract's <see cref="ActionMap"/> every joint target the
/// simulator drove its PD law with. The arms' traces are <see cref="ArmGoldenTraceTests"/>.
/// </summary>
public class GoldenTraceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("golden-trace-").FullName;

    private readonly Xunit.Abstractions.ITestOutputHelper _out;

    public GoldenTraceTests(Xunit.Abstractions.ITestOutputHelper output)
    {
        _out = output;
        TorchRuntime.Initialize(ComputeDevice.Cpu);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Deploy_reproduces_a_recorded_rollout()
    {
        // Training side. Sensor noise off (the robot adds its own); randomization stays on, so the
        // frames carry e.g. the gyro bias the policy must live with.
        var file = LocomotionConfig.Load(TestPaths.Repo("src/Sim/Tasks/Configs/go1_velocity.toml"));
        using var task = new LocomotionTask(file with { Observations = file.Observations with { Noise = new Dictionary<string, double>() } });
        var contract = task.PolicyContract() with { Provenance = new Provenance { RunId = "golden", SourceCommit = "test" } };
        task.Initialize(1);
        using var data = new MjData(task.ModelFor(0));
        var rng = new Rng(42);
        using var actor = GoldenTrace.WarmedActor(task, data, ref rng, seed: 3);

        // 150 policy steps (3 s).
        var trace = GoldenTrace.Record(task, data, actor, ref rng, steps: 150, episodeSteps: task.MaxEpisodeSteps, () =>
        {
            var f = task.MeasuredFrame(0);
            return new LeggedFrame(f.Gyro.ToArray(), f.Orientation.ToArray(), f.JointPos.ToArray(), f.JointVel.ToArray(), f.Command.ToArray(), f.LastAction.ToArray());
        });
        var policyPath = Path.Combine(_dir, "policy.onnx");
        OnnxExporter.Export(actor, contract, policyPath);

        // Deploy side: only the file, the trace and Robotics.Deploy.
        var recorded = GoldenTrace.SaveAndLoad(trace, Path.Combine(_dir, "golden.json"));
        using var replay = new DeployReplay(policyPath, contract.JointNames);
        var frame = replay.Frame;
        foreach (var (s, t) in recorded.Select((s, t) => (s, t)))
        {
            var m = s.Measured;
            m.Gyro.CopyTo(frame.Gyro, 0);
            m.Orientation.CopyTo(frame.Orientation, 0);
            m.JointPos.CopyTo(frame.JointPos, 0);
            m.JointVel.CopyTo(frame.JointVel, 0);
            m.Command.CopyTo(frame.Command, 0);
            m.LastAction.CopyTo(frame.LastAction, 0);
            replay.Check(s.Policy, t);
        }
        replay.Conclude(_out, "go1_velocity");
    }
}
