using System.Text.RegularExpressions;
using Robotics.Sim.Envs;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Tasks.Manipulation;

namespace Robotics.Sim.Tests.Tasks;

/// <summary>Terms are found by name: a task file that lists its rewards and observations in another order gives the same values per name.</summary>
public class TermOrderTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("robotics-order-");

    public void Dispose() => _dir.Delete(true);

    // The task file with its [rewards] scales and both observation lists reversed (the URDF made absolute).
    private string Reordered(string file)
    {
        var text = File.ReadAllText(file).Replace("urdf = \"../../../../urdf/", $"urdf = \"{TestPaths.Repo("urdf")}/");
        var lines = text.Split('\n').ToList();
        int start = lines.FindIndex(l => l.StartsWith("[rewards]", StringComparison.Ordinal)) + 1, end = start;
        while (end < lines.Count && !lines[end].StartsWith('[')) end++;
        var scales = lines.GetRange(start, end - start).Where(l => Regex.IsMatch(l, @"^(Reward|Cost)\w+ =")).ToList();
        var settings = lines.GetRange(start, end - start).Except(scales).ToList();
        scales.Reverse();
        lines.RemoveRange(start, end - start);
        lines.InsertRange(start, settings.Concat(scales));
        text = string.Join('\n', lines);
        text = Regex.Replace(text, @"^(policy|critic) = \[([^\]]*)\]", m =>
            $"{m.Groups[1].Value} = [{string.Join(", ", m.Groups[2].Value.Split(',').Select(t => t.Trim()).Reverse())}]", RegexOptions.Multiline);
        var path = Path.Combine(_dir.FullName, Path.GetFileName(file));
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Reordered_go1_lists_give_the_same_values_per_name()
    {
        var file = LocomotionTaskTests.TaskFile;
        static LocomotionTask Task(string f)
        {
            var c = LocomotionConfig.Load(f);
            return new LocomotionTask(c with { Observations = c.Observations with { Noise = new Dictionary<string, double>() } });   // noise draws follow the list's order
        }
        using var a = new MjVecEnv(Task(file), 2, 1, seed: 11, ownsTask: true);
        using var b = new MjVecEnv(Task(Reordered(file)), 2, 1, seed: 11, ownsTask: true);
        Compare(a, b, 12);
    }

    [Fact]
    public void Reordered_push_lists_give_the_same_values_per_name()
    {
        var file = ManipulationTaskTests.Push;
        static ManipulationTask Task(string f)
        {
            var c = ManipulationConfig.Load(f);
            return new ManipulationTask(c with { Observations = c.Observations with { Noise = new Dictionary<string, double>() } });
        }
        using var a = new MjVecEnv(Task(file), 2, 1, seed: 12, ownsTask: true);
        using var b = new MjVecEnv(Task(Reordered(file)), 2, 1, seed: 12, ownsTask: true);
        Compare(a, b, 7);
    }

    private static void Compare(MjVecEnv a, MjVecEnv b, int n)
    {
        Assert.Equal(a.RewardTermNames.Reverse(), b.RewardTermNames);   // the file's order is the reported order
        foreach (var name in new[] { "policy", "critic" })
            Assert.Equal(a.ObservationGroups.Single(g => g.Name == name).Terms.Select(t => t.Name).Reverse(),
                b.ObservationGroups.Single(g => g.Name == name).Terms.Select(t => t.Name));
        var rng = Robotics.Sim.Random.Rng.For(3, "order");
        var action = new float[2 * n];
        int terms = a.RewardTermNames.Count;
        for (int step = 0; step < 30; step++)
        {
            for (int i = 0; i < action.Length; i++) action[i] = (float)rng.Uniform(-1, 1);
            a.Step(action);
            b.Step(action);
            for (int e = 0; e < 2; e++)
            {
                foreach (var term in a.RewardTermNames)
                {
                    int ia = a.RewardTermNames.ToList().IndexOf(term), ib = b.RewardTermNames.ToList().IndexOf(term);
                    Assert.Equal(a.RewardTermValues[e * terms + ia], b.RewardTermValues[e * terms + ib]);
                }
                Assert.Equal(a.Rewards[e], b.Rewards[e], 5);   // the same terms, summed in another order
                foreach (var group in a.ObservationGroups)
                {
                    var other = b.ObservationGroups.Single(g => g.Name == group.Name);
                    var oa = a.Observations(group.Name).Slice(e * group.Dim, group.Dim);
                    var ob = b.Observations(group.Name).Slice(e * other.Dim, other.Dim);
                    foreach (var t in group.Terms)
                        Assert.Equal(oa.Slice(group.OffsetOf(t.Name), t.Width).ToArray(), ob.Slice(other.OffsetOf(t.Name), t.Width).ToArray());
                }
            }
        }
    }
}
