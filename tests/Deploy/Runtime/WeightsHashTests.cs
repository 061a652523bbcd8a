using System.Text.Json.Nodes;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Runtime;

namespace Robotics.Deploy.Tests.Runtime;

/// <summary>The contract's weights hash: altered weights, a reordered observation and a file without a hash are refused at load, naming the file.</summary>
public sealed class WeightsHashTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("weights-hash-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly PolicyContract Go1Like = TestPolicies.Contract(12, 45);
    private static readonly (float[] W, float[] B, int In, int Out)[] Mlp = TestPolicies.RandomMlp(3, 45, 16, 12);

    private string Stamped(string name) => TestPolicies.Write(Path.Combine(_dir, name), Go1Like, Mlp);

    // The stamped contract of a file, edited, written over the same weights.
    private string Edited(string name, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(OnnxPolicy.ReadContract(Stamped("source_" + name)).ToJson())!.AsObject();
        edit(json);
        return TestPolicies.Write(Path.Combine(_dir, name), json.ToJsonString(), Mlp);
    }

    [Fact]
    public void A_stamped_file_loads_and_its_hash_is_what_the_contract_records()
    {
        var path = Stamped("good.onnx");
        var contract = OnnxPolicy.ReadContract(path);
        Assert.Equal(WeightsHash.Compute(File.ReadAllBytes(path), contract.Observation, path), contract.WeightsSha256);
        Assert.Matches("^[0-9a-f]{64}$", contract.WeightsSha256);
        using var policy = OnnxPolicy.Load(path, Go1Like.JointNames);
    }

    [Fact]
    public void A_flipped_weight_byte_is_refused_naming_the_file()
    {
        var bytes = File.ReadAllBytes(Stamped("flip_source.onnx"));
        // The first weight of the first layer, as float_data stores it (little-endian), found in the file and one bit flipped.
        var first = BitConverter.GetBytes(Mlp[0].W[0]);
        int at = bytes.AsSpan().IndexOf(first);
        Assert.True(at > 0, "the first weight's bytes are in the file");
        bytes[at] ^= 0x01;
        var path = Path.Combine(_dir, "flipped.onnx");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<UserError>(() => OnnxPolicy.Load(path, Go1Like.JointNames));
        Assert.Contains(path, e.Message);
        Assert.Contains("do not match the contract's weights_sha256", e.Message);
        Assert.Contains("do not match", Assert.Throws<UserError>(() => OnnxPolicy.ReadContract(path)).Message);
    }

    [Fact]
    public void Swapped_observation_terms_are_refused()
    {
        // joint_pos and joint_vel are both 12 wide: the swapped contract is valid and of the right width, only the hash tells.
        var path = Edited("swapped.onnx", o =>
        {
            var terms = o["observation"]!.AsArray();
            var (a, b) = (terms[3]!.DeepClone(), terms[4]!.DeepClone());
            Assert.Equal("joint_pos", (string?)a["name"]);
            terms[3] = b;
            terms[4] = a;
        });
        var e = Assert.Throws<UserError>(() => OnnxPolicy.ReadContract(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("observation layout", e.Message);
        // A rescaled term is caught the same way.
        var rescaled = Edited("rescaled.onnx", o => o["observation"]![4]!["scale"] = 0.05);
        Assert.Contains("weights_sha256", Assert.Throws<UserError>(() => OnnxPolicy.ReadContract(rescaled)).Message);
    }

    [Fact]
    public void A_file_without_a_hash_is_refused_naming_restamp()
    {
        // A contract as 1.2 wrote it: no weights_sha256.
        var path = TestPolicies.Write(Path.Combine(_dir, "old.onnx"), (Go1Like with { ContractVersion = "1.2" }).ToJson(), Mlp);
        var e = Assert.Throws<UserError>(() => OnnxPolicy.Load(path, Go1Like.JointNames));
        Assert.Contains(path, e.Message);
        Assert.Contains("records no weights hash", e.Message);
        Assert.Contains($"robotics export --policy {path} --restamp", e.Message);
    }

    [Fact]
    public void The_hash_reads_typed_and_raw_data_alike_and_changes_with_any_weight()
    {
        var path = Stamped("h.onnx");
        var bytes = File.ReadAllBytes(path);
        var terms = Go1Like.Observation;
        var h = WeightsHash.Compute(bytes, terms, path);
        Assert.Equal(h, WeightsHash.Compute(bytes, terms, path));
        var other = TestPolicies.Write(Path.Combine(_dir, "other.onnx"), Go1Like, TestPolicies.RandomMlp(4, 45, 16, 12));
        Assert.NotEqual(h, WeightsHash.Compute(File.ReadAllBytes(other), terms, other));
        Assert.NotEqual(h, WeightsHash.Compute(bytes, terms.Reverse().ToArray(), path));
        Assert.NotEqual(h, WeightsHash.Compute(bytes, terms.Select((t, i) => i == 0 ? t with { Clip = 50 } : t).ToArray(), path));
        // Noise is training-only: it does not enter the hash.
        Assert.Equal(h, WeightsHash.Compute(bytes, terms.Select(t => t with { Noise = 0.3f }).ToArray(), path));
    }
}
