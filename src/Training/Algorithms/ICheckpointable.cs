using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Robotics.Training.Algorithms;

/// <summary>
/// An algorithm whose whole learning state (networks with their normalizers, optimizer moments,
/// learning rate, random generator) can be written to a checkpoint folder and read back, so that a
/// resumed run continues bit-identically on CPU.
/// </summary>
public interface ICheckpointable
{
    /// <summary>Writes the state into <paramref name="directory"/> (which exists and is empty).</summary>
    void SaveState(string directory);

    /// <summary>Restores the state written by <see cref="SaveState"/> into an algorithm built with the same configuration.</summary>
    /// <exception cref="UserError">A file is missing or does not fit this algorithm.</exception>
    void LoadState(string directory);
}

/// <summary>The files a checkpoint is made of, shared by every algorithm: modules, optimizers, generators and scalars.</summary>
public static class CheckpointFiles
{
    /// <summary>Saves a module's parameters and buffers as <c>name.pt</c>.</summary>
    public static void Save(string directory, string name, nn.Module module) => module.save(Path.Combine(directory, name + ".pt"));

    /// <summary>Loads <c>name.pt</c> into <paramref name="module"/>, naming the file when it does not fit.</summary>
    public static void Load(string directory, string name, nn.Module module)
    {
        var path = Require(directory, name + ".pt");
        try { module.load(path); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new UserError($"{path} does not fit this network: {e.Message}", e);
        }
        RequireFinite(path, module);
    }

    /// <summary>Refuses a module whose parameters or buffers hold NaN or ±∞ (a corrupt or diverged file), naming the tensor.</summary>
    /// <exception cref="UserError">A tensor is not finite.</exception>
    public static void RequireFinite(string path, nn.Module module)
    {
        using var _ = no_grad();
        foreach (var (name, t) in module.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(module.named_buffers()))
        {
            if (!t.is_floating_point()) continue;
            using var finite = isfinite(t);
            using var all = finite.all();
            if (!all.item<bool>()) throw new UserError($"{path}: '{name}' holds NaN or infinite values");
        }
    }

    /// <summary>Saves an optimizer's state (Adam's step counts and moments) as <c>name.pt</c>.</summary>
    public static void Save(string directory, string name, optim.Optimizer optimizer) =>
        ((TorchSharp.Modules.OptimizerHelper)optimizer).save_state_dict(Path.Combine(directory, name + ".pt"));

    /// <summary>Loads an optimizer's state written by <see cref="Save(string, string, optim.Optimizer)"/>.</summary>
    public static void Load(string directory, string name, optim.Optimizer optimizer)
    {
        var path = Require(directory, name + ".pt");
        try { ((TorchSharp.Modules.OptimizerHelper)optimizer).load_state_dict(path); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new UserError($"{path} does not fit this optimizer: {e.Message}", e);
        }
    }

    /// <summary>Saves a random generator's state as <c>name.bin</c>.</summary>
    public static void Save(string directory, string name, Generator generator)
    {
        using var state = generator.get_state();
        File.WriteAllBytes(Path.Combine(directory, name + ".bin"), state.data<byte>().ToArray());
    }

    /// <summary>Restores a random generator's state.</summary>
    public static void Load(string directory, string name, Generator generator)
    {
        var path = Require(directory, name + ".bin");
        var bytes = File.ReadAllBytes(path);
        // libtorch aborts the process (not an exception) on a state of the wrong length.
        using (var own = generator.get_state())
            if (bytes.Length != own.numel())
                throw new UserError($"{path}: {bytes.Length} bytes, a generator state has {own.numel()}: the file is truncated or not a generator state");
        using var state = tensor(bytes, dtype: ScalarType.Byte);
        try { generator.set_state(state); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new UserError($"{path} is not a generator state: {e.Message}", e);
        }
    }

    /// <summary>Saves named scalars (learning rate, counters) as <c>name.json</c>.</summary>
    public static void Save(string directory, string name, IReadOnlyDictionary<string, double> scalars) =>
        File.WriteAllText(Path.Combine(directory, name + ".json"), JsonSerializer.Serialize(scalars));

    /// <summary>Reads scalars saved by <see cref="Save(string, string, IReadOnlyDictionary{string, double})"/>.</summary>
    public static IReadOnlyDictionary<string, double> LoadScalars(string directory, string name)
    {
        var path = Require(directory, name + ".json");
        try { return JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(path)) ?? throw new UserError($"{path} is empty"); }
        catch (JsonException e) { throw new UserError($"{path}: {e.Message}", e); }
    }

    private static string Require(string directory, string file)
    {
        var path = Path.Combine(directory, file);
        if (!File.Exists(path)) throw new UserError($"{path} not found: the checkpoint is incomplete");
        return path;
    }
}
