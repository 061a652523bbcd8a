using System.Diagnostics;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Runtime;
using Xunit.Abstractions;

namespace Robotics.Deploy.Tests.Runtime;

public class OnnxPolicyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onnx-policy-").FullName;
    private readonly ITestOutputHelper _out;

    public OnnxPolicyTests(ITestOutputHelper output) => _out = output;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] TwoJoints = { "j0", "j1" };

    // W = [[1, 2, 0], [0, 0, −1]], b = [0.5, −0.5]: 3 observations → 2 actions.
    private static readonly (float[], float[], int, int) LinearLayer = (new float[] { 1, 2, 0, 0, 0, -1 }, new float[] { 0.5f, -0.5f }, 3, 2);

    private string Linear(string name, string? contractJson) => TestPolicies.Write(Path.Combine(_dir, name), contractJson, LinearLayer);

    private string Linear(string name, PolicyContract contract) => TestPolicies.Write(Path.Combine(_dir, name), contract, LinearLayer);

    private string Good() => Linear("good.onnx", TestPolicies.Contract(2, 3));

    [Fact]
    public void Runs_the_graph_at_batch_one()
    {
        using var policy = OnnxPolicy.Load(Good(), TwoJoints);
        Assert.Equal(3, policy.ObservationDim);
        Assert.Equal(2, policy.ActionDim);
        Assert.True(policy.Joints.IsIdentity);
        Assert.Equal("run_1", policy.Contract.Provenance.RunId);
        var a = new float[2];
        // x = (1, 1, 2): a0 = 1 + 2 + 0.5 = 3.5, a1 = −2 − 0.5 = −2.5
        policy.Run(new float[] { 1, 1, 2 }, a);
        Assert.Equal(new[] { 3.5f, -2.5f }, a);
        // x = (0, −1, −4): a0 = −2 + 0.5 = −1.5, a1 = 4 − 0.5 = 3.5 (the buffers are reused, not stale)
        policy.Run(new float[] { 0, -1, -4 }, a);
        Assert.Equal(new[] { -1.5f, 3.5f }, a);
        Assert.Contains("observation has 4 values", Assert.Throws<ArgumentException>(() => policy.Run(new float[4], a)).Message);
    }

    [Fact]
    public void Missing_joint_is_named()
    {
        var e = Assert.Throws<UserError>(() => OnnxPolicy.Load(Good(), new[] { "j0", "knee" }));
        Assert.Contains("lacks j1", e.Message);
        Assert.Contains("does not command: knee", e.Message);
        Assert.Contains("good.onnx", e.Message);
    }

    [Fact]
    public void Extra_joint_is_named()
    {
        var e = Assert.Throws<UserError>(() => OnnxPolicy.Load(Good(), new[] { "j0", "j1", "gripper" }));
        Assert.Contains("does not command: gripper", e.Message);
        Assert.Contains("policy: 2 joints, robot: 3", e.Message);
    }

    [Fact]
    public void Reordered_joints_need_an_explicit_remap()
    {
        var e = Assert.Throws<UserError>(() => OnnxPolicy.Load(Good(), new[] { "j1", "j0" }));
        Assert.Contains("policy joint 0 is 'j0' but robot joint 0 is 'j1'", e.Message);
        Assert.Contains("AllowReorder", e.Message);

        using var policy = OnnxPolicy.Load(Good(), new[] { "j1", "j0" }, new JointRemap { AllowReorder = true });
        Assert.False(policy.Joints.IsIdentity);
        var a = new float[2];
        policy.Run(new float[] { 1, 1, 2 }, a);      // policy order (3.5, −2.5)
        var robot = new float[2];
        policy.Joints.ToRobot(a, robot);
        Assert.Equal(new[] { -2.5f, 3.5f }, robot);   // robot order j1, j0
        var q = new double[2];
        policy.Joints.ToPolicy(new[] { 0.7, 0.3 }, q); // robot reads j1 = 0.7, j0 = 0.3
        Assert.Equal(new[] { 0.3, 0.7 }, q);
    }

    [Fact]
    public void Renamed_joints_map_through_the_remap()
    {
        var remap = new JointRemap { Rename = new Dictionary<string, string> { ["j0"] = "FR_hip", ["j1"] = "FR_knee" } };
        using var policy = OnnxPolicy.Load(Good(), new[] { "FR_hip", "FR_knee" }, remap);
        Assert.Equal(1, policy.Joints.RobotIndex(1));
        var bad = new JointRemap { Rename = new Dictionary<string, string> { ["hip"] = "FR_hip" } };
        Assert.Contains("renames 'hip'", Assert.Throws<UserError>(() => OnnxPolicy.Load(Good(), TwoJoints, bad)).Message);
    }

    [Fact]
    public void Output_width_that_differs_from_the_contract_is_refused()
    {
        // The graph writes 3 actions; the contract (and the robot) have 2 joints.
        var path = TestPolicies.Write(Path.Combine(_dir, "wide.onnx"), TestPolicies.Contract(2, 3), (new float[9], new float[3], 3, 3));
        var e = Assert.Throws<UserError>(() => OnnxPolicy.Load(path, TwoJoints));
        Assert.Contains("output 'actions' has width 3, but the contract lists 2 joints", e.Message);
        Assert.Contains("wide.onnx", e.Message);
    }

    [Fact]
    public void Input_width_that_differs_from_the_observation_layout_is_refused()
    {
        var path = Linear("narrow.onnx", TestPolicies.Contract(2, 4));
        var e = Assert.Throws<UserError>(() => OnnxPolicy.Load(path, TwoJoints));
        Assert.Contains("input 'obs' has width 3, but the contract's observation layout has 4", e.Message);
    }

    [Fact]
    public void Truncated_file_is_a_clear_error_naming_it_at_every_cut()
    {
        var bytes = File.ReadAllBytes(Good());
        var path = Path.Combine(_dir, "cut.onnx");
        // Every length from 1 byte to one byte short: cuts inside the header, the graph, the weights and the metadata.
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            File.WriteAllBytes(path, bytes[..cut]);
            var e = Assert.Throws<UserError>(() => OnnxPolicy.Load(path, TwoJoints));
            Assert.Contains(path, e.Message);
        }
    }

    [Fact]
    public void Corrupted_bytes_never_crash_the_process()
    {
        // Every byte of a valid file replaced in turn by a few values: ONNX Runtime (or our checks) must
        // refuse the file with an exception, or load something that still fits the contract and runs.
        var bytes = File.ReadAllBytes(Good());
        var path = Path.Combine(_dir, "corrupt.onnx");
        int refused = 0, loaded = 0;
        var a = new float[2];
        for (int i = 0; i < bytes.Length; i++)
            foreach (byte v in new byte[] { 0x00, 0xFF, (byte)(bytes[i] ^ 0x01) })
            {
                var copy = (byte[])bytes.Clone();
                copy[i] = v;
                File.WriteAllBytes(path, copy);
                try
                {
                    using var policy = OnnxPolicy.Load(path, TwoJoints);
                    policy.Run(new float[] { 1, 1, 2 }, a);
                    loaded++;
                }
                catch (UserError e)
                {
                    Assert.Contains(path, e.Message);
                    refused++;
                }
            }
        _out.WriteLine($"{bytes.Length} bytes × 3 corruptions: {refused} refused with a named error, {loaded} still valid");
        Assert.True(refused > bytes.Length, "most corruptions should be refused");
    }

    [Fact]
    public void Garbage_empty_and_missing_files_are_clear_errors()
    {
        var path = Path.Combine(_dir, "garbage.onnx");
        var noise = new byte[4096];
        new Random(5).NextBytes(noise);
        File.WriteAllBytes(path, noise);
        Assert.Contains("garbage.onnx: not a valid ONNX model", Assert.Throws<UserError>(() => OnnxPolicy.Load(path, TwoJoints)).Message);
        File.WriteAllBytes(path, Array.Empty<byte>());
        Assert.Contains("is empty", Assert.Throws<UserError>(() => OnnxPolicy.Load(path, TwoJoints)).Message);
        Assert.Contains("not found", Assert.Throws<UserError>(() => OnnxPolicy.Load(Path.Combine(_dir, "none.onnx"), TwoJoints)).Message);
    }

    [Fact]
    public void A_model_without_a_contract_or_with_a_newer_one_is_refused()
    {
        Assert.Contains("no policy contract", Assert.Throws<UserError>(() => OnnxPolicy.Load(Linear("bare.onnx", (string?)null), TwoJoints)).Message);
        var newer = (TestPolicies.Contract(2, 3) with { ContractVersion = "2.0" }).ToJson();
        var e = Assert.Throws<UserError>(() => OnnxPolicy.Load(Linear("newer.onnx", newer), TwoJoints));
        Assert.Contains("newer.onnx", e.Message);
        Assert.Contains("version 2.0 is newer", e.Message);
    }

    [Fact]
    public void Run_allocates_nothing()
    {
        // The shipped Go1 actor's size: 45 → 512 → 256 → 128 → 12, ELU.
        var path = TestPolicies.Write(Path.Combine(_dir, "big.onnx"), TestPolicies.Contract(12, 45), TestPolicies.RandomMlp(1, 45, 512, 256, 128, 12));
        using var policy = OnnxPolicy.Load(path, TestPolicies.Contract(12, 45).JointNames);
        var obs = new float[45];
        var act = new float[12];
        for (int i = 0; i < obs.Length; i++) obs[i] = MathF.Sin(i);
        for (int i = 0; i < 200; i++) policy.Run(obs, act);   // warm-up: JIT and ORT's first-run allocations

        const int calls = 1000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++) policy.Run(obs, act);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.All(act, a => Assert.True(float.IsFinite(a)));

        // Latency at batch 1, for the record (not asserted: this machine is shared).
        var ticks = new long[calls];
        for (int i = 0; i < calls; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            policy.Run(obs, act);
            ticks[i] = Stopwatch.GetTimestamp() - t0;
        }
        Array.Sort(ticks);
        double Us(double q) => ticks[(int)(q * (calls - 1))] * 1e6 / Stopwatch.Frequency;
        _out.WriteLine($"45-512-256-128-12 at batch 1: {allocated} B over {calls} calls; p50 {Us(0.5):0.0} µs, p99 {Us(0.99):0.0} µs");
    }
}
