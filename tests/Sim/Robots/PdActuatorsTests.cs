using Robotics.Sim.Robots;

namespace Robotics.Sim.Tests.Robots;

public class PdActuatorsTests
{
    [Theory]
    // target, q, qd, kp, kd, strength, effort, vmax → τ
    // 20·(0.9 − 0.8) − 0.5·1.0 = 2 − 0.5 = 1.5
    [InlineData(0.9, 0.8, 1.0, 20, 0.5, 1.0, 23.7, 30, 1.5)]
    // strength 0.8 scales before the clamp: 0.8 · 1.5 = 1.2
    [InlineData(0.9, 0.8, 1.0, 20, 0.5, 0.8, 23.7, 30, 1.2)]
    // 20·(2.0 − 0.0) = 40 clamps to the 23.7 N·m effort limit
    [InlineData(2.0, 0.0, 0.0, 20, 0.5, 1.0, 23.7, 30, 23.7)]
    // and −40 to −35.55
    [InlineData(-2.0, 0.0, 0.0, 20, 0.5, 1.0, 35.55, 30, -35.55)]
    // beyond the velocity limit (31 > 30 rad/s) the drive cannot push further in the direction of motion:
    // 20·(1 − 0) − 0.5·31 = 4.5 > 0 with q̇ > 0 → 0
    [InlineData(1.0, 0.0, 31.0, 20, 0.5, 1.0, 23.7, 30, 0.0)]
    // ...but it may brake: 20·(−1 − 0) − 0.5·31 = −35.5 → clamped −23.7
    [InlineData(-1.0, 0.0, 31.0, 20, 0.5, 1.0, 23.7, 30, -23.7)]
    public void Pd_law_matches_the_hand_computation(double target, double q, double qd, double kp, double kd,
        double strength, double effort, double vmax, double expected)
    {
        Assert.Equal(expected, PdActuators.Torque(target, q, qd, kp, kd, strength, effort, vmax), 12);
    }

    [Fact]
    public void Apply_writes_each_motor_from_its_own_joint()
    {
        using var task = Tasks.LocomotionTaskTests.Nominal();
        using var data = new Robotics.Sim.MuJoCo.MjData(task.Model);
        var pd = task.Actuators;
        int n = pd.Count;
        var rng = new Robotics.Sim.Random.Rng(2);
        for (int i = 0; i < n; i++)
        {
            data.Qpos[pd.QposAddress[i]] = rng.Uniform(pd.Lower[i], pd.Upper[i]);
            data.Qvel[pd.DofAddress[i]] = rng.Uniform(-3, 3);
        }
        var target = Enumerable.Range(0, n).Select(i => rng.Uniform(pd.Lower[i], pd.Upper[i])).ToArray();
        var kp = Enumerable.Repeat(20.0, n).ToArray();
        var kd = Enumerable.Repeat(0.5, n).ToArray();
        var s = Enumerable.Repeat(1.0, n).ToArray();
        var tau = new double[n];
        pd.Apply(data, target, kp, kd, s, tau);
        for (int i = 0; i < n; i++)
        {
            double expected = PdActuators.Torque(target[i], data.Qpos[pd.QposAddress[i]], data.Qvel[pd.DofAddress[i]], 20, 0.5, 1, pd.Effort[i], pd.VelocityLimit[i]);
            Assert.Equal(expected, tau[i]);
            Assert.Equal(expected, data.Ctrl[pd.Motor[i]]);
        }
    }

    [Theory]
    // decimation 4. Latency 0: always the newest target.
    [InlineData(0, 0, 0)] [InlineData(3, 0, 0)]
    // latency 2: physics steps 0 and 1 still apply the previous policy step's target.
    [InlineData(0, 2, 1)] [InlineData(1, 2, 1)] [InlineData(2, 2, 0)]
    // latency 6 (30 ms): steps 0, 1 see the target of two policy steps ago (issued 8 and 7 steps back ≥ 6),
    // steps 2, 3 the previous one (issued 4 + p physics steps earlier, ≥ 6 ⇔ p ≥ 2).
    [InlineData(0, 6, 2)] [InlineData(1, 6, 2)] [InlineData(2, 6, 1)] [InlineData(3, 6, 1)]
    public void Latency_delays_targets_by_whole_physics_steps(int p, int latency, int age) =>
        Assert.Equal(age, PdActuators.TargetAge(p, latency, 4, depth: 4));
}
