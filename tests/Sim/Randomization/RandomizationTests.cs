using Robotics.Sim.Envs;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Sim.Randomization;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Tests.Tasks;

namespace Robotics.Sim.Tests.Randomization;

public class RandomizationTests
{
    [Theory]
    [InlineData("=U(0.4, 1.25)", SampleOp.Set, 0.4, 1.25)]
    [InlineData("*U(0.9,1.1)", SampleOp.Scale, 0.9, 1.1)]
    [InlineData(" +U( -1 , 2.5 ) ", SampleOp.Add, -1, 2.5)]
    public void Parses_the_three_forms(string text, SampleOp op, double a, double b)
    {
        var s = Sampled.Parse(text, "f");
        Assert.Equal(new Sampled(op, a, b), s);
    }

    [Theory]
    [InlineData("U(0,1)", "expected")]
    [InlineData("*U(1.2, 0.8)", "inverted")]
    [InlineData("+U(a, 1)", "not a number")]
    public void Bad_ranges_name_the_field(string text, string reason)
    {
        var e = Assert.Throws<UserError>(() => Sampled.Parse(text, "randomization.kp"));
        Assert.Contains("randomization.kp", e.Message);
        Assert.Contains(reason, e.Message);
    }

    private static (LocomotionTask Task, MjModel Model, EnvSample Sample) Randomize(RandomizationConfig r, ulong seed)
    {
        var task = LocomotionTaskTests.Nominal();
        var model = task.Model.Clone();
        var sample = new EnvSample(12);
        var rng = new Rng(seed);
        var ix = new RandomizerIndices(
            Enumerable.Range(1, task.Model.Nbody - 1).ToArray(), task.Model.BodyId("trunk"),
            new[] { task.Model.GeomId("floor") }, task.Actuators.DofAddress);
        Randomizer.Apply(r, ix, task.Model, model, Enumerable.Repeat(20.0, 12).ToArray(), Enumerable.Repeat(0.5, 12).ToArray(), ref rng, sample);
        return (task, model, sample);
    }

    [Fact]
    public void Each_term_moves_its_field_inside_its_range()
    {
        var r = new RandomizationConfig
        {
            Friction = Sampled.Parse("=U(0.4, 1.25)", "f"), LinkMass = Sampled.Parse("*U(0.9, 1.1)", "m"),
            BasePayload = Sampled.Parse("+U(1, 2)", "p"), ComOffset = Sampled.Parse("+U(-0.05, 0.05)", "c"),
            MotorStrength = Sampled.Parse("*U(0.8, 0.9)", "s"), Kp = Sampled.Parse("*U(1.1, 1.2)", "kp"), Kd = Sampled.Parse("*U(0.5, 0.6)", "kd"),
            JointDamping = Sampled.Parse("*U(2, 3)", "d"), JointFriction = Sampled.Parse("=U(0.3, 0.4)", "jf"), Armature = Sampled.Parse("+U(0.01, 0.02)", "a"),
            ActionLatency = Sampled.Parse("=U(1, 2.999)", "l"), ImuBias = Sampled.Parse("+U(0.01, 0.02)", "b"),
        };
        for (ulong seed = 0; seed < 20; seed++)
        {
            var (task, m, s) = Randomize(r, seed);
            using (task) using (m)
            {
                var n = task.Model;
                int floor = n.GeomId("floor"), trunk = n.BodyId("trunk"), calf = n.BodyId("FR_calf");
                Assert.InRange(m.GeomFriction[3 * floor], 0.4, 1.25);
                Assert.Equal(s.Friction, m.GeomFriction[3 * floor]);
                Assert.InRange(m.BodyMass[calf] / n.BodyMass[calf], 0.9, 1.1);
                Assert.InRange(m.BodyMass[trunk] - n.BodyMass[trunk] * 0.9, 1 - 1e-9, n.BodyMass[trunk] * 0.2 + 2);
                Assert.InRange(s.AddedMass, 1, 2);
                for (int k = 0; k < 3; k++) Assert.InRange(m.BodyIpos[3 * trunk + k] - n.BodyIpos[3 * trunk + k], -0.05, 0.05);
                foreach (var d in task.Actuators.DofAddress)
                {
                    Assert.InRange(m.DofDamping[d] / n.DofDamping[d], 2, 3);
                    Assert.InRange(m.DofFrictionloss[d], 0.3, 0.4);
                    Assert.InRange(m.DofArmature[d] - n.DofArmature[d], 0.01, 0.02);
                }
                Assert.All(s.Strength, v => Assert.InRange(v, 0.8, 0.9));
                Assert.All(s.Kp, v => Assert.InRange(v, 22, 24));
                Assert.All(s.Kd, v => Assert.InRange(v, 0.25, 0.3));
                Assert.InRange(s.Latency, 1, 2);
                Assert.All(s.ImuBias, v => Assert.InRange(v, 0.01, 0.02));
            }
        }
    }

    [Fact]
    public void Zero_width_identity_ranges_change_nothing_bit_for_bit()
    {
        var identity = new RandomizationConfig
        {
            LinkMass = Sampled.Parse("*U(1, 1)", "m"), BasePayload = Sampled.Parse("+U(0, 0)", "p"), ComOffset = Sampled.Parse("+U(0, 0)", "c"),
            MotorStrength = Sampled.Parse("*U(1, 1)", "s"), Kp = Sampled.Parse("*U(1, 1)", "kp"), Kd = Sampled.Parse("*U(1, 1)", "kd"),
            JointDamping = Sampled.Parse("*U(1, 1)", "d"), JointFriction = Sampled.Parse("*U(1, 1)", "jf"), Armature = Sampled.Parse("+U(0, 0)", "a"),
            Friction = Sampled.Parse("*U(1, 1)", "f"), ActionLatency = Sampled.Parse("+U(0, 0)", "l"), ImuBias = Sampled.Parse("+U(0, 0)", "b"),
        };
        var (task, m, s) = Randomize(identity, 7);
        using (task) using (m)
        {
            var n = task.Model;
            Assert.Equal(n.BodyMass.ToArray(), m.BodyMass.ToArray());
            Assert.Equal(n.BodyInertia.ToArray(), m.BodyInertia.ToArray());
            Assert.Equal(n.BodyIpos.ToArray(), m.BodyIpos.ToArray());
            Assert.Equal(n.GeomFriction.ToArray(), m.GeomFriction.ToArray());
            Assert.Equal(n.DofDamping.ToArray(), m.DofDamping.ToArray());
            Assert.Equal(n.DofFrictionloss.ToArray(), m.DofFrictionloss.ToArray());
            Assert.Equal(n.DofArmature.ToArray(), m.DofArmature.ToArray());
            Assert.All(s.Kp, v => Assert.Equal(20.0, v));
            Assert.All(s.Strength, v => Assert.Equal(1.0, v));
            Assert.Equal(0, s.Latency);
        }

        // And whole trajectories: identity randomization = no randomization, bit for bit.
        var a = Trajectory(new RandomizationConfig());
        var b = Trajectory(identity);
        Assert.Equal(a, b);
    }

    private static List<float> Trajectory(RandomizationConfig r)
    {
        var config = LocomotionConfig.Load(LocomotionTaskTests.TaskFile) with { Randomization = r };
        using var env = new MjVecEnv(new LocomotionTask(config), 2, 1, seed: 11, ownsTask: true);
        var rng = Rng.For(11, "test-actions");
        var actions = new float[24];
        var trace = new List<float>();
        for (int t = 0; t < 40; t++)
        {
            for (int i = 0; i < actions.Length; i++) actions[i] = (float)rng.Uniform(-1, 1);
            env.Step(actions);
            trace.AddRange(env.Observations("critic").ToArray());
            trace.AddRange(env.Rewards.ToArray());
        }
        return trace;
    }

    [Fact]
    public void Randomization_is_a_function_of_the_seed_alone()
    {
        var r = LocomotionConfig.Load(LocomotionTaskTests.TaskFile).Randomization;
        var (t1, m1, s1) = Randomize(r, 5);
        var (t2, m2, s2) = Randomize(r, 5);
        var (t3, m3, s3) = Randomize(r, 6);
        using (t1) using (m1) using (t2) using (m2) using (t3) using (m3)
        {
            Assert.Equal(m1.BodyMass.ToArray(), m2.BodyMass.ToArray());
            Assert.Equal(s1.Kp, s2.Kp);
            Assert.NotEqual(m1.BodyMass.ToArray(), m3.BodyMass.ToArray());
        }
    }
}
