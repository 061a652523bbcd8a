using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Robotics.Deploy.Kinematics;

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

    /// <summary>True for every joint but a fixed one: its child link moves relative to its parent.</summary>
    public bool Moving => Type != "fixed";

    /// <summary>Origin translation of the child frame in the parent link's frame [m]. [3]</summary>
    public double[] Xyz { get; init; } = [0, 0, 0];

    /// <summary>Origin rotation, fixed-axis roll, pitch, yaw [rad]. [3]</summary>
    public double[] Rpy { get; init; } = [0, 0, 0];

    /// <summary>Motion axis in the joint frame (URDF's default x). [3]</summary>
    public double[] Axis { get; init; } = [1, 0, 0];
}

/// <summary>
/// A robot description read from URDF: the single description for simulation and for the robot's
/// ROS 2 side. Parsing validates what the simulation relies on and names the file, line and element
/// of anything wrong, so that MuJoCo never sees a number it would silently misread or crash on.
/// </summary>
/// <remarks>
/// A URDF needs no MuJoCo-specific lines: <see cref="ForMuJoCo"/> writes the copy MuJoCo imports, with the
/// compiler settings the simulation needs and without visual meshes (training never draws them, and MuJoCo 2.2
/// cannot read the Collada meshes they often use). A <c>&lt;mujoco&gt;</c> block in the file is replaced.
/// </remarks>
public sealed class UrdfRobot
{
    /// <summary>Largest |value| of an origin's xyz, a position limit and a collision shape's size [m] (rad for a revolute limit).</summary>
    public const double MaxLength = 1e3;
    /// <summary>Largest |value| of an origin's roll, pitch or yaw [rad].</summary>
    public const double MaxAngle = 100;
    /// <summary>Largest effort limit [N·m or N].</summary>
    public const double MaxEffort = 1e5;
    /// <summary>Largest velocity limit [rad/s or m/s].</summary>
    public const double MaxVelocity = 1e4;
    /// <summary>Largest link mass [kg].</summary>
    public const double MaxMass = 1e5;
    /// <summary>Largest |value| of an inertia tensor entry [kg·m²].</summary>
    public const double MaxInertia = 1e5;
    /// <summary>Largest joint damping [N·m·s/rad] or dry friction [N·m].</summary>
    public const double MaxDamping = 1e5;

    /// <summary>Mesh formats MuJoCo 2.2 reads, by file extension.</summary>
    public static readonly IReadOnlyList<string> MeshFormats = new[] { ".stl", ".obj", ".msh" };

    // What the simulation needs from MuJoCo's importer: every link stays a body (fusestatic off), so feet and the
    // IMU link keep their names; visuals go; a link without <inertial> is massless, as URDF says, rather than
    // given a mass from its collision shapes at water's density (inertiafromgeom off); inertias that break the
    // triangle inequality are balanced. Mesh paths are absolute in the prepared copy, so nothing is stripped.
    private const string Compiler = "<compiler discardvisual=\"true\" fusestatic=\"false\" inertiafromgeom=\"false\" balanceinertia=\"true\" strippath=\"false\"/>";

    private readonly Dictionary<string, LinkInfo> _links;
    private readonly string _mujocoXml;

    private sealed record LinkInfo(int Line, bool HasInertia);

    private UrdfRobot(string source, string name, IReadOnlyList<string> links, IReadOnlyList<UrdfJoint> joints, string xml,
        Dictionary<string, LinkInfo> linkInfo, string rootLink, string mujocoXml)
    {
        Source = source;
        Name = name;
        Links = links;
        Joints = joints;
        Actuated = joints.Where(j => j.Actuated).ToList();
        Xml = xml;
        RootLink = rootLink;
        _links = linkInfo;
        _mujocoXml = mujocoXml;
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

    /// <summary>The URDF text as written.</summary>
    public string Xml { get; }

    /// <summary>The link no joint names as its child (there is exactly one).</summary>
    public string RootLink { get; }

    /// <summary>
    /// The URDF as MuJoCo should import it: any <c>&lt;mujoco&gt;</c> block replaced by the compiler settings the
    /// simulation needs (which drop visual geoms), visual meshes replaced by a placeholder so that no visual mesh
    /// file is read, collision mesh paths made absolute. Every element keeps its line, so MuJoCo's messages
    /// point into the original file.
    /// </summary>
    public string ForMuJoCo() => _mujocoXml;

    /// <summary>The joints from the root link to <paramref name="link"/>, in order: the serial chain forward kinematics walks.</summary>
    /// <exception cref="UserError">No link has that name.</exception>
    public IReadOnlyList<UrdfJoint> ChainTo(string link)
    {
        if (!_links.ContainsKey(link)) throw new UserError($"{Source}: no link named '{link}'");
        var chain = new List<UrdfJoint>();
        for (var j = Joints.FirstOrDefault(j => j.Child == link); j is not null; j = Joints.FirstOrDefault(p => p.Child == j.Parent))
            chain.Add(j);
        chain.Reverse();
        return chain;
    }

    /// <summary>
    /// The chain from the root link to <paramref name="link"/> as the robot's forward kinematics takes it (the policy
    /// contract carries it so that the robot computes link poses without a physics engine).
    /// </summary>
    /// <exception cref="UserError">No link has that name, or a floating or planar joint lies on the way.</exception>
    public IReadOnlyList<KinematicJoint> KinematicChainTo(string link) => ChainTo(link).Select(j => new KinematicJoint(j.Name, j.Type switch
    {
        "fixed" => KinematicJointType.Fixed,
        "revolute" or "continuous" => KinematicJointType.Revolute,
        "prismatic" => KinematicJointType.Prismatic,
        _ => throw new UserError($"{Source}: joint '{j.Name}' on the way to '{link}' is {j.Type}; forward kinematics takes fixed, revolute, continuous and prismatic joints"),
    }, j.Xyz, j.Rpy, j.Axis)).ToList();

    /// <summary>The actuated joint of that name.</summary>
    /// <exception cref="UserError">No actuated joint has that name; the message lists those there are.</exception>
    public UrdfJoint Joint(string name) =>
        Actuated.FirstOrDefault(j => j.Name == name)
        ?? throw new UserError($"{Source}: no actuated joint named '{name}'. Actuated joints: {string.Join(", ", Actuated.Select(j => j.Name))}");

    /// <summary>
    /// Refuses <paramref name="link"/> as a moving body when neither it nor a link fixed below it carries mass
    /// and inertia (MuJoCo cannot integrate a massless body); <paramref name="why"/> says why it moves.
    /// </summary>
    /// <exception cref="UserError">The link and the links fixed to it are all massless.</exception>
    public void RequireInertia(string link, string why)
    {
        if (!_links.ContainsKey(link)) throw new UserError($"{Source}: no link named '{link}'");
        if (!WeldGroup(link).Any(l => _links[l].HasInertia))
            throw new UserError($"{Source}:{_links[link].Line}: link '{link}' moves ({why}) but has no <inertial> with a positive mass and "
                + "inertia, and no link fixed to it has one; MuJoCo cannot simulate a massless moving body. Give it an <inertial> "
                + "(<mass value=…> and <inertia ixx=… iyy=… izz=…>)");
    }

    // The link and every link attached below it through fixed joints: the rigid body MuJoCo makes of them.
    private IEnumerable<string> WeldGroup(string link)
    {
        yield return link;
        foreach (var j in Joints.Where(j => j.Parent == link && !j.Moving))
            foreach (var l in WeldGroup(j.Child)) yield return l;
    }

    /// <summary>Reads and validates a URDF file; mesh files are looked up relative to it.</summary>
    /// <exception cref="UserError">No such file.</exception>
    /// <exception cref="UserError">See <see cref="Parse"/>.</exception>
    public static UrdfRobot Load(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new UserError($"URDF file not found: {full}");
        return Parse(File.ReadAllText(full), full, Path.GetDirectoryName(full)!);
    }

    /// <summary>Parses and validates URDF text; <paramref name="meshDir"/> is where relative mesh paths point.</summary>
    /// <exception cref="UserError">
    /// Malformed XML, a missing attribute, a number that is not finite or out of range, an inverted range, a
    /// collision mesh that is missing or in a format MuJoCo cannot read, an unknown link, links that are not one
    /// tree, a moving link without inertia. The message names the file, the line and the element.
    /// </exception>
    public static UrdfRobot Parse(string xml, string source, string meshDir)
    {
        XDocument doc;
        try { doc = XDocument.Parse(xml, LoadOptions.SetLineInfo | LoadOptions.PreserveWhitespace); }
        catch (XmlException e) { throw new UserError($"{source}:{e.LineNumber}: malformed XML: {e.Message}"); }
        var robot = doc.Root;
        if (robot is null || robot.Name.LocalName != "robot")
            throw new UserError($"{source}: the root element is <{robot?.Name.LocalName}>, not <robot>");
        var name = robot.Attribute("name")?.Value ?? throw Error(source, robot, "<robot> has no name attribute");
        var check = new Checker(source);

        var links = new List<string>();
        var info = new Dictionary<string, LinkInfo>();
        foreach (var link in robot.Elements("link"))
        {
            var linkName = Required(source, link, "name");
            if (info.ContainsKey(linkName)) throw Error(source, link, $"link '{linkName}' is defined twice");
            var owner = $"link '{linkName}'";
            bool hasInertia = false;
            if (link.Element("inertial") is { } inertial)
                hasInertia = check.Inertial(inertial, owner);
            foreach (var collision in link.Elements("collision"))
                check.Collision(collision, owner, meshDir);
            // Visuals are not read: training never draws them and MuJoCo's import drops them.
            links.Add(linkName);
            info[linkName] = new LinkInfo(Line(link), hasInertia);
        }
        if (links.Count == 0) throw Error(source, robot, "the robot has no links");

        var joints = new List<UrdfJoint>();
        var parentJoint = new Dictionary<string, UrdfJoint>();
        foreach (var j in robot.Elements("joint"))
        {
            var jointName = Required(source, j, "name");
            var owner = $"joint '{jointName}'";
            var type = Required(source, j, "type");
            if (type is not ("revolute" or "continuous" or "prismatic" or "fixed" or "floating" or "planar"))
                throw Error(source, j, $"{owner}: unknown type '{type}'");
            var parent = j.Element("parent")?.Attribute("link")?.Value ?? throw Error(source, j, $"{owner} has no <parent link=…>");
            var child = j.Element("child")?.Attribute("link")?.Value ?? throw Error(source, j, $"{owner} has no <child link=…>");
            if (!info.ContainsKey(parent)) throw Error(source, j, $"{owner}: parent link '{parent}' is not defined");
            if (!info.ContainsKey(child)) throw Error(source, j, $"{owner}: child link '{child}' is not defined");
            if (joints.Any(o => o.Name == jointName)) throw Error(source, j, $"{owner} is defined twice");
            if (parentJoint.TryGetValue(child, out var other))
                throw Error(source, j, $"{owner}: link '{child}' is already the child of joint '{other.Name}'; a URDF is a tree, each link has one parent");
            var (xyz, rpy) = check.Origin(j.Element("origin"), owner);
            var axisXyz = j.Element("axis") is { } axis ? check.Axis(axis, owner) : [1, 0, 0];

            double lower = double.NegativeInfinity, upper = double.PositiveInfinity, effort = 0, velocity = 0;
            var limit = j.Element("limit");
            bool actuated = type is "revolute" or "continuous" or "prismatic";
            if (actuated)
            {
                if (limit is null) throw Error(source, j, $"{owner} has no <limit>; effort and velocity limits are required for the actuator model");
                effort = check.Number(limit, "effort", owner, double.Epsilon, MaxEffort, "N·m (or N)");
                velocity = check.Number(limit, "velocity", owner, double.Epsilon, MaxVelocity, "rad/s (or m/s)");
                if (type != "continuous")
                {
                    lower = check.Number(limit, "lower", owner, -MaxLength, MaxLength, "rad (or m)");
                    upper = check.Number(limit, "upper", owner, -MaxLength, MaxLength, "rad (or m)");
                    if (!(lower < upper))
                        throw Error(source, limit, $"{owner}: inverted range, lower {F(lower)} ≥ upper {F(upper)}");
                }
            }
            var dynamics = j.Element("dynamics");
            double damping = dynamics?.Attribute("damping") is not null ? check.Number(dynamics, "damping", owner, 0, MaxDamping, "N·m·s/rad") : 0;
            double friction = dynamics?.Attribute("friction") is not null ? check.Number(dynamics, "friction", owner, 0, MaxDamping, "N·m") : 0;
            var joint = new UrdfJoint(jointName, type, parent, child, lower, upper, effort, velocity, damping, friction) { Xyz = xyz, Rpy = rpy, Axis = axisXyz };
            joints.Add(joint);
            parentJoint[child] = joint;
        }

        // One tree: a single root from which every link is reached.
        var roots = links.Where(l => !parentJoint.ContainsKey(l)).ToList();
        if (roots.Count != 1)
            throw Error(source, robot, roots.Count == 0
                ? "every link is the child of a joint, so there is no root link: the joints form a loop"
                : $"{roots.Count} root links ({string.Join(", ", roots)}); a URDF is one tree: every link but the root must be the child of a joint");
        var reached = new HashSet<string> { roots[0] };
        for (var frontier = new List<string> { roots[0] }; frontier.Count > 0;)
            frontier = joints.Where(j => frontier.Contains(j.Parent) && reached.Add(j.Child)).Select(j => j.Child).ToList();
        if (reached.Count != links.Count)
            throw Error(source, robot, $"links {string.Join(", ", links.Where(l => !reached.Contains(l)))} are not connected to the root link '{roots[0]}': their joints form a loop");

        var result = new UrdfRobot(source, name, links, joints, xml, info, roots[0], PrepareForMuJoCo(doc, check.MeshPaths));
        foreach (var j in joints.Where(j => j.Moving))
            result.RequireInertia(j.Child, $"{j.Type} joint '{j.Name}'");
        return result;
    }

    // The copy MuJoCo imports; removed elements leave their newlines behind so every line number stays.
    private static string PrepareForMuJoCo(XDocument original, IReadOnlyDictionary<XElement, string> meshPaths)
    {
        var doc = new XDocument(original);   // deep copy: the original keeps its line info for the checks above
        var robot = doc.Root!;
        var originalElements = original.Root!.DescendantsAndSelf().ToList();
        var copies = robot.DescendantsAndSelf().ToList();   // same order as the original's
        for (int i = 0; i < copies.Count; i++)
            if (meshPaths.TryGetValue(originalElements[i], out var full)) copies[i].SetAttributeValue("filename", full);
        foreach (var e in robot.Descendants().Where(e => e.Name.LocalName is "mujoco").ToList())
            e.ReplaceWith(new XText(new string('\n', e.ToString(SaveOptions.DisableFormatting).Count(c => c == '\n'))));
        // Visuals stay for their material colours (MuJoCo paints the link's collision geoms with them) but lose their
        // meshes, so no visual mesh file is read; discardvisual then drops the visual geoms themselves.
        foreach (var mesh in robot.Elements("link").Elements("visual").Elements("geometry").Elements("mesh").ToList())
            mesh.ReplaceWith(new XElement("sphere", new XAttribute("radius", "0.001")));
        robot.AddFirst(XElement.Parse($"<mujoco>{Compiler}</mujoco>"));
        // The declaration (if any) is the only thing before the root that XDocument.ToString leaves out.
        var text = doc.ToString(SaveOptions.DisableFormatting);
        return doc.Declaration is null ? text : doc.Declaration + text;
    }

    // Reads numbers and shapes, naming the file, line and element of anything wrong; remembers collision meshes.
    private sealed class Checker(string source)
    {
        public Dictionary<XElement, string> MeshPaths { get; } = new();

        // The origin's xyz [m] and rpy [rad], zero where absent.
        public (double[] Xyz, double[] Rpy) Origin(XElement? origin, string owner)
        {
            if (origin is null) return ([0, 0, 0], [0, 0, 0]);
            return (Vector(origin, "xyz", owner, 3, MaxLength, "m") ?? [0, 0, 0], Vector(origin, "rpy", owner, 3, MaxAngle, "rad") ?? [0, 0, 0]);
        }

        public double[] Axis(XElement axis, string owner)
        {
            var v = Vector(axis, "xyz", owner, 3, MaxLength, "");
            if (v is not null && !(Math.Sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]) > 1e-9))
                throw Error(source, axis, $"{owner}: <axis xyz=\"{axis.Attribute("xyz")!.Value}\"> has no direction (zero length)");
            return v ?? [1, 0, 0];
        }

        // True when the link carries mass and a positive-definite inertia of its own.
        public bool Inertial(XElement inertial, string owner)
        {
            var what = $"{owner} <inertial>";
            Origin(inertial.Element("origin"), what);
            var massElement = inertial.Element("mass") ?? throw Error(source, inertial, $"{what} has no <mass value=…>");
            double mass = Number(massElement, "value", what, 0, MaxMass, "kg");
            var i = inertial.Element("inertia") ?? throw Error(source, inertial, $"{what} has no <inertia ixx=… ixy=… ixz=… iyy=… iyz=… izz=…>");
            double Entry(string a, double min) => i.Attribute(a) is null ? 0 : Number(i, a, what, min, MaxInertia, "kg·m²");
            double xx = Entry("ixx", 0), yy = Entry("iyy", 0), zz = Entry("izz", 0);
            double xy = Entry("ixy", -MaxInertia), xz = Entry("ixz", -MaxInertia), yz = Entry("iyz", -MaxInertia);
            // Leading minors: all positive means positive definite; a negative one (beyond rounding) is no physical inertia.
            double m2 = xx * yy - xy * xy, det = xx * (yy * zz - yz * yz) - xy * (xy * zz - yz * xz) + xz * (xy * yz - yy * xz);
            double scale = Math.Max(Math.Max(xx, yy), zz);
            if (m2 < -1e-9 * scale * scale || det < -1e-9 * scale * scale * scale)
                throw Error(source, i, $"{what}: the inertia tensor is not positive semi-definite (no physical body has it)");
            return mass > 0 && xx > 0 && m2 > 0 && det > 0;
        }

        public void Collision(XElement collision, string owner, string meshDir)
        {
            var what = $"{owner} <collision>";
            Origin(collision.Element("origin"), what);
            var geometry = collision.Element("geometry") ?? throw Error(source, collision, $"{what} has no <geometry>");
            var shape = geometry.Elements().FirstOrDefault() ?? throw Error(source, geometry, $"{what}: <geometry> is empty; give a <box>, <cylinder>, <sphere> or <mesh>");
            switch (shape.Name.LocalName)
            {
                case "box":
                    if (Vector(shape, "size", what, 3, MaxLength, "m") is not { } size) throw Error(source, shape, $"{what}: <box> has no size attribute");
                    if (size.Any(s => !(s > 0))) throw Error(source, shape, $"{what}: <box size=\"{shape.Attribute("size")!.Value}\">: every side must be positive");
                    break;
                case "cylinder":
                    Number(shape, "radius", what, double.Epsilon, MaxLength, "m");
                    Number(shape, "length", what, double.Epsilon, MaxLength, "m");
                    break;
                case "sphere":
                    Number(shape, "radius", what, double.Epsilon, MaxLength, "m");
                    break;
                case "mesh":
                    Mesh(shape, what, meshDir);
                    break;
                default:
                    throw Error(source, shape, $"{what}: unknown geometry <{shape.Name.LocalName}>; use <box>, <cylinder>, <sphere> or <mesh>");
            }
        }

        private void Mesh(XElement mesh, string what, string meshDir)
        {
            var file = Required(source, mesh, "filename");
            if (Vector(mesh, "scale", what, 3, MaxLength, "") is { } scale && scale.Any(s => s == 0))
                throw Error(source, mesh, $"{what}: <mesh scale=\"{mesh.Attribute("scale")!.Value}\">: a zero scale flattens the mesh");
            var extension = Path.GetExtension(file).ToLowerInvariant();
            var formats = "MuJoCo reads STL, OBJ and MSH meshes (.stl, .obj, .msh)";
            if (!MeshFormats.Contains(extension))
                throw Error(source, mesh, $"{what}: collision mesh '{file}' is {(extension.Length == 0 ? "of no known format" : $"a {extension} file")}; {formats}. Convert it, or use a <box>, <cylinder> or <sphere>");
            // package://pkg/meshes/x.stl names a file of ROS package pkg. Without ROS, look where packages put it: below the
            // URDF's folder with and without the package name, beside the URDF's folder (pkg/urdf/ next to pkg/meshes/), and
            // the bare file name in the URDF's folder.
            var candidates = new List<string>();
            if (file.StartsWith("package://", StringComparison.Ordinal))
            {
                var path = file["package://".Length..];
                int slash = path.IndexOf('/');
                var inPackage = slash >= 0 ? path[(slash + 1)..] : path;
                candidates.AddRange(new[] { Path.Combine(meshDir, path), Path.Combine(meshDir, inPackage), Path.Combine(meshDir, "..", inPackage) });
            }
            else candidates.Add(Path.Combine(meshDir, file.StartsWith("file://", StringComparison.Ordinal) ? file["file://".Length..] : file));
            candidates.Add(Path.Combine(meshDir, Path.GetFileName(file)));
            candidates = candidates.Select(Path.GetFullPath).Distinct().ToList();
            var found = candidates.FirstOrDefault(File.Exists)
                ?? throw Error(source, mesh, $"{what}: collision mesh '{file}' not found (looked for {string.Join(", ", candidates)}); {formats}");
            if (new FileInfo(found).Length == 0)
                throw Error(source, mesh, $"{what}: collision mesh '{file}' ({found}) is empty; {formats}");
            MeshPaths[mesh] = found;
        }

        /// <summary>An attribute that must hold one finite number in [min, max].</summary>
        public double Number(XElement e, string attribute, string owner, double min, double max, string unit)
        {
            var text = e.Attribute(attribute)?.Value ?? throw Error(source, e, $"{owner}: <{e.Name.LocalName}> has no {attribute} attribute");
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                throw Error(source, e, $"{owner}: <{e.Name.LocalName} {attribute}=\"{text}\">: not a finite number");
            if (!(v >= min && v <= max))
                throw Error(source, e, $"{owner}: <{e.Name.LocalName} {attribute}=\"{text}\">: out of range; allowed {Range(min, max)}{Unit(unit)}");
            return v;
        }

        // An optional attribute of n finite numbers, each within ±bound; null when absent.
        private double[]? Vector(XElement e, string attribute, string owner, int n, double bound, string unit)
        {
            if (e.Attribute(attribute)?.Value is not { } text) return null;
            var parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            var tag = $"<{e.Name.LocalName} {attribute}=\"{text}\">";
            if (parts.Length != n) throw Error(source, e, $"{owner}: {tag}: expected {n} numbers, found {parts.Length}");
            var v = new double[n];
            for (int k = 0; k < n; k++)
            {
                if (!double.TryParse(parts[k], NumberStyles.Float, CultureInfo.InvariantCulture, out v[k]) || !double.IsFinite(v[k]))
                    throw Error(source, e, $"{owner}: {tag}: '{parts[k]}' is not a finite number");
                if (Math.Abs(v[k]) > bound)
                    throw Error(source, e, $"{owner}: {tag}: {parts[k]} is out of range; allowed |value| ≤ {F(bound)}{Unit(unit)}");
            }
            return v;
        }

        private static string Range(double min, double max) =>
            min == double.Epsilon ? $"(0, {F(max)}]" : $"[{F(min)}, {F(max)}]";

        private static string Unit(string unit) => unit.Length == 0 ? "" : " " + unit;
    }

    private static string Required(string source, XElement e, string attribute) =>
        e.Attribute(attribute)?.Value is { Length: > 0 } v ? v : throw Error(source, e, $"<{e.Name.LocalName}> has no {attribute} attribute");

    private static int Line(XElement e) => ((IXmlLineInfo)e).LineNumber;

    private static string F(double x) => x.ToString("G", CultureInfo.InvariantCulture);

    private static UserError Error(string source, XElement e, string message) => new($"{source}:{Line(e)}: {message}");
}
