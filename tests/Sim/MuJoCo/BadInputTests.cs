using Robotics.Sim.MuJoCo;

namespace Robotics.Sim.Tests.MuJoCo;

/// <summary>Each kind of bad input gives a managed exception that names what and where, and loses nothing else.</summary>
public class BadInputTests
{
    [Fact]
    public void Missing_file_names_the_path()
    {
        var path = Path.Combine(Path.GetTempPath(), "no_such_dir_robotics", "robot.xml");
        var e = Assert.Throws<UserError>(() => MjModel.FromFile(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Malformed_xml_names_the_file_and_line()
    {
        const string xml = "<mujoco>\n  <worldbody>\n    <body name=\"a\">\n  </worldbody>\n</mujoco>\n";
        var e = Assert.Throws<UserError>(() => MjModel.FromXml(xml, "broken.xml"));
        Assert.Contains("broken.xml", e.Message);
        Assert.Contains("line", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("4", e.Message);   // the mismatched closing tag is on line 4
    }

    [Fact]
    public void Malformed_file_names_the_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"robotics-bad-{Guid.NewGuid():N}.xml");
        File.WriteAllText(path, "<mujoco><worldbody><geom type=\"sphere\"/></worldbody></mujoco>");
        try
        {
            // A sphere without a size is a compile error, reported with its element.
            var e = Assert.Throws<UserError>(() => MjModel.FromFile(path));
            Assert.Contains(path, e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Urdf_moving_link_without_inertia_is_explained()
    {
        const string urdf = """
            <robot name="r">
              <link name="base"/>
              <link name="arm"/>
              <joint name="j" type="revolute"><parent link="base"/><child link="arm"/><axis xyz="0 0 1"/>
                <limit lower="-1" upper="1" effort="1" velocity="1"/></joint>
            </robot>
            """;
        var e = Assert.Throws<UserError>(() => MjModel.FromXml(urdf, "noinertia.urdf"));
        Assert.Contains("noinertia.urdf", e.Message);
        Assert.Contains("mass and inertia", e.Message);
    }

    [Fact]
    public void Unknown_joint_or_actuator_name_lists_the_known_ones()
    {
        using var model = MjModel.FromXml(MjModelTests.TwoLinkArm, "arm.xml");
        var e = Assert.Throws<KeyNotFoundException>(() => model.JointId("wrist"));
        Assert.Contains("'wrist'", e.Message);
        Assert.Contains("shoulder, elbow", e.Message);
        var a = Assert.Throws<KeyNotFoundException>(() => model.ActuatorId("wrist_motor"));
        Assert.Contains("actuator", a.Message);
        Assert.Contains("elbow_motor", a.Message);
        Assert.Throws<KeyNotFoundException>(() => model.KeyId("nope"));
        Assert.Equal(-1, model.TryId(Robotics.Sim.Interop.mjtObj.mjOBJ_JOINT, "wrist"));
    }

    [Fact]
    public void Nan_control_names_the_actuator_and_leaves_the_state_untouched()
    {
        using var model = MjModel.FromXml(MjModelTests.TwoLinkArm, "arm.xml");
        using var data = new MjData(model);
        data.ResetToKeyframe(0);
        data.Step(10);
        var qpos = data.Qpos.ToArray();
        double time = data.Time;

        data.Ctrl[1] = double.NaN;
        var e = Assert.Throws<ArgumentException>(() => data.Step());
        Assert.Contains("elbow_motor", e.Message);
        Assert.Contains("NaN", e.Message);
        Assert.Equal(qpos, data.Qpos.ToArray());
        Assert.Equal(time, data.Time);

        // Nothing is lost: fix the control and carry on.
        data.Ctrl[1] = 0.1;
        data.Step();
        Assert.True(data.Time > time);
        data.Ctrl[0] = double.PositiveInfinity;
        Assert.Throws<ArgumentException>(() => data.Forward());
    }

    [Fact]
    public void Keyframe_out_of_range_is_refused()
    {
        using var model = MjModel.FromXml(MjModelTests.TwoLinkArm);
        using var data = new MjData(model);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.ResetToKeyframe(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.ResetToKeyframe(-1));
    }

    [Fact]
    public void Empty_xml_is_refused()
    {
        Assert.Throws<UserError>(() => MjModel.FromXml("   ", "empty.xml"));
    }
}
