using System.Runtime.InteropServices;
using TorchSharp;

namespace Robotics.Training.Devices;

/// <summary>
/// Gets TorchSharp ready before its first use: makes the output copy of libLibTorchSharp.so loadable on
/// Debian 12 (see <see cref="ElfVersionPatch"/>), and for CUDA loads an existing libtorch CUDA install
/// named by <c>ROBOTICS_LIBTORCH</c> (e.g. a PyTorch install's <c>torch/lib</c>), then initializes CUDA.
/// </summary>
public static class TorchRuntime
{
    /// <summary>The environment variable naming a libtorch CUDA install (the folder with libtorch_cuda.so).</summary>
    public const string LibTorchVariable = "ROBOTICS_LIBTORCH";

    /// <summary>The GLIBCXX version libLibTorchSharp.so asks for that Debian 12 lacks.</summary>
    public const string MissingGlibcxx = "GLIBCXX_3.4.32";

    private static readonly object Gate = new();
    private static bool _cpuReady, _cudaReady;

    /// <summary>The libraries loaded, in order, from a libtorch CUDA install before TorchSharp's first call.</summary>
    public static readonly string[] CudaLibraries = { "libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so" };

    /// <summary>Prepares TorchSharp for <paramref name="device"/> and returns the device.</summary>
    /// <exception cref="UserError">CUDA was asked for and cannot be had; the message says what to do.</exception>
    public static torch.Device Initialize(ComputeDevice device = ComputeDevice.Cpu)
    {
        lock (Gate)
        {
            switch (device)
            {
                case ComputeDevice.Cpu:
                    EnsureCpu();
                    return torch.CPU;
                case ComputeDevice.Cuda:
                    EnsureCuda();
                    return torch.CUDA;
                default:
                    throw new ArgumentOutOfRangeException(nameof(device), device, "not a ComputeDevice");
            }
        }
    }

    private static void EnsureCpu()
    {
        if (_cpuReady) return;
        var lib = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        if (File.Exists(lib)) ElfVersionPatch.MakeWeak(lib, MissingGlibcxx);
        _cpuReady = true;
    }

    private static void EnsureCuda()
    {
        if (_cudaReady) return;
        EnsureCpu();
        var dir = Environment.GetEnvironmentVariable(LibTorchVariable);
        if (!string.IsNullOrEmpty(dir))
        {
            // An existing libtorch CUDA install: load its libraries before TorchSharp looks for its own.
            foreach (var name in CudaLibraries)
            {
                var path = Path.Combine(dir, name);
                if (!File.Exists(path))
                    throw new UserError($"{LibTorchVariable}={dir}: {name} is not there (expected a libtorch CUDA install, e.g. a PyTorch install's torch/lib)");
                try { NativeLibrary.Load(path); }
                catch (DllNotFoundException e) { throw new UserError($"{path} failed to load: {e.Message}", e); }
            }
        }
        try { torch.InitializeDeviceType(DeviceType.CUDA); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new UserError(
                "CUDA was asked for but is not available: " + e.Message + $". Set {LibTorchVariable} to a libtorch CUDA install's lib folder " +
                "(e.g. .../site-packages/torch/lib), or reference TorchSharp's CUDA package, and check that the NVIDIA driver sees a GPU.", e);
        }
        if (!torch.cuda.is_available())
            throw new UserError($"CUDA was asked for but torch.cuda.is_available() is false (no GPU or driver). Set {LibTorchVariable} or use --device cpu.");
        _cudaReady = true;
    }
}
