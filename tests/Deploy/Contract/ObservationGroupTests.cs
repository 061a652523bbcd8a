using Robotics.Deploy.Contract;

namespace Robotics.Deploy.Tests.Contract;

public class ObservationGroupTests
{
    private static readonly ObservationGroup Group = new(ObservationGroup.Policy, new ObservationTerm[]
    {
        new("base_ang_vel", 3) { Scale = 0.25f, Noise = 0.2f },
        new("projected_gravity", 3) { Noise = 0.05f },
        new("joint_pos", 12) { Clip = 1f },
    });

    [Fact]
    public void Widths_and_offsets_follow_the_order()
    {
        Assert.Equal(18, Group.Dim);
        Assert.Equal(0, Group.OffsetOf("base_ang_vel"));
        Assert.Equal(3, Group.OffsetOf("projected_gravity"));
        Assert.Equal(6, Group.OffsetOf("joint_pos"));
        Assert.Equal(2, Group.IndexOf("joint_pos"));
        var e = Assert.Throws<KeyNotFoundException>(() => Group.OffsetOf("base_lin_vel"));
        Assert.Contains("base_ang_vel, projected_gravity, joint_pos", e.Message);
    }

    [Fact]
    public void Scale_then_clip_term_by_term()
    {
        var o = new float[18];
        o[0] = 2f;        // ang vel 2 rad/s × 0.25 = 0.5
        o[3] = -1f;       // gravity, scale 1
        o[6] = 3f;        // joint pos clipped to 1
        o[7] = -0.5f;
        Group.ScaleAndClip(o);
        Assert.Equal(0.5f, o[0]);
        Assert.Equal(-1f, o[3]);
        Assert.Equal(1f, o[6]);
        Assert.Equal(-0.5f, o[7]);
        Assert.Throws<ArgumentException>(() => Group.ScaleAndClip(new float[17]));
    }

    [Fact]
    public void Bad_terms_are_named()
    {
        Assert.Contains("'a'", Assert.Throws<ArgumentException>(() => new ObservationGroup("g", new ObservationTerm[] { new("a", 0) })).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => new ObservationGroup("g", new ObservationTerm[] { new("a", 1), new("a", 2) })).Message);
        Assert.Contains("noise", Assert.Throws<ArgumentException>(() => new ObservationGroup("g", new ObservationTerm[] { new("a", 1) { Noise = -1 } })).Message);
    }

    [Fact]
    public void Deploy_depends_on_neither_MuJoCo_nor_TorchSharp()
    {
        // It runs on the robot: the only project references allowed are none at all.
        var refs = typeof(ObservationGroup).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(refs, r => r.StartsWith("Robotics.", StringComparison.Ordinal));
        Assert.DoesNotContain(refs, r => r.Contains("TorchSharp", StringComparison.OrdinalIgnoreCase));
        var csproj = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "src/Deploy/Robotics.Deploy.csproj"));
        Assert.DoesNotContain("<ProjectReference", csproj);
        Assert.DoesNotContain("Include=\"TorchSharp", csproj);
        Assert.DoesNotContain("Include=\"libtorch", csproj);
    }

}
