using Robotics.Sim.Interop;
using Robotics.Sim.MuJoCo;

namespace Robotics.Sim.Tests.MuJoCo;

public class MjModelTests
{
    internal const string TwoLinkArm = """
        <mujoco model="arm">
          <compiler autolimits="true"/>
          <worldbody>
            <body name="upper" pos="0 0 1">
              <joint name="shoulder" type="hinge" axis="0 1 0" range="-2 2"/>
              <geom name="upper_geom" type="capsule" fromto="0 0 0 0.3 0 0" size="0.03"/>
              <body name="lower" pos="0.3 0 0">
                <joint name="elbow" type="hinge" axis="0 1 0"/>
                <geom type="capsule" fromto="0 0 0 0.3 0 0" size="0.03"/>
                <site name="hand" pos="0.3 0 0"/>
              </body>
            </body>
          </worldbody>
          <actuator>
            <motor name="shoulder_motor" joint="shoulder" ctrlrange="-1 1"/>
            <motor name="elbow_motor" joint="elbow" ctrlrange="-1 1"/>
          </actuator>
          <sensor>
            <jointpos name="shoulder_pos" joint="shoulder"/>
            <framepos name="hand_pos" objtype="site" objname="hand"/>
          </sensor>
          <keyframe>
            <key name="bent" qpos="0.5 -1.0"/>
          </keyframe>
        </mujoco>
        """;

    [Fact]
    public void Loads_mjcf_string_with_sizes_names_and_span_shapes()
    {
        using var model = MjModel.FromXml(TwoLinkArm, "arm.xml");
        Assert.Equal(2, model.Nq);
        Assert.Equal(2, model.Nv);
        Assert.Equal(2, model.Nu);
        Assert.Equal(3, model.Nbody);              // world, upper, lower
        Assert.Equal(4, model.Nsensordata);        // jointpos 1 + framepos 3
        Assert.Equal(1, model.JointId("elbow"));
        Assert.Equal("shoulder_motor", model.Name(mjtObj.mjOBJ_ACTUATOR, 0));
        Assert.Equal(new[] { "world", "upper", "lower" }, model.NamesOf(mjtObj.mjOBJ_BODY));
        Assert.Equal(model.Nbody, model.BodyMass.Length);
        Assert.Equal(model.Nu * 2, model.ActuatorCtrlrange.Length);
        Assert.Equal(model.Nkey * model.Nq, model.KeyQpos.Length);

        using var data = new MjData(model);
        Assert.Equal(model.Nq, data.Qpos.Length);
        Assert.Equal(model.Nv, data.Qvel.Length);
        Assert.Equal(model.Nu, data.Ctrl.Length);
        Assert.Equal(model.Nbody * 3, data.Xpos.Length);
        Assert.Equal(model.Nbody * 9, data.Xmat.Length);
        Assert.Equal(model.Nsensordata, data.SensorData.Length);
    }

    [Fact]
    public void Keyframe_reset_and_sensors_follow_the_state()
    {
        using var model = MjModel.FromXml(TwoLinkArm);
        using var data = new MjData(model);
        data.ResetToKeyframe("bent");
        data.Forward();
        Assert.Equal(0.5, data.Qpos[0]);
        Assert.Equal(-1.0, data.Qpos[1]);
        Assert.Equal(0.5, data.SensorData[0], 12);   // jointpos of the shoulder
        // Hand at the end of two 0.3 m links in the x-z plane; rotation about +y tips +x towards −z.
        double a1 = 0.5, a2 = 0.5 - 1.0;
        Assert.Equal(0.3 * Math.Cos(a1) + 0.3 * Math.Cos(a2), data.SensorData[1], 9);
        Assert.Equal(1 - 0.3 * Math.Sin(a1) - 0.3 * Math.Sin(a2), data.SensorData[3], 9);
    }

    [Fact]
    public void Loads_a_file_and_a_urdf()
    {
        var dir = Directory.CreateTempSubdirectory("robotics-model-");
        try
        {
            var urdf = Path.Combine(dir.FullName, "two_link.urdf");
            File.WriteAllText(urdf, """
                <robot name="two_link">
                  <link name="base">
                    <inertial><mass value="1"/><inertia ixx="0.01" iyy="0.01" izz="0.01" ixy="0" ixz="0" iyz="0"/></inertial>
                  </link>
                  <link name="arm">
                    <inertial><mass value="0.5"/><inertia ixx="0.001" iyy="0.001" izz="0.001" ixy="0" ixz="0" iyz="0"/></inertial>
                    <collision><geometry><box size="0.1 0.1 0.4"/></geometry></collision>
                  </link>
                  <joint name="hinge" type="revolute">
                    <parent link="base"/><child link="arm"/><axis xyz="0 1 0"/>
                    <limit lower="-1" upper="1" effort="10" velocity="3"/>
                  </joint>
                </robot>
                """);
            using var model = MjModel.FromFile(urdf);
            Assert.Equal(1, model.Nq);
            Assert.Equal(0, model.JointId("hinge"));
            Assert.Equal(0.5, model.BodyMass[model.BodyId("arm")], 9);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Clone_is_independent()
    {
        using var model = MjModel.FromXml(TwoLinkArm);
        using var copy = model.Clone();
        copy.BodyMass[1] = 42;
        Assert.NotEqual(42, model.BodyMass[1]);
        Assert.Equal(model.Nq, copy.Nq);
    }

    [Fact]
    public void Dispose_is_idempotent_and_use_after_dispose_throws()
    {
        var model = MjModel.FromXml(TwoLinkArm);
        var data = new MjData(model);
        data.Dispose();
        data.Dispose();
        Assert.Throws<ObjectDisposedException>(() => data.Step());
        Assert.Throws<ObjectDisposedException>(() => data.Qpos.Length);
        model.Dispose();
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.Nq);
        Assert.Throws<ObjectDisposedException>(() => new MjData(model));
    }

    [Fact]
    public void Timestep_is_validated()
    {
        using var model = MjModel.FromXml(TwoLinkArm);
        model.Timestep = 0.005;
        Assert.Equal(0.005, model.Timestep);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Timestep = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Timestep = double.NaN);
        Assert.Equal(0.005, model.Timestep);
    }
}
