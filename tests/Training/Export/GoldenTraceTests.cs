using System.Text.Json;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Runtime;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Training.Devices;
using Robotics.Training.Export;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Export;

/// <summary>One control period of a rollout: what the robot measured, what the policy saw and did.</summary>
public sealed record GoldenStep(double[] Gyro, double[] Orientation, double[] JointPos, double[] JointVel, double[] Command, float[] LastAction,
    float[] Observation, float[] Action, double[] Targets);

/// <summary>
/// Golden-trace parity: a Go1 rollout in training code (MuJoCo task + TorchSharp actor) is recorded to
/// a file as raw sensor frames, observations and actions; the deploy side (ObservationBuilder +
/// OnnxPolicy on the exported file) then reproduces every observation bit for bit from the frames,
/// every action within 1e-5, and through the contract's <see cref="ActionMap"/> every joint target the
/// simulator drove its PD law with.
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
        var config = LocomotionConfig.Load(TestPaths.Repo("src/Sim/Tasks/Configs/go1_velocity.toml")) with
        {
            Observations = LocomotionConfig.Load(TestPaths.Repo("src/Sim/Tasks/Configs/go1_velocity.toml")).Observations with { Noise = new Dictionary<string, double>() },
        };
        using var task = new LocomotionTask(config);
        var contract = task.PolicyContract() with { Provenance = new Provenance { RunId = "golden", SourceCommit = "test" } };
        var group = task.ObservationGroups[0];
        Assert.Equal(ObservationGroup.Policy, group.Name);
        int obsDim = group.Dim, n = task.ActionDim;

        manual_seed(3);
        using var actor = new Robotics.Training.Models.GaussianActor(obsDim, n, new Robotics.Training.Models.NetworkConfig { Hidden = new[] { 128, 64 } });
        task.Initialize(1);
        using var data = new MjData(task.ModelFor(0));
        var rng = new Rng(42);
        task.Reset(0, data, ref rng);
        var obs = new float[obsDim];
        var action = new float[n];

        // Normalizer statistics from the robot's own observations (random actions, a new episode and command
        // every 0.4 s), so every term varies as it does across a training batch. A term that never varied
        // would get σ ≈ √ε = 1e-4 and amplify float rounding 10⁴-fold, which no real run has.
        var seen = new List<float>();
        var random = new float[n];
        for (int t = 0; t < 200; t++)
        {
            if (t % 20 == 0) task.Reset(0, data, ref rng);
            task.Observe(0, data, 0, obs, ref rng);
            seen.AddRange(obs);
            for (int k = 0; k < n; k++) random[k] = (float)rng.Uniform(-1, 1);
            task.Simulate(0, data, random, ref rng);
        }
        using (var batch = tensor(seen.ToArray(), new long[] { 200, obsDim })) actor.Normalizer.Update(batch);
        var std = actor.Normalizer.Variance.sqrt().data<float>().ToArray();
        Assert.True(std.Min() > 1e-3, $"a term did not vary in the warm-up (σ min {std.Min():E1})");
        task.Reset(0, data, ref rng);
        actor.eval();

        // Record 150 policy steps (3 s) with the actor's deterministic actions.
        var trace = new List<GoldenStep>();
        for (int t = 0; t < 150; t++)
        {
            var f = task.MeasuredFrame(0);
            task.Observe(0, data, 0, obs, ref rng);
            using (no_grad())
            using (var scope = NewDisposeScope())
                actor.forward(tensor(obs, new long[] { 1, obsDim })).data<float>().CopyTo(action, 0, 0);
            var frame0 = (f.Gyro.ToArray(), f.Orientation.ToArray(), f.JointPos.ToArray(), f.JointVel.ToArray(), f.Command.ToArray(), f.LastAction.ToArray());
            task.Simulate(0, data, action, ref rng);
            trace.Add(new GoldenStep(frame0.Item1, frame0.Item2, frame0.Item3, frame0.Item4, frame0.Item5, frame0.Item6, obs.ToArray(), action.ToArray(),
                task.JointTargets(0).ToArray()));
            if (task.IsTerminated(0, data)) task.Reset(0, data, ref rng);
        }
        var tracePath = Path.Combine(_dir, "golden.json");
        File.WriteAllText(tracePath, JsonSerializer.Serialize(trace));
        var policyPath = Path.Combine(_dir, "policy.onnx");
        OnnxExporter.Export(actor, contract, policyPath);

        // Deploy side: only the file, the trace and Robotics.Deploy.
        var recorded = JsonSerializer.Deserialize<List<GoldenStep>>(File.ReadAllText(tracePath))!;
        using var policy = OnnxPolicy.Load(policyPath, contract.JointNames);
        var builder = new ObservationBuilder(policy.Contract);
        Assert.Empty(builder.ExternalTerms);
        var frame = new SensorFrame(n, n);
        var o = new float[policy.ObservationDim];
        var a = new float[policy.ActionDim];
        var map = policy.Contract.BuildActionMap();
        var targets = new double[n];
        var clipped = new float[n];
        double maxDiff = 0, maxTargetDiff = 0;
        var distinct = new HashSet<float>();
        foreach (var (s, t) in recorded.Select((s, t) => (s, t)))
        {
            s.Gyro.CopyTo(frame.Gyro, 0);
            s.Orientation.CopyTo(frame.Orientation, 0);
            s.JointPos.CopyTo(frame.JointPos, 0);
            s.JointVel.CopyTo(frame.JointVel, 0);
            s.Command.CopyTo(frame.Command, 0);
            s.LastAction.CopyTo(frame.LastAction, 0);
            builder.Build(frame, o);
            for (int k = 0; k < o.Length; k++)
                Assert.True(BitConverter.SingleToInt32Bits(o[k]) == BitConverter.SingleToInt32Bits(s.Observation[k]),
                    $"step {t}, observation {k} ({Term(group, k)}): deploy {o[k]:R} vs training {s.Observation[k]:R}");
            policy.Run(o, a);
            for (int k = 0; k < a.Length; k++) maxDiff = Math.Max(maxDiff, Math.Abs(a[k] - s.Action[k]));
            // The recorded action through the robot's map gives the simulator's targets exactly; the deploy action within its tolerance.
            Assert.Equal(-1, map.Map(s.Action, s.JointPos, clipped, targets));
            Assert.Equal(s.Targets, targets);
            Assert.Equal(-1, map.Map(a, s.JointPos, clipped, targets));
            for (int k = 0; k < n; k++) maxTargetDiff = Math.Max(maxTargetDiff, Math.Abs(targets[k] - s.Targets[k]));
            distinct.Add(s.Action[0]);
        }
        Assert.True(maxDiff < 1e-5, $"max |deploy action − training action| = {maxDiff:E2}");
        Assert.True(maxTargetDiff < 1e-5, $"max |deploy target − training target| = {maxTargetDiff:E2} rad");
        _out.WriteLine($"{recorded.Count} steps: observations bit-identical; max |deploy action − training action| = {maxDiff:E2}");
        Assert.True(distinct.Count > 100, "the rollout barely changed; the trace would not test much");
    }

    private static string Term(ObservationGroup g, int index)
    {
        for (int t = g.Terms.Count - 1; t >= 0; t--)
            if (g.Offset(t) <= index) return $"{g.Terms[t].Name}[{index - g.Offset(t)}]";
        return "?";
    }
}
