using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Robotics.Sim.Evaluation;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Robots;
using Robotics.Sim.Tasks;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Tests.Tasks;

namespace Robotics.Sim.Tests.Robots;

/// <summary>
/// A quadruped URDF written the way third-party descriptions are (legged_gym's A1, Unitree's own files): a
/// massless dummy root link "base" on a fixed joint to the trunk, 4 legs × hip/thigh/calf revolute joints,
/// massless helper links on fixed joints (IMU, feet, a rotor frame), Collada <c>.dae</c> visual meshes that
/// do not exist or are empty, and box/cylinder/sphere collisions. No MuJoCo-specific lines.
/// </summary>
internal static class ThirdPartyQuadruped
{
    public static readonly string[] Legs = { "FR", "FL", "RR", "RL" };

    public static string Urdf()
    {
        var s = new StringBuilder();
        void L(string line) => s.Append(line).Append('\n');
        L("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
        L("<!-- a made-up quadruped, for tests: shaped like a vendor URDF -->");
        L("<robot name=\"qd\">");
        L("  <link name=\"base\"/>");
        L("  <joint name=\"floating_base\" type=\"fixed\">");
        L("    <origin rpy=\"0 0 0\" xyz=\"0 0 0\"/>");
        L("    <parent link=\"base\"/>");
        L("    <child link=\"trunk\"/>");
        L("  </joint>");
        L("  <link name=\"trunk\">");
        L("    <visual>");
        L("      <origin rpy=\"0 0 0\" xyz=\"0 0 0\"/>");
        L("      <geometry><mesh filename=\"package://qd_description/meshes/trunk.dae\" scale=\"1 1 1\"/></geometry>");
        L("      <material name=\"orange\"><color rgba=\"1 0.42 0.04 1\"/></material>");
        L("    </visual>");
        L("    <collision>");
        L("      <origin rpy=\"0 0 0\" xyz=\"0 0 0\"/>");
        L("      <geometry><box size=\"0.38 0.19 0.11\"/></geometry>");
        L("    </collision>");
        L("    <inertial>");
        L("      <origin rpy=\"0 0 0\" xyz=\"0.008 0.002 -0.002\"/>");
        L("      <mass value=\"5.2\"/>");
        L("      <inertia ixx=\"0.0209\" ixy=\"-1e-05\" ixz=\"2e-05\" iyy=\"0.0678\" iyz=\"1e-06\" izz=\"0.0782\"/>");
        L("    </inertial>");
        L("  </link>");
        L("  <joint name=\"imu_joint\" type=\"fixed\">");
        L("    <parent link=\"trunk\"/>");
        L("    <child link=\"imu_link\"/>");
        L("    <origin rpy=\"0 0 0\" xyz=\"0 0 0\"/>");
        L("  </joint>");
        L("  <link name=\"imu_link\"/>");
        foreach (var leg in Legs)
        {
            double x = leg[0] == 'F' ? 0.1881 : -0.1881, y = leg[1] == 'R' ? -1 : 1;
            string N(double v) => v.ToString("R", CultureInfo.InvariantCulture);
            L($"  <joint name=\"{leg}_hip_joint\" type=\"revolute\">");
            L($"    <origin rpy=\"0 0 0\" xyz=\"{N(x)} {N(0.04675 * y)} 0\"/>");
            L($"    <parent link=\"trunk\"/>");
            L($"    <child link=\"{leg}_hip\"/>");
            L($"    <axis xyz=\"1 0 0\"/>");
            L($"    <dynamics damping=\"0.01\" friction=\"0.2\"/>");
            L($"    <limit effort=\"23.7\" lower=\"-0.863\" upper=\"0.863\" velocity=\"30.1\"/>");
            L($"  </joint>");
            L($"  <link name=\"{leg}_hip\">");
            L($"    <visual><geometry><mesh filename=\"package://qd_description/meshes/hip.dae\"/></geometry></visual>");
            L($"    <collision>");
            L($"      <origin rpy=\"1.570796 0 0\" xyz=\"0 {N(0.08 * y)} 0\"/>");
            L($"      <geometry><cylinder length=\"0.04\" radius=\"0.046\"/></geometry>");
            L($"    </collision>");
            L($"    <inertial>");
            L($"      <origin rpy=\"0 0 0\" xyz=\"-0.004 {N(-0.035 * y)} 0\"/>");
            L($"      <mass value=\"0.68\"/>");
            L($"      <inertia ixx=\"0.00045\" ixy=\"0\" ixz=\"0\" iyy=\"0.00072\" iyz=\"0\" izz=\"0.00045\"/>");
            L($"    </inertial>");
            L($"  </link>");
            // A helper frame (a rotor's mounting point) with no mass, fixed to the hip.
            L($"  <joint name=\"{leg}_hip_rotor_fixed\" type=\"fixed\">");
            L($"    <origin rpy=\"0 0 0\" xyz=\"0 {N(0.05 * y)} 0\"/>");
            L($"    <parent link=\"{leg}_hip\"/>");
            L($"    <child link=\"{leg}_hip_rotor\"/>");
            L($"  </joint>");
            L($"  <link name=\"{leg}_hip_rotor\"/>");
            L($"  <joint name=\"{leg}_thigh_joint\" type=\"revolute\">");
            L($"    <origin rpy=\"0 0 0\" xyz=\"0 {N(0.08 * y)} 0\"/>");
            L($"    <parent link=\"{leg}_hip\"/>");
            L($"    <child link=\"{leg}_thigh\"/>");
            L($"    <axis xyz=\"0 1 0\"/>");
            L($"    <dynamics damping=\"0.01\" friction=\"0.2\"/>");
            L($"    <limit effort=\"23.7\" lower=\"-0.686\" upper=\"4.501\" velocity=\"30.1\"/>");
            L($"  </joint>");
            L($"  <link name=\"{leg}_thigh\">");
            L($"    <visual><geometry><mesh filename=\"package://qd_description/meshes/thigh.dae\"/></geometry></visual>");
            L($"    <collision>");
            L($"      <origin rpy=\"0 1.570796 0\" xyz=\"0 0 -0.1065\"/>");
            L($"      <geometry><box size=\"0.213 0.0245 0.034\"/></geometry>");
            L($"    </collision>");
            L($"    <inertial>");
            L($"      <origin rpy=\"0 0 0\" xyz=\"-0.004 {N(0.018 * y)} -0.035\"/>");
            L($"      <mass value=\"0.98\"/>");
            L($"      <inertia ixx=\"0.0038\" ixy=\"0\" ixz=\"0\" iyy=\"0.0038\" iyz=\"0\" izz=\"0.00024\"/>");
            L($"    </inertial>");
            L($"  </link>");
            L($"  <joint name=\"{leg}_calf_joint\" type=\"revolute\">");
            L($"    <origin rpy=\"0 0 0\" xyz=\"0 0 -0.213\"/>");
            L($"    <parent link=\"{leg}_thigh\"/>");
            L($"    <child link=\"{leg}_calf\"/>");
            L($"    <axis xyz=\"0 1 0\"/>");
            L($"    <dynamics damping=\"0.01\" friction=\"0.2\"/>");
            L($"    <limit effort=\"35.55\" lower=\"-2.818\" upper=\"-0.888\" velocity=\"20.06\"/>");
            L($"  </joint>");
            L($"  <link name=\"{leg}_calf\">");
            L($"    <visual><geometry><mesh filename=\"package://qd_description/meshes/calf.dae\"/></geometry></visual>");
            L($"    <collision>");
            L($"      <origin rpy=\"0 1.570796 0\" xyz=\"0 0 -0.09\"/>");
            L($"      <geometry><box size=\"0.16 0.016 0.016\"/></geometry>");
            L($"    </collision>");
            L($"    <inertial>");
            L($"      <origin rpy=\"0 0 0\" xyz=\"0.004 0 -0.09\"/>");
            L($"      <mass value=\"0.25\"/>");
            L($"      <inertia ixx=\"0.00058\" ixy=\"0\" ixz=\"0\" iyy=\"0.00058\" iyz=\"0\" izz=\"2.1e-05\"/>");
            L($"    </inertial>");
            L($"  </link>");
            // The foot: a massless link with a sphere, fixed to the calf (MuJoCo folds nothing: it stays a body).
            L($"  <joint name=\"{leg}_foot_fixed\" type=\"fixed\">");
            L($"    <origin rpy=\"0 0 0\" xyz=\"0 0 -0.213\"/>");
            L($"    <parent link=\"{leg}_calf\"/>");
            L($"    <child link=\"{leg}_foot\"/>");
            L($"  </joint>");
            L($"  <link name=\"{leg}_foot\">");
            L($"    <visual><geometry><sphere radius=\"0.01\"/></geometry></visual>");
            L($"    <collision><geometry><sphere radius=\"0.02\"/></geometry></collision>");
            L($"  </link>");
        }
        L("  <transmission name=\"FR_hip_tran\"><type>transmission_interface/SimpleTransmission</type></transmission>");
        L("</robot>");
        return s.ToString();
    }

    /// <summary>
    /// The Go1 task file with only what README's "Bringing your own robot" says to change: urdf, imu_link,
    /// base_link, feet, penalized_contacts, terminate_contacts, initial_height and [robot.default_joint_pos].
    /// </summary>
    public static string TaskFile(string urdf) => Edit(File.ReadAllText(LocomotionTaskTests.TaskFile), new()
    {
        ["name = \"go1_velocity\""] = "name = \"qd_velocity\"",
        ["urdf = \"../../../../urdf/go1.urdf\""] = $"urdf = \"{urdf}\"",
        ["imu_link = \"imu\""] = "imu_link = \"imu_link\"",
        ["base_link = \"trunk\""] = "base_link = \"trunk\"",
        ["feet = [\"FR_foot\", \"FL_foot\", \"RR_foot\", \"RL_foot\"]"] = "feet = [\"FR_foot\", \"FL_foot\", \"RR_foot\", \"RL_foot\"]",
        ["penalized_contacts = [\"thigh\", \"calf\"]"] = "penalized_contacts = [\"thigh\", \"calf\"]",
        ["terminate_contacts = [\"trunk\", \"hip\"]"] = "terminate_contacts = [\"trunk\", \"hip\"]",
        ["initial_height = 0.34"] = "initial_height = 0.34",
        ["\"*_thigh_joint\" = 0.9"] = "\"*_thigh_joint\" = 0.9",
    });

    private static string Edit(string text, Dictionary<string, string> edits)
    {
        foreach (var (from, to) in edits)
        {
            Assert.Contains(from, text);   // the Go1 file still says it this way
            text = text.Replace(from, to);
        }
        return text;
    }

    /// <summary>The 1-based line of the first occurrence of <paramref name="needle"/>.</summary>
    public static int LineOf(string text, string needle)
    {
        int at = text.IndexOf(needle, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{needle}' is not in the text");
        return text[..at].Count(c => c == '\n') + 1;
    }
}

/// <summary>A third-party-shaped quadruped loads unmodified, stands under the zero policy, and its mistakes are named.</summary>
public class ThirdPartyUrdfTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("robotics-qd-");
    private readonly string _urdf = ThirdPartyQuadruped.Urdf();
    private const string Scene = "<mujoco><compiler autolimits=\"true\"/><worldbody/></mujoco>";   // an empty world

    public void Dispose() => _dir.Delete(true);

    // The URDF in its own folder (with meshes/ holding an empty trunk.dae: the other .dae files do not exist).
    private string WriteUrdf(string? text = null)
    {
        Directory.CreateDirectory(Path.Combine(_dir.FullName, "meshes"));
        File.WriteAllText(Path.Combine(_dir.FullName, "meshes", "trunk.dae"), "");
        var path = Path.Combine(_dir.FullName, "qd.urdf");
        File.WriteAllText(path, text ?? _urdf);
        return path;
    }

    private UserError Refused(Func<string, string> edit) =>
        Assert.Throws<UserError>(() => UrdfRobot.Load(WriteUrdf(edit(_urdf))));

    // The message starts with the file and the line of the element that is wrong.
    private void NamesLine(UserError e, string text, string needle) =>
        Assert.StartsWith($"{Path.Combine(_dir.FullName, "qd.urdf")}:{ThirdPartyQuadruped.LineOf(text, needle)}: ", e.Message);

    [Fact]
    public void It_loads_as_it_is_and_stands_for_the_whole_episode_under_the_zero_policy()
    {
        WriteUrdf();
        var taskFile = Path.Combine(_dir.FullName, "qd_velocity.toml");
        File.WriteAllText(taskFile, ThirdPartyQuadruped.TaskFile("qd.urdf"));

        // What `robotics eval --task qd_velocity.toml --policy zero` runs.
        var config = LocomotionConfig.Load(taskFile);
        var results = LocomotionEvaluator.RunAll(config, (_, a) => a.Clear(), episodes: 2, envs: 2, threads: 1, seed: 3);
        Assert.Equal(EvaluationConditions.All.Select(k => k.Name()), results.Select(r => r.Condition));
        foreach (var r in results)
        {
            Assert.True(r.Falls == 0, $"{r.Condition}: {r.DescribeFalls()}");
            Assert.Equal(config.EpisodeSeconds, r.MeanSeconds, 6);   // every episode ran to its time limit
        }

        // Every link stayed a body: the dummy root, the massless helpers and feet keep their names.
        using var task = new LocomotionTask(config);
        foreach (var link in new[] { "base", "trunk", "imu_link", "FR_hip_rotor", "RL_foot" })
            Assert.True(task.Model.TryId(Robotics.Sim.Interop.mjtObj.mjOBJ_BODY, link) > 0, link);
        Assert.Equal(12, task.ActionDim);
        // Massless links stay massless (MuJoCo would otherwise give the feet their spheres' mass at water's density).
        Assert.Equal(5.2 + 4 * (0.68 + 0.98 + 0.25), task.Model.BodySubtreemass[task.Model.BodyId("base")], 9);
        Assert.Equal(0, task.Model.BodyMass[task.Model.BodyId("FR_foot")]);
    }

    [Fact]
    public void A_mujoco_block_in_the_urdf_is_replaced_by_the_settings_the_importer_needs()
    {
        // fusestatic="true" would fold base, imu_link and the feet away; discardvisual="false" would need the .dae files.
        var text = _urdf.Replace("<robot name=\"qd\">", "<robot name=\"qd\">\n  <mujoco><compiler fusestatic=\"true\" discardvisual=\"false\" meshdir=\"nowhere\"/></mujoco>");
        var robot = UrdfRobot.Load(WriteUrdf(text));
        var scene = XDocument.Parse(SceneBuilder.Compose(robot, Scene, new SceneOptions { FloatingBase = true, ImuLink = "imu_link" }));
        var bodies = scene.Descendants("body").Select(b => (string?)b.Attribute("name")).ToList();
        Assert.Equal(robot.Links.Order(), bodies.Order());   // one body per link, none fused
        Assert.Empty(scene.Descendants("mesh"));   // visuals dropped, so their meshes are not needed
        Assert.Equal("base", bodies[0]);
    }

    [Fact]
    public void The_copy_mujoco_imports_keeps_every_line_and_drops_visual_meshes()
    {
        var robot = UrdfRobot.Load(WriteUrdf());
        var prepared = robot.ForMuJoCo();
        static Dictionary<string, int> Lines(string xml) => XDocument.Parse(xml, LoadOptions.SetLineInfo).Root!
            .Elements().Where(e => e.Attribute("name") is not null && e.Name.LocalName is "link" or "joint")
            .ToDictionary(e => $"{e.Name.LocalName} {e.Attribute("name")!.Value}", e => ((IXmlLineInfo)e).LineNumber);
        Assert.Equal(Lines(_urdf), Lines(prepared));
        Assert.DoesNotContain(".dae", prepared);
        Assert.Contains("fusestatic=\"false\"", prepared);
        Assert.StartsWith("<?xml", prepared);
    }

    [Theory]
    [InlineData("urdf/go1.urdf")]
    [InlineData("urdf/go2.urdf")]
    [InlineData("urdf/panda_arm.urdf")]
    public void The_projects_own_urdfs_need_no_mujoco_block_and_compile_as_they_did_with_it(string file)
    {
        var path = TestPaths.Repo(file);
        var text = File.ReadAllText(path);
        Assert.DoesNotContain("<mujoco", text);
        // The block these files carried before the importer set its own settings.
        const string former = "<mujoco><compiler discardvisual=\"true\" fusestatic=\"false\" balanceinertia=\"true\" strippath=\"true\"/></mujoco>";
        var robot = UrdfRobot.Load(path);
        string Compiled(string urdf)
        {
            var temp = Path.Combine(_dir.FullName, Path.GetFileName(path));
            File.WriteAllText(temp, urdf);
            return MjModel.ToMjcf(temp);
        }
        var now = Compiled(robot.ForMuJoCo());
        Assert.Equal(Compiled(Regex.Replace(text, "<robot name=\"([^\"]+)\">", m => m.Value + former)), now);
        // Every link has an <inertial>, so the scene adds no massless ones either.
        Assert.All(XDocument.Parse(now).Descendants("body"), b => Assert.NotNull(b.Element("inertial")));
    }

    [Fact]
    public void A_collision_mesh_that_is_missing_or_unreadable_names_the_link_the_file_and_the_formats()
    {
        const string sphere = "<collision><geometry><sphere radius=\"0.02\"/></geometry></collision>";
        var missing = _urdf.Replace(sphere, "<collision><geometry><mesh filename=\"package://qd_description/meshes/foot.stl\"/></geometry></collision>");
        var e = Assert.Throws<UserError>(() => UrdfRobot.Load(WriteUrdf(missing)));
        NamesLine(e, missing, "meshes/foot.stl");
        Assert.Contains("link 'FR_foot'", e.Message);
        Assert.Contains("'package://qd_description/meshes/foot.stl' not found", e.Message);
        Assert.Contains("STL, OBJ and MSH", e.Message);

        var dae = _urdf.Replace(sphere, "<collision><geometry><mesh filename=\"package://qd_description/meshes/trunk.dae\"/></geometry></collision>");
        e = Assert.Throws<UserError>(() => UrdfRobot.Load(WriteUrdf(dae)));
        Assert.Contains("link 'FR_foot'", e.Message);
        Assert.Contains("trunk.dae", e.Message);
        Assert.Contains("a .dae file; MuJoCo reads STL, OBJ and MSH", e.Message);

        var path = WriteUrdf(missing);
        File.WriteAllText(Path.Combine(_dir.FullName, "meshes", "foot.stl"), "");
        e = Assert.Throws<UserError>(() => UrdfRobot.Load(path));
        Assert.Contains("is empty", e.Message);
        Assert.Contains("foot.stl", e.Message);
    }

    [Fact]
    public void A_collision_mesh_that_exists_is_imported_from_wherever_the_process_runs()
    {
        // A tetrahedron as binary STL (MuJoCo 2.2 reads no ASCII STL): 80-byte header, count, then per face a normal,
        // three vertices and a 2-byte attribute.
        float[][] v = { new[] { 0f, 0, 0 }, new[] { 0.02f, 0, 0 }, new[] { 0, 0.02f, 0 }, new[] { 0, 0, 0.02f } };
        int[][] faces = { new[] { 0, 2, 1 }, new[] { 0, 1, 3 }, new[] { 0, 3, 2 }, new[] { 1, 2, 3 } };
        using var stl = new MemoryStream();
        using (var w = new BinaryWriter(stl, Encoding.ASCII, leaveOpen: true))
        {
            w.Write(new byte[80]);
            w.Write((uint)faces.Length);
            foreach (var f in faces)
            {
                for (int k = 0; k < 3; k++) w.Write(0f);
                foreach (var i in f) foreach (var c in v[i]) w.Write(c);
                w.Write((ushort)0);
            }
        }
        var text = WriteUrdf(_urdf.Replace("<collision><geometry><sphere radius=\"0.02\"/></geometry></collision>",
            "<collision><geometry><mesh filename=\"package://qd_description/meshes/foot.stl\"/></geometry></collision>"));
        File.WriteAllBytes(Path.Combine(_dir.FullName, "meshes", "foot.stl"), stl.ToArray());
        var robot = UrdfRobot.Load(text);
        using var model = SceneBuilder.Build(robot, Scene, new SceneOptions { FloatingBase = true });
        Assert.True(model.TryId(Robotics.Sim.Interop.mjtObj.mjOBJ_MESH, "foot") >= 0);
    }

    [Fact]
    public void A_moving_link_without_inertia_is_named_and_a_massless_fixed_one_is_fine()
    {
        const string calf = "  <link name=\"FR_calf\">";
        int start = _urdf.IndexOf(calf, StringComparison.Ordinal);
        int from = _urdf.IndexOf("    <inertial>", start, StringComparison.Ordinal), to = _urdf.IndexOf("</inertial>\n", from, StringComparison.Ordinal) + "</inertial>\n".Length;
        // The foot below the calf is massless too, so nothing carries the calf's motion.
        var text = _urdf.Remove(from, to - from);
        var e = Refused(_ => text);
        NamesLine(e, text, calf);
        Assert.Contains("link 'FR_calf' moves (revolute joint 'FR_calf_joint')", e.Message);
        Assert.Contains("<inertial>", e.Message);

        // The dummy root with everything below it massless cannot be a floating base.
        var trunk = _urdf.IndexOf("  <link name=\"trunk\">", StringComparison.Ordinal);
        int tf = _urdf.IndexOf("    <inertial>", trunk, StringComparison.Ordinal), tt = _urdf.IndexOf("</inertial>\n", tf, StringComparison.Ordinal) + "</inertial>\n".Length;
        var robot = UrdfRobot.Load(WriteUrdf(_urdf.Remove(tf, tt - tf)));
        var b = Assert.Throws<UserError>(() => SceneBuilder.Compose(robot, Scene, new SceneOptions { FloatingBase = true }));
        Assert.Contains("link 'base' moves (it is the floating base)", b.Message);
    }

    [Theory]
    [InlineData("<origin rpy=\"0 0 0\" xyz=\"0 0 -0.213\"/>", "<origin rpy=\"0 0 0\" xyz=\"0 nan -0.213\"/>", "'nan' is not a finite number")]
    [InlineData("<origin rpy=\"0 0 0\" xyz=\"0 0 -0.213\"/>", "<origin rpy=\"0 inf 0\" xyz=\"0 0 -0.213\"/>", "'inf' is not a finite number")]
    [InlineData("<origin rpy=\"0 0 0\" xyz=\"0 0 -0.213\"/>", "<origin rpy=\"0 0 0\" xyz=\"1e30 0 -0.213\"/>", "1e30 is out of range; allowed |value| ≤ 1000 m")]
    [InlineData("<axis xyz=\"1 0 0\"/>", "<axis xyz=\"1 NaN 0\"/>", "'NaN' is not a finite number")]
    [InlineData("<axis xyz=\"1 0 0\"/>", "<axis xyz=\"0 0 0\"/>", "has no direction")]
    [InlineData("<mass value=\"0.68\"/>", "<mass value=\"NaN\"/>", "<mass value=\"NaN\">: not a finite number")]
    [InlineData("<mass value=\"0.68\"/>", "<mass value=\"-1\"/>", "out of range; allowed [0, 100000] kg")]
    [InlineData("iyy=\"0.00072\"", "iyy=\"nan\"", "<inertia iyy=\"nan\">: not a finite number")]
    [InlineData("ixy=\"0\" ixz=\"0\" iyy=\"0.00072\"", "ixy=\"0.01\" ixz=\"0\" iyy=\"0.00072\"", "not positive semi-definite")]
    [InlineData("effort=\"23.7\" lower=\"-0.863\"", "effort=\"NaN\" lower=\"-0.863\"", "<limit effort=\"NaN\">: not a finite number")]
    [InlineData("effort=\"23.7\" lower=\"-0.863\"", "effort=\"1e30\" lower=\"-0.863\"", "<limit effort=\"1e30\">: out of range; allowed (0, 100000] N·m")]
    [InlineData("upper=\"0.863\" velocity=\"30.1\"", "upper=\"0.863\" velocity=\"1e30\"", "<limit velocity=\"1e30\">: out of range; allowed (0, 10000] rad/s")]
    [InlineData("lower=\"-0.863\"", "lower=\"-inf\"", "<limit lower=\"-inf\">: not a finite number")]
    [InlineData("<cylinder length=\"0.04\" radius=\"0.046\"/>", "<cylinder length=\"0.04\" radius=\"nan\"/>", "<cylinder radius=\"nan\">: not a finite number")]
    [InlineData("<box size=\"0.38 0.19 0.11\"/>", "<box size=\"0.38 0 0.11\"/>", "every side must be positive")]
    [InlineData("<dynamics damping=\"0.01\"", "<dynamics damping=\"nan\"", "<dynamics damping=\"nan\">: not a finite number")]
    public void A_number_that_is_not_finite_or_out_of_range_names_the_element_and_line(string from, string to, string expected)
    {
        int at = _urdf.IndexOf(from, StringComparison.Ordinal);
        Assert.True(at >= 0, from);
        var text = _urdf[..at] + to + _urdf[(at + from.Length)..];   // the first occurrence only
        var e = Refused(_ => text);
        NamesLine(e, text, to);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Links_that_are_not_one_tree_are_refused()
    {
        var twoRoots = Refused(t => t.Replace("  <link name=\"imu_link\"/>", "  <link name=\"imu_link\"/>\n  <link name=\"stray\"/>"));
        Assert.Contains("2 root links (base, stray)", twoRoots.Message);
        var twoParents = Refused(t => t.Replace("<child link=\"imu_link\"/>", "<child link=\"FR_hip\"/>"));
        Assert.Contains("link 'FR_hip' is already the child of joint 'imu_joint'", twoParents.Message);
    }

    [Fact]
    public void Eval_of_a_urdf_with_nan_or_huge_numbers_is_a_task_file_error_not_a_crash()
    {
        WriteUrdf(_urdf.Replace("<origin rpy=\"0 0 0\" xyz=\"0 0 -0.213\"/>", "<origin rpy=\"0 0 0\" xyz=\"1e30 0 -0.213\"/>"));
        var taskFile = Path.Combine(_dir.FullName, "qd_velocity.toml");
        File.WriteAllText(taskFile, ThirdPartyQuadruped.TaskFile("qd.urdf"));
        var e = Assert.Throws<UserError>(() => LocomotionConfig.Load(taskFile));
        Assert.Contains("robot.urdf", e.Message);
        Assert.Contains("qd.urdf:", e.Message);
        Assert.Contains("out of range", e.Message);
    }
}
