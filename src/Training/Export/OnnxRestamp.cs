using System.Text.Json;
using Google.Protobuf;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Runtime;
using Robotics.Training.Export.Onnx;

namespace Robotics.Training.Export;

/// <summary>What a restamp did: the file's contract before, the one written, and the top-level contract fields that changed.</summary>
/// <param name="Before">The contract the file carried (a contract before 1.2 read with its defaults).</param>
/// <param name="After">The contract written: the task's, with the file's provenance.</param>
/// <param name="Changed">snake_case names of the top-level fields whose JSON changed, e.g. <c>contract_version</c>, <c>kinematics</c>.</param>
public sealed record RestampResult(PolicyContract Before, PolicyContract After, IReadOnlyList<string> Changed);

/// <summary>
/// Rewrites the policy contract of an exported .onnx file from its task without touching anything else: the bytes of
/// the contract's metadata entry are replaced and every other byte of the file (graph, weights, opsets, doc string)
/// is copied as it was. Only what the policy was trained with may not change: robot, joints, default pose, action,
/// drive, limits, timing and the observation terms must equal the task's, or the file is refused naming the field.
/// The rest (the contract version, commands, inputs, kinematics, workspace, stop) comes from the task; the
/// provenance stays the file's; the weights hash is computed from the file (a file whose recorded hash no longer matches is refused).
/// </summary>
// DESIGN: the model is not parsed and serialized again: Google.Protobuf writes known fields in field order and
// unknown ones last, so a file from another writer could change bytes it never meant to. Splicing the one entry
// keeps the graph byte for byte by construction.
public static class OnnxRestamp
{
    private const int MetadataField = 14;   // ModelProto.metadata_props

    /// <summary>
    /// Replaces the contract of <paramref name="path"/> by <paramref name="task"/> (its provenance replaced by the file's) and writes
    /// the result to <paramref name="output"/> (default: <paramref name="path"/>), atomically: a temp file, then a rename.
    /// </summary>
    /// <exception cref="UserError">The file is missing or not ONNX, has no contract or more than one, its contract is unreadable, or a
    /// field the policy was trained with differs from the task's; the message names the file and the field.</exception>
    public static RestampResult Restamp(string path, PolicyContract task, string? output = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        var file = Path.GetFullPath(path);
        if (!File.Exists(file)) throw new UserError($"policy file not found: {file}");
        var bytes = File.ReadAllBytes(file);
        var (start, end, json) = FindContract(bytes, file);
        var before = PolicyContract.FromJson(json, file);
        // A hash that no longer matches means the file was altered: restamping would bless it.
        if (before.WeightsSha256 is { } recorded && recorded != WeightsHash.Compute(bytes, before.Observation, file))
            throw new UserError($"{file}: the weights or the observation layout do not match the contract's weights_sha256; the file was altered after export, so it is not restamped (export it again)");
        CheckTrainedFields(before, task, file);

        // The layout is the file's (checked above), the weights are its bytes: the hash a fresh export would record.
        var after = (task with
        {
            ContractVersion = PolicyContract.CurrentVersion, Provenance = before.Provenance, WeightsSha256 = WeightsHash.Compute(bytes, task.Observation, file),
        }).Validate();
        var entry = new StringStringEntryProto { Key = PolicyContract.MetadataKey, Value = after.ToJson() };
        var encoded = new byte[CodedOutputStream.ComputeTagSize(MetadataField) + CodedOutputStream.ComputeMessageSize(entry)];
        var writer = new CodedOutputStream(encoded);
        writer.WriteTag(MetadataField, WireFormat.WireType.LengthDelimited);
        writer.WriteMessage(entry);
        writer.Flush();
        writer.CheckNoSpaceLeft();
        byte[] spliced = [.. bytes.AsSpan(0, start), .. encoded, .. bytes.AsSpan(end)];

        var target = Path.GetFullPath(output ?? file);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temp = target + ".tmp";
        File.WriteAllBytes(temp, spliced);
        File.Move(temp, target, overwrite: true);
        return new RestampResult(before, after, ChangedFields(json, after));
    }

    /// <summary>
    /// The contract <paramref name="path"/> carries, read and validated but without the weights hash check that loading makes, so that a
    /// file from before the hash can be restamped.
    /// </summary>
    /// <exception cref="UserError">The file is missing or not ONNX, or its contract is missing, doubled or bad.</exception>
    public static PolicyContract FileContract(string path)
    {
        var file = Path.GetFullPath(path);
        if (!File.Exists(file)) throw new UserError($"policy file not found: {file}");
        return PolicyContract.FromJson(FindContract(File.ReadAllBytes(file), file).Json, file);
    }

    // The byte range [start, end) of the one metadata entry holding the contract, and its JSON; top-level fields only.
    private static (int Start, int End, string Json) FindContract(byte[] bytes, string file)
    {
        (int, int, string)? found = null;
        try
        {
            var input = new CodedInputStream(bytes);
            while (!input.IsAtEnd)
            {
                int start = (int)input.Position;
                uint tag = input.ReadTag();
                if (WireFormat.GetTagFieldNumber(tag) != MetadataField || WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
                {
                    input.SkipLastField();
                    continue;
                }
                var entry = StringStringEntryProto.Parser.ParseFrom(input.ReadBytes());
                if (entry.Key != PolicyContract.MetadataKey) continue;
                if (found is not null) throw new UserError($"{file}: the model carries '{PolicyContract.MetadataKey}' twice; which one the policy runs under is unclear");
                found = (start, (int)input.Position, entry.Value);
            }
        }
        catch (InvalidProtocolBufferException e) { throw new UserError($"{file}: not an ONNX model: {e.Message}", e); }
        return found ?? throw new UserError($"{file}: no policy contract (metadata '{PolicyContract.MetadataKey}'); only an exported policy can be restamped");
    }

    /// <summary>
    /// Refuses when a field the policy was trained with differs between the file's contract and the task's: robot, joints,
    /// default pose, action, drive, limits, timing, observation terms (name, width, scale, noise, clip).
    /// </summary>
    /// <exception cref="UserError">The first field that differs, with both values.</exception>
    public static void CheckTrainedFields(PolicyContract file, PolicyContract task, string source)
    {
        var differences = ContractDifference.Between(file, task);
        if (differences.Count > 0)
            throw new UserError($"{source}: the contract differs from task '{task.Task}' in what the policy was trained with ({string.Join("; ", differences)}: the file's first); " +
                "the policy was trained with the file's, so its contract cannot be rewritten from this task (export it again from its checkpoint)");
    }

    // Top-level fields whose JSON differs from the file's text (a field it lacked counts unless it is still null), in the contract's field order.
    private static IReadOnlyList<string> ChangedFields(string before, PolicyContract after)
    {
        using var a = JsonDocument.Parse(before);
        using var b = JsonDocument.Parse(after.ToJson());
        return b.RootElement.EnumerateObject()
            .Where(p => a.RootElement.TryGetProperty(p.Name, out var old)
                ? JsonSerializer.Serialize(old) != JsonSerializer.Serialize(p.Value)
                : p.Value.ValueKind != JsonValueKind.Null)
            .Select(p => p.Name).ToList();
    }
}
