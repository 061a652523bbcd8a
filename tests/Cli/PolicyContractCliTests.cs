using System.Diagnostics;
using System.Text.Json.Nodes;
using Google.Protobuf;

namespace Robotics.Cli.Tests;

/// <summary>
/// A policy file's contract through the real CLI: inspect, eval, hil and deploy refuse a contract the robot cannot run with the
/// same one line naming the file and the field; eval runs a file under its contract, so a legal but wrong one scores differently
/// and says where it differs from the task file.
/// </summary>
public sealed class PolicyContractCliTests : IDisposable
{
    private const string MetadataKey = "robotics.policy_contract";
    private const int MetadataField = 14;   // ModelProto.metadata_props
    private static readonly string Shipped = TestPaths.Repo("models/go1_velocity.onnx");
    private readonly string _dir = Directory.CreateTempSubdirectory("cli-contract-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("scale100", "action", "scale", 100.0, "policy contract: action.scale[0] ('FR_hip_joint') = 100 rad: must be > 0 and at most the joint's range")]
    [InlineData("kp-35", "drive", "kp", -35.0, "policy contract: drive.kp[0] ('FR_hip_joint') = -35: must be > 0 N·m/rad")]
    public void Inspect_eval_hil_and_deploy_refuse_the_same_bad_contract_alike(string name, string section, string field, double value, string message)
    {
        var path = Edited($"{name}.onnx", c => c[section]![field] = new JsonArray(Enumerable.Repeat(value, 12).Select(v => (JsonNode)v).ToArray()));
        var expected = $"error: {path}: {message}";
        foreach (var command in new[] { $"inspect {path}", $"eval --policy {path} --episodes 1 --envs 1", $"hil --policy {path}", $"deploy --policy {path} --seconds 0.1 --loopback" })
        {
            var (code, stdout, stderr) = Robotics(command);
            var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, $"{command}: expected one line on stderr, got:\n{stderr}\n{stdout}");
            Assert.StartsWith(expected, lines[0]);
            Assert.Equal(2, code);
        }
    }

    [Fact]
    public void Eval_runs_a_file_under_its_contract_and_says_where_it_differs_from_the_task_file()
    {
        var scaled = Edited("scale05.onnx", c => c["action"]!["scale"] = new JsonArray(Enumerable.Repeat(0.5, 12).Select(v => (JsonNode)v).ToArray()));
        const string args = "--episodes 2 --envs 2 --threads 1 --seed 3";
        var (code0, original, err0) = Robotics($"eval --policy {Shipped} {args}");
        var (code1, edited, err1) = Robotics($"eval --policy {scaled} {args}");
        Assert.True(code0 == 0 && code1 == 0, err0 + err1);
        Assert.DoesNotContain("contract differs", original);
        Assert.Contains("contract differs from task file: action.scale 0.5 vs 0.25", edited);
        // The tables after the header: the same episodes, another action map, other figures.
        string Table(string output) => output[output.IndexOf("condition", StringComparison.Ordinal)..];
        Assert.NotEqual(Table(original), Table(edited));
    }

    // The shipped Go1 policy with its contract JSON edited and the entry spliced back; every other byte as it was (the weights hash still holds).
    private string Edited(string name, Action<JsonObject> edit)
    {
        var bytes = File.ReadAllBytes(Shipped);
        var input = new CodedInputStream(bytes);
        using var output = new MemoryStream();
        while (!input.IsAtEnd)
        {
            int start = (int)input.Position;
            uint tag = input.ReadTag();
            if (WireFormat.GetTagFieldNumber(tag) == MetadataField && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                var (key, value) = Entry(input.ReadBytes());
                if (key == MetadataKey)
                {
                    var json = JsonNode.Parse(value)!.AsObject();
                    edit(json);
                    WriteEntry(output, key, json.ToJsonString());
                    continue;
                }
            }
            else input.SkipLastField();
            output.Write(bytes, start, (int)input.Position - start);
        }
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, output.ToArray());
        return path;
    }

    // StringStringEntryProto: key = 1, value = 2.
    private static (string Key, string Value) Entry(ByteString bytes)
    {
        var e = new CodedInputStream(bytes.ToByteArray());
        string key = "", value = "";
        uint tag;
        while ((tag = e.ReadTag()) != 0)
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: key = e.ReadString(); break;
                case 2: value = e.ReadString(); break;
                default: e.SkipLastField(); break;
            }
        return (key, value);
    }

    private static void WriteEntry(Stream to, string key, string value)
    {
        using var entry = new MemoryStream();
        var inner = new CodedOutputStream(entry, leaveOpen: true);
        inner.WriteTag(1, WireFormat.WireType.LengthDelimited);
        inner.WriteString(key);
        inner.WriteTag(2, WireFormat.WireType.LengthDelimited);
        inner.WriteString(value);
        inner.Flush();
        var outer = new CodedOutputStream(to, leaveOpen: true);
        outer.WriteTag(MetadataField, WireFormat.WireType.LengthDelimited);
        outer.WriteBytes(ByteString.CopyFrom(entry.ToArray()));
        outer.Flush();
    }

    // The built CLI as a process.
    private static (int Code, string Stdout, string Stderr) Robotics(string arguments)
    {
        var dll = TestPaths.Repo("src/Cli/bin/Release/net10.0/linux-x64/robotics.dll");
        Assert.True(File.Exists(dll), $"{dll} not built: dotnet build src/Cli -c Release");
        var info = new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = TestPaths.Repo("."),   // task names resolve against the repository
        };
        info.Environment["COLUMNS"] = "240";   // one table row per line
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(300_000), $"robotics {arguments} did not exit within 300 s");
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
