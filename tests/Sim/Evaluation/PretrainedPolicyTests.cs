using Robotics.Deploy.Runtime;
using Robotics.Sim.Evaluation;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Tasks.Manipulation;

namespace Robotics.Sim.Tests.Evaluation;

/// <summary>
/// The policies in models/ still meet their acceptance when evaluated from the exported file under nominal
/// dynamics (<see cref="EvaluationCondition.Nominal"/>): a change to a task's observations, actuators or
/// timing that would silently break a shipped policy fails here. Fewer episodes than the reports (a CI
/// budget), fixed seeds, and bounds with room for that: each report's figure over 5 seeds × 64 episodes
/// sits well inside them. Each runs under the file's contract, as <c>robotics eval --policy</c> does.
/// </summary>
public class PretrainedPolicyTests
{
    private static string Config(string task) => TestPaths.Repo($"src/Sim/Tasks/Configs/{task}.toml");

    /// <summary>
    /// The flat acceptance on flat ground, for the flat policy and for the rough-terrain one (both must meet it; the
    /// rough policy is blind, so go1_velocity's observations are its own). Bounds: each report's five-seed figure plus room.
    /// </summary>
    [Theory]
    [InlineData("models/go1_velocity.onnx", 0.12)]  // report 0.075 m/s
    [InlineData("models/go1_rough.onnx", 0.14)]     // report 0.12 m/s on flat ground
    public void Go1_tracks_its_commands_on_flat_ground_without_falling_under_nominal_dynamics(string file, double maxLinVelError)
    {
        var config = LocomotionConfig.Load(Config("go1_velocity"));
        using var task = new LocomotionTask(config);
        using var policy = OnnxPolicy.Load(TestPaths.Repo(file), task.Actuators.JointNames);
        var r = LocomotionEvaluator.Run(EvaluationConditions.Under(EvaluationCondition.Nominal, config.UnderContract(policy.Contract)), Policies.Batch(policy),
            EvaluationCondition.Nominal.Name(), episodes: 16, envs: 16, threads: 2, seed: 11);
        Assert.True(r.Falls == 0, $"{file}: {r.Falls} falls in {r.Episodes} nominal episodes: {r.DescribeFalls()}");
        Assert.True(r.LinVelError <= maxLinVelError, $"{file}: lin vel error {r.LinVelError:0.000} m/s (bound {maxLinVelError}; acceptance ≤ 0.15)");
    }

    // The Go2 policy does not yet meet the flat acceptance (2 nominal falls in 128 report episodes, each just after a
    // command change): this guards its tracking and that it falls rarely, not never.
    [Fact]
    public void Go2_tracks_its_commands_and_rarely_falls_under_nominal_dynamics()
    {
        var config = LocomotionConfig.Load(Config("go2_velocity"));
        using var task = new LocomotionTask(config);
        using var policy = OnnxPolicy.Load(TestPaths.Repo("models/go2_velocity.onnx"), task.Actuators.JointNames);
        var r = LocomotionEvaluator.Run(EvaluationConditions.Under(EvaluationCondition.Nominal, config.UnderContract(policy.Contract)), Policies.Batch(policy),
            EvaluationCondition.Nominal.Name(), episodes: 16, envs: 16, threads: 2, seed: 11);
        Assert.True(r.Falls <= 1, $"{r.Falls} falls in {r.Episodes} nominal episodes: {r.DescribeFalls()}");
        Assert.True(r.LinVelError <= 0.12, $"lin vel error {r.LinVelError:0.000} m/s (acceptance ≤ 0.15)");
    }

    // DESIGN: under its training randomization (pushes of up to 1 m/s included) the shipped policy still falls in
    // a fraction of a percent of episodes, nearly all within a second of a command step (the report lists them);
    // this allows one in 16 rather than pretend, and guards against a policy that falls routinely.
    [Fact]
    public void Go1_rarely_falls_under_its_training_randomization()
    {
        var config = LocomotionConfig.Load(Config("go1_velocity"));
        using var task = new LocomotionTask(config);
        using var policy = OnnxPolicy.Load(TestPaths.Repo("models/go1_velocity.onnx"), task.Actuators.JointNames);
        var r = LocomotionEvaluator.Run(config.UnderContract(policy.Contract), Policies.Batch(policy), EvaluationCondition.Randomized.Name(), episodes: 16, envs: 16, threads: 2, seed: 11);
        Assert.True(r.Falls <= 1, $"{r.Falls} falls in {r.Episodes} randomized episodes: {r.DescribeFalls()}");
        Assert.True(r.LinVelError <= 0.13, $"lin vel error {r.LinVelError:0.000} m/s");
    }

    [Theory]
    [InlineData("panda_reach", 0.95)]   // acceptance ≥ 95 % within 2 cm; report 100 %
    [InlineData("panda_push", 0.75)]    // no acceptance figure; report 100 % within 3 cm (nominal, 320 episodes)
    public void An_arm_policy_succeeds(string name, double minSuccess)
    {
        var config = ManipulationConfig.Load(Config(name));
        using var task = new ManipulationTask(config);
        using var policy = OnnxPolicy.Load(TestPaths.Repo($"models/{name}.onnx"), task.Actuators.JointNames);
        var r = ManipulationEvaluator.Run(EvaluationConditions.Under(EvaluationCondition.Nominal, config.UnderContract(policy.Contract)), Policies.Batch(policy), EvaluationCondition.Nominal.Name(), episodes: 32, envs: 16, threads: 2, seed: 11);
        Assert.True(r.SuccessRate >= minSuccess, $"{name}: {r.SuccessRate:P0} success over {r.Episodes} episodes (bound {minSuccess:P0})");
    }
}
