namespace Robotics.Sim.Tasks;

/// <summary>Finds task files by name (<c>go1_velocity</c>) or path.</summary>
public static class TaskCatalog
{
    /// <summary>Where the project's task files live, relative to the repository root.</summary>
    public const string ConfigDir = "src/Sim/Tasks/Configs";

    /// <summary>The repository root: ROBOTICS_HOME (set by ./robotics), else the working directory.</summary>
    public static string Home => Environment.GetEnvironmentVariable("ROBOTICS_HOME") is { Length: > 0 } h ? h : Directory.GetCurrentDirectory();

    /// <summary>The task file for a path or a name.</summary>
    /// <exception cref="UserError">Neither a file nor a known name; the message lists the known names.</exception>
    public static string Resolve(string nameOrPath) => Resolve(nameOrPath, Names());

    private static string Resolve(string nameOrPath, IReadOnlyList<string> known)
    {
        if (File.Exists(nameOrPath)) return Path.GetFullPath(nameOrPath);
        var byName = Path.Combine(Home, ConfigDir, nameOrPath + ".toml");
        if (File.Exists(byName)) return byName;
        throw new UserError($"no task file '{nameOrPath}' and no task of that name; known tasks: {string.Join(", ", known)}");
    }

    /// <summary>The tasks built into the assembly, with no task file: the cart-pole's two.</summary>
    public static IReadOnlyList<string> BuiltIn { get; } = new[] { "cartpole_balance", "cartpole_swingup" };

    /// <summary>Every task name <see cref="Load"/> takes, in ordinal order: the <see cref="BuiltIn"/> ones and the task files' (<see cref="Names"/>).</summary>
    public static IReadOnlyList<string> Known() => BuiltIn.Concat(Names()).Order(StringComparer.Ordinal).ToList();

    /// <summary>The <c>kind</c> of a task file.</summary>
    /// <exception cref="UserError">The file's kind is not one of locomotion, reach, push.</exception>
    public static TaskKind Kind(string file)
    {
        var toml = TomlSection.Parse(File.ReadAllText(file), file);
        var name = toml.String("kind");
        return TaskKinds.TryParse(name) ?? throw toml.Error("kind", $"'{name}' is not one of {string.Join(", ", TaskKinds.All.Select(k => k.Name()))}");
    }

    /// <summary>Builds the task a file describes, whatever its kind, with <paramref name="overrides"/> (<c>dotted.key=value</c>) applied over the file.</summary>
    /// <exception cref="UserError">No such task (the message lists <see cref="Known"/>), or a bad task file.</exception>
    public static Envs.IMjTask Load(string nameOrPath, IReadOnlyList<string>? overrides = null)
    {
        // The built-in cart-pole (MJCF embedded in the assembly, no task file).
        bool cartPole = BuiltIn.Contains(nameOrPath);
        if (cartPole && overrides is { Count: > 0 }) throw new UserError($"{nameOrPath} is built in and has no task file to override ({overrides[0]})");
        if (nameOrPath == "cartpole_swingup") return new CartPole(new CartPoleConfig { SwingUp = true });
        if (nameOrPath == "cartpole_balance") return new CartPole(new CartPoleConfig { SwingUp = false, TerminateAngle = 0.4 });
        var file = Resolve(nameOrPath, Known());
        return Kind(file) switch
        {
            TaskKind.Locomotion => Locomotion.LocomotionTask.Load(file, overrides),
            _ => Manipulation.ManipulationTask.Load(file, overrides),
        };
    }

    /// <summary>
    /// The task file of <paramref name="kind"/> whose <c>[robot] urdf</c> is <paramref name="urdfPath"/>: a URDF names
    /// the robot, its task file holds what the URDF lacks (actuator gains, control period, IMU and base links). Task files on
    /// generated terrain are variants of the robot's flat one and do not count.
    /// </summary>
    /// <exception cref="UserError">The URDF does not exist, or no task file or more than one uses it; the message says which and what to do.</exception>
    public static string ForRobot(string urdfPath, TaskKind kind)
    {
        // Relative to the working directory, else to the repository root.
        var urdf = File.Exists(urdfPath) ? Path.GetFullPath(urdfPath)
            : !Path.IsPathRooted(urdfPath) && File.Exists(Path.Combine(Home, urdfPath)) ? Path.GetFullPath(Path.Combine(Home, urdfPath))
            : throw new UserError($"--robot {urdfPath}: no such URDF file");
        var matches = new List<string>();
        foreach (var name in Names())
        {
            var file = Path.Combine(Home, ConfigDir, name + ".toml");
            var toml = TomlSection.Parse(File.ReadAllText(file), file);
            if (toml.String("kind", "") != kind.Name() || toml.Section("robot")?.String("urdf", "") is not { Length: > 0 } rel) continue;
            // A terrain variant (go1_rough) is the same robot on other ground: the robot's file is its flat one.
            if (toml.Section("terrain")?.String("kind", "flat") is { } terrain && terrain != "flat") continue;
            if (Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, rel)) == urdf) matches.Add(file);
        }
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new UserError($"--robot {urdfPath}: no {kind.Name()} task file in {ConfigDir} uses this URDF; copy one (docs/bringing-your-own-robot.md) and pass it with --task"),
            _ => throw new UserError($"--robot {urdfPath}: {matches.Count} {kind.Name()} task files use this URDF ({string.Join(", ", matches.Select(Path.GetFileNameWithoutExtension))}); pick one with --task"),
        };
    }

    /// <summary>Names of the task files in <see cref="ConfigDir"/>.</summary>
    public static IReadOnlyList<string> Names()
    {
        var dir = Path.Combine(Home, ConfigDir);
        return Directory.Exists(dir) ? Directory.GetFiles(dir, "*.toml").Select(Path.GetFileNameWithoutExtension).Order().ToList()! : Array.Empty<string>();
    }
}
