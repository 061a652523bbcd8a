using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Robotics.Deploy.Contract;

namespace Robotics.Deploy.Runtime;

/// <summary>
/// The SHA-256 a policy contract records in <see cref="PolicyContract.WeightsSha256"/>: over the ONNX graph's initializers
/// and the contract's observation layout, so that flipped weight bytes and a reordered or rescaled observation are both
/// caught at load. The digest's input, in order:
/// <list type="number">
/// <item>the tag <c>robotics.weights.v1</c>;</item>
/// <item>per initializer, sorted by name (ordinal): its name, data type, dims, and its data as little-endian bytes (raw_data
/// as stored; float_data, double_data, int32_data, int64_data and uint64_data widened to their element's bytes);</item>
/// <item>per observation term, in the contract's order: its name, width, scale and clip (noise is training-only).</item>
/// </list>
/// Strings are UTF-8 after an int32 length, every number little-endian, each list after its int32 count; lowercase hex out.
/// </summary>
// DESIGN: the hash covers the observation layout, not the whole contract JSON. Swapped terms keep every width and
// leave a valid contract, yet feed the network other inputs than it was trained on: only a hash binding the layout to
// the weights catches that. The rest of the contract is checked by PolicyContract.Validate, and must stay editable:
// `export --restamp` rewrites commands, inputs, kinematics and stop from the task, and a wrong but legal action scale or
// gain has to load so that eval shows what it does (covering the JSON would hide it behind a hash error).
public static class WeightsHash
{
    private const string Tag = "robotics.weights.v1";

    // ModelProto.graph, GraphProto.initializer and sparse_initializer, TensorProto fields.
    private const int ModelGraph = 7, GraphInitializer = 5, GraphSparseInitializer = 15;
    private const int TDims = 1, TDataType = 2, TFloat = 4, TInt32 = 5, TString = 6, TInt64 = 7, TName = 8, TRaw = 9, TDouble = 10, TUInt64 = 11, TExternal = 13, TLocation = 14;

    /// <summary>The hash of <paramref name="model"/> (the bytes of an .onnx file) with <paramref name="observation"/> (the contract's terms).</summary>
    /// <param name="model">The serialized ModelProto.</param>
    /// <param name="observation">The contract's observation terms, in order.</param>
    /// <param name="source">The file, for error messages.</param>
    /// <exception cref="UserError">The model is not protobuf, or an initializer keeps its data outside the file or as strings (which the hash does not cover).</exception>
    public static string Compute(byte[] model, IReadOnlyList<ObservationTerm> observation, string source)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(observation);
        var tensors = new List<(string Name, byte[] Canonical)>();
        try
        {
            foreach (var graph in Fields(model, ModelGraph))
            {
                if (Fields(graph, GraphSparseInitializer).Any())
                    throw new UserError($"{source}: the graph has sparse initializers, which the weights hash does not cover; export the policy again");
                foreach (var tensor in Fields(graph, GraphInitializer)) tensors.Add(Canonical(tensor, source));
            }
        }
        catch (InvalidProtocolBufferException e) { throw new UserError($"{source}: not an ONNX model: {e.Message}", e); }
        tensors.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        for (int i = 1; i < tensors.Count; i++)
            if (tensors[i].Name == tensors[i - 1].Name) throw new UserError($"{source}: the graph has two initializers named '{tensors[i].Name}'");

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var w = new Writer(sha);
        w.String(Tag);
        w.Int(tensors.Count);
        foreach (var (_, canonical) in tensors) sha.AppendData(canonical);
        w.Int(observation.Count);
        foreach (var t in observation)
        {
            w.String(t.Name);
            w.Int(t.Width);
            w.Float(t.Scale);
            w.Float(t.Clip);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    // Name, data type, dims and data of one TensorProto, as the digest takes them.
    private static (string Name, byte[] Canonical) Canonical(byte[] tensor, string source)
    {
        string name = "";
        int dataType = 0;
        var dims = new List<long>();
        var data = new MemoryStream();
        bool raw = false, typed = false;
        var input = new CodedInputStream(tensor);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int field = WireFormat.GetTagFieldNumber(tag);
            var wire = WireFormat.GetTagWireType(tag);
            switch (field)
            {
                case TName: name = input.ReadString(); break;
                case TDataType: dataType = input.ReadInt32(); break;
                case TDims: Repeated(input, wire, s => dims.Add(s.ReadInt64())); break;
                case TRaw: data.Write(input.ReadBytes().Span); raw = true; break;
                case TFloat: typed = true; Repeated(input, wire, s => Le(data, BitConverter.SingleToInt32Bits(s.ReadFloat()), 4)); break;
                case TDouble: typed = true; Repeated(input, wire, s => Le(data, BitConverter.DoubleToInt64Bits(s.ReadDouble()), 8)); break;
                case TInt32: typed = true; Repeated(input, wire, s => Le(data, s.ReadInt32(), 4)); break;
                case TInt64: typed = true; Repeated(input, wire, s => Le(data, s.ReadInt64(), 8)); break;
                case TUInt64: typed = true; Repeated(input, wire, s => Le(data, (long)s.ReadUInt64(), 8)); break;
                case TString: throw new UserError($"{source}: initializer '{name}' holds strings, which the weights hash does not cover");
                case TExternal: throw new UserError($"{source}: initializer '{name}' keeps its data outside the file, which the weights hash does not cover; export the policy as one file");
                case TLocation:
                    if (input.ReadInt32() != 0) throw new UserError($"{source}: initializer '{name}' keeps its data outside the file, which the weights hash does not cover; export the policy as one file");
                    break;
                default: input.SkipLastField(); break;
            }
        }
        if (raw && typed) throw new UserError($"{source}: initializer '{name}' has both raw_data and typed data; which one runs is unclear");

        var bytes = data.ToArray();
        var canonical = new MemoryStream();
        var w = new Writer(canonical);
        w.String(name);
        w.Int(dataType);
        w.Int(dims.Count);
        foreach (var d in dims) w.Long(d);
        w.Long(bytes.Length);
        canonical.Write(bytes);
        return (name, canonical.ToArray());
    }

    // The values of a repeated scalar field, packed (one length-delimited run) or not (one value per tag).
    private static void Repeated(CodedInputStream input, WireFormat.WireType wire, Action<CodedInputStream> read)
    {
        if (wire != WireFormat.WireType.LengthDelimited) { read(input); return; }
        var packed = new CodedInputStream(input.ReadBytes().ToByteArray());
        while (!packed.IsAtEnd) read(packed);
    }

    // Every occurrence of length-delimited field `field` at the top level of `message`, as bytes.
    private static IEnumerable<byte[]> Fields(byte[] message, int field)
    {
        var input = new CodedInputStream(message);
        var found = new List<byte[]>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == field && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                found.Add(input.ReadBytes().ToByteArray());
            else input.SkipLastField();
        }
        return found;
    }

    private static void Le(Stream s, long value, int bytes)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, value);
        s.Write(b[..bytes]);
    }

    // Little-endian numbers and length-prefixed UTF-8 strings, into a hash or a stream.
    private readonly struct Writer
    {
        private readonly IncrementalHash? _hash;
        private readonly Stream? _stream;
        public Writer(IncrementalHash hash) { _hash = hash; _stream = null; }
        public Writer(Stream stream) { _hash = null; _stream = stream; }

        private void Put(ReadOnlySpan<byte> b)
        {
            if (_hash is not null) _hash.AppendData(b);
            else _stream!.Write(b);
        }

        public void Int(int v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, v); Put(b); }
        public void Long(long v) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteInt64LittleEndian(b, v); Put(b); }
        public void Float(float v) => Int(BitConverter.SingleToInt32Bits(v));
        public void String(string s) { var b = Encoding.UTF8.GetBytes(s); Int(b.Length); Put(b); }
    }
}
