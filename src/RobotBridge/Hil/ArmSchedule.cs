using Robotics.Deploy.Kinematics;
using Robotics.Sim.Evaluation;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Sim.Robots;
using Robotics.Sim.Tasks;
using Robotics.Sim.Tasks.Manipulation;

namespace Robotics.RobotBridge.Hil;

/// <summary>One episode of an arm's hardware-in-the-loop run, in the base frame.</summary>
/// <param name="StartJointPos">Where the arm starts [rad] (the default pose with the task's reset noise). [n]</param>
/// <param name="Cube">Where the cube starts on the table, x y [m] (reach: parked off the work area). [2]</param>
/// <param name="TargetPosition">The goal [m]: reach, the tool's; push, the cube's. [3]</param>
/// <param name="TargetRotation">Reach: the tool's goal orientation, base from target, row-major; push: identity. [9]</param>
public sealed record ArmEpisode(double[] StartJointPos, double[] Cube, double[] TargetPosition, double[] TargetRotation);

/// <summary>The episodes of an arm's run and the task that scores them (success thresholds, episode length).</summary>
public sealed record ArmSchedule
{
    /// <summary>The task the episodes were drawn from; its success thresholds score them.</summary>
    public required ManipulationConfig Task { get; init; }

    /// <summary>The episodes, in order.</summary>
    public required IReadOnlyList<ArmEpisode> Episodes { get; init; }

    /// <summary>Length of one episode as the task runs it [s]: its policy steps × the policy period.</summary>
    public double EpisodeSeconds => Task.MaxEpisodeSteps * Task.PhysicsDt * Task.Decimation;

    /// <summary>
    /// <paramref name="episodes"/> episodes drawn by the task's own reset — joint noise, then the target (reach) or the cube
    /// and its target (push) — from the streams <c>Rng.For(seed, "env", k)</c>, under nominal dynamics: episode k is the
    /// first episode of environment k of <c>robotics eval</c>'s nominal condition with as many environments as episodes
    /// and the same seed, so the two success rates are measured on the same starts and goals.
    /// </summary>
    /// <exception cref="UserError">Fewer than one episode.</exception>
    public static ArmSchedule Sample(ManipulationConfig config, int episodes, ulong seed)
    {
        if (episodes < 1) throw new UserError($"episodes = {episodes}: must be ≥ 1");
        var nominal = EvaluationConditions.Under(EvaluationCondition.Nominal, config);
        using var task = new ManipulationTask(nominal);
        task.Initialize(1);
        using var data = new MjData(task.ModelFor(0));
        var pd = task.Actuators;
        int cubeQpos = task.Model.JntQposadr[task.Model.JointId("cube")];
        var b = config.BasePosition;
        var list = new ArmEpisode[episodes];
        for (int k = 0; k < episodes; k++)
        {
            // As MjVecEnv resets environment k.
            var rng = Rng.For(seed, "env", k);
            data.Reset();
            task.Reset(0, data, ref rng);
            var start = new double[pd.Count];
            for (int i = 0; i < start.Length; i++) start[i] = data.Qpos[pd.QposAddress[i]];
            var goal = task.Goal(0);
            var rotation = new double[9];
            if (config.Kind == TaskKind.Reach) task.GoalRotation(0).CopyTo(rotation);
            else Rotation.Identity(rotation);
            list[k] = new ArmEpisode(start, [data.Qpos[cubeQpos] - b[0], data.Qpos[cubeQpos + 1] - b[1]],
                [goal[0] - b[0], goal[1] - b[1], goal[2] - b[2]], rotation);
        }
        return new ArmSchedule { Task = config, Episodes = list };
    }
}

/// <summary>How an arm's episode ended, scored from ground truth exactly as the task scores it.</summary>
/// <param name="Success">Reach: the tool within the task's success position and orientation; push: the cube within its success distance in x y.</param>
/// <param name="PositionError">Reach: tool to target [m]; push: cube to target in x y [m].</param>
/// <param name="OrientationError">Reach: the angle from the tool's orientation to the target's [rad]; push: 0.</param>
public readonly record struct ArmScore(bool Success, double PositionError, double OrientationError)
{
    /// <summary>Scores the simulated arm against the target it reports, with <paramref name="task"/>'s thresholds.</summary>
    public static ArmScore Of(SimulatedRobot robot, ManipulationConfig task)
    {
        Span<double> ee = stackalloc double[3], rotation = stackalloc double[9], error = stackalloc double[3];
        var target = robot.TargetPosition;
        if (task.Kind == TaskKind.Reach)
        {
            robot.EndEffector(ee, rotation);
            double dx = ee[0] - target[0], dy = ee[1] - target[1], dz = ee[2] - target[2];
            double distance = Math.Sqrt(dx * dx + dy * dy + dz * dz);
            Rotation.Error(robot.TargetRotation, rotation, error);
            double angle = Math.Sqrt(error[0] * error[0] + error[1] * error[1] + error[2] * error[2]);
            return new(distance <= task.SuccessPosition && angle <= task.SuccessOrientation, distance, angle);
        }
        robot.CubePosition(ee);
        double cx = ee[0] - target[0], cy = ee[1] - target[1];
        double d = Math.Sqrt(cx * cx + cy * cy);
        return new(d <= task.SuccessDistance, d, 0);
    }
}
