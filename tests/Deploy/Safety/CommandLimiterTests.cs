using Robotics.Deploy.Contract;
using Robotics.Deploy.Safety;
using Robotics.Deploy.RealTime;
using Robotics.Deploy.Tests.RealTime;

namespace Robotics.Deploy.Tests.Safety;

public class CommandLimiterTests
{
    [Fact]
    public void Position_torque_and_rate_windows_in_order()
    {
        // Kp 20, Kd 0.5, τmax 30, limits ±1, rate 100 rad/s · 2 ms = 0.2 rad per tick (rated speeds above it).
        var limiter = new CommandLimiter(Fast().Validate());
        var frame = new SensorFrame(2, 2);
        limiter.ResetTo(new[] { 0.0, 0.0 });
        var target = new double[2];

        // Joint 0: desired 5 → position clamp 1 → torque window around q = 0: 0 ± 30/20 = ±1.5 (no effect)
        //          → rate: 0 + 0.2 = 0.2.
        // Joint 1: desired −0.1 → inside everything → −0.1.
        limiter.Limit(new[] { 5.0, -0.1 }, frame, target);
        Assert.Equal(0.2, target[0], 12);
        Assert.Equal(-0.1, target[1], 12);
        Assert.Equal(target, limiter.Previous.ToArray());

        // Torque window: q = −0.9, q̇ = 4 → centre −0.9 + 0.5·4/20 = −0.8, half-width 1.5 → [−2.3, 0.7].
        // Joint 0 desired 1 (from 0.2, rate allows up to 0.4) → torque window caps 0.7 → rate caps 0.4.
        frame.JointPos[0] = -0.9; frame.JointVel[0] = 4;
        limiter.Limit(new[] { 1.0, -0.1 }, frame, target);
        Assert.Equal(0.4, target[0], 12);
        // Next ticks: 0.6, then the torque window's 0.7.
        limiter.Limit(new[] { 1.0, -0.1 }, frame, target);
        Assert.Equal(0.6, target[0], 12);
        limiter.Limit(new[] { 1.0, -0.1 }, frame, target);
        Assert.Equal(0.7, target[0], 12);
        // The PD torque at that target: 20·(0.7 − (−0.9)) − 0.5·4 = 32 − 2 = 30 = τmax.
        Assert.Equal(30, 20 * (target[0] - frame.JointPos[0]) - 0.5 * frame.JointVel[0], 9);
    }

    [Fact]
    public void A_joint_rated_slower_than_the_rate_limit_moves_its_target_at_its_rated_speed()
    {
        // Rate limit 100 rad/s; joint 0 rated 20 rad/s (0.04 rad per 2 ms tick), joint 1 rated 150 (the rate limit's 0.2 holds).
        var config = TestConfig.Create() with { Safety = TestConfig.Create().Safety with { VelocityLimits = [20, 150] } };
        var limiter = new CommandLimiter(config.Validate());
        limiter.ResetTo(new[] { 0.0, 0.0 });
        var target = new double[2];
        limiter.Limit(new[] { 1.0, 1.0 }, new SensorFrame(2, 2), target);
        Assert.Equal(0.04, target[0], 12);
        Assert.Equal(0.2, target[1], 12);
        Assert.Equal(0.04, limiter.StepOf(0), 12);
        Assert.Equal(0.2, limiter.MaxStep, 12);
    }

    private static ControllerConfig Fast() => TestConfig.Create() with { Safety = TestConfig.Create().Safety with { VelocityLimits = [200, 200] } };

    [Fact]
    public void Reset_to_a_non_finite_pose_starts_from_mid_range()
    {
        var limiter = new CommandLimiter(TestConfig.Create().Validate());
        limiter.ResetTo(new[] { double.NaN, 0.3 });
        Assert.Equal(new[] { 0.0, 0.3 }, limiter.Previous.ToArray());   // middle of [−1, 1]
        Assert.Equal(0.2, limiter.MaxStep, 12);
    }
}
