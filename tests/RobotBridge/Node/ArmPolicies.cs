using System.Security.Cryptography;
using System.Text;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Runtime;
using Robotics.Sim.Tasks.Manipulation;

namespace Robotics.RobotBridge.Tests.Node;

/// <summary>
/// The pretrained arm policies with a contract the deploy node runs: models/panda_*.onnx were exported under contract 1.0,
/// without the kinematic chain, workspace and stop behaviour a robot needs. Until they are exported again, the tests run
/// a copy (under the temp folder, named by its content, so runs share it) whose contract is the one the task states now, provenance kept;
/// the observation layout and the action map are checked to be the file's own, so the network sees what it was trained on.
/// </summary>
internal static class ArmPolicies
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, string> Files = [];

    /// <summary>The absolute path of a runnable models/<paramref name="task"/>.onnx: the file itself once its contract has kinematics, else the copy.</summary>
    public static string Path(string task)
    {
        lock (Gate)
        {
            if (Files.TryGetValue(task, out var path)) return path;
            string original = TestPaths.Repo($"models/{task}.onnx");
            var old = OnnxPolicy.ReadContract(original);
            if (old.Kinematics is not null) return Files[task] = original;

            using var t = ManipulationTask.Load(TestPaths.Repo($"src/Sim/Tasks/Configs/{task}.toml"));
            var contract = t.PolicyContract() with { Provenance = old.Provenance };
            if (!old.Observation.Select(o => (o.Name, o.Width)).SequenceEqual(contract.Observation.Select(o => (o.Name, o.Width))))
                throw new InvalidOperationException($"{task}: the task's observation layout is not the exported file's");
            if (!old.Action.Scale.SequenceEqual(contract.Action.Scale) || old.Action.Reference != contract.Action.Reference || old.Action.Clip != contract.Action.Clip)
                throw new InvalidOperationException($"{task}: the task's action map is not the exported file's");
            var bytes = WithMetadata(File.ReadAllBytes(original), PolicyContract.MetadataKey, contract.ToJson());
            path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"robotics-{task}-{Convert.ToHexString(SHA256.HashData(bytes))[..12]}.onnx");
            if (!File.Exists(path))
            {
                string partial = $"{path}.{Environment.ProcessId}";
                File.WriteAllBytes(partial, bytes);
                File.Move(partial, path, overwrite: true);
            }
            OnnxPolicy.ReadContract(path);   // reads back
            return Files[task] = path;
        }
    }

    // ONNX is a protobuf ModelProto: its top-level fields are copied except the metadata_props entry (field 14, a
    // StringStringEntryProto {1: key, 2: value}) with this key, which is appended anew.
    private static byte[] WithMetadata(byte[] model, string key, string value)
    {
        const int MetadataProps = 14;
        var output = new MemoryStream();
        int i = 0;
        while (i < model.Length)
        {
            int start = i;
            ulong tag = Varint(model, ref i);
            int field = (int)(tag >> 3), wire = (int)(tag & 7);
            int payload = i;
            switch (wire)
            {
                case 0: Varint(model, ref i); break;
                case 1: i += 8; break;
                case 5: i += 4; break;
                case 2: { int length = (int)Varint(model, ref i); payload = i; i += length; break; }
                default: throw new InvalidDataException($"protobuf wire type {wire} at byte {start}");
            }
            if (field == MetadataProps && wire == 2 && EntryKey(model.AsSpan(payload, i - payload)) == key) continue;
            output.Write(model, start, i - start);
        }
        var entry = new MemoryStream();
        WriteBytes(entry, 1, Encoding.UTF8.GetBytes(key));
        WriteBytes(entry, 2, Encoding.UTF8.GetBytes(value));
        WriteBytes(output, MetadataProps, entry.ToArray());
        return output.ToArray();
    }

    private static string? EntryKey(ReadOnlySpan<byte> entry)
    {
        int i = 0;
        var bytes = entry.ToArray();
        while (i < bytes.Length)
        {
            ulong tag = Varint(bytes, ref i);
            if ((tag & 7) != 2) return null;
            int length = (int)Varint(bytes, ref i);
            if (tag >> 3 == 1) return Encoding.UTF8.GetString(bytes, i, length);
            i += length;
        }
        return null;
    }

    private static ulong Varint(byte[] b, ref int i)
    {
        ulong v = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte x = b[i++];
            v |= (ulong)(x & 0x7f) << shift;
            if (x < 0x80) return v;
        }
    }

    private static void WriteBytes(Stream s, int field, byte[] data)
    {
        WriteVarint(s, (ulong)(field << 3 | 2));
        WriteVarint(s, (ulong)data.Length);
        s.Write(data);
    }

    private static void WriteVarint(Stream s, ulong v)
    {
        for (; v >= 0x80; v >>= 7) s.WriteByte((byte)(v | 0x80));
        s.WriteByte((byte)v);
    }
}
