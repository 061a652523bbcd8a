using Robotics.Sim.Tasks;

namespace Robotics.Sim.Tests.Tasks;

public class TaskCatalogTests
{
    // What ./robotics exports; the task files are found under it.
    public TaskCatalogTests() => Environment.SetEnvironmentVariable("ROBOTICS_HOME", TestPaths.RepoRoot);

    [Theory]
    [InlineData("urdf/go1.urdf", TaskKind.Locomotion, "go1_velocity")]
    [InlineData("urdf/go2.urdf", TaskKind.Locomotion, "go2_velocity")]
    [InlineData("urdf/panda_arm.urdf", TaskKind.Reach, "panda_reach")]
    [InlineData("urdf/panda_arm.urdf", TaskKind.Push, "panda_push")]
    public void A_urdf_finds_the_task_file_of_its_kind_that_uses_it(string urdf, TaskKind kind, string expected)
    {
        // Relative to the repository root and as an absolute path alike.
        Assert.Equal(expected, Path.GetFileNameWithoutExtension(TaskCatalog.ForRobot(urdf, kind)));
        Assert.Equal(expected, Path.GetFileNameWithoutExtension(TaskCatalog.ForRobot(TestPaths.Repo(urdf), kind)));
    }

    [Fact]
    public void A_urdf_no_task_file_uses_is_refused_with_what_to_do()
    {
        var ex = Assert.Throws<UserError>(() => TaskCatalog.ForRobot("urdf/panda_arm.urdf", TaskKind.Locomotion));
        Assert.Contains("no locomotion task file", ex.Message);
        Assert.Contains("--task", ex.Message);

        var missing = Assert.Throws<UserError>(() => TaskCatalog.ForRobot("urdf/no_such_robot.urdf", TaskKind.Locomotion));
        Assert.Contains("urdf/no_such_robot.urdf: no such URDF file", missing.Message);
    }
}
