using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Robotics.Deploy.Runtime;

/// <summary>Activation after a hidden layer of a <see cref="SimdMlp"/>.</summary>
public enum MlpActivation
{
    /// <summary>ELU: x for x &gt; 0, α·(eˣ − 1) otherwise (α from the layer).</summary>
    Elu,
    /// <summary>tanh(x).</summary>
    Tanh,
}

/// <summary>One linear layer of a <see cref="SimdMlp"/>: y = W·x + b, then the activation (none on the last layer).</summary>
/// <param name="Weight">W [Out, In], row-major (torch Linear's and ONNX Gemm-with-transB's layout).</param>
/// <param name="Bias">b [Out].</param>
/// <param name="In">Input width.</param>
/// <param name="Out">Output width.</param>
/// <param name="Activation">Activation after this layer; ignored on the last layer.</param>
/// <param name="Alpha">ELU's α (1 in torch's default).</param>
public sealed record MlpLayer(float[] Weight, float[] Bias, int In, int Out, MlpActivation Activation = MlpActivation.Elu, float Alpha = 1f);

/// <summary>
/// A hand-written forward pass of the exported actor at batch 1, the floor that ONNX Runtime is
/// benchmarked against: (x − mean) / std, then Linear + activation layers, with 512-bit vectors where
/// the CPU has them (256-bit otherwise). Every row of every weight matrix is padded with zeros to a
/// multiple of 16 floats, and so is every activation buffer, so each output is a contiguous dot
/// product with no scalar tail. Four rows are computed together (four independent accumulators
/// sharing each load of x), which hides the multiply-add latency. All buffers are allocated in the
/// constructor; <see cref="Run"/> allocates nothing. One instance serves one caller.
/// </summary>
// DESIGN: Vector<T> was not used: on .NET 10 it stays 256 bits wide on AVX-512 machines unless
// DOTNET_PreferredVectorBitWidth is set, and the floor should be the best this CPU can do.
// DESIGN: the normalization is not folded into the first layer (W/σ, b − Wμ/σ): it would round
// differently from the exported graph, which keeps Sub and Div (see OnnxExporter).
public sealed class SimdMlp : IPolicy
{
    /// <summary>Floats per padded row: one 512-bit vector, two 256-bit ones.</summary>
    public const int Lane = 16;

    private readonly float[] _mean, _std;        // [pad(obsDim)]; padding: mean 0, std 1
    private readonly float[][] _weights;         // per layer [Out, pad(In)], zero-padded rows
    private readonly float[][] _biases;          // per layer [Out]
    private readonly int[] _in, _out;
    private readonly MlpActivation[] _activation;
    private readonly float[] _alpha;
    private readonly float[][] _buffers;         // [layers + 1][pad(width)]: input, then each layer's output

    /// <summary>Builds the network from plain arrays (copied; the caller's arrays are not kept).</summary>
    /// <param name="mean">Observation mean [obsDim], or null for no normalization.</param>
    /// <param name="std">Observation divisor √(σ² + ε) [obsDim], or null (with <paramref name="mean"/> null).</param>
    /// <param name="layers">The linear layers in order; each one's In equals the previous one's Out.</param>
    /// <exception cref="ArgumentException">A width, an array length or a divisor is wrong; the message names the layer and field.</exception>
    public SimdMlp(float[]? mean, float[]? std, IReadOnlyList<MlpLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) throw new ArgumentException("SimdMlp: no layers", nameof(layers));
        for (int l = 0; l < layers.Count; l++)
        {
            var layer = layers[l] ?? throw new ArgumentException($"SimdMlp: layer {l} is null", nameof(layers));
            if (layer.In < 1 || layer.Out < 1) throw new ArgumentException($"SimdMlp: layer {l} has In = {layer.In}, Out = {layer.Out}; both must be ≥ 1", nameof(layers));
            if (layer.Weight is null || layer.Weight.Length != layer.In * layer.Out) throw new ArgumentException($"SimdMlp: layer {l} Weight has {layer.Weight?.Length ?? 0} values; [Out, In] = [{layer.Out}, {layer.In}] needs {layer.In * layer.Out}", nameof(layers));
            if (layer.Bias is null || layer.Bias.Length != layer.Out) throw new ArgumentException($"SimdMlp: layer {l} Bias has {layer.Bias?.Length ?? 0} values; Out = {layer.Out}", nameof(layers));
            if (l > 0 && layer.In != layers[l - 1].Out) throw new ArgumentException($"SimdMlp: layer {l} reads {layer.In} values but layer {l - 1} writes {layers[l - 1].Out}", nameof(layers));
        }
        int obsDim = layers[0].In;
        if ((mean is null) != (std is null)) throw new ArgumentException("SimdMlp: give both mean and std, or neither", mean is null ? nameof(mean) : nameof(std));

        // Normalization: padding lanes get mean 0 and std 1 so they stay 0.
        _mean = new float[Pad(obsDim)];
        _std = new float[Pad(obsDim)];
        Array.Fill(_std, 1f);
        if (mean is not null)
        {
            if (mean.Length != obsDim) throw new ArgumentException($"SimdMlp: mean has {mean.Length} values; layer 0 reads {obsDim}", nameof(mean));
            if (std!.Length != obsDim) throw new ArgumentException($"SimdMlp: std has {std.Length} values; layer 0 reads {obsDim}", nameof(std));
            for (int i = 0; i < obsDim; i++)
                if (!(std[i] > 0) || !float.IsFinite(std[i])) throw new ArgumentException($"SimdMlp: std[{i}] = {std[i]}; must be finite and > 0", nameof(std));
            mean.CopyTo(_mean, 0);
            std.CopyTo(_std, 0);
        }

        // Weights copied row by row into zero-padded rows [Out, pad(In)].
        int n = layers.Count;
        _weights = new float[n][];
        _biases = new float[n][];
        _in = new int[n];
        _out = new int[n];
        _activation = new MlpActivation[n];
        _alpha = new float[n];
        _buffers = new float[n + 1][];
        _buffers[0] = new float[Pad(obsDim)];
        for (int l = 0; l < n; l++)
        {
            var layer = layers[l];
            int stride = Pad(layer.In);
            _weights[l] = new float[layer.Out * stride];
            for (int o = 0; o < layer.Out; o++)
                Array.Copy(layer.Weight, o * layer.In, _weights[l], o * stride, layer.In);
            _biases[l] = (float[])layer.Bias.Clone();
            (_in[l], _out[l], _activation[l], _alpha[l]) = (layer.In, layer.Out, layer.Activation, layer.Alpha);
            _buffers[l + 1] = new float[Pad(layer.Out)];
        }
        ObservationDim = obsDim;
        ActionDim = layers[^1].Out;
    }

    /// <inheritdoc/>
    public int ObservationDim { get; }

    /// <inheritdoc/>
    public int ActionDim { get; }

    /// <summary>True when the dot products run on 512-bit vectors (AVX-512), false on 256-bit ones.</summary>
    public static bool Uses512Bit => Vector512.IsHardwareAccelerated;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public void Run(ReadOnlySpan<float> observation, Span<float> action)
    {
        if (observation.Length != ObservationDim) throw new ArgumentException($"SimdMlp: observation has {observation.Length} values; the network reads {ObservationDim}", nameof(observation));
        if (action.Length != ActionDim) throw new ArgumentException($"SimdMlp: action buffer has {action.Length} values; the network writes {ActionDim}", nameof(action));

        // x = (obs − mean) / std; the padding lanes stay (0 − 0) / 1 = 0.
        var x = _buffers[0];
        observation.CopyTo(x);
        for (int i = 0; i < x.Length; i += Lane)
        {
            var v = (Vector512.LoadUnsafe(ref x[i]) - Vector512.LoadUnsafe(ref _mean[i])) / Vector512.LoadUnsafe(ref _std[i]);
            v.StoreUnsafe(ref x[i]);
        }

        // Each layer: y = W·x + b, then the activation on all but the last.
        int last = _weights.Length - 1;
        for (int l = 0; l <= last; l++)
        {
            var input = _buffers[l];
            var output = _buffers[l + 1];
            Linear(_weights[l], _biases[l], Pad(_in[l]), _out[l], input, output);
            if (l < last) Activate(output, _out[l], _activation[l], _alpha[l]);
        }
        _buffers[^1].AsSpan(0, ActionDim).CopyTo(action);
    }

    // y[o] = W[o, :] · x + b[o]; four rows at a time, then the remaining rows one by one.
    private static void Linear(float[] w, float[] b, int stride, int outDim, float[] x, float[] y)
    {
        ref float w0 = ref MemoryMarshal.GetArrayDataReference(w);
        ref float x0 = ref MemoryMarshal.GetArrayDataReference(x);
        int o = 0;
        for (; o + 4 <= outDim; o += 4)
        {
            ref float row = ref Unsafe.Add(ref w0, o * stride);
            Dot4(ref row, stride, ref x0, out float d0, out float d1, out float d2, out float d3);
            y[o] = d0 + b[o];
            y[o + 1] = d1 + b[o + 1];
            y[o + 2] = d2 + b[o + 2];
            y[o + 3] = d3 + b[o + 3];
        }
        for (; o < outDim; o++)
            y[o] = Dot1(ref Unsafe.Add(ref w0, o * stride), stride, ref x0) + b[o];
    }

    // Dot products of four consecutive rows (each `stride` floats, a multiple of Lane) with x.
    private static void Dot4(ref float row, int stride, ref float x, out float d0, out float d1, out float d2, out float d3)
    {
        ref float r1 = ref Unsafe.Add(ref row, stride);
        ref float r2 = ref Unsafe.Add(ref row, 2 * stride);
        ref float r3 = ref Unsafe.Add(ref row, 3 * stride);
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int k = 0; k < stride; k += Lane)
            {
                var xv = Vector512.LoadUnsafe(ref x, (nuint)k);
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row, (nuint)k), xv, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r1, (nuint)k), xv, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r2, (nuint)k), xv, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r3, (nuint)k), xv, a3);
            }
            (d0, d1, d2, d3) = (Vector512.Sum(a0), Vector512.Sum(a1), Vector512.Sum(a2), Vector512.Sum(a3));
        }
        else
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int k = 0; k < stride; k += Vector256<float>.Count)
            {
                var xv = Vector256.LoadUnsafe(ref x, (nuint)k);
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref row, (nuint)k), xv, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r1, (nuint)k), xv, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r2, (nuint)k), xv, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r3, (nuint)k), xv, a3);
            }
            (d0, d1, d2, d3) = (Vector256.Sum(a0), Vector256.Sum(a1), Vector256.Sum(a2), Vector256.Sum(a3));
        }
    }

    // One row's dot product with x (rows left over after the groups of four).
    private static float Dot1(ref float row, int stride, ref float x)
    {
        var acc = Vector256<float>.Zero;
        for (int k = 0; k < stride; k += Vector256<float>.Count)
            acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref row, (nuint)k), Vector256.LoadUnsafe(ref x, (nuint)k), acc);
        return Vector256.Sum(acc);
    }

    // The activation in place on y[0 .. width); the padding lanes stay 0 (ELU(0) = tanh(0) = 0).
    private static void Activate(float[] y, int width, MlpActivation activation, float alpha)
    {
        if (activation == MlpActivation.Tanh)
        {
            for (int i = 0; i < width; i++) y[i] = MathF.Tanh(y[i]);
            return;
        }
        // ELU, vectorized: where(v > 0, v, α·(eᵛ − 1)); padded buffers make every Lane chunk safe.
        var a = Vector512.Create(alpha);
        for (int i = 0; i < width; i += Lane)
        {
            var v = Vector512.LoadUnsafe(ref y[i]);
            var negative = a * (Vector512.Exp(v) - Vector512<float>.One);
            Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<float>.Zero), v, negative).StoreUnsafe(ref y[i]);
        }
    }

    private static int Pad(int n) => (n + Lane - 1) / Lane * Lane;
}
