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
    /// <summary>
    /// The rotation vector (axis × angle, in the frame both are expressed in) that turns <paramref name="current"/> into
    /// <paramref name="target"/>: the log of R* · Rᵀ. Both row-major. [9], [9] → [3]
    /// </summary>
    public static void Error(ReadOnlySpan<double> target, ReadOnlySpan<double> current, Span<double> error)
    {
        Span<double> e = stackalloc double[9];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                e[3 * i + j] = target[3 * i] * current[3 * j] + target[3 * i + 1] * current[3 * j + 1] + target[3 * i + 2] * current[3 * j + 2];
        double cos = Math.Clamp((e[0] + e[4] + e[8] - 1) / 2, -1, 1);
        double angle = Math.Acos(cos);
        double sx = e[7] - e[5], sy = e[2] - e[6], sz = e[3] - e[1];   // 2 sin(angle) · axis
        double norm = Math.Sqrt(sx * sx + sy * sy + sz * sz);
        if (norm < 1e-12)
        {
            // No rotation, or exactly π (axis from the symmetric part; any sign will do).
            if (angle < 1e-6) { error.Clear(); return; }
            sx = Math.Sqrt(Math.Max(0, (e[0] + 1) / 2)); sy = Math.Sqrt(Math.Max(0, (e[4] + 1) / 2)); sz = Math.Sqrt(Math.Max(0, (e[8] + 1) / 2));
            norm = Math.Sqrt(sx * sx + sy * sy + sz * sz);
        }
        error[0] = angle * sx / norm;
        error[1] = angle * sy / norm;
        error[2] = angle * sz / norm;
    }

    /// <summary>The rotation of the quaternion (w, x, y, z), normalized first; false (identity written) when it has no length or is not finite. [9]</summary>
    public static bool FromQuaternion(double w, double x, double y, double z, Span<double> r)
    {
        double n2 = w * w + x * x + y * y + z * z;
        if (!(n2 > 1e-12) || !double.IsFinite(n2)) { Identity(r); return false; }
        double s = 2 / n2;
        r[0] = 1 - s * (y * y + z * z); r[1] = s * (x * y - w * z);     r[2] = s * (x * z + w * y);
        r[3] = s * (x * y + w * z);     r[4] = 1 - s * (x * x + z * z); r[5] = s * (y * z - w * x);
        r[6] = s * (x * z - w * y);     r[7] = s * (y * z + w * x);     r[8] = 1 - s * (x * x + y * y);
        return true;
    }

    /// <summary>The unit quaternion (w, x, y, z) of a rotation matrix, w ≥ 0 (Shepperd's method). [9] → [4]</summary>
    public static void ToQuaternion(ReadOnlySpan<double> r, Span<double> q)
    {
        double trace = r[0] + r[4] + r[8];
        double w, x, y, z;
        if (trace > 0)
        {
            double s = 2 * Math.Sqrt(trace + 1);
            w = s / 4; x = (r[7] - r[5]) / s; y = (r[2] - r[6]) / s; z = (r[3] - r[1]) / s;
        }
        else if (r[0] > r[4] && r[0] > r[8])
        {
            double s = 2 * Math.Sqrt(1 + r[0] - r[4] - r[8]);
            w = (r[7] - r[5]) / s; x = s / 4; y = (r[1] + r[3]) / s; z = (r[2] + r[6]) / s;
        }
        else if (r[4] > r[8])
        {
            double s = 2 * Math.Sqrt(1 + r[4] - r[0] - r[8]);
            w = (r[2] - r[6]) / s; x = (r[1] + r[3]) / s; y = s / 4; z = (r[5] + r[7]) / s;
        }
        else
        {
            double s = 2 * Math.Sqrt(1 + r[8] - r[0] - r[4]);
            w = (r[3] - r[1]) / s; x = (r[2] + r[6]) / s; y = (r[5] + r[7]) / s; z = s / 4;
        }
        if (w < 0) { w = -w; x = -x; y = -y; z = -z; }
        q[0] = w; q[1] = x; q[2] = y; q[3] = z;
    }

    /// <summary>Rz(<paramref name="yaw"/>) · <paramref name="r"/>: <paramref name="r"/> turned about the base's vertical. [9] → [9], no aliasing</summary>
    public static void Yawed(double yaw, ReadOnlySpan<double> r, Span<double> result)
    {
        double c = Math.Cos(yaw), s = Math.Sin(yaw);
        for (int j = 0; j < 3; j++)
        {
            result[j] = c * r[j] - s * r[3 + j];
            result[3 + j] = s * r[j] + c * r[3 + j];
            result[6 + j] = r[6 + j];
        }
    }
}
