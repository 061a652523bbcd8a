using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Robotics.Sim.Robots;

/// <summary>A URDF joint with what MuJoCo's importer drops (effort and velocity limits) kept.</summary>
/// <param name="Name">Joint name.</param>
/// <param name="Type">revolute, continuous, prismatic, fixed, floating or planar.</param>
/// <param name="Parent">Parent link.</param>
/// <param name="Child">Child link.</param>
/// <param name="Lower">Lower position limit [rad or m]; −∞ for continuous joints.</param>
/// <param name="Upper">Upper position limit [rad or m]; +∞ for continuous joints.</param>
/// <param name="Effort">Torque or force limit [N·m or N].</param>
/// <param name="Velocity">Speed limit [rad/s or m/s].</param>
/// <param name="Damping">Viscous damping [N·m·s/rad].</param>
/// <param name="Friction">Dry friction [N·m].</param>
public sealed record UrdfJoint(string Name, string Type, string Parent, string Child, double Lower, double Upper,
    double Effort, double Velocity, double Damping, double Friction)
{
    /// <summary>True for joints a motor drives: revolute, continuous and prismatic.</summary>
    public bool Actuated => Type is "revolute" or "continuous" or "prismatic";
}

/// <summary>
/// A robot description read from URDF: the single description for simulation and for the robot's
/// ROS 2 side. Parsing validates what the simulation relies on and names the file, line and element
/// of anything wrong.
/// </summary>
public sealed class UrdfRobot
{
    private UrdfRobot(string source, string name, IReadOnlyList<string> links, IReadOnlyList<UrdfJoint> joints, string xml)
    {
        Source = source;
        Name = name;
        Links = links;
        Joints = joints;
        Actuated = joints.Where(j => j.Actuated).ToList();
        Xml = xml;
    }

    /// <summary>The file (or virtual name) it was read from.</summary>
    public string Source { get; }

    /// <summary>The robot's name attribute.</summary>
    public string Name { get; }

    /// <summary>Link names in document order.</summary>
    public IReadOnlyList<string> Links { get; }

    /// <summary>All joints in document order.</summary>
    public IReadOnlyList<UrdfJoint> Joints { get; }

    /// <summary>The joints motors drive, in document order: the robot's action order.</summary>
    public IReadOnlyList<UrdfJoint> Actuated { get; }

    /// <summary>The URDF text.</summary>
    public string Xml { get; }

    /// <summary>The link no joint names as its child.</summary>
    public string RootLink => Links.First(l => Joints.All(j => j.Child != l));

    /// <summary>The actuated joint of that name.</summary>
    /// <exception cref="KeyNotFoundException">No actuated joint has that name; the message lists those there are.</exception>
    public UrdfJoint Joint(string name) =>
        Actuated.FirstOrDefault(j => j.Name == name)
        ?? throw new KeyNotFoundException($"{Source}: no actuated joint named '{name}'. Actuated joints: {string.Join(", ", Actuated.Select(j => j.Name))}");

    /// <summary>Reads and validates a URDF file; mesh files are looked up relative to it.</summary>
    public static UrdfRobot Load(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"URDF file not found: {full}", full);
        return Parse(File.ReadAllText(full), full, Path.GetDirectoryName(full)!);
    }

    /// <summary>Parses and validates URDF text; <paramref name="meshDir"/> is where relative mesh paths point.</summary>
    /// <exception cref="UrdfException">Malformed XML, a missing attribute, an inverted range, a missing mesh, an unknown link.</exception>
    public static UrdfRobot Parse(string xml, string source, string meshDir)
    {
        XDocument doc;
        try { doc = XDocument.Parse(xml, LoadOptions.SetLineInfo); }
        catch (XmlException e) { throw new UrdfException($"{source}:{e.LineNumber}: malformed XML: {e.Message}"); }
        var robot = doc.Root;
        if (robot is null || robot.Name.LocalName != "robot")
            throw new UrdfException($"{source}: the root element is <{robot?.Name.LocalName}>, not <robot>");
        var name = robot.Attribute("name")?.Value ?? throw Error(source, robot, "<robot> has no name attribute");

        var links = new List<string>();
        foreach (var link in robot.Elements("link"))
        {
            var linkName = Required(source, link, "name");
            if (links.Contains(linkName)) throw Error(source, link, $"link '{linkName}' is defined twice");
            links.Add(linkName);
            foreach (var mesh in link.Descendants("mesh"))
            {
                var file = Required(source, mesh, "filename");
                var local = file.StartsWith("package://", StringComparison.Ordinal) ? file["package://".Length..] : file;
                var candidates = new[] { Path.Combine(meshDir, local), Path.Combine(meshDir, Path.GetFileName(local)) };
                if (!candidates.Any(File.Exists))
                    throw Error(source, mesh, $"link '{linkName}': mesh '{file}' not found (looked in {meshDir})");
            }
        }
        if (links.Count == 0) throw Error(source, robot, "the robot has no links");

        var joints = new List<UrdfJoint>();
        foreach (var j in robot.Elements("joint"))
        {
            var jointName = Required(source, j, "name");
            var type = Required(source, j, "type");
            if (type is not ("revolute" or "continuous" or "prismatic" or "fixed" or "floating" or "planar"))
                throw Error(source, j, $"joint '{jointName}': unknown type '{type}'");
            var parent = j.Element("parent")?.Attribute("link")?.Value ?? throw Error(source, j, $"joint '{jointName}' has no <parent link=…>");
            var child = j.Element("child")?.Attribute("link")?.Value ?? throw Error(source, j, $"joint '{jointName}' has no <child link=…>");
            if (!links.Contains(parent)) throw Error(source, j, $"joint '{jointName}': parent link '{parent}' is not defined");
            if (!links.Contains(child)) throw Error(source, j, $"joint '{jointName}': child link '{child}' is not defined");
            if (joints.Any(o => o.Name == jointName)) throw Error(source, j, $"joint '{jointName}' is defined twice");

            double lower = double.NegativeInfinity, upper = double.PositiveInfinity, effort = 0, velocity = 0;
            var limit = j.Element("limit");
            bool actuated = type is "revolute" or "continuous" or "prismatic";
            if (actuated)
            {
                if (limit is null) throw Error(source, j, $"joint '{jointName}' has no <limit>; effort and velocity limits are required for the actuator model");
                effort = Number(source, limit, "effort", jointName);
                velocity = Number(source, limit, "velocity", jointName);
                if (!(effort > 0)) throw Error(source, limit, $"joint '{jointName}': effort limit {effort} must be positive");
                if (!(velocity > 0)) throw Error(source, limit, $"joint '{jointName}': velocity limit {velocity} must be positive");
                if (type != "continuous")
                {
                    lower = Number(source, limit, "lower", jointName);
                    upper = Number(source, limit, "upper", jointName);
                    if (!(lower < upper))
                        throw Error(source, limit, $"joint '{jointName}': inverted range, lower {lower} ≥ upper {upper}");
                }
            }
            var dynamics = j.Element("dynamics");
            double damping = dynamics?.Attribute("damping") is { } d ? Parse(source, dynamics, d.Value, "damping", jointName) : 0;
            double friction = dynamics?.Attribute("friction") is { } f ? Parse(source, dynamics, f.Value, "friction", jointName) : 0;
            joints.Add(new UrdfJoint(jointName, type, parent, child, lower, upper, effort, velocity, damping, friction));
        }
        return new UrdfRobot(source, name, links, joints, xml);
    }

    private static string Required(string source, XElement e, string attribute) =>
        e.Attribute(attribute)?.Value is { Length: > 0 } v ? v : throw Error(source, e, $"<{e.Name.LocalName}> has no {attribute} attribute");

    private static double Number(string source, XElement e, string attribute, string joint) =>
        e.Attribute(attribute) is { } a ? Parse(source, e, a.Value, attribute, joint)
        : throw Error(source, e, $"joint '{joint}': <{e.Name.LocalName}> has no {attribute} attribute");

    private static double Parse(string source, XElement e, string text, string attribute, string joint) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v
        : throw Error(source, e, $"joint '{joint}': {attribute}=\"{text}\" is not a number");

    private static UrdfException Error(string source, XElement e, string message) =>
        new($"{source}:{((IXmlLineInfo)e).LineNumber}: {message}");
}

/// <summary>A URDF that cannot be used, with file, line and reason.</summary>
public sealed class UrdfException(string message) : Exception(message);
