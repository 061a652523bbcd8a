using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Devices;

/// <summary>
/// Random draws for the algorithms: always from their CPU generator, then moved to the training device.
/// </summary>
// DESIGN: a generator on the CUDA device was rejected. libtorch refuses a CPU generator for a CUDA
// tensor's draw ("Expected a 'cuda' device type for generator"), and a CUDA generator would make the
// same seed draw different noise on CPU and GPU and need a second kind of state in checkpoints. Moving
// the draws costs one host-to-device copy of [N, actionDim] floats per step, or of a permutation per epoch.
public static class HostRandom
{
    /// <summary>Standard normal samples of <paramref name="shape"/> on <paramref name="device"/>, drawn with <paramref name="generator"/> on the CPU.</summary>
    public static Tensor Randn(long[] shape, Generator generator, Device device) =>
        HostTensors.OnDevice(randn(shape, generator: generator), device);

    /// <summary>A random permutation of 0..n−1 on <paramref name="device"/>, drawn with <paramref name="generator"/> on the CPU.</summary>
    public static Tensor Randperm(long n, Generator generator, Device device) =>
        HostTensors.OnDevice(randperm(n, generator: generator), device);
}
