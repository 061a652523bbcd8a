using System.Diagnostics;
using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;
using Robotics.Sim.Evaluation;

namespace Robotics.Sim.Rendering;

/// <summary>What a recorded rollout took.</summary>
/// <param name="Frames">Video frames rendered.</param>
/// <param name="Steps">Environment (policy) steps taken.</param>
/// <param name="EpisodeEnds">Episodes that ended (terminated or truncated) during the clip; the environment reset and went on.</param>
/// <param name="RenderSeconds">Wall-clock time inside the renderer [s] (scene update, drawing, reading pixels).</param>
/// <param name="TotalSeconds">Wall-clock time of the whole recording [s], policy, physics and encoding included.</param>
/// <param name="Travel">How far the tracked body moved over the ground (x, y) from the first frame to the last [m] (meaningless across an episode end).</param>
public sealed record RolloutStats(int Frames, int Steps, int EpisodeEnds, double RenderSeconds, double TotalSeconds, double Travel)
{
    /// <summary>Frames per second of wall-clock time inside the renderer.</summary>
    public double RenderFps => RenderSeconds > 0 ? Frames / RenderSeconds : double.NaN;
}

/// <summary>
/// Runs environment 0 of a vectorized environment under a policy and renders it at a video frame rate:
/// frame j shows the state at the policy step nearest to time j / fps.
/// </summary>
/// <remarks>
/// DESIGN: the environment advances one policy step (decimation × physics steps) at a time, inside the
/// task's Simulate, so frames are taken between policy steps, within half a policy step of their time (10 ms
/// for a 50 Hz policy); a frame rate dividing the policy rate (25 or 50 fps at 50 Hz) is exact. Rendering
/// between physics steps would need a hook inside every task's Simulate, for a difference no one sees at 30 fps.
/// </remarks>
public static class RolloutRecorder
{
    /// <summary>
    /// Records <paramref name="seconds"/> of simulated time at <paramref name="fps"/>: round(seconds × fps)
    /// frames, each handed to <paramref name="frame"/> as [Height, Width, 3] RGB bytes, top row first.
    /// </summary>
    /// <param name="env">The environment; environment 0 is rendered (all are stepped).</param>
    /// <param name="policy">Actions for the policy observations of all environments.</param>
    /// <param name="beforeStep">Called before every step (e.g. to hold a locomotion command).</param>
    /// <param name="onlyLast">Step through the whole clip but render and hand over only its last frame (a still image).</param>
    /// <exception cref="UserError">A duration or frame rate that is not positive and finite.</exception>
    /// <exception cref="ArgumentException">A renderer for another model.</exception>
    public static RolloutStats Record(MjVecEnv env, BatchPolicy policy, MjRenderer renderer, double seconds, double fps,
        Action<ReadOnlySpan<byte>> frame, Action? beforeStep = null, bool onlyLast = false)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(renderer);
        ArgumentNullException.ThrowIfNull(frame);
        if (!(seconds > 0) || !double.IsFinite(seconds)) throw new UserError($"seconds must be a positive duration, got {seconds}");
        if (!(fps > 0) || !double.IsFinite(fps)) throw new UserError($"fps must be a positive frame rate, got {fps}");
        int frames = Math.Max(1, (int)Math.Round(seconds * fps));
        double dt = env.StepDt;

        var actions = new float[env.NumEnvs * env.ActionDim];   // [N, actionDim]
        var rgb = new byte[renderer.Width * renderer.Height * 3]; // [H, W, 3]
        var data = env.Data(0);
        var total = Stopwatch.StartNew();
        var rendering = new Stopwatch();
        int steps = 0, episodeEnds = 0, rendered = 0;

        // The reset state has no derived quantities yet for every task: compute them before the first frame.
        data.Forward();
        int body = renderer.TrackedBody;
        double x0 = data.Xpos[3 * body], y0 = data.Xpos[3 * body + 1];
        for (int j = 0; j < frames; j++)
        {
            // Step up to the policy step nearest to this frame's time.
            int target = (int)Math.Round(j / fps / dt);
            bool reset = false;
            while (steps < target)
            {
                beforeStep?.Invoke();
                policy(env.Observations(ObservationGroup.Policy), actions);
                env.Step(actions);
                steps++;
                if (env.Terminated[0] || env.Truncated[0]) { episodeEnds++; reset = true; }
            }
            // A reset state may lack its derived quantities (a task need not run mj_forward in Reset).
            if (reset) data.Forward();
            if (onlyLast && j < frames - 1) continue;
            rendering.Start();
            renderer.Render(data, rgb);
            rendering.Stop();
            frame(rgb);
            rendered++;
        }
        double travel = Math.Sqrt(Math.Pow(data.Xpos[3 * body] - x0, 2) + Math.Pow(data.Xpos[3 * body + 1] - y0, 2));
        return new RolloutStats(rendered, steps, episodeEnds, rendering.Elapsed.TotalSeconds, total.Elapsed.TotalSeconds, travel);
    }
}
