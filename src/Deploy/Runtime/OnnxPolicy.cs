using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Robotics.Deploy.Contract;

namespace Robotics.Deploy.Runtime;

/// <summary>
/// An exported policy (<c>policy.onnx</c>: observation normalizer + actor MLP, with its
/// <see cref="PolicyContract"/> in the metadata) run by ONNX Runtime on the CPU at batch 1. Loading
/// checks everything before the robot moves: the file, the contract, the graph's input and output
/// widths against the contract and the robot, and the robot's joint list. <see cref="Run"/> copies the
/// observation into a pinned, preallocated input buffer bound to the session once (IoBinding), runs on
/// one intra-op thread and copies the pinned output back: it allocates nothing. One instance serves
/// one caller (the real-time loop): the bound buffers make <see cref="Run"/> not thread-safe.
/// </summary>
// DESIGN: the NamedOnnxValue API allocates ~1.3 kB per call and pre-bound OrtValues with Run(...)
// ~350 B (measured with ONNX Runtime 1.31 at batch 1); only RunWithBinding on buffers bound once allocates nothing.
public sealed class OnnxPolicy : IPolicy, IDisposable
{
    /// <summary>Name of the graph input [batch, obsDim].</summary>
    public const string InputName = "obs";
    /// <summary>Name of the graph output [batch, actDim].</summary>
    public const string OutputName = "actions";

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly OrtIoBinding _binding;
    private readonly OrtValue _input, _output;
    private readonly float[] _obs, _act;   // pinned: [1, obsDim], [1, actDim]

    private OnnxPolicy(string path, InferenceSession session, PolicyContract contract, JointMap joints, int obsDim, int actDim)
    {
        Path = path;
        _session = session;
        Contract = contract;
        Joints = joints;
        ObservationDim = obsDim;
        ActionDim = actDim;

        // Buffers on the pinned object heap, wrapped as tensors and bound to the session once.
        _obs = GC.AllocateArray<float>(obsDim, pinned: true);
        _act = GC.AllocateArray<float>(actDim, pinned: true);
        _input = OrtValue.CreateTensorValueFromMemory(_obs, new long[] { 1, obsDim });
        _output = OrtValue.CreateTensorValueFromMemory(_act, new long[] { 1, actDim });
        _runOptions = new RunOptions();
        _binding = _session.CreateIoBinding();
        _binding.BindInput(InputName, _input);
        _binding.BindOutput(OutputName, _output);
    }

    /// <summary>The file loaded.</summary>
    public string Path { get; }
    /// <summary>The policy contract read from the file.</summary>
    public PolicyContract Contract { get; }
    /// <summary>Policy joint ↔ robot joint mapping (identity unless a remap was asked for).</summary>
    public JointMap Joints { get; }
    /// <inheritdoc/>
    public int ObservationDim { get; }
    /// <inheritdoc/>
    public int ActionDim { get; }

    /// <summary>
    /// Loads <paramref name="path"/> for a robot whose driver lists <paramref name="robotJoints"/>.
    /// </summary>
    /// <param name="remap">Explicit permission to map joints by name or rename them; none by default.</param>
    /// <exception cref="UserError">The file is missing, empty, not ONNX or truncated; it has no contract or a bad one (<see cref="PolicyContract.Validate"/>);
    /// its weights or observation layout do not match the contract's weights hash, or it has none; its input or output does not fit the
    /// contract or the robot; the joints differ. Each message names the file and the problem.</exception>
    public static OnnxPolicy Load(string path, IReadOnlyList<string> robotJoints, JointRemap? remap = null)
    {
        ArgumentNullException.ThrowIfNull(robotJoints);
        using var options = ForRealTime();   // the session keeps its own copy
        var (session, contract, file) = Open(path, options);
        try
        {
            // The graph against its contract, then the contract's joints against the robot's by name
            // (naming what is missing or extra), then the action width against the robot.
            var (obsDim, actDim) = CheckSignature(session, contract, file);
            var joints = JointMap.Resolve(contract.JointNames, robotJoints, remap, file);
            if (actDim != robotJoints.Count)
                throw new UserError($"{file}: output '{OutputName}' has width {actDim}, but the robot has {robotJoints.Count} joints");
            return new OnnxPolicy(file, session, contract, joints, obsDim, actDim);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Reads and checks the contract of a policy file without preparing it to run (for inspection).</summary>
    /// <exception cref="UserError">As for <see cref="Load"/>, less the robot checks.</exception>
    public static PolicyContract ReadContract(string path)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
        var (session, contract, file) = Open(path, options);
        using (session) CheckSignature(session, contract, file);
        return contract;
    }

    /// <inheritdoc/>
    public void Run(ReadOnlySpan<float> observation, Span<float> action)
    {
        if (observation.Length != ObservationDim) throw new ArgumentException($"{Path}: observation has {observation.Length} values; the policy reads {ObservationDim}");
        if (action.Length != ActionDim) throw new ArgumentException($"{Path}: action buffer has {action.Length} values; the policy writes {ActionDim}");
        observation.CopyTo(_obs);
        _session.RunWithBinding(_runOptions, _binding);
        _act.CopyTo(action);
    }

    /// <summary>Frees the session, the binding and the tensors.</summary>
    public void Dispose()
    {
        _binding.Dispose();
        _input.Dispose();
        _output.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }

    // ---------------------------------------------------------------- loading

    // One intra-op thread and sequential execution: the real-time loop owns its core; a thread pool
    // handing work between cores adds jitter and buys nothing on a 48 → 512 → 256 → 128 → 12 MLP.
    private static SessionOptions ForRealTime() => new()
    {
        LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,   // failures arrive as exceptions, named

        IntraOpNumThreads = 1,
        InterOpNumThreads = 1,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    };

    // The file's bytes checked, the session created, the contract read; every failure named.
    private static (InferenceSession Session, PolicyContract Contract, string File) Open(string path, SessionOptions options)
    {
        var file = System.IO.Path.GetFullPath(path);
        if (!File.Exists(file)) throw new UserError($"policy file not found: {file}");
        var bytes = File.ReadAllBytes(file);
        if (bytes.Length == 0) throw new UserError($"{file}: the policy file is empty");

        InferenceSession session;
        try
        {
            session = new InferenceSession(bytes, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new UserError($"{file}: not a valid ONNX model ({bytes.Length} bytes; truncated or corrupt?): {e.Message}", e);
        }

        try
        {
            Dictionary<string, string> metadata;
            try { metadata = session.ModelMetadata.CustomMetadataMap; }
            catch (Exception e) when (e is OnnxRuntimeException or NullReferenceException)
            {
                // ONNX Runtime 1.31's managed ModelMetadata throws NullReferenceException on some corrupt
                // files whose graph it accepted (a metadata string comes back null); seen by the corruption test.
                throw new UserError($"{file}: the model's metadata cannot be read (corrupt file?): {e.Message}", e);
            }
            if (!metadata.TryGetValue(PolicyContract.MetadataKey, out var json))
                throw new UserError($"{file}: no policy contract (metadata_props key '{PolicyContract.MetadataKey}'); export the policy with `robotics export`");
            var contract = PolicyContract.FromJson(json, file);
            CheckWeights(bytes, contract, file);
            return (session, contract, file);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    // The weights and the observation layout against the hash the contract was exported with.
    private static void CheckWeights(byte[] bytes, PolicyContract contract, string file)
    {
        if (contract.WeightsSha256 is not { } recorded)
            throw new UserError($"{file}: the policy contract (version {contract.ContractVersion}) records no weights hash, so altered weights or a reordered " +
                $"observation would go unnoticed; add it with robotics export --policy {file} --restamp (contract {PolicyContract.CurrentVersion}), or export the policy again");
        var actual = WeightsHash.Compute(bytes, contract.Observation, file);
        if (actual != recorded)
            throw new UserError($"{file}: the weights or the observation layout do not match the contract's weights_sha256 ({recorded[..12]}…, the file's is {actual[..12]}…): " +
                "the file was altered after export; export the policy again");
    }

    // Input `obs` [batch, obsDim] and output `actions` [batch, actDim], float, against the contract.
    private static (int ObsDim, int ActDim) CheckSignature(InferenceSession session, PolicyContract contract, string file)
    {
        int obsDim = Width(session.InputMetadata, InputName, "input", file);
        int actDim = Width(session.OutputMetadata, OutputName, "output", file);
        if (obsDim != contract.ObservationDim)
            throw new UserError($"{file}: input '{InputName}' has width {obsDim}, but the contract's observation layout has {contract.ObservationDim} ({contract.PolicyGroup()})");
        if (actDim != contract.JointCount)
            throw new UserError($"{file}: output '{OutputName}' has width {actDim}, but the contract lists {contract.JointCount} joints");
        return (obsDim, actDim);
    }

    private static int Width(IReadOnlyDictionary<string, NodeMetadata> nodes, string name, string what, string file)
    {
        if (nodes.Count != 1 || !nodes.TryGetValue(name, out var node))
            throw new UserError($"{file}: expected one {what} named '{name}'; the graph has {string.Join(", ", nodes.Keys.Select(k => $"'{k}'"))}");
        if (!node.IsTensor || node.ElementDataType != TensorElementType.Float)
            throw new UserError($"{file}: {what} '{name}' must be a float tensor");
        var dims = node.Dimensions;
        if (dims.Length != 2 || dims[1] <= 0)
            throw new UserError($"{file}: {what} '{name}' must have shape [batch, width]; it has [{string.Join(", ", dims)}]");
        return dims[1];
    }
}
