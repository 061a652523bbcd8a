using System.Text.Json.Serialization;

namespace Robotics.Training.Devices;

/// <summary>Where the networks live and learn; config.json and <c>--device</c> spell it <c>cpu</c> or <c>cuda</c>.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<ComputeDevice>))]
public enum ComputeDevice
{
    /// <summary>The CPU (libtorch's CPU build).</summary>
    Cpu,
    /// <summary>A CUDA GPU (TorchSharp's CUDA package, or a libtorch CUDA install named by <see cref="TorchRuntime.LibTorchVariable"/>).</summary>
    Cuda,
}
