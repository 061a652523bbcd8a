using Robotics.Deploy.Safety;
using Robotics.Deploy.Tests.RealTime;

namespace Robotics.Deploy.Tests.Safety;

public class SoftStartTests
{
    [Fact]
    public void Trajectory_follows_the_smoothstep_from_the_measured_pose_to_the_default_pose()
    {
        // Start at q0 = (−0.5, 0.8), default 0.1: T = 0.1 s at 2 ms = 50 ticks; rate limit loose (100 rad/s).
        var (c, robot, _) = TestConfig.Idle(mirror: false);
        robot.JointPos[0] = -0.5; robot.JointPos[1] = 0.8;
        c.Safety.RequestStart();
        var targets = new List<double[]>();
        do { c.Tick(); targets.Add((double[])robot.Last.Position.Clone()); }
        while (c.Safety.State == SafetyState.SoftStart);
        Assert.Equal(SafetyState.Running, c.Safety.State);

        // Tick k of the soft start (k = 0 the start tick) sends start + s(u)·(default − start), u = k/50, s = 3u² − 2u³.
        Assert.Equal(52, targets.Count);                      // k = 0…50, then the Running tick
        Assert.Equal(-0.5, targets[0][0], 12);                 // u = 0
        Assert.Equal(-0.5 + 0.5 * 0.6, targets[25][0], 12);   // u = ½, s = ½: the midpoint −0.2
        Assert.Equal(0.8 - 0.5 * 0.7, targets[25][1], 12);    //   0.45
        // u = 0.1: s = 0.03 − 0.002 = 0.028 → −0.5 + 0.028·0.6 = −0.4832
        Assert.Equal(-0.4832, targets[5][0], 12);
        Assert.Equal(0.1, targets[50][0], 12);                 // u = 1: the default pose
        Assert.Equal(0.1, targets[50][1], 12);
        Assert.Equal(new[] { 20.0, 20.0 }, robot.Last.Kp);    // nominal gains throughout
    }

    [Fact]
    public void Trajectory_stays_between_start_and_default_and_within_the_rate_limit()
    {
        // The smoothstep's peak speed is 1.5·|Δ|/T = 1.5 · 1.0 / 0.1 = 15 rad/s; a 5 rad/s rate limit binds.
        const double rate = 5, dt = 0.002;
        var config = TestConfig.Create() with { Safety = TestConfig.Create().Safety with { RateLimit = rate } };
        var (c, robot, _) = TestConfig.Idle(config, mirror: true);
        robot.JointPos[0] = 0.9; robot.JointPos[1] = -0.6;   // Δ = −0.8 and +0.7
        double[] start = { 0.9, -0.6 }, goal = { 0.1, 0.1 };
        c.Safety.RequestStart();
        var previous = (double[])start.Clone();
        int ticks = 0;
        do
        {
            c.Tick();
            ticks++;
            for (int i = 0; i < 2; i++)
            {
                double p = robot.Last.Position[i];
                Assert.InRange(p, Math.Min(start[i], goal[i]) - 1e-12, Math.Max(start[i], goal[i]) + 1e-12);
                Assert.True(Math.Abs(p - previous[i]) <= rate * dt + 1e-12, $"tick {ticks} joint {i}: step {p - previous[i]}");
                // Monotone towards the goal.
                Assert.True((p - previous[i]) * (goal[i] - start[i]) >= -1e-15, $"tick {ticks} joint {i} moved back");
                previous[i] = p;
            }
        }
        while (c.Safety.State == SafetyState.SoftStart);

        // 0.8 rad at 5 rad/s needs 0.16 s > T: the rate limit, not T, set the pace, and the policy takes over
        // (still rate-limited) once T has passed.
        Assert.Equal(SafetyState.Running, c.Safety.State);
        Assert.True(Math.Abs(previous[0] - start[0]) < 0.8, "joint 0 reached the default pose faster than the rate limit allows");
    }
}
