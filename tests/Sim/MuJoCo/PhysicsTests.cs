using Robotics.Sim.MuJoCo;

namespace Robotics.Sim.Tests.MuJoCo;

public class PhysicsTests
{
    [Fact]
    public void Exported_variables_resolve_through_the_library_the_resolver_loaded()
    {
        // NativeLibrary.Load by name skips the assembly's resolver, which finds libmujoco.so.2.2.2 where only the
        // runtime package is installed (no libmujoco.so link); the error handler's address must come from that handle.
        MuJoCoLibrary.EnsureInitialized();
        Assert.NotEqual(0, Robotics.Sim.Interop.MuJoCoNative.LibraryHandle);
        Assert.True(System.Runtime.InteropServices.NativeLibrary.TryGetExport(Robotics.Sim.Interop.MuJoCoNative.LibraryHandle, "mj_version", out _));
        Assert.Equal(222, MuJoCoLibrary.Version);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.5)]
    public void Dropped_sphere_lands_after_sqrt_2h_over_g(double h)
    {
        // A sphere of radius r whose lowest point starts h above the floor; no air, no damping.
        const double r = 0.05, dt = 0.0005;
        var xml = $"""
            <mujoco>
              <option timestep="{dt}" gravity="0 0 -9.81"/>
              <worldbody>
                <geom name="floor" type="plane" size="5 5 0.1"/>
                <body name="ball" pos="0 0 {h + r}">
                  <freejoint/>
                  <geom type="sphere" size="{r}" mass="1"/>
                </body>
              </worldbody>
            </mujoco>
            """;
        using var model = MjModel.FromXml(xml, "drop.xml");
        using var data = new MjData(model);
        double vz = 0;
        while (data.Ncon == 0 && data.Time < 5)
        {
            vz = data.Qvel[2];   // velocity before the step in which the contact force acts
            data.Step();
        }

        // t = √(2h/g): 0.4515 s for 1 m, 0.7139 s for 2.5 m. Contact is detected at the step whose
        // start state touches, so allow a few steps; semi-implicit Euler drifts by O(dt) as well.
        double expected = Math.Sqrt(2 * h / 9.81);
        Assert.InRange(data.Time, expected - 3 * dt, expected + 3 * dt);
        Assert.InRange(vz, -9.81 * expected * 1.01, -9.81 * expected * 0.99);   // v = g t
    }

    [Fact]
    public void Same_state_same_result()
    {
        using var model = MjModel.FromXml(MjModelTests.TwoLinkArm);
        using var a = new MjData(model);
        using var b = new MjData(model);
        a.ResetToKeyframe(0);
        a.Ctrl[0] = 0.3;
        a.Step(50);
        b.CopyFrom(a);
        a.Step(100);
        b.Step(100);
        Assert.Equal(a.Qpos.ToArray(), b.Qpos.ToArray());
        Assert.Equal(a.Qvel.ToArray(), b.Qvel.ToArray());
    }
}
