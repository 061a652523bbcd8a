using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;
using Robotics.Deploy.Runtime;
using Robotics.Deploy.Safety;
using Robotics.Sim.Envs;
using Robotics.Sim.Tasks.Manipulation;

namespace Robotics.Sim.Tests.Tasks;

/// <summary>Sim and robot run one action map: the same action gives the same clip and the same joint targets through both.</summary>
public class ActionMapParityTests
{
    // 0.3 inside the bound, ±50 beyond action.clip = 10 (the default), the rest small.
    private static float[] Actions(int n) => Enumerable.Range(0, n).Select(i => i switch { 0 => 0.3f, 1 => 50f, 2 => -50f, _ => 0.01f * i }).ToArray();

    [Fact]
    public void Go1_sim_and_controller_clip_and_map_alike_and_hold_on_nan()
    {
        using var env = new MjVecEnv(LocomotionTaskTests.Nominal(), 1, 1, seed: 1, ownsTask: true);
        var task = (Robotics.Sim.Tasks.Locomotion.LocomotionTask)env.Task;
        var contract = task.PolicyContract();
        Assert.Equal(ActionSpec.DefaultClip, contract.Action.Clip);
        int n = task.ActionDim;
        var robot = new StandingRobot(task.Config.DefaultJointPos);
        var policy = new FixedPolicy(contract.ObservationDim, n);
        var controller = new Controller(ControllerConfig.FromContract(contract), policy, robot);
        controller.Safety.RequestStart();
        for (int i = 0; i < 10_000 && controller.Safety.State != SafetyState.Running; i++) controller.Tick();
        Assert.Equal(SafetyState.Running, controller.Safety.State);

        var a = Actions(n);
        policy.Output = a;
        RunPolicy(controller);
        env.Step(a);
        Assert.Equal(controller.PolicyTargets.ToArray(), task.JointTargets(0).ToArray());
        Assert.Equal(controller.Action.ToArray(), task.MeasuredFrame(0).LastAction);
        Assert.Equal(10f, controller.Action[1]);
        Assert.Equal(-10f, controller.Action[2]);
        Assert.Equal(task.Config.DefaultJointPos[1] + 0.25 * 10, task.JointTargets(0)[1], 12);

        // A NaN: the robot trips and holds its targets; the simulator refuses the step, its targets held.
        var held = task.JointTargets(0).ToArray();
        var bad = (float[])a.Clone();
        bad[4] = float.NaN;
        policy.Output = bad;
        RunPolicy(controller);
        Assert.Contains("action 4", Assert.Throws<ArgumentException>(() => env.Step(bad)).Message);
        Assert.Equal(SafetyState.Damping, controller.Safety.State);
        Assert.Equal(SafetyCause.NonFiniteAction, controller.Safety.LastCause);
        Assert.Equal(held, controller.PolicyTargets.ToArray());
        Assert.Equal(held, task.JointTargets(0).ToArray());
    }

    [Fact]
    public void Arm_sim_and_the_contract_map_give_the_same_targets_from_the_same_measured_pose()
    {
        using var env = new MjVecEnv(ManipulationTaskTests.Nominal(ManipulationTaskTests.Reach), 1, 1, seed: 2, ownsTask: true);
        var task = (ManipulationTask)env.Task;
        var map = task.PolicyContract().BuildActionMap();   // what a robot builds from the exported contract
        int n = task.ActionDim;
        var data = env.Data(0);
        var q = task.Actuators.QposAddress.Select(adr => data.Qpos[adr]).ToArray();
        var a = Actions(n);
        var targets = new double[n];
        var clipped = new float[n];
        Assert.Equal(-1, map.Map(a, q, clipped, targets));
        env.Step(a);
        Assert.Equal(targets, task.JointTargets(0).ToArray());
        Assert.Equal(Math.Min(q[1] + 0.05 * 10, task.Actuators.Upper[1]), targets[1], 12);
    }

    private static void RunPolicy(Controller c)
    {
        long runs = c.PolicyRuns;
        for (int i = 0; i < 1000 && c.PolicyRuns == runs; i++) c.Tick();
        Assert.Equal(runs + 1, c.PolicyRuns);
    }

    // Upright and still at a pose, a new joint state, IMU sample and (zero) velocity command each read.
    private sealed class StandingRobot(double[] pose) : IRobotIo
    {
        private long _sequence;
        public int Joints => pose.Length;
        public bool EStopPressed => false;
        public void Read(SensorFrame frame)
        {
            frame.Sequence = ++_sequence;
            frame.InputSequence[(int)InputKind.Imu] = _sequence;
            frame.InputSequence[(int)InputKind.CmdVel] = _sequence;
            frame.Orientation[0] = 1;
            pose.CopyTo(frame.JointPos, 0);
        }
        public void Write(JointCommand command) { }
    }

    private sealed class FixedPolicy(int observationDim, int actionDim) : IPolicy
    {
        public int ObservationDim => observationDim;
        public int ActionDim => actionDim;
        public float[] Output { get; set; } = new float[actionDim];
        public void Run(ReadOnlySpan<float> observation, Span<float> action) => Output.CopyTo(action);
    }
}
