namespace Robotics.Deploy.Kinematics;

/// <summary>How a joint of a kinematic chain moves.</summary>
public enum KinematicJointType
{
    /// <summary>No motion: the origin transform only.</summary>
    Fixed,
    /// <summary>Rotation about the axis by q [rad] (URDF revolute and continuous).</summary>
    Revolute,
    /// <summary>Translation along the axis by q [m].</summary>
    Prismatic,
}

/// <summary>One joint of a serial chain, as URDF states it: the child frame is parent · T(xyz) · R(rpy) · motion(axis, q).</summary>
/// <param name="Name">Joint name; a moving joint's position is looked up by it.</param>
/// <param name="Type">How it moves.</param>
/// <param name="Xyz">Origin translation in the parent frame [m]. [3]</param>
/// <param name="Rpy">Origin rotation, fixed-axis roll, pitch, yaw: R = Rz(yaw) Ry(pitch) Rx(roll) [rad]. [3]</param>
/// <param name="Axis">Motion axis in the joint frame (normalized on use); ignored for fixed joints. [3]</param>
public sealed record KinematicJoint(string Name, KinematicJointType Type, double[] Xyz, double[] Rpy, double[] Axis);

/// <summary>
/// Forward kinematics of a serial chain from the robot's base to one link, computed from measured joint
/// positions without a physics engine: what the robot computes each tick for end-effector observations and
/// the workspace check. Allocation-free after construction.
/// </summary>
public sealed class KinematicChain
{
    private readonly double[] _origin;    // [J, 12]: rotation row-major (9) then translation (3), parent from joint frame
    private readonly double[] _axis;      // [J, 3] unit axis
    private readonly KinematicJointType[] _type;   // [J]
    private readonly int[] _index;        // [J] index into the joint-position vector, −1 for fixed joints

    /// <summary>Builds the chain; moving joints find their position in <paramref name="jointOrder"/> by name.</summary>
    /// <param name="joints">The joints from the base to the link, in order.</param>
    /// <param name="jointOrder">Names of the joint-position vector's entries (the action order).</param>
    /// <exception cref="UserError">A value is not finite, an axis is zero, or a moving joint is not in <paramref name="jointOrder"/>.</exception>
    public KinematicChain(IReadOnlyList<KinematicJoint> joints, IReadOnlyList<string> jointOrder)
    {
        Joints = joints;
        int count = joints.Count;
        _origin = new double[12 * count];
        _axis = new double[3 * count];
        _type = new KinematicJointType[count];
        _index = new int[count];
        for (int j = 0; j < count; j++)
        {
            var joint = joints[j];
            Check(joint, "xyz", joint.Xyz);
            Check(joint, "rpy", joint.Rpy);
            _type[j] = joint.Type;
            _index[j] = -1;
            var o = _origin.AsSpan(12 * j, 12);
            Rotation.FromRpy(joint.Rpy[0], joint.Rpy[1], joint.Rpy[2], o[..9]);
            joint.Xyz.AsSpan().CopyTo(o[9..]);
            if (joint.Type == KinematicJointType.Fixed) continue;

            Check(joint, "axis", joint.Axis);
            double norm = Math.Sqrt(joint.Axis[0] * joint.Axis[0] + joint.Axis[1] * joint.Axis[1] + joint.Axis[2] * joint.Axis[2]);
            if (!(norm > 1e-9)) throw new UserError($"kinematic chain: joint '{joint.Name}' has a zero axis");
            for (int k = 0; k < 3; k++) _axis[3 * j + k] = joint.Axis[k] / norm;
            _index[j] = IndexOf(jointOrder, joint.Name);
            if (_index[j] < 0)
                throw new UserError($"kinematic chain: moving joint '{joint.Name}' is not among the policy's joints ({string.Join(", ", jointOrder)})");
        }
    }

    /// <summary>The joints from the base to the link.</summary>
    public IReadOnlyList<KinematicJoint> Joints { get; }

    /// <summary>
    /// The link's pose in the base frame for joint positions <paramref name="q"/> (in the joint order the chain
    /// was built with): <paramref name="position"/> [m] [3] and <paramref name="rotation"/>, base from link,
    /// row-major [9].
    /// </summary>
    public void Pose(ReadOnlySpan<double> q, Span<double> position, Span<double> rotation)
    {
        // Running transform base ← current frame, composed joint by joint: p += R·t, R = R·R_origin·R_motion.
        Span<double> r = stackalloc double[9];
        Span<double> tmp = stackalloc double[9];
        Span<double> motion = stackalloc double[9];
        Rotation.Identity(r);
        double px = 0, py = 0, pz = 0;
        for (int j = 0; j < _type.Length; j++)
        {
            var o = _origin.AsSpan(12 * j, 12);
            px += r[0] * o[9] + r[1] * o[10] + r[2] * o[11];
            py += r[3] * o[9] + r[4] * o[10] + r[5] * o[11];
            pz += r[6] * o[9] + r[7] * o[10] + r[8] * o[11];
            Rotation.Multiply(r, o[..9], tmp);
            tmp.CopyTo(r);
            if (_type[j] == KinematicJointType.Fixed) continue;

            double value = q[_index[j]];
            double ax = _axis[3 * j], ay = _axis[3 * j + 1], az = _axis[3 * j + 2];
            if (_type[j] == KinematicJointType.Prismatic)
            {
                px += (r[0] * ax + r[1] * ay + r[2] * az) * value;
                py += (r[3] * ax + r[4] * ay + r[5] * az) * value;
                pz += (r[6] * ax + r[7] * ay + r[8] * az) * value;
                continue;
            }
            Rotation.FromAxisAngle(ax, ay, az, value, motion);
            Rotation.Multiply(r, motion, tmp);
            tmp.CopyTo(r);
        }
        position[0] = px;
        position[1] = py;
        position[2] = pz;
        r.CopyTo(rotation);
    }

    private static void Check(KinematicJoint joint, string field, double[] v)
    {
        if (v is not { Length: 3 } || !double.IsFinite(v[0]) || !double.IsFinite(v[1]) || !double.IsFinite(v[2]))
            throw new UserError($"kinematic chain: joint '{joint.Name}' {field} must be 3 finite numbers");
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++) if (names[i] == name) return i;
        return -1;
    }
}

/// <summary>3×3 rotation matrices, row-major, on spans.</summary>
public static class Rotation
{
    /// <summary>Writes the identity. [9]</summary>
    public static void Identity(Span<double> r)
    {
        r.Clear();
        r[0] = r[4] = r[8] = 1;
    }

    /// <summary>URDF's fixed-axis roll, pitch, yaw: R = Rz(yaw) · Ry(pitch) · Rx(roll). [9]</summary>
    public static void FromRpy(double roll, double pitch, double yaw, Span<double> r)
    {
        double cr = Math.Cos(roll), sr = Math.Sin(roll), cp = Math.Cos(pitch), sp = Math.Sin(pitch), cy = Math.Cos(yaw), sy = Math.Sin(yaw);
        r[0] = cy * cp; r[1] = cy * sp * sr - sy * cr; r[2] = cy * sp * cr + sy * sr;
        r[3] = sy * cp; r[4] = sy * sp * sr + cy * cr; r[5] = sy * sp * cr - cy * sr;
        r[6] = -sp;     r[7] = cp * sr;                r[8] = cp * cr;
    }

    /// <summary>Rotation by <paramref name="angle"/> [rad] about the unit axis (x, y, z) (Rodrigues). [9]</summary>
    public static void FromAxisAngle(double x, double y, double z, double angle, Span<double> r)
    {
        double c = Math.Cos(angle), s = Math.Sin(angle), t = 1 - c;
        r[0] = t * x * x + c;     r[1] = t * x * y - s * z; r[2] = t * x * z + s * y;
        r[3] = t * x * y + s * z; r[4] = t * y * y + c;     r[5] = t * y * z - s * x;
        r[6] = t * x * z - s * y; r[7] = t * y * z + s * x; r[8] = t * z * z + c;
    }

    /// <summary><paramref name="product"/> = <paramref name="a"/> · <paramref name="b"/>; the output must not alias an input. [9]</summary>
    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> product)
    {
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                product[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
    }
}
