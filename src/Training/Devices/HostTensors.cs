using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Devices;

/// <summary>
/// Environment buffers into tensors on the training device: the floats are copied straight into the
/// tensor's native storage, so a step of collection makes no managed array.
/// </summary>
// DESIGN: rejected <c>tensor(span.ToArray(), shape)</c>: at 4096 environments a critic
// observation is 4096 × 54 floats = 885 kB: a large-object-heap array per buffer per step that only a
// gen-2 collection frees, and every buffer copied twice. One staging tensor per buffer, reused across
// steps, was rejected: it would make the runner rely on every algorithm copying rather than holding
// what it is given (PPO holds Act's observations until ProcessStep), for a native allocation that
// libtorch makes without the GC.
public static class HostTensors
{
    /// <summary>
    /// A float tensor of shape [len / <paramref name="dim"/>, <paramref name="dim"/>] (or [len] when
    /// <paramref name="dim"/> is 0) on <paramref name="device"/>, holding a copy of <paramref name="values"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="values"/>' length is not a multiple of <paramref name="dim"/>.</exception>
    public static Tensor FromSpan(ReadOnlySpan<float> values, int dim, Device device)
    {
        if (dim < 0 || (dim > 0 && values.Length % dim != 0))
            throw new ArgumentException($"a buffer of {values.Length} floats is not rows of {dim}", nameof(dim));
        var shape = dim == 0 ? new long[] { values.Length } : new long[] { values.Length / dim, dim };
        var t = empty(shape, ScalarType.Float32);
        if (values.Length > 0) t.data<float>().CopyFrom(values);
        return OnDevice(t, device);
    }

    /// <summary><paramref name="host"/> itself when <paramref name="device"/> is the CPU, else a copy on <paramref name="device"/>.</summary>
    public static Tensor OnDevice(Tensor host, Device device) => device.type == DeviceType.CPU ? host : host.to(device);
}
