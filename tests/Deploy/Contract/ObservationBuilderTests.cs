using Robotics.Deploy.Contract;

namespace Robotics.Deploy.Tests.Contract;

public class ObservationBuilderTests
{
    [Fact]
    public void Builds_raw_terms_then_scales_and_clips_them()
    {
        var group = new ObservationGroup(ObservationGroup.Policy, new ObservationTerm[]
        {
            new("base_ang_vel", 3) { Scale = 0.25f, Noise = 0.2f },   // noise is never applied here
            new("projected_gravity", 3),
            new("commands", 3),
            new("joint_pos", 2) { Clip = 0.3f },
            new("joint_vel", 2) { Scale = 0.05f },
            new("last_action", 2),
        });
        var builder = new ObservationBuilder(group, new[] { 0.9, -1.8 });
        var f = new SensorFrame(2, 2);
        f.Gyro[0] = 2; f.Gyro[1] = -4; f.Gyro[2] = 0.4;
        f.Command[0] = 0.5; f.Command[2] = -1;
        f.JointPos[0] = 0.8; f.JointPos[1] = -1.2;
        f.JointVel[0] = 10; f.JointVel[1] = -3;
        f.LastAction[0] = 0.25f; f.LastAction[1] = -1f;
        var o = new float[15];
        builder.Build(f, o);
        // gyro × 0.25 = (0.5, −1, 0.1); upright: gravity (0, 0, −1); commands as given;
        // joint_pos − default = (−0.1, 0.6 → clipped 0.3); joint_vel × 0.05 = (0.5, −0.15); last action as given
        float[] expected = { 0.5f, -1f, 0.4f * 0.25f, -0f, -0f, -1f, 0.5f, 0f, -1f, (float)(0.8 - 0.9), 0.3f, 0.5f, -3f * 0.05f, 0.25f, -1f };
        Assert.Equal(expected, o);
        Assert.Empty(builder.ExternalTerms);
    }

    [Fact]
    public void External_terms_are_supplied_raw_and_scaled_like_the_rest()
    {
        var group = new ObservationGroup(ObservationGroup.Policy, new ObservationTerm[]
        {
            new("joint_pos", 1),
            new("contact_force", 3) { Scale = 10f, Clip = 5f },
        });
        var builder = new ObservationBuilder(group, new[] { 0.0 });
        Assert.Equal(new[] { "contact_force" }, builder.ExternalTerms);
        builder.SetExternal("contact_force", new float[] { 0.1f, -0.2f, 0.9f });
        var f = new SensorFrame(1, 1);
        f.JointPos[0] = 0.5;
        var o = new float[4];
        builder.Build(f, o);
        // (0.1, −0.2, 0.9) × 10 = (1, −2, 9 → clipped 5)
        Assert.Equal(new[] { 0.5f, 1f, -2f, 5f }, o);
        builder.Build(f, o);   // scaling happens on the output, never twice on the stored raw value
        Assert.Equal(new[] { 0.5f, 1f, -2f, 5f }, o);
        Assert.Throws<ArgumentException>(() => builder.SetExternal("joint_pos", new float[1]));
        Assert.Throws<ArgumentException>(() => builder.SetExternal("contact_force", new float[2]));
        Assert.Throws<KeyNotFoundException>(() => builder.SetExternal("friction", new float[3]));
    }

    [Fact]
    public void A_joint_term_that_does_not_fit_the_robot_is_refused()
    {
        var group = new ObservationGroup(ObservationGroup.Policy, new ObservationTerm[] { new("joint_vel", 3) });
        var e = Assert.Throws<UserError>(() => new ObservationBuilder(group, new double[2]));
        Assert.Contains("'joint_vel' has width 3, but a robot with 2 joints measures 2", e.Message);
    }
}
