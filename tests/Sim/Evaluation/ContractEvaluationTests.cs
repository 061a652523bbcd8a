using Robotics.Deploy.Contract;
using Robotics.Deploy.Runtime;
using Robotics.Sim.Evaluation;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Tasks.Manipulation;

namespace Robotics.Sim.Tests.Evaluation;

/// <summary>
/// Evaluation runs an exported policy under its contract: the shipped policies, whose contracts match their task files, score
/// bit for bit as under the task file; a contract with a legal but different action scale, gain, timing or observation layout
/// scores differently, and the difference is named.
/// </summary>
public class ContractEvaluationTests
{
    private static string Config(string task) => TestPaths.Repo($"src/Sim/Tasks/Configs/{task}.toml");

    private static EvaluationResult Go1(LocomotionConfig config, OnnxPolicy policy) =>
        LocomotionEvaluator.Run(EvaluationConditions.Under(EvaluationCondition.Nominal, config), Policies.Batch(policy),
            EvaluationCondition.Nominal.Name(), episodes: 4, envs: 4, threads: 2, seed: 5);

    [Fact]
    public void The_shipped_go1_policy_scores_the_same_under_its_contract_and_differently_under_an_edited_one()
    {
        var config = LocomotionConfig.Load(Config("go1_velocity"));
        PolicyContract fromTask;
        using (var task = new LocomotionTask(config)) fromTask = task.PolicyContract();
        using var policy = OnnxPolicy.Load(TestPaths.Repo("models/go1_velocity.onnx"), fromTask.JointNames);
        var contract = policy.Contract;
        Assert.Null(ContractDifferences.Line(contract, fromTask));

        var plain = Go1(config, policy);
        var under = Go1(config.UnderContract(contract), policy);
        Assert.Equal(plain.MeanReturn, under.MeanReturn);
        Assert.Equal(plain.LinVelError, under.LinVelError);
        Assert.Equal(plain.Terms, under.Terms);

        // A legal action scale twice the trained one: a different policy on the robot, so a different score here.
        var scaled = (contract with { Action = contract.Action with { Scale = contract.Action.Scale.Select(s => 2 * s).ToArray() } }).Validate();
        Assert.Equal("contract differs from task file: action.scale 0.5 vs 0.25", ContractDifferences.Line(scaled, fromTask));
        Assert.NotEqual(plain.MeanReturn, Go1(config.UnderContract(scaled), policy).MeanReturn);

        // Softer gains and a PD at half the rate: each shows.
        var soft = (contract with { Drive = contract.Drive with { Kp = contract.Drive.Kp.Select(k => k / 2).ToArray() } }).Validate();
        Assert.Contains("drive.kp 17.5 vs 35", ContractDifferences.Line(soft, fromTask));
        Assert.NotEqual(plain.MeanReturn, Go1(config.UnderContract(soft), policy).MeanReturn);
        var slow = (contract with { Control = contract.Control with { Decimation = 2 } }).Validate();
        Assert.Contains("control.decimation 2 vs 4", ContractDifferences.Line(slow, fromTask));
        Assert.Equal(0.01, config.UnderContract(slow).PhysicsDt, 15);
        Assert.NotEqual(plain.MeanReturn, Go1(config.UnderContract(slow), policy).MeanReturn);
    }

    [Fact]
    public void The_task_observes_in_the_contracts_order_and_scales()
    {
        var config = LocomotionConfig.Load(Config("go1_velocity"));
        PolicyContract contract;
        using (var task = new LocomotionTask(config)) contract = task.PolicyContract();
        var swapped = contract.Observation.ToArray();
        (swapped[3], swapped[4]) = (swapped[4], swapped[3] with { Scale = 2 });
        var edited = (contract with { Observation = swapped }).Validate();
        using var under = new LocomotionTask(config.UnderContract(edited));
        var policy = under.ObservationGroups.Single(g => g.Name == "policy");
        Assert.Equal(swapped, policy.Terms);
        Assert.Contains("observation [", ContractDifferences.Line(edited, contract));

        var unknown = edited with { Observation = [.. swapped[..5], new ObservationTerm("ee_pos", 3), swapped[5]] };
        var e = Assert.Throws<UserError>(() => new LocomotionTask(config.UnderContract(unknown)));
        Assert.Contains("observation term 'ee_pos' is not one a policy of task 'go1_velocity' (locomotion) observes", e.Message);
        var reordered = contract with { JointNames = [.. contract.JointNames.Reverse()] };
        Assert.Contains("policy contract of 'go1_velocity' lists the joints RL_calf_joint", Assert.Throws<UserError>(() => new LocomotionTask(config.UnderContract(reordered))).Message);
    }

    [Theory]
    [InlineData("panda_reach")]
    [InlineData("panda_push")]
    public void A_shipped_arm_policy_scores_the_same_under_its_contract(string name)
    {
        var config = ManipulationConfig.Load(Config(name));
        PolicyContract fromTask;
        using (var task = new ManipulationTask(config)) fromTask = task.PolicyContract();
        using var policy = OnnxPolicy.Load(TestPaths.Repo($"models/{name}.onnx"), fromTask.JointNames);
        Assert.Null(ContractDifferences.Line(policy.Contract, fromTask));
        ManipulationResult Run(ManipulationConfig c) => ManipulationEvaluator.Run(EvaluationConditions.Under(EvaluationCondition.Nominal, c), Policies.Batch(policy),
            EvaluationCondition.Nominal.Name(), episodes: 4, envs: 4, threads: 2, seed: 5);
        var plain = Run(config);
        var under = Run(config.UnderContract(policy.Contract));
        Assert.Equal(plain.MeanReturn, under.MeanReturn);
        Assert.Equal(plain.FinalDistance, under.FinalDistance);
        // The arm's action scale doubled (0.05 → 0.1 rad per unit).
        var scaled = (policy.Contract with { Action = policy.Contract.Action with { Scale = policy.Contract.Action.Scale.Select(s => 2 * s).ToArray() } }).Validate();
        Assert.NotEqual(plain.MeanReturn, Run(config.UnderContract(scaled)).MeanReturn);
    }
}
