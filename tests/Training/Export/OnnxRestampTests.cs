using System.Text.Json.Nodes;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Runtime;
using Robotics.Sim.Tasks;
using Robotics.Training.Devices;
using Robotics.Training.Export;
using Robotics.Training.Export.Onnx;
using Robotics.Training.Models;

namespace Robotics.Training.Tests.Export;

/// <summary>Restamping rewrites an exported policy's contract from its task and nothing else; a trained field that differs is refused by name.</summary>
public class OnnxRestampTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onnx-restamp-").FullName;

    public OnnxRestampTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PolicyContract TaskContract(string task)
    {
        var loaded = TaskCatalog.Load(TestPaths.Repo($"src/Sim/Tasks/Configs/{task}.toml"));
        try { return ((IPolicyContractSource)loaded).PolicyContract(); }
        finally { (loaded as IDisposable)?.Dispose(); }
    }

    // An exported reach policy whose contract is written as a 1.1 exporter wrote it: no inputs, kinematics, workspace, stop or weights hash.
    private string OldReachFile(PolicyContract task)
    {
        using var actor = OnnxExporterTests.TrainedLookingActor(task.ObservationDim, task.JointCount, ActivationFunction.Elu, seed: 5);
        var model = OnnxExporter.Build(actor, task with { Provenance = new Provenance { RunId = "reach_run", SourceCommit = "abc123" } });
        var json = JsonNode.Parse(model.MetadataProps.Single().Value)!.AsObject();
        foreach (var key in new[] { "inputs", "kinematics", "workspace", "stop", "weights_sha256" }) json.Remove(key);
        json["contract_version"] = "1.1";
        model.MetadataProps.Single().Value = json.ToJsonString();
        var path = Path.Combine(_dir, "old.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    [Fact]
    public void Restamping_writes_the_tasks_contract_and_keeps_the_graph_and_provenance_byte_for_byte()
    {
        var task = TaskContract("panda_reach");
        var path = OldReachFile(task);
        var before = File.ReadAllBytes(path);
        Assert.Null(OnnxRestamp.FileContract(path).Kinematics);
        Assert.Contains("--restamp", Assert.Throws<UserError>(() => OnnxPolicy.ReadContract(path)).Message);   // no weights hash: refused until restamped

        var result = OnnxRestamp.Restamp(path, task);

        var after = File.ReadAllBytes(path);
        ModelProto a = ModelProto.Parser.ParseFrom(before), b = ModelProto.Parser.ParseFrom(after);
        Assert.Equal(a.Graph.ToByteArray(), b.Graph.ToByteArray());
        Assert.Equal(a.Graph.Initializer.Count, b.Graph.Initializer.Count);
        for (int i = 0; i < a.Graph.Initializer.Count; i++) Assert.Equal(a.Graph.Initializer[i].ToByteArray(), b.Graph.Initializer[i].ToByteArray());
        Assert.Equal(a.Graph.Node.Count, b.Graph.Node.Count);
        for (int i = 0; i < a.Graph.Node.Count; i++) Assert.Equal(a.Graph.Node[i].ToByteArray(), b.Graph.Node[i].ToByteArray());
        // Everything but the contract: the model with its metadata taken out is the same bytes.
        a.MetadataProps.Clear();
        b.MetadataProps.Clear();
        Assert.Equal(a.ToByteArray(), b.ToByteArray());

        var written = OnnxPolicy.ReadContract(path);
        Assert.Equal("1.1", result.Before.ContractVersion);
        var hash = WeightsHash.Compute(after, task.Observation, path);
        Assert.Equal((task with { Provenance = new Provenance { RunId = "reach_run", SourceCommit = "abc123" }, WeightsSha256 = hash }).ToJson(), written.ToJson());
        Assert.Equal(PolicyContract.CurrentVersion, written.ContractVersion);
        Assert.Equal(new[] { "contract_version", "inputs", "kinematics", "workspace", "stop", "weights_sha256" }, result.Changed);

        // Restamping again changes no byte.
        Assert.Empty(OnnxRestamp.Restamp(path, task).Changed);
        Assert.Equal(after, File.ReadAllBytes(path));
    }

    [Fact]
    public void The_restamped_file_computes_the_same_actions()
    {
        var task = TaskContract("panda_reach");
        var path = OldReachFile(task);
        var stamped = Path.Combine(_dir, "new.onnx");
        OnnxRestamp.Restamp(path, task, stamped);
        using InferenceSession before = new(path), after = new(stamped);
        var rng = new Random(1);
        var obs = Enumerable.Range(0, 64 * task.ObservationDim).Select(_ => (float)(4 * rng.NextDouble() - 2)).ToArray();
        float[] Run(InferenceSession s)
        {
            using var value = OrtValue.CreateTensorValueFromMemory(obs, new long[] { 64, task.ObservationDim });
            using var outputs = s.Run(new RunOptions(), new[] { OnnxPolicy.InputName }, new[] { value }, new[] { OnnxPolicy.OutputName });
            return outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }
        Assert.Equal(Run(before), Run(after));
    }

    [Theory]
    [InlineData("robot")]
    [InlineData("joint_names[6]")]
    [InlineData("default_joint_pos[1]")]
    [InlineData("action.scale[0]")]
    [InlineData("action.clip")]
    [InlineData("drive.kp[4]")]
    [InlineData("drive.gravity_compensation")]
    [InlineData("limits.position_upper[3]")]
    [InlineData("control.decimation")]
    [InlineData("observation[1] (joint_vel).scale")]
    [InlineData("observation[0] (joint_pos).noise")]
    public void A_field_the_policy_was_trained_with_that_differs_from_the_task_is_refused_by_name(string field)
    {
        var task = TaskContract("panda_reach");
        var path = OldReachFile(task);
        var before = File.ReadAllBytes(path);
        double[] Bump(double[] v, int i) { var c = v.ToArray(); c[i] += 0.01; return c; }
        ObservationTerm[] Term(int t, Func<ObservationTerm, ObservationTerm> change) { var c = task.Observation.ToArray(); c[t] = change(c[t]); return c; }
        var changed = field switch
        {
            "robot" => task with { Robot = "other_arm" },
            "joint_names[6]" => task with { JointNames = task.JointNames[..6].Append("wrist").ToArray() },
            "default_joint_pos[1]" => task with { DefaultJointPos = Bump(task.DefaultJointPos, 1) },
            "action.scale[0]" => task with { Action = task.Action with { Scale = Bump(task.Action.Scale, 0) } },
            "action.clip" => task with { Action = task.Action with { Clip = 5 } },
            "drive.kp[4]" => task with { Drive = task.Drive with { Kp = Bump(task.Drive.Kp, 4) } },
            "drive.gravity_compensation" => task with { Drive = task.Drive with { GravityCompensation = !task.Drive.GravityCompensation } },
            "limits.position_upper[3]" => task with { Limits = task.Limits! with { PositionUpper = Bump(task.Limits!.PositionUpper, 3) } },
            "control.decimation" => task with { Control = task.Control with { Decimation = 5 } },
            "observation[1] (joint_vel).scale" => task with { Observation = Term(1, t => t with { Scale = 0.05f }) },
            "observation[0] (joint_pos).noise" => task with { Observation = Term(0, t => t with { Noise = 0.01f }) },
            _ => throw new ArgumentException(field),
        };
        var e = Assert.Throws<UserError>(() => OnnxRestamp.Restamp(path, changed));
        // Named by its contract field, with both values (a joint's or a term's index shows in them).
        const string Lead = "the contract differs from task 'panda_reach' in what the policy was trained with (";
        int at = e.Message.IndexOf(Lead, StringComparison.Ordinal);
        Assert.True(at >= 0, e.Message);
        var listed = e.Message[(at + Lead.Length)..e.Message.IndexOf(": the file's first)", StringComparison.Ordinal)].Split("; ");
        string name = field.Split('[', ' ')[0];
        Assert.Equal(name, Assert.Single(listed).Split(' ')[0]);
        Assert.Contains("old.onnx", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_file_without_a_contract_is_refused()
    {
        var path = Path.Combine(_dir, "bare.onnx");
        File.WriteAllBytes(path, new ModelProto { IrVersion = 8, Graph = new GraphProto { Name = "g" } }.ToByteArray());
        Assert.Contains("no policy contract", Assert.Throws<UserError>(() => OnnxRestamp.Restamp(path, TaskContract("panda_reach"))).Message);
    }

    [Fact]
    public void A_file_whose_weights_no_longer_match_its_hash_is_not_restamped()
    {
        var task = TaskContract("panda_reach");
        using var actor = OnnxExporterTests.TrainedLookingActor(task.ObservationDim, task.JointCount, ActivationFunction.Elu, seed: 5);
        var model = OnnxExporter.Build(actor, task with { Provenance = new Provenance { RunId = "reach_run", SourceCommit = "abc123" } });
        model.Graph.Initializer[0].FloatData[0] += 1;   // altered after export
        var path = Path.Combine(_dir, "altered.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        var before = File.ReadAllBytes(path);
        var e = Assert.Throws<UserError>(() => OnnxRestamp.Restamp(path, task));
        Assert.Contains("altered.onnx", e.Message);
        Assert.Contains("do not match the contract's weights_sha256", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    // The shipped policies carry their contract (1.3, or 1.4 for those exported since it recorded the trained action latency)
    // with their weights hash, in step with their tasks: they load, and restamping a copy from the task changes only what
    // contract 1.4 added, or nothing.
    [Theory]
    [InlineData("go1_velocity", "1.3")]
    [InlineData("panda_reach", "1.3")]
    [InlineData("panda_push", "1.4")]
    public void The_shipped_policies_carry_their_tasks_contract_with_the_weights_hash(string name, string version)
    {
        var shipped = TestPaths.Repo($"models/{name}.onnx");
        var c = OnnxPolicy.ReadContract(shipped);
        Assert.Equal(version, c.ContractVersion);
        Assert.Equal(version == "1.3", c.ActionLatency is null);
        Assert.Equal(WeightsHash.Compute(File.ReadAllBytes(shipped), c.Observation, shipped), c.WeightsSha256);
        using (OnnxPolicy.Load(shipped, c.JointNames)) { }
        Assert.NotEqual("", c.Provenance.RunId);
        Assert.NotEqual("", c.Provenance.SourceCommit);
        if (name == "go1_velocity")
        {
            Assert.Equal(new[] { "cmd_vel", "imu" }, c.Inputs.Select(i => i.Name));
            Assert.Null(c.Kinematics);
            Assert.Equal(StopBehavior.Damp, c.Stop);
        }
        else
        {
            var k = Assert.IsType<KinematicsSpec>(c.Kinematics);
            Assert.Equal("ee", k.EeLink);
            Assert.Equal(7, k.Joints.Count(j => j.Type != Robotics.Deploy.Kinematics.KinematicJointType.Fixed));
            Assert.NotNull(c.BuildKinematics());
            var inputs = name == "panda_push" ? new[] { "target_pose", "object_pose" } : new[] { "target_pose" };
            Assert.Equal(inputs, c.Inputs.Select(i => i.Name));
            Assert.All(c.Inputs, i => Assert.Equal(k.BaseLink, i.Frame));
            Assert.All(c.Inputs, i => Assert.Equal("geometry_msgs/msg/PoseStamped", i.Type));
            Assert.NotNull(c.Workspace);
            Assert.Equal(StopBehavior.Hold, c.Stop);
        }

        var copy = Path.Combine(_dir, $"{name}.onnx");
        var before = File.ReadAllBytes(shipped);
        var task = TaskContract(name);
        var result = OnnxRestamp.Restamp(shipped, task, copy);
        // Restamping a copy adds only what 1.4 records; the shipped file is left as it was.
        Assert.Equal(version == "1.3" ? new[] { "contract_version", "action_latency" } : Array.Empty<string>(), result.Changed);
        Assert.Equal(task.ActionLatency, OnnxPolicy.ReadContract(copy).ActionLatency);
        Assert.Equal(before, File.ReadAllBytes(shipped));
    }
}
