using System.Globalization;
using System.Xml.Linq;
using Robotics.Sim.MuJoCo;

namespace Robotics.Sim.Robots;

/// <summary>How a robot is placed in a scene.</summary>
public sealed record SceneOptions
{
    /// <summary>Give the root link a free joint (legged robots); otherwise it is welded to the world (arms).</summary>
    public bool FloatingBase { get; init; }

    /// <summary>Position of the root link in the world [m], x y z.</summary>
    public double[] BasePosition { get; init; } = { 0, 0, 0 };

    /// <summary>Link carrying the IMU; gets a site <c>imu</c> and gyro, accelerometer, orientation and velocity sensors. Null: none.</summary>
    public string? ImuLink { get; init; }

    /// <summary>Reflected rotor inertia added to every actuated joint [kg·m²].</summary>
    public double Armature { get; init; }
}

/// <summary>
/// Composes a MuJoCo scene: the robot's URDF (compiled by MuJoCo, written back as MJCF) placed into a
/// scene MJCF (floor, lights, table, objects), plus what the URDF cannot say to MuJoCo: a free joint
/// for a floating base, one torque motor per actuated joint limited to the URDF's effort (the PD law
/// runs in C#, see <see cref="PdActuators"/>), rotor armature, and IMU sensors.
/// </summary>
public static class SceneBuilder
{
    /// <summary>Names of the IMU sensors added when <see cref="SceneOptions.ImuLink"/> is set.</summary>
    public const string Gyro = "imu_gyro", Accelerometer = "imu_acc", Orientation = "imu_quat", Velocimeter = "imu_vel";

    /// <summary>The scene's MJCF text for <paramref name="robot"/> inside <paramref name="sceneXml"/>.</summary>
    /// <exception cref="UserError">A floating base that is massless with everything fixed to it.</exception>
    /// <exception cref="UserError">MuJoCo refuses the robot or the scene (its message names the file and line).</exception>
    public static string Compose(UrdfRobot robot, string sceneXml, SceneOptions options)
    {
        if (options.FloatingBase) robot.RequireInertia(robot.RootLink, "it is the floating base");
        var robotMjcf = XDocument.Parse(Import(robot));
        var scene = XDocument.Parse(sceneXml);
        var root = scene.Root!;
        var world = Section(root, "worldbody");
        var rWorld = robotMjcf.Root!.Element("worldbody") ?? throw new UserError($"{robot.Source}: MuJoCo wrote no <worldbody>");

        // The robot's assets and bodies join the scene's.
        foreach (var name in new[] { "asset", "contact", "equality", "tendon" })
            if (robotMjcf.Root!.Element(name) is { } section)
                Section(root, name).Add(section.Elements());
        var bodies = rWorld.Elements("body").ToList();
        var geoms = rWorld.Elements().Where(e => e.Name != "body").ToList();
        if (bodies.Count != 1)
            throw new UserError($"{robot.Source}: expected one root body under <worldbody>, MuJoCo wrote {bodies.Count} ({string.Join(", ", bodies.Select(b => (string?)b.Attribute("name")))})");
        var baseBody = bodies[0];
        // MuJoCo writes a massless link back as a body without <inertial>, which the scene's compile would fill
        // from its collision shapes at water's density (33 g for a 2 cm foot sphere). URDF says it is massless.
        foreach (var body in baseBody.DescendantsAndSelf("body").Where(b => b.Element("inertial") is null))
            body.AddFirst(new XElement("inertial", new XAttribute("pos", "0 0 0"), new XAttribute("mass", "0"), new XAttribute("diaginertia", "0 0 0")));
        baseBody.SetAttributeValue("pos", Vector(options.BasePosition));
        if (options.FloatingBase) baseBody.AddFirst(new XElement("freejoint", new XAttribute("name", "root")));
        // Detach before adding: XLinq copies an element that still has a parent, and the edits below
        // must reach the scene's copy.
        foreach (var g in geoms) g.Remove();
        baseBody.Remove();
        world.Add(geoms);   // links fixed to the world (fused into it by MuJoCo)
        world.Add(baseBody);

        // Armature on the actuated joints, then one torque motor each, in the URDF's order.
        var jointElements = baseBody.Descendants("joint").ToDictionary(j => (string)j.Attribute("name")!);
        var actuators = Section(root, "actuator");
        foreach (var j in robot.Actuated)
        {
            if (!jointElements.TryGetValue(j.Name, out var element))
                throw new UserError($"{robot.Source}: MuJoCo's import has no joint '{j.Name}'");
            if (options.Armature > 0) element.SetAttributeValue("armature", F(options.Armature));
            actuators.Add(new XElement("motor",
                new XAttribute("name", j.Name), new XAttribute("joint", j.Name), new XAttribute("gear", "1"),
                new XAttribute("ctrllimited", "true"), new XAttribute("ctrlrange", $"{F(-j.Effort)} {F(j.Effort)}")));
        }

        // The IMU: a site in its link's body and the four sensors a real IMU (with a state estimator) gives.
        if (options.ImuLink is { } imu)
        {
            var body = root.Descendants("body").FirstOrDefault(b => (string?)b.Attribute("name") == imu)
                ?? throw new UserError($"{robot.Source}: IMU link '{imu}' is not a body of the compiled robot (is it a link of the URDF?)");
            body.Add(new XElement("site", new XAttribute("name", "imu"), new XAttribute("size", "0.01")));
            var sensors = Section(root, "sensor");
            sensors.Add(new XElement("gyro", new XAttribute("name", Gyro), new XAttribute("site", "imu")));
            sensors.Add(new XElement("accelerometer", new XAttribute("name", Accelerometer), new XAttribute("site", "imu")));
            sensors.Add(new XElement("framequat", new XAttribute("name", Orientation), new XAttribute("objtype", "site"), new XAttribute("objname", "imu")));
            sensors.Add(new XElement("velocimeter", new XAttribute("name", Velocimeter), new XAttribute("site", "imu")));
        }
        return scene.ToString();
    }

    /// <summary>Composes and compiles the scene.</summary>
    public static MjModel Build(UrdfRobot robot, string sceneXml, SceneOptions options) =>
        MjModel.FromXml(Compose(robot, sceneXml, options), SceneFileName(robot.Name));

    // The virtual file MuJoCo's messages name: a plain, short file name, whatever the URDF's robot name holds ('/', 2,000 characters).
    private static string SceneFileName(string robotName) =>
        new string(robotName.Take(64).Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_').ToArray()) + "_scene.xml";

    // MuJoCo compiles the URDF as it should see it (UrdfRobot.ForMuJoCo) from a temporary file and writes it
    // back as MJCF; its messages name the temporary file, so they are given the URDF's own name (lines match).
    private static string Import(UrdfRobot robot)
    {
        var temp = Path.Combine(Path.GetTempPath(), $"robotics-urdf-{Environment.ProcessId}-{Guid.NewGuid():N}.urdf");
        File.WriteAllText(temp, robot.ForMuJoCo());
        try { return MjModel.ToMjcf(temp); }
        catch (UserError e) { throw new UserError(e.Message.Replace(temp, robot.Source)); }
        finally { File.Delete(temp); }
    }

    private static XElement Section(XElement root, string name)
    {
        var s = root.Element(name);
        if (s is null) { s = new XElement(name); root.Add(s); }
        return s;
    }

    private static string Vector(double[] v) => string.Join(" ", v.Select(F));
    private static string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}
