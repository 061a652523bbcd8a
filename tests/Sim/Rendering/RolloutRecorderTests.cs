using Robotics.Sim.Envs;
using Robotics.Sim.Rendering;
using Robotics.Sim.Tasks;

namespace Robotics.Sim.Tests.Rendering;

/// <summary>The frame schedule of a recorded rollout: how many frames, after how many policy steps.</summary>
public class RolloutRecorderTests
{
    [Fact]
    public void Frames_follow_the_frame_rate_and_the_policy_moves_the_picture()
    {
        // Cart-pole: timestep 0.01 s × decimation 2 = 0.02 s per policy step.
        using var env = new MjVecEnv(new CartPole(), numEnvs: 1, seed: 3, ownsTask: true);
        Assert.Equal(0.02, env.StepDt, 12);
        using var renderer = new MjRenderer(env.Task.Model, new RenderOptions { Width = 48, Height = 36, Distance = 3 });
        var frames = new List<byte[]>();
        // Full force to one side: the cart accelerates and the pole swings, so the picture changes.
        var stats = RolloutRecorder.Record(env, (_, a) => a.Fill(1f), renderer, seconds: 0.4, fps: 25, f => frames.Add(f.ToArray()));

        // 0.4 s × 25 fps = 10 frames at t = 0, 0.04, …, 0.36 s; the last one after round(0.36 / 0.02) = 18 steps.
        Assert.Equal(10, stats.Frames);
        Assert.Equal(10, frames.Count);
        Assert.Equal(18, stats.Steps);
        Assert.Equal(0, stats.EpisodeEnds);
        Assert.All(frames, f => Assert.Equal(48 * 36 * 3, f.Length));
        Assert.True(MjRendererTests.StdDev(frames[0]) > 10, "the first frame is blank: mj_forward must run before it");
        Assert.NotEqual(frames[0], frames[^1]);
    }

    [Fact]
    public void Bad_durations_and_rates_are_named()
    {
        using var env = new MjVecEnv(new CartPole(), numEnvs: 1, ownsTask: true);
        using var renderer = new MjRenderer(env.Task.Model, new RenderOptions { Width = 16, Height = 16 });
        var e = Assert.Throws<UserError>(() => RolloutRecorder.Record(env, (_, a) => a.Clear(), renderer, 0, 30, _ => { }));
        Assert.Contains("seconds", e.Message);
        e = Assert.Throws<UserError>(() => RolloutRecorder.Record(env, (_, a) => a.Clear(), renderer, 1, double.NaN, _ => { }));
        Assert.Contains("fps", e.Message);
    }
}
