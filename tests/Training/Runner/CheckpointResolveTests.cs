using Robotics.Training.Runner;

namespace Robotics.Training.Tests.Runner;

public class CheckpointResolveTests : IDisposable
{
    private readonly string _run = Directory.CreateTempSubdirectory("run-").FullName;

    public void Dispose() => Directory.Delete(_run, recursive: true);

    private string Checkpoint(string name, bool withActor = true)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_run, name)).FullName;
        if (withActor) File.WriteAllBytes(Path.Combine(dir, "actor.pt"), new byte[] { 1 });
        return dir;
    }

    [Fact]
    public void A_run_folder_resolves_to_its_newest_complete_checkpoint()
    {
        Checkpoint("checkpoint_000050");
        var newest = Checkpoint("checkpoint_000100");
        Checkpoint("checkpoint_000150.tmp");                 // being written: never chosen
        Checkpoint("checkpoint_000200", withActor: false);   // no actor.pt: not a checkpoint
        Assert.Equal(newest, CheckpointPolicy.ResolveCheckpoint(_run));
        Assert.Equal(newest, CheckpointPolicy.ResolveCheckpoint(newest));
    }

    [Fact]
    public void A_folder_without_checkpoints_is_named()
    {
        var e = Assert.Throws<UserError>(() => CheckpointPolicy.ResolveCheckpoint(_run));
        Assert.Contains(_run, e.Message);
        Assert.Contains("no such folder", Assert.Throws<UserError>(() => CheckpointPolicy.ResolveCheckpoint(Path.Combine(_run, "nope"))).Message);
    }
}
