using System.Text;
using System.Text.Json;
using Robotics.Sim.Tasks;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Tasks.Manipulation;

namespace Robotics.Tools.Fuzz;

/// <summary>
/// A task TOML file, read as <c>train --task FILE</c> reads it (its kind, then the config of that kind). The file is
/// written where the project's task files live, relative to a link to the repository's urdf/ folder, so the URDF paths of
/// the committed task files resolve. A file that loads must give a config whose numbers are all finite and whose episode
/// has at least one policy step, and a second load must give the same config. The only refusal allowed is
/// <see cref="UserError"/>.
/// </summary>
public static class TaskTarget
{
    private static readonly Lock Gate = new();
    private static string? _file;

    private static readonly JsonSerializerOptions Json = new() { IncludeFields = true };   // fields: the (low, high) tuples

    public static void Check(byte[] input)
    {
        lock (Gate)
        {
            var file = _file ??= Layout();
            File.WriteAllBytes(file, input);
            string first;
            try { first = Load(file); }
            catch (UserError) { return; }
            string second;
            try { second = Load(file); }
            catch (UserError e) { throw new FuzzFinding($"a task file that loaded is refused on a second load: {e.Message}", e); }
            if (first != second) throw new FuzzFinding($"a second load differs:\n{first}\n{second}");
        }
    }

    // The config as JSON, after the checks every loaded config must pass.
    private static string Load(string file)
    {
        object config;
        int steps;
        switch (TaskCatalog.Kind(file))
        {
            case TaskKind.Locomotion:
                var l = LocomotionConfig.Load(file);
                (config, steps) = (l, l.MaxEpisodeSteps);
                break;
            default:
                var m = ManipulationConfig.Load(file);
                (config, steps) = (m, m.MaxEpisodeSteps);
                break;
        }
        if (steps < 1) throw new FuzzFinding($"the config loads with an episode of {steps} policy steps");
        // The serializer refuses nan and ±inf (JSON has no such numbers): a config holding one is a finding.
        try { return JsonSerializer.Serialize(config, config.GetType(), Json); }
        catch (ArgumentException e) { throw new FuzzFinding($"the config loads with a number that is not finite: {e.Message}", e); }
    }

    // <folder>/src/Sim/Tasks/Configs/fuzz.toml beside <folder>/urdf → the repository's urdf/: "../../../../urdf/go1.urdf" resolves.
    private static string Layout()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "fuzz-task-layout");
        var configs = Path.Combine(root, TaskCatalog.ConfigDir);
        Directory.CreateDirectory(configs);
        var urdf = Path.Combine(root, "urdf");
        if (!Directory.Exists(urdf)) Directory.CreateSymbolicLink(urdf, Repo.Path("urdf"));
        return Path.Combine(configs, "fuzz.toml");
    }
}
