using System.Runtime.InteropServices;
using Robotics.Sim.Interop;

namespace Robotics.Sim.MuJoCo;

/// <summary>
/// The simulation state of one MuJoCo world (mjData) for a given <see cref="MjModel"/>: positions,
/// velocities, controls and everything computed from them. Spans over its arrays (<c>Qpos</c> [nq],
/// <c>Qvel</c> [nv], <c>Ctrl</c> [nu], <c>Xpos</c> [nbody × 3], <c>SensorData</c> [nsensordata], …)
/// are generated into MjArrays.g.cs.
/// </summary>
/// <remarks>
/// One thread at a time: an MjData is stepped by the thread that owns it. Dispose frees it once; any
/// later use throws <see cref="ObjectDisposedException"/>. A span is a view valid until disposal.
/// </remarks>
public sealed unsafe partial class MjData : IDisposable
{
    private readonly Handle _handle;

    /// <summary>Allocates data for <paramref name="model"/> (mj_makeData) in its default state.</summary>
    public MjData(MjModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        var d = MuJoCoNative.mj_makeData(model.Native);
        if (d == null) throw new UserError($"{model.Source}: mj_makeData failed (out of memory?)");
        _handle = new Handle((nint)d);
    }

    /// <summary>The model this data belongs to.</summary>
    public MjModel Model { get; }

    /// <summary>The native pointer; throws once disposed.</summary>
    internal mjData* Native
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return (mjData*)_handle.DangerousGetHandle();
        }
    }

    /// <summary>Simulation time [s].</summary>
    public double Time { get => Native->time; set => Native->time = value; }

    /// <summary>Number of contacts found by the last collision pass.</summary>
    public int Ncon => Native->ncon;

    /// <summary>The active contacts [ncon].</summary>
    public Span<mjContact> Contacts => Contact[..Ncon];

    /// <summary>Force and torque of active contact <paramref name="contact"/> in its contact frame (mj_contactForce): normal first. [6]</summary>
    public void ContactForce(int contact, Span<double> result)
    {
        if ((uint)contact >= (uint)Ncon) throw new ArgumentOutOfRangeException(nameof(contact), contact, $"there are {Ncon} active contacts");
        if (result.Length < 6) throw new ArgumentException("the result needs 6 values", nameof(result));
        fixed (double* r = result) MuJoCoNative.mj_contactForce(Model.Native, Native, contact, r);
    }

    /// <summary>How often MuJoCo raised warning <paramref name="warning"/> since the last reset.</summary>
    public int WarningCount(mjtWarning warning) => Native->warning[(int)warning].number;

    /// <summary>
    /// True when MuJoCo found the state unstable (NaN, Inf or huge values in qpos, qvel or qacc) since
    /// the last reset; it then resets the state itself, so an environment should end the episode.
    /// </summary>
    public bool Diverged
    {
        get
        {
            var d = Native;
            return d->warning[(int)mjtWarning.mjWARN_BADQACC].number
                 + d->warning[(int)mjtWarning.mjWARN_BADQVEL].number
                 + d->warning[(int)mjtWarning.mjWARN_BADQPOS].number > 0;
        }
    }

    // ---------------------------------------------------------------- stepping

    /// <summary>Advances the simulation by one time step (mj_step).</summary>
    /// <exception cref="ArgumentException">A control is NaN or infinite; the message names the actuator.</exception>
    public void Step()
    {
        var m = Model.Native;
        var d = Native;
        CheckControls(m, d);
        MuJoCoNative.mj_step(m, d);
    }

    /// <summary>Advances <paramref name="count"/> steps with the same controls.</summary>
    public void Step(int count)
    {
        var m = Model.Native;
        var d = Native;
        CheckControls(m, d);
        for (int i = 0; i < count; i++) MuJoCoNative.mj_step(m, d);
    }

    /// <summary>Computes everything derived from the state without integrating (mj_forward).</summary>
    public void Forward()
    {
        var m = Model.Native;
        var d = Native;
        CheckControls(m, d);
        MuJoCoNative.mj_forward(m, d);
    }

    /// <summary>
    /// Recomputes the body poses (xpos, xmat, …) from the current qpos (mj_kinematics). mj_step leaves them at the
    /// state before its integration; a reader of poses after a step calls this first.
    /// </summary>
    public void Kinematics() => MuJoCoNative.mj_kinematics(Model.Native, Native);

    // MuJoCo would silently zero all controls on a NaN (mjWARN_BADCTRL); a policy emitting NaN is a bug to report.
    private void CheckControls(mjModel* m, mjData* d)
    {
        var ctrl = new ReadOnlySpan<double>(d->ctrl, m->nu);
        bool finite = true;
        foreach (var c in ctrl) finite &= double.IsFinite(c);
        if (finite) return;
        for (int i = 0; i < ctrl.Length; i++)
            if (!double.IsFinite(ctrl[i]))
                throw new ArgumentException(
                    $"{Model.Source}: control {i} (actuator '{Model.Name(mjtObj.mjOBJ_ACTUATOR, i) ?? "unnamed"}') is {ctrl[i]}; controls must be finite");
    }

    // ---------------------------------------------------------------- resetting

    /// <summary>Resets to the model's default state (mj_resetData): qpos0, zero velocity, time 0.</summary>
    public void Reset() => MuJoCoNative.mj_resetData(Model.Native, Native);

    /// <summary>Resets to keyframe <paramref name="key"/> (mj_resetDataKeyframe).</summary>
    public void ResetToKeyframe(int key)
    {
        var m = Model.Native;
        if ((uint)key >= (uint)m->nkey)
            throw new ArgumentOutOfRangeException(nameof(key), key, $"{Model.Source}: the model has {m->nkey} keyframe(s)");
        MuJoCoNative.mj_resetDataKeyframe(m, Native, key);
    }

    /// <summary>Resets to the keyframe named <paramref name="name"/>.</summary>
    public void ResetToKeyframe(string name) => ResetToKeyframe(Model.KeyId(name));

    /// <summary>Copies the whole state of <paramref name="source"/> (same model) into this data (mj_copyData).</summary>
    public void CopyFrom(MjData source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!ReferenceEquals(source.Model, Model))
            throw new ArgumentException("both MjData must belong to the same MjModel", nameof(source));
        MuJoCoNative.mj_copyData(Native, Model.Native, source.Native);
    }

    // ---------------------------------------------------------------- lifetime

    /// <summary>Frees the native data. Idempotent.</summary>
    public void Dispose() => _handle.Dispose();

    private sealed class Handle : SafeHandle
    {
        public Handle(nint p) : base(0, ownsHandle: true) => SetHandle(p);
        public override bool IsInvalid => handle == 0;
        protected override bool ReleaseHandle()
        {
            MuJoCoNative.mj_deleteData((mjData*)handle);
            return true;
        }
    }
}
