using System.Runtime.InteropServices;
using System.Text;
using Robotics.Sim.Interop;

namespace Robotics.Sim.MuJoCo;

/// <summary>
/// A compiled MuJoCo model (mjModel), loaded from an MJCF or URDF file or string. Owns its native
/// memory: <see cref="Dispose"/> frees it once, and any later use throws <see cref="ObjectDisposedException"/>.
/// The array spans (<c>BodyMass</c> [nbody], <c>ActuatorCtrlrange</c> [nu × 2], …) are generated from
/// mjxmacro.h into MjArrays.g.cs; a span is a view valid until the model is disposed.
/// </summary>
/// <remarks>Reading a model from several threads is safe; changing it while others step with it is not.</remarks>
public sealed unsafe partial class MjModel : IDisposable
{
    private const int ErrorSize = 1024;
    // mj_loadXML installs process-wide handlers while it compiles; loads must not overlap.
    private static readonly object LoadLock = new();
    private readonly Handle _handle;

    private MjModel(mjModel* native, string source)
    {
        _handle = new Handle((nint)native);
        Source = source;
    }

    /// <summary>Where the model came from (a path, or the virtual name of a string), for error messages.</summary>
    public string Source { get; }

    /// <summary>The native pointer; throws once disposed.</summary>
    internal mjModel* Native
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return (mjModel*)_handle.DangerousGetHandle();
        }
    }

    // ---------------------------------------------------------------- loading

    /// <summary>Loads an MJCF (<c>&lt;mujoco&gt;</c>) or URDF (<c>&lt;robot&gt;</c>) file.</summary>
    /// <exception cref="UserError">The file does not exist.</exception>
    /// <exception cref="UserError">MuJoCo could not parse or compile it; the message carries MuJoCo's reason and line.</exception>
    public static MjModel FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new UserError($"MuJoCo model file not found: {full}");
        return Load(full, vfs: null, source: full);
    }

    /// <summary>
    /// Compiles a model from MJCF or URDF text. <paramref name="virtualName"/> names it in error messages;
    /// files it references (meshes, includes) are read from disk relative to the working directory.
    /// </summary>
    public static MjModel FromXml(string xml, string virtualName = "model.xml")
    {
        ArgumentNullException.ThrowIfNull(xml);
        if (string.IsNullOrWhiteSpace(xml)) throw new UserError($"{virtualName}: the XML text is empty");
        if (virtualName.Length >= MuJoCoNative.mjMAXVFSNAME || virtualName.Contains('\0') || virtualName.Contains('/'))
            throw new ArgumentException($"virtual file name '{virtualName}' must be a plain name shorter than {MuJoCoNative.mjMAXVFSNAME} characters", nameof(virtualName));

        // A one-file virtual file system holds the text; mj_loadXML reads it under the virtual name.
        var bytes = Encoding.UTF8.GetBytes(xml);
        var vfs = (mjVFS*)NativeMemory.AllocZeroed((nuint)sizeof(mjVFS));
        try
        {
            MuJoCoLibrary.EnsureInitialized();
            MuJoCoNative.mj_defaultVFS(vfs);
            var name = Utf8(virtualName);
            fixed (byte* n = name)
            {
                int status = MuJoCoNative.mj_makeEmptyFileVFS(vfs, n, bytes.Length);
                if (status != 0) throw new UserError($"{virtualName}: could not create a virtual file (mj_makeEmptyFileVFS returned {status})");
            }
            int index = vfs->nfile - 1;
            bytes.CopyTo(new Span<byte>((void*)vfs->filedata[index], bytes.Length));
            return Load(virtualName, vfs, virtualName);
        }
        finally
        {
            MuJoCoNative.mj_deleteVFS(vfs);
            NativeMemory.Free(vfs);
        }
    }

    private static MjModel Load(string file, mjVFS* vfs, string source)
    {
        MuJoCoLibrary.EnsureInitialized();
        var error = stackalloc byte[ErrorSize];
        error[0] = 0;
        mjModel* m;
        fixed (byte* f = Utf8(file))
            lock (LoadLock) m = MuJoCoNative.mj_loadXML(f, vfs, error, ErrorSize);
        if (m == null)
        {
            var reason = Marshal.PtrToStringUTF8((nint)error)?.Trim();
            throw new UserError($"{source}: MuJoCo could not load the model: {(string.IsNullOrEmpty(reason) ? "no reason given" : reason)}");
        }
        return new MjModel(m, source);
    }

    /// <summary>
    /// Loads a file (typically URDF) and returns the MJCF text MuJoCo writes for what it compiled
    /// (mj_saveLastXML), the way to turn a URDF into an MJCF body tree a scene can include.
    /// </summary>
    public static string ToMjcf(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new UserError($"MuJoCo model file not found: {full}");
        MuJoCoLibrary.EnsureInitialized();
        var temp = Path.Combine(Path.GetTempPath(), $"robotics-{Environment.ProcessId}-{Guid.NewGuid():N}.xml");
        var error = stackalloc byte[ErrorSize];
        error[0] = 0;
        try
        {
            int ok;
            // mj_saveLastXML writes the last model parsed by this process: load and save must not interleave with other loads.
            lock (LoadLock)
            {
                using var model = FromFileLocked(full);
                fixed (byte* f = Utf8(temp)) ok = MuJoCoNative.mj_saveLastXML(f, model.Native, error, ErrorSize);
            }
            if (ok == 0) throw new UserError($"{path}: MuJoCo could not write its MJCF: {Marshal.PtrToStringUTF8((nint)error)}");
            return File.ReadAllText(temp);
        }
        finally { File.Delete(temp); }
    }

    private static MjModel FromFileLocked(string full)
    {
        var error = stackalloc byte[ErrorSize];
        error[0] = 0;
        mjModel* m;
        fixed (byte* f = Utf8(full)) m = MuJoCoNative.mj_loadXML(f, null, error, ErrorSize);
        if (m == null) throw new UserError($"{full}: MuJoCo could not load the model: {Marshal.PtrToStringUTF8((nint)error)}");
        return new MjModel(m, full);
    }

    /// <summary>A deep copy (mj_copyModel), e.g. for per-environment domain randomization.</summary>
    public MjModel Clone()
    {
        var copy = MuJoCoNative.mj_copyModel(null, Native);
        if (copy == null) throw new UserError($"{Source}: mj_copyModel failed (out of memory?)");
        return new MjModel(copy, Source);
    }

    internal static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s + "\0");

    // ---------------------------------------------------------------- sizes

    /// <summary>Number of generalized coordinates, dim(qpos).</summary>
    public int Nq => Native->nq;
    /// <summary>Number of degrees of freedom, dim(qvel).</summary>
    public int Nv => Native->nv;
    /// <summary>Number of actuators (controls), dim(ctrl).</summary>
    public int Nu => Native->nu;
    /// <summary>Number of activation states, dim(act).</summary>
    public int Na => Native->na;
    /// <summary>Number of bodies, the world body included.</summary>
    public int Nbody => Native->nbody;
    /// <summary>Number of joints.</summary>
    public int Njnt => Native->njnt;
    /// <summary>Number of geoms.</summary>
    public int Ngeom => Native->ngeom;
    /// <summary>Number of sites.</summary>
    public int Nsite => Native->nsite;
    /// <summary>Number of sensors.</summary>
    public int Nsensor => Native->nsensor;
    /// <summary>Number of sensor outputs, dim(sensordata).</summary>
    public int Nsensordata => Native->nsensordata;
    /// <summary>Number of keyframes.</summary>
    public int Nkey => Native->nkey;
    /// <summary>Number of mocap bodies.</summary>
    public int Nmocap => Native->nmocap;

    /// <summary>Physics time step [s] (opt.timestep).</summary>
    public double Timestep
    {
        get => Native->opt.timestep;
        set
        {
            if (!(value > 0) || !double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "timestep must be a positive finite number of seconds");
            Native->opt.timestep = value;
        }
    }

    /// <summary>Gravity [m/s²] (opt.gravity), x y z.</summary>
    public Span<double> Gravity => new(Native->opt.gravity, 3);

    // ---------------------------------------------------------------- names

    /// <summary>The id of the named object, or -1 when there is none.</summary>
    public int TryId(mjtObj type, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        fixed (byte* n = Utf8(name)) return MuJoCoNative.mj_name2id(Native, (int)type, n);
    }

    /// <summary>The id of the named object.</summary>
    /// <exception cref="KeyNotFoundException">No object of that type has that name; the message lists the names there are.</exception>
    public int Id(mjtObj type, string name)
    {
        int id = TryId(type, name);
        if (id >= 0) return id;
        var kind = type.ToString()["mjOBJ_".Length..].ToLowerInvariant();
        var known = NamesOf(type);
        throw new KeyNotFoundException(
            $"{Source}: no {kind} named '{name}'. Known {kind}s: {(known.Count == 0 ? "(none)" : string.Join(", ", known))}");
    }

    /// <summary>The name of an object, or null when it has none.</summary>
    public string? Name(mjtObj type, int id)
    {
        var p = MuJoCoNative.mj_id2name(Native, (int)type, id);
        return p == null ? null : Marshal.PtrToStringUTF8((nint)p);
    }

    /// <summary>The names of all objects of a type, in id order (unnamed ones left out).</summary>
    public IReadOnlyList<string> NamesOf(mjtObj type)
    {
        int count = type switch
        {
            mjtObj.mjOBJ_BODY or mjtObj.mjOBJ_XBODY => Nbody,
            mjtObj.mjOBJ_JOINT => Njnt,
            mjtObj.mjOBJ_GEOM => Ngeom,
            mjtObj.mjOBJ_SITE => Nsite,
            mjtObj.mjOBJ_ACTUATOR => Nu,
            mjtObj.mjOBJ_SENSOR => Nsensor,
            mjtObj.mjOBJ_KEY => Nkey,
            mjtObj.mjOBJ_CAMERA => Native->ncam,
            mjtObj.mjOBJ_TENDON => Native->ntendon,
            _ => 0,
        };
        var names = new List<string>(count);
        for (int i = 0; i < count; i++)
            if (Name(type, i) is { Length: > 0 } n) names.Add(n);
        return names;
    }

    /// <summary>Body id by name.</summary>
    public int BodyId(string name) => Id(mjtObj.mjOBJ_BODY, name);
    /// <summary>Joint id by name.</summary>
    public int JointId(string name) => Id(mjtObj.mjOBJ_JOINT, name);
    /// <summary>Geom id by name.</summary>
    public int GeomId(string name) => Id(mjtObj.mjOBJ_GEOM, name);
    /// <summary>Site id by name.</summary>
    public int SiteId(string name) => Id(mjtObj.mjOBJ_SITE, name);
    /// <summary>Actuator id by name.</summary>
    public int ActuatorId(string name) => Id(mjtObj.mjOBJ_ACTUATOR, name);
    /// <summary>Sensor id by name.</summary>
    public int SensorId(string name) => Id(mjtObj.mjOBJ_SENSOR, name);
    /// <summary>Keyframe id by name.</summary>
    public int KeyId(string name) => Id(mjtObj.mjOBJ_KEY, name);

    // ---------------------------------------------------------------- lifetime

    /// <summary>Frees the native model. Idempotent; data made from it must not be stepped afterwards.</summary>
    public void Dispose() => _handle.Dispose();

    /// <inheritdoc/>
    public override string ToString() => $"MjModel({Source}: nq={Nq}, nv={Nv}, nu={Nu}, nbody={Nbody})";

    // SafeHandle: released exactly once, by Dispose or by the finalizer, never both.
    private sealed class Handle : SafeHandle
    {
        public Handle(nint p) : base(0, ownsHandle: true) => SetHandle(p);
        public override bool IsInvalid => handle == 0;
        protected override bool ReleaseHandle()
        {
            MuJoCoNative.mj_deleteModel((mjModel*)handle);
            return true;
        }
    }
}
