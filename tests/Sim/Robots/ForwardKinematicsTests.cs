using Robotics.Deploy.Kinematics;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Sim.Tasks.Manipulation;
using Robotics.Sim.Tests.Tasks;

namespace Robotics.Sim.Tests.Robots;

/// <summary>The robot side's forward kinematics (Robotics.Deploy, no MuJoCo) against MuJoCo's own body poses.</summary>
public class ForwardKinematicsTests
{
    [Fact]
    public void The_arms_end_effector_matches_mujoco_over_1000_random_configurations()
    {
        using var task = ManipulationTask.Load(ManipulationTaskTests.Reach);
        var c = task.Config;
        var pd = task.Actuators;
        var chain = new KinematicChain(task.Robot.KinematicChainTo(c.EeLink), pd.JointNames);
        Assert.Equal(7, chain.Joints.Count(j => j.Type != KinematicJointType.Fixed));
        using var data = new MjData(task.Model);
        int ee = task.Model.BodyId(c.EeLink);
        var rng = Rng.For(7, "fk-test");
        var q = new double[pd.Count];
        Span<double> position = stackalloc double[3], rotation = stackalloc double[9];
        double worstPosition = 0, worstRotation = 0;
        for (int trial = 0; trial < 1000; trial++)
        {
            for (int i = 0; i < pd.Count; i++) data.Qpos[pd.QposAddress[i]] = q[i] = rng.Uniform(pd.Lower[i], pd.Upper[i]);
            data.Forward();
            chain.Pose(q, position, rotation);
            // The arm's base sits at BasePosition, unrotated: MuJoCo's world pose is the base-frame pose shifted by it.
            for (int k = 0; k < 3; k++) worstPosition = Math.Max(worstPosition, Math.Abs(data.Xpos[3 * ee + k] - c.BasePosition[k] - position[k]));
            for (int k = 0; k < 9; k++) worstRotation = Math.Max(worstRotation, Math.Abs(data.Xmat[9 * ee + k] - rotation[k]));
        }
        // The scene is built from the MJCF MuJoCo writes for the URDF, whose numbers carry about 6 significant digits,
        // so MuJoCo's arm differs from the URDF's by that much (seen: 5e-7 m, 2e-6 in the rotation); the chain is exact.
        Assert.True(worstPosition < 1e-6, $"worst position difference {worstPosition:E2} m");
        Assert.True(worstRotation < 1e-5, $"worst rotation-matrix difference {worstRotation:E2}");
    }

    [Fact]
    public void The_remaining_difference_is_the_mjcf_rounding_of_the_urdf_origins()
    {
        // MuJoCo turns each URDF origin into pos and a quaternion and writes them with 6 significant digits; the scene is
        // compiled from that text. The Panda's twists are rpy = 1.570796 (π/2 − 3.3e-7) in the URDF, written as
        // quat = 0.707107 ±0.707107 0 0, which MuJoCo normalizes to exactly π/2: six twists of 3.3e-7 rad each give the
        // 2e-6 above. A chain rounded the same way matches MuJoCo to rounding error: nothing else differs.
        using var task = ManipulationTask.Load(ManipulationTaskTests.Reach);
        var c = task.Config;
        var pd = task.Actuators;
        var urdf = task.Robot.KinematicChainTo(c.EeLink);
        var exact = new KinematicChain(urdf, pd.JointNames);
        var rounded = new KinematicChain(urdf.Select(AsMujocoWritesIt).ToList(), pd.JointNames);
        using var data = new MjData(task.Model);
        int ee = task.Model.BodyId(c.EeLink);
        var rng = Rng.For(7, "fk-rounding");
        var q = new double[pd.Count];
        Span<double> p = stackalloc double[3], r = stackalloc double[9], pe = stackalloc double[3], re = stackalloc double[9];
        double worstRounded = 0, worstExact = 0;
        for (int trial = 0; trial < 200; trial++)
        {
            for (int i = 0; i < pd.Count; i++) data.Qpos[pd.QposAddress[i]] = q[i] = rng.Uniform(pd.Lower[i], pd.Upper[i]);
            data.Forward();
            rounded.Pose(q, p, r);
            exact.Pose(q, pe, re);
            for (int k = 0; k < 3; k++) worstRounded = Math.Max(worstRounded, Math.Abs(data.Xpos[3 * ee + k] - c.BasePosition[k] - p[k]));
            for (int k = 0; k < 9; k++) worstRounded = Math.Max(worstRounded, Math.Abs(data.Xmat[9 * ee + k] - r[k]));
            for (int k = 0; k < 9; k++) worstExact = Math.Max(worstExact, Math.Abs(data.Xmat[9 * ee + k] - re[k]));
        }
        Assert.True(worstRounded < 1e-9, $"the chain rounded as the MJCF is differs from MuJoCo by {worstRounded:E2}");
        Assert.True(worstExact > 1e-7, $"the URDF's chain matches MuJoCo to {worstExact:E2}: the rounding this test explains is gone, and so is the reason for it");
    }

    // A joint's origin as MuJoCo's MJCF carries it: pos and the origin's quaternion to 6 significant digits, the quaternion normalized.
    private static KinematicJoint AsMujocoWritesIt(KinematicJoint j)
    {
        static double G6(double v) => double.Parse(v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
        Span<double> m = stackalloc double[9], quat = stackalloc double[4];
        Rotation.FromRpy(j.Rpy[0], j.Rpy[1], j.Rpy[2], m);
        Rotation.ToQuaternion(m, quat);
        Rotation.FromQuaternion(G6(quat[0]), G6(quat[1]), G6(quat[2]), G6(quat[3]), m);
        // Back to URDF's fixed-axis roll, pitch, yaw: R = Rz(yaw) Ry(pitch) Rx(roll).
        double[] rpy = [Math.Atan2(m[7], m[8]), -Math.Asin(Math.Clamp(m[6], -1, 1)), Math.Atan2(m[3], m[0])];
        return j with { Xyz = j.Xyz.Select(G6).ToArray(), Rpy = rpy };
    }

    [Fact]
    public void A_prismatic_joint_translates_along_its_axis_and_a_moving_joint_outside_the_policy_is_refused()
    {
        var slide = new KinematicJoint("slide", KinematicJointType.Prismatic, [1, 0, 0], [0, 0, Math.PI / 2], [2, 0, 0]);
        var chain = new KinematicChain([slide], ["slide"]);
        Span<double> p = stackalloc double[3], r = stackalloc double[9];
        chain.Pose([0.5], p, r);
        // Origin (1, 0, 0) yawed 90°: the joint's x axis points along the base's y; 0.5 m along it.
        Assert.Equal(1, p[0], 12);
        Assert.Equal(0.5, p[1], 12);
        Assert.Equal(0, p[2], 12);
        var e = Assert.Throws<UserError>(() => new KinematicChain([slide], ["other"]));
        Assert.Contains("'slide'", e.Message);
        Assert.Throws<UserError>(() => new KinematicChain([slide with { Xyz = [double.NaN, 0, 0] }], ["slide"]));
    }
}
