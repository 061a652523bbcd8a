using Robotics.Sim.Randomization;

namespace Robotics.Sim.Tasks;

/// <summary>What a task file describes: its <c>kind</c> key.</summary>
public enum TaskKind
{
    /// <summary>A legged robot tracking a velocity command (<c>locomotion</c>).</summary>
    Locomotion,
    /// <summary>An arm bringing its tool to a target pose (<c>reach</c>).</summary>
    Reach,
    /// <summary>An arm pushing a cube to a target (<c>push</c>).</summary>
    Push,
}

/// <summary>Task kinds by their task-file names.</summary>
public static class TaskKinds
{
    /// <summary>Every kind.</summary>
    public static IReadOnlyList<TaskKind> All { get; } = [TaskKind.Locomotion, TaskKind.Reach, TaskKind.Push];

    /// <summary>The name in task files and policy contracts: <c>locomotion</c>, <c>reach</c>, <c>push</c>.</summary>
    public static string Name(this TaskKind kind) => SnakeCaseEnum.Name(kind);

    /// <summary>The kind named <paramref name="name"/>, or null.</summary>
    public static TaskKind? TryParse(string name) => SnakeCaseEnum.TryParse(typeof(TaskKind), name, out var kind) ? (TaskKind)kind! : null;
}

/// <summary>A task config whose domain randomization can be swapped (evaluation conditions).</summary>
/// <typeparam name="TSelf">The config record itself.</typeparam>
public interface IRandomizedConfig<TSelf> where TSelf : IRandomizedConfig<TSelf>
{
    /// <summary>The training randomization.</summary>
    RandomizationConfig Randomization { get; }

    /// <summary>Physics step [s].</summary>
    double PhysicsDt { get; }

    /// <summary>This config with <paramref name="randomization"/> in place of its own.</summary>
    TSelf WithRandomization(RandomizationConfig randomization);
}
