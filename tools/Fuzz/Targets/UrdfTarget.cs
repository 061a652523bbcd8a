using System.Text;
using System.Xml.Linq;
using Robotics.Deploy.Kinematics;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Robots;

namespace Robotics.Tools.Fuzz;

/// <summary>
/// URDF import (<see cref="UrdfRobot.Parse"/>; meshes are looked up in the repository's urdf/ folder). A URDF that parses
/// must be one tree rooted at <see cref="UrdfRobot.RootLink"/>, with finite numbers and ordered limits on its actuated
/// joints, parse the same a second time, give well-formed XML for MuJoCo, and give every link's kinematic chain or a
/// <see cref="UserError"/>; then the scene the simulation builds from it must compile in MuJoCo or be refused with a
/// <see cref="UserError"/> (never a native crash, never another exception).
/// </summary>
public static class UrdfTarget
{
    private static readonly string Scene = ReadScene();

    public static void Check(byte[] input)
    {
        var xml = Encoding.UTF8.GetString(input);
        var meshDir = Repo.Path("urdf");
        UrdfRobot robot;
        try { robot = UrdfRobot.Parse(xml, "fuzz.urdf", meshDir); }
        catch (UserError) { return; }

        UrdfRobot again;
        try { again = UrdfRobot.Parse(xml, "fuzz.urdf", meshDir); }
        catch (UserError e) { throw new FuzzFinding($"a URDF that parsed is refused on a second parse: {e.Message}", e); }
        if (Describe(robot) != Describe(again)) throw new FuzzFinding("a second parse differs");

        try { Valid(robot); }
        catch (FuzzFinding) { throw; }
        catch (Exception e) { throw new FuzzFinding($"a URDF that parsed is not usable: {e.GetType().Name}: {e.Message}", e); }

        try
        {
            using var model = SceneBuilder.Build(robot, Scene, new SceneOptions { FloatingBase = false });
        }
        catch (UserError) { }
        catch (Exception e) { throw new FuzzFinding($"building the scene of a URDF that parsed throws {e.GetType().Name}: {e.Message}", e); }
    }

    private static void Valid(UrdfRobot robot)
    {
        if (!robot.Links.Contains(robot.RootLink)) throw new FuzzFinding($"the root link '{robot.RootLink}' is not a link");
        foreach (var j in robot.Joints)
        {
            if (!robot.Links.Contains(j.Parent) || !robot.Links.Contains(j.Child)) throw new FuzzFinding($"joint '{j.Name}' joins links that are not defined");
            if (j.Xyz.Concat(j.Rpy).Concat(j.Axis).Concat([j.Effort, j.Velocity, j.Damping, j.Friction]).Any(v => !double.IsFinite(v)))
                throw new FuzzFinding($"joint '{j.Name}' has a number that is not finite");
            if (j.Actuated && (!(j.Effort > 0) || !(j.Velocity > 0) || !(j.Lower < j.Upper)))
                throw new FuzzFinding($"actuated joint '{j.Name}' has effort {j.Effort}, velocity {j.Velocity}, range [{j.Lower}, {j.Upper}]");
        }
        var mujoco = XDocument.Parse(robot.ForMuJoCo());
        if (mujoco.Root?.Name.LocalName != "robot") throw new FuzzFinding("the copy for MuJoCo has no <robot> root");
        foreach (var link in robot.Links)
        {
            var chain = robot.ChainTo(link);
            if (chain.Count > 0 && chain[0].Parent != robot.RootLink) throw new FuzzFinding($"the chain to '{link}' does not start at the root link");
            IReadOnlyList<KinematicJoint> joints;
            try { joints = robot.KinematicChainTo(link); }
            catch (UserError) { continue; }
            try { _ = new KinematicChain(joints, robot.Actuated.Select(a => a.Name).ToList()); }
            catch (UserError) { }
        }
    }

    private static string Describe(UrdfRobot r) =>
        string.Join("\n", [r.Name, r.RootLink, string.Join(",", r.Links), .. r.Joints.Select(j => $"{j} {string.Join(" ", j.Xyz)} {string.Join(" ", j.Rpy)} {string.Join(" ", j.Axis)}"), r.ForMuJoCo()]);

    private static string ReadScene()
    {
        using var stream = typeof(UrdfRobot).Assembly.GetManifestResourceStream("Robotics.Sim.Tasks.Assets.scene_flat.xml")
            ?? throw new InvalidOperationException("Robotics.Sim has no embedded scene_flat.xml");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
