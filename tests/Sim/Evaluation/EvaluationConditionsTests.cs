using Robotics.Sim.Envs;
using Robotics.Sim.Evaluation;
using Robotics.Sim.Randomization;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Tasks.Manipulation;
using Robotics.Sim.Tests.Tasks;

namespace Robotics.Sim.Tests.Evaluation;

public class EvaluationConditionsTests
{
    [Fact]
    public void Conditions_run_easiest_first_under_their_report_names()
    {
        Assert.Equal(new[] { "nominal", "randomized", "held-out" }, EvaluationConditions.All.Select(k => k.Name()));
        Assert.Throws<ArgumentOutOfRangeException>(() => EvaluationConditions.Randomization((EvaluationCondition)7, new RandomizationConfig(), 0.005));
    }

    [Fact]
    public void Nominal_turns_every_randomization_and_the_pushes_off_and_randomized_is_the_training_set()
    {
        var c = LocomotionConfig.Load(LocomotionTaskTests.TaskFile);
        Assert.NotNull(c.Randomization.PushVelocity);   // the task file pushes; nominal must not
        Assert.Equal(new RandomizationConfig(), EvaluationConditions.Under(EvaluationCondition.Nominal, c).Randomization);
        Assert.Same(c.Randomization, EvaluationConditions.Under(EvaluationCondition.Randomized, c).Randomization);
        var arm = ManipulationConfig.Load(ManipulationTaskTests.Reach);
        Assert.Equal(new RandomizationConfig(), EvaluationConditions.Under(EvaluationCondition.Nominal, arm).Randomization);
        Assert.Same(arm.Randomization, EvaluationConditions.Under(EvaluationCondition.Randomized, arm).Randomization);
    }

    [Fact]
    public void Nominal_episodes_run_the_nominal_robot()
    {
        // Every environment of a nominal evaluation samples the model as written: no payload, nominal friction,
        // gains and strength, no latency or gyro bias; the randomized condition does not.
        var c = LocomotionConfig.Load(LocomotionTaskTests.TaskFile);
        static EnvSample[] Samples(LocomotionConfig config)
        {
            var task = new LocomotionTask(config);
            using var env = new MjVecEnv(task, 4, 1, seed: 5, ownsTask: true);
            return Enumerable.Range(0, 4).Select(task.Sample).ToArray();
        }
        var nominal = Samples(EvaluationConditions.Under(EvaluationCondition.Nominal, c));
        Assert.All(nominal, s =>
        {
            Assert.Equal(0, s.AddedMass);
            Assert.Equal(0, s.Latency);
            Assert.All(s.Strength, x => Assert.Equal(1, x));
            Assert.All(s.Kp, x => Assert.Equal(c.Kp, x));
            Assert.All(s.ImuBias, x => Assert.Equal(0, x));
            Assert.All(s.ComOffset, x => Assert.Equal(0, x));
        });
        Assert.Single(nominal.Select(s => s.Friction).Distinct());
        var randomized = Samples(EvaluationConditions.Under(EvaluationCondition.Randomized, c));
        Assert.Equal(4, randomized.Select(s => s.AddedMass).Distinct().Count());
    }
}
