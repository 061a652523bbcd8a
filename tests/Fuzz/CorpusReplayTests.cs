using Robotics.Tools.Fuzz;

namespace Robotics.Fuzz.Tests;

/// <summary>
/// Every committed corpus input runs through its target's checks, as under afl-fuzz: an input a fuzz run found, and
/// every crash that was fixed, keeps holding. A finding fails the test naming the file.
/// </summary>
public sealed class CorpusReplayTests
{
    public static TheoryData<string> Targets() => new(FuzzTarget.All.Select(t => t.Name));

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_corpus_input_passes_its_targets_checks(string name)
    {
        var target = FuzzTarget.Find(name)!;
        var inputs = Corpus.Inputs(target, TestPaths.Repo(Corpus.Dir)).ToList();
        Assert.NotEmpty(inputs);
        var failures = new List<string>();
        foreach (var (file, input) in inputs)
        {
            try { target.Check(input); }
            catch (Exception e) { failures.Add($"{Path.GetRelativePath(TestPaths.RepoRoot, file)}: {e.GetType().Name}: {e.Message}"); }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {inputs.Count} {name} inputs fail:\n{string.Join("\n", failures)}");
    }

    [Fact]
    public void The_cdr_target_covers_every_generated_message_type_and_the_corpus_has_each()
    {
        var msgs = Directory.GetFiles(TestPaths.Repo("src/RobotBridge/Messages/msg"), "*.msg", SearchOption.AllDirectories)
            .Select(f => $"{Path.GetFileName(Path.GetDirectoryName(f))}/msg/{Path.GetFileNameWithoutExtension(f)}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(msgs, CdrTarget.Types.Select(t => t.RosName).ToList());
        foreach (var type in CdrTarget.Types)
            Assert.True(Directory.Exists(TestPaths.Repo($"{Corpus.Dir}/cdr/{CdrTarget.Folder(type.RosName)}")), $"no corpus folder for {type.RosName}");
    }
}
