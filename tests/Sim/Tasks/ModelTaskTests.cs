using Robotics.Sim.Envs;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Sim.Tasks;
using Robotics.Deploy.Contract;

namespace Robotics.Sim.Tests.Tasks;

public class ModelTaskTests
{
    private static MjModel Quadruped() => MjModel.FromFile(TestPaths.Repo("bench/models/quadruped.xml"));

    [Fact]
    public void Zero_action_holds_the_default_pose_and_one_spans_half_the_range()
    {
        using var model = Quadruped();
        var task = new ModelTask(model);
        using var data = new MjData(model);
        var home = model.KeyCtrl[..model.Nu].ToArray();
        task.WriteControls(data, new float[model.Nu]);
        Assert.Equal(home, data.Ctrl.ToArray());

        // e.g. a thigh: range [-1.0, 3.5], home 0.8 → action +1 gives 0.8 + 4.5/2 = 3.05; a calf: home −1.6 + 0.9 = −0.7, clamped to −0.9.
        var ones = Enumerable.Repeat(1f, model.Nu).ToArray();
        task.WriteControls(data, ones);
        var range = model.ActuatorCtrlrange;
        for (int i = 0; i < model.Nu; i++)
        {
            double expected = Math.Min(home[i] + (range[2 * i + 1] - range[2 * i]) / 2, range[2 * i + 1]);
            Assert.Equal(expected, data.Ctrl[i], 12);
        }
    }

    [Fact]
    public void Raw_mapping_passes_controls_through_clamped()
    {
        using var model = Quadruped();
        var task = new ModelTask(model, new ModelTaskConfig { Actions = ActionMapping.Raw });
        using var data = new MjData(model);
        var action = new float[model.Nu];
        action[0] = 0.25f;
        action[2] = 100f;   // calf range [-2.7, -0.9]
        task.WriteControls(data, action);
        Assert.Equal(0.25, data.Ctrl[0], 6);
        Assert.Equal(-0.9, data.Ctrl[2], 12);
    }

    [Fact]
    public void Resets_to_the_keyframe_and_exposes_both_groups()
    {
        using var model = Quadruped();
        using var env = new MjVecEnv(new ModelTask(model, new ModelTaskConfig { ResetNoise = 0 }), 2, 1, 0);
        var policy = env.ObservationGroups.Single(g => g.Name == ObservationGroup.Policy);
        Assert.Equal(model.Nq + model.Nv, policy.Dim);
        Assert.Equal(model.Nq + 2 * model.Nv, env.ObservationGroups.Single(g => g.Name == ObservationGroup.Critic).Dim);
        Assert.Equal((float)model.KeyQpos[2], env.Observations(ObservationGroup.Policy)[2]);   // base height
    }

    [Fact]
    public void A_model_without_actuators_is_refused()
    {
        using var model = MjModel.FromXml("<mujoco><worldbody><body><freejoint/><geom size='0.1'/></body></worldbody></mujoco>", "passive.xml");
        var e = Assert.Throws<UserError>(() => new ModelTask(model));
        Assert.Contains("passive.xml", e.Message);
    }
}
