using System.Text.Json.Nodes;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Tests.Runtime;

namespace Robotics.Deploy.Tests.Contract;

public class PolicyContractTests
{
    private static readonly PolicyContract Sample = TestPolicies.Contract(2, 3) with
    {
        Action = new ActionSpec { Scale = new[] { 0.05, 0.05 }, Offset = new[] { 0.0, 0.0 }, Reference = ActionReference.MeasuredPosition },
        Drive = new DriveSpec { Kp = new[] { 400.0, 150.0 }, Kd = new[] { 40.0, 10.0 }, TorqueLimit = new[] { 87.0, 12.0 }, GravityCompensation = true },
        Observation = new[] { new ObservationTerm("joint_pos", 2) { Clip = 100, Noise = 0.005f }, new ObservationTerm("joint_vel", 2) { Scale = 0.1f } },
        Inputs = [],
        Kinematics = Robotics.Deploy.Tests.RealTime.ArmConfig.Kinematics,
        Stop = StopBehavior.Hold,
    };

    private static string Edit(Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(Sample.ToJson())!.AsObject();
        edit(node);
        return node.ToJsonString();
    }

    [Fact]
    public void Round_trip_keeps_every_field()
    {
        var json = Sample.ToJson();
        var back = PolicyContract.FromJson(json, "sample");
        Assert.Equal(json, back.ToJson());
        Assert.Equal(new[] { "j0", "j1" }, back.JointNames);
        Assert.Equal(ActionReference.MeasuredPosition, back.Action.Reference);
        Assert.Equal(new[] { 400.0, 150.0 }, back.Drive.Kp);
        Assert.True(back.Drive.GravityCompensation);
        Assert.Equal(new[] { -1.0, -1.0 }, back.Limits!.PositionLower);
        Assert.Equal(0.02, back.Control.PolicyPeriod);
        Assert.Equal(4, back.Control.Decimation);
        Assert.Equal(0.1f, back.Observation[1].Scale);
        Assert.Equal(100f, back.Observation[0].Clip);
        Assert.Equal(4, back.ObservationDim);
        Assert.Equal(new CommandRange("vx", "m/s", -1, 1), back.Commands.Single());
        Assert.Equal("abc123", back.Provenance.SourceCommit);
        // The wire format: snake_case names, the version first-class, enums as words.
        Assert.Contains($"\"contract_version\": \"{PolicyContract.CurrentVersion}\"", json);
        Assert.Equal(ActionSpec.DefaultClip, back.Action.Clip);
        Assert.Contains("\"joint_names\"", json);
        Assert.Contains("\"measured_position\"", json);
        Assert.Contains("\"torque_limit\"", json);
    }

    [Fact]
    public void Newer_major_version_is_refused_by_name()
    {
        var e = Assert.Throws<UserError>(() => PolicyContract.FromJson(Edit(o => o["contract_version"] = "2.0"), "p.onnx"));
        Assert.Contains("p.onnx", e.Message);
        Assert.Contains("version 2.0 is newer than this runtime reads (1.x)", e.Message);
    }

    [Fact]
    public void Newer_minor_version_with_an_added_field_is_read()
    {
        var c = PolicyContract.FromJson(Edit(o => { o["contract_version"] = "1.9"; o["future_field"] = 7; }), "p.onnx");
        Assert.Equal("1.9", c.ContractVersion);
    }

    [Theory]
    [InlineData("robot", "robot")]
    [InlineData("joint_names", "joint_names")]
    [InlineData("drive.kp", "kp")]
    [InlineData("control.decimation", "decimation")]
    [InlineData("provenance", "provenance")]
    [InlineData("observation.0.width", "width")]
    public void Missing_field_is_named(string path, string named)
    {
        var json = Edit(o =>
        {
            var parts = path.Split('.');
            JsonNode node = o;
            foreach (var p in parts[..^1]) node = int.TryParse(p, out int i) ? node[i]! : node[p]!;
            node.AsObject().Remove(parts[^1]);
        });
        var e = Assert.Throws<UserError>(() => PolicyContract.FromJson(json, "p.onnx"));
        Assert.Contains($"'{named}'", e.Message);
        Assert.Contains("p.onnx", e.Message);
    }

    [Fact]
    public void Missing_version_null_field_and_wrong_widths_are_named()
    {
        Assert.Contains("no contract_version", Assert.Throws<UserError>(() => PolicyContract.FromJson(Edit(o => o.Remove("contract_version")), "p")).Message);
        Assert.Contains("robot", Assert.Throws<UserError>(() => PolicyContract.FromJson(Edit(o => o["robot"] = null), "p")).Message);
        var e = Assert.Throws<UserError>(() => PolicyContract.FromJson(Edit(o => o["drive"]!["kd"] = new JsonArray(1.0, 2.0, 3.0)), "p"));
        Assert.Contains("drive.kd has 3 values for 2 joints", e.Message);
        Assert.Contains("joint_names has an empty name", Assert.Throws<UserError>(() => PolicyContract.FromJson(Edit(o => o["joint_names"] = new JsonArray("j0", null)), "p")).Message);
        Assert.Contains("observation has a term without a name", Assert.Throws<UserError>(() => PolicyContract.FromJson(Edit(o => o["observation"]!.AsArray().Add(null)), "p")).Message);
        e = Assert.Throws<UserError>(() => PolicyContract.FromJson(Edit(o => o["action"]!["reference"] = "sideways"), "p"));
        Assert.Contains("reference", e.Message);
        Assert.Contains("not JSON", Assert.Throws<UserError>(() => PolicyContract.FromJson("{ \"contract_version\": ", "p")).Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_trained_action_latency_survives_a_round_trip_and_a_bad_range_is_named()
    {
        var json = (Sample with { ActionLatency = new LatencyRange { Low = 0.001, High = 0.005 } }).ToJson();
        Assert.Contains("\"action_latency\"", json);
        var back = PolicyContract.FromJson(json, "p.onnx");
        Assert.Equal(new LatencyRange { Low = 0.001, High = 0.005 }, back.ActionLatency);
        Assert.Equal(json, back.ToJson());
        var e = Assert.Throws<UserError>(() => PolicyContract.FromJson(Edit(o => o["action_latency"] = new JsonObject { ["low"] = 0.01, ["high"] = 0.005 }), "p.onnx"));
        Assert.Contains("action_latency", e.Message);
        Assert.Contains("p.onnx", e.Message);
    }

    [Fact]
    public void A_contract_before_1_4_has_no_action_latency_and_loads()
    {
        var c = PolicyContract.FromJson(Edit(o => { o["contract_version"] = "1.3"; o.Remove("action_latency"); }), "old.onnx");
        Assert.Null(c.ActionLatency);
        Assert.Null(Robotics.Deploy.RealTime.ControllerConfig.FromContract(c).TrainedActionLatency);
    }

    [Theory]
    [InlineData("panda_push")]
    [InlineData("go1_rough")]
    [InlineData("go2_velocity")]
    public void A_shipped_model_exported_with_contract_1_4_states_the_latency_it_was_trained_for(string name)
    {
        var c = Robotics.Deploy.Runtime.OnnxPolicy.ReadContract(TestPaths.Repo($"models/{name}.onnx"));
        Assert.Equal("1.4", c.ContractVersion);
        var trained = Assert.IsType<LatencyRange>(c.ActionLatency);
        Assert.True(trained.High > trained.Low && trained.Low >= 0, $"{trained}");
        Assert.DoesNotContain("not recorded", new Robotics.Deploy.RealTime.StateAgeMeter(0.002, c.ActionLatency).DescribeTrained());
    }

    [Theory]
    [InlineData("go1_velocity")]
    [InlineData("panda_reach")]
    public void The_shipped_models_load_unchanged_without_an_action_latency(string name)
    {
        var c = Robotics.Deploy.Runtime.OnnxPolicy.ReadContract(TestPaths.Repo($"models/{name}.onnx"));
        Assert.Null(c.ActionLatency);
        Assert.Equal("trained action latency: not recorded in the policy contract; the measured age is not judged",
            new Robotics.Deploy.RealTime.StateAgeMeter(0.005, c.ActionLatency).DescribeTrained());
    }

    [Fact]
    public void A_contract_without_an_action_clip_reads_as_the_default_clip()
    {
        var c = PolicyContract.FromJson(Edit(o => { o["contract_version"] = "1.0"; o["action"]!.AsObject().Remove("clip"); }), "old.onnx");
        Assert.Equal(10, c.Action.Clip);
        Assert.Equal(ActionSpec.DefaultClip, c.Action.Clip);
        var e = Assert.Throws<UserError>(() => PolicyContract.FromJson(Edit(o => o["action"]!["clip"] = -1), "p"));
        Assert.Contains("action.clip", e.Message);
    }

    [Fact]
    public void Joint_targets_follow_the_action_reference()
    {
        var t = new double[2];
        var clipped = new float[2];
        // Offset (legged): offset + 0.25 · a = (0.9 + 0.25 · 1, −1.8 + 0.25 · (−2)) = (1.15, −2.3); q is ignored.
        var legged = TestPolicies.Contract(2, 3) with
        {
            Action = new ActionSpec { Scale = new[] { 0.25, 0.25 }, Offset = new[] { 0.9, -1.8 }, Reference = ActionReference.Offset },
        };
        Assert.Equal(-1, legged.BuildActionMap().Map(new[] { 1f, -2f }, new[] { 5.0, 5.0 }, clipped, t));
        Assert.Equal(1.15, t[0], 12);
        Assert.Equal(-2.3, t[1], 12);
        // MeasuredPosition (arm): q + 0.05 · a, clamped to [−1, 1]: (0.5 + 0.05 · 2, 0.98 + 0.05 · 1 → 1.03 → 1).
        Assert.Equal(-1, Sample.BuildActionMap().Map(new[] { 2f, 1f }, new[] { 0.5, 0.98 }, clipped, t));
        Assert.Equal(0.6, t[0], 12);
        Assert.Equal(1.0, t[1], 12);
    }

    [Fact]
    public void Actions_are_clipped_before_the_map_and_a_non_finite_one_writes_nothing()
    {
        // Clip 2: a = (5, −3) → (2, −2); targets 0.9 + 0.25 · 2 = 1.4, −1.8 − 0.25 · 2 = −2.3.
        var map = new ActionMap(new ActionSpec { Scale = new[] { 0.25, 0.25 }, Offset = new[] { 0.9, -1.8 }, Reference = ActionReference.Offset, Clip = 2 });
        var t = new double[2];
        var clipped = new float[2];
        Assert.Equal(-1, map.Map(new[] { 5f, -3f }, new double[2], clipped, t));
        Assert.Equal(new[] { 2f, -2f }, clipped);
        Assert.Equal(1.4, t[0], 12);
        Assert.Equal(-2.3, t[1], 12);
        // NaN in the second: its index comes back, the first is not written either.
        Assert.Equal(1, map.Map(new[] { 0f, float.NaN }, new double[2], clipped, t));
        Assert.Equal(new[] { 2f, -2f }, clipped);
        Assert.Equal(1.4, t[0], 12);
        map.Zero(new double[2], t);
        Assert.Equal(new[] { 0.9, -1.8 }, t);
    }

    // What hil and deploy refuse, the contract's one validation refuses: read from JSON, named by file and field.
    [Theory]
    [InlineData("action.scale", 100.0, "action.scale[0] ('j0') = 100 rad: must be > 0 and at most the joint's range")]
    [InlineData("action.scale", 0.0, "action.scale[0] ('j0') = 0 rad")]
    [InlineData("drive.kp", -35.0, "drive.kp[0] ('j0') = -35: must be > 0 N·m/rad")]
    [InlineData("drive.kd", -1.0, "drive.kd[0] ('j0') = -1: must be ≥ 0")]
    [InlineData("limits.velocity", 0.0, "limits.velocity[0] ('j0') = 0: must be > 0 rad/s")]
    [InlineData("default_joint_pos", 2.0, "default_joint_pos[0] ('j0') = 2 rad lies outside the position limits")]
    public void A_value_the_robot_refuses_is_refused_naming_file_and_field(string field, double value, string message)
    {
        var json = Edit(o =>
        {
            var parts = field.Split('.');
            JsonNode node = o;
            foreach (var p in parts[..^1]) node = node[p]!;
            node[parts[^1]]![0] = value;
        });
        var e = Assert.Throws<UserError>(() => PolicyContract.FromJson(json, "bad.onnx"));
        Assert.StartsWith("bad.onnx: policy contract: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Timing_terms_and_commands_the_robot_cannot_run_are_refused()
    {
        string Refused(Action<JsonObject> edit) => Assert.Throws<UserError>(() => PolicyContract.FromJson(Edit(edit), "p")).Message;
        Assert.Contains("policy_period / decimation = 1E-05 s (the PD period)", Refused(o => { o["control"]!["policy_period"] = 0.001; o["control"]!["decimation"] = 100; }));
        Assert.Contains("observation[0] = 'features' is not a term a robot measures; known: base_ang_vel", Refused(o => o["observation"]![0]!["name"] = "features"));
        Assert.Contains("observation[1] ('joint_vel').width = 3: a robot with 2 joints measures 2", Refused(o => o["observation"]![1]!["width"] = 3));
        Assert.Contains("commands lists 'vx' twice", Refused(o => o["commands"]!.AsArray().Add(o["commands"]![0]!.DeepClone())));
        Assert.Contains("limits is missing", Refused(o => o.Remove("limits")));
        Assert.Contains("kinematics is missing; an arm's contract", Refused(o => { o.Remove("kinematics"); o["stop"] = "damp"; }));
        Assert.Contains("weights_sha256 = 'xyz'", Refused(o => o["weights_sha256"] = "xyz"));
    }

    [Fact]
    public void The_measured_terms_are_named_in_enum_order()
    {
        foreach (var name in ObservationWriter.Names) Assert.Equal(name, ObservationWriter.Names[(int)ObservationWriter.Resolve(name) - 1]);
        Assert.Equal(Enum.GetValues<MeasuredTerm>().Length - 1, ObservationWriter.Names.Count);
        Assert.Equal(MeasuredTerm.EeToCube, ObservationWriter.Resolve("ee_to_cube"));
        Assert.Equal(MeasuredTerm.None, ObservationWriter.Resolve("friction"));
    }
}
