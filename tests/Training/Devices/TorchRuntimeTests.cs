using System.Diagnostics;
using Robotics.Training;
using Robotics.Training.Devices;
using TorchSharp;

namespace Robotics.Training.Tests.Devices;

public class TorchRuntimeTests
{
    [Fact]
    public void TorchSharp_loads_and_computes_on_the_cpu()
    {
        var device = TorchRuntime.Initialize(ComputeDevice.Cpu);
        using var scope = torch.NewDisposeScope();
        var x = torch.arange(1, 5, dtype: torch.float32, device: device);   // 1 2 3 4
        Assert.Equal(30f, (x * x).sum().item<float>());                     // 1 + 4 + 9 + 16
    }

    [Fact]
    public void Output_copy_of_LibTorchSharp_has_the_glibcxx_requirement_weak()
    {
        TorchRuntime.Initialize(ComputeDevice.Cpu);
        var lib = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        Assert.True(File.Exists(lib));
        var flags = ElfVersionPatch.Flags(lib, TorchRuntime.MissingGlibcxx);
        Assert.NotNull(flags);
        Assert.True((flags!.Value & 0x2) != 0, $"flags {flags}");
        if (File.Exists("/usr/bin/readelf"))
        {
            using var p = Process.Start(new ProcessStartInfo("readelf", $"-V {lib}") { RedirectStandardOutput = true })!;
            var text = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            var line = text.Split('\n').First(l => l.Contains("Name: " + TorchRuntime.MissingGlibcxx));
            Assert.Contains("WEAK", line);
        }
    }

    [Fact]
    public void Unknown_device_is_refused()
    {
        var e = Assert.Throws<UserError>(() => SnakeCaseEnum.Parse<ComputeDevice>("tpu", "--device"));
        Assert.Equal("--device tpu: cpu or cuda", e.Message);
    }

    [Fact]
    public void Cuda_from_a_folder_without_libtorch_names_the_missing_library()
    {
        var empty = Directory.CreateTempSubdirectory("no-libtorch-");
        var before = Environment.GetEnvironmentVariable(TorchRuntime.LibTorchVariable);
        try
        {
            Environment.SetEnvironmentVariable(TorchRuntime.LibTorchVariable, empty.FullName);
            var e = Assert.Throws<UserError>(() => TorchRuntime.Initialize(ComputeDevice.Cuda));
            Assert.Contains("libc10.so is not there", e.Message);
            Assert.Contains(TorchRuntime.LibTorchVariable, e.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(TorchRuntime.LibTorchVariable, before);
            empty.Delete();
        }
    }

    [Fact]
    public void Cuda_without_a_gpu_is_a_clear_error_and_the_cpu_still_works()
    {
        if (Environment.GetEnvironmentVariable(TorchRuntime.LibTorchVariable) is { Length: > 0 }) return;   // a CUDA machine: nothing to refuse
        TorchRuntime.Initialize(ComputeDevice.Cpu);
        if (torch.cuda.is_available()) return;
        var e = Assert.Throws<UserError>(() => TorchRuntime.Initialize(ComputeDevice.Cuda));
        Assert.Contains("CUDA was asked for", e.Message);
        Assert.Contains(TorchRuntime.LibTorchVariable, e.Message);
        using var scope = torch.NewDisposeScope();
        Assert.Equal(6f, torch.tensor(new[] { 1f, 2f, 3f }).sum().item<float>());
    }
}
