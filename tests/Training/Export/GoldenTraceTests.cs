using Robotics.Deploy.Contract;
using Robotics.Deploy.Runtime;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Training.Devices;
using Robotics.Training.Export;
using Robotics.Training.Models;
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

    /// <summary>
    /// The flat task with a fresh, warmed actor exported for the test; and the rough-terrain task on its grid with the shipped
    /// blind policy, replayed from models/go1_rough.onnx itself (its height scan is the critic's, so the robot needs no new input).
    /// </summary>
    [Theory]
    [InlineData("go1_velocity", null)]
    [InlineData("go1_rough", "models/go1_rough.onnx")]
    public void Deploy_reproduces_a_recorded_rollout(string taskName, string? shipped)
    {
        // Training side. Sensor noise off (the robot adds its own); randomization stays on, so the
        // frames carry e.g. the gyro bias the policy must live with.
        var file = LocomotionConfig.Load(TestPaths.Repo($"src/Sim/Tasks/Configs/{taskName}.toml"));
        using var task = new LocomotionTask(file with { Observations = file.Observations with { Noise = new Dictionary<string, double>() } });
        task.Initialize(1);
        using var data = new MjData(task.ModelFor(0));
        var rng = new Rng(42);
        PolicyContract contract;
        string policyPath;
        GaussianActor actor;
        if (shipped is null)
        {
            contract = task.PolicyContract() with { Provenance = new Provenance { RunId = "golden", SourceCommit = "test" } };
            actor = GoldenTrace.WarmedActor(task, data, ref rng, seed: 3);
            policyPath = Path.Combine(_dir, "policy.onnx");
        }
        else
        {
            policyPath = TestPaths.Repo(shipped);
            contract = OnnxPolicy.ReadContract(policyPath);
            var policy = task.ObservationGroups.Single(g => g.Name == ObservationGroup.Policy);
            Assert.Equal(policy.Terms.Select(t => t.Name), contract.Observation.Select(t => t.Name));
            var hidden = Robotics.Training.Export.OnnxWeights.Read(policyPath).Layers.SkipLast(1).Select(l => l.Out).ToArray();
            actor = new GaussianActor(policy.Dim, task.ActionDim, new NetworkConfig { Hidden = hidden });
            Robotics.Training.Runner.InitFrom.LoadActor(policyPath, actor, ActivationFunction.Elu, Robotics.Training.Runner.RunObservationGroup.Of(policy));
            actor.eval();
        }
        using var _ = actor;

        // 150 policy steps (3 s).
        var trace = GoldenTrace.Record(task, data, actor, ref rng, steps: 150, episodeSteps: task.MaxEpisodeSteps, () =>
        {
            var f = task.MeasuredFrame(0);
            return new LeggedFrame(f.Gyro.ToArray(), f.Orientation.ToArray(), f.JointPos.ToArray(), f.JointVel.ToArray(), f.Command.ToArray(), f.LastAction.ToArray());
        });
        if (shipped is null) OnnxExporter.Export(actor, contract, policyPath);

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
        replay.Conclude(_out, taskName);
    }
}
