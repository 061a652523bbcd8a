namespace Robotics.Sim.Terrain;

/// <summary>A task that walks on generated terrain: its curriculum, which training logs and checkpoints.</summary>
public interface ITerrainTask
{
    /// <summary>The curriculum of the task's environments, or null on flat ground (or before <c>Initialize</c>).</summary>
    TerrainCurriculum? Curriculum { get; }
}
