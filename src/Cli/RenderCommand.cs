using System.CommandLine;
using System.Globalization;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Runtime;
using Robotics.Sim.Envs;
using Robotics.Sim.Evaluation;
using Robotics.Sim.Random;
using Robotics.Sim.Rendering;
using Robotics.Sim.Tasks;
using Robotics.Sim.Tasks.Locomotion;
using Robotics.Sim.Terrain;
using Spectre.Console;

namespace Robotics.Cli;

/// <summary>
/// <c>robotics render --task T [--checkpoint DIR | --policy zero|random] --out walk.mp4</c>: one environment of
/// a task under a policy, drawn by MuJoCo's renderer on a surfaceless EGL context and encoded by ffmpeg
/// (MP4, GIF, one PNG image of the last frame, or PNG frames in a folder). The policy is a <see cref="BatchPolicy"/>; any
/// <see cref="IPolicy"/> (an exported .onnx policy) runs through <see cref="Policies.Batch"/>.
/// </summary>
internal static class RenderCommand
{
    public static Command Create()
    {
        var task = new Option<string?>("--task") { Description = "task name or file (default: the checkpoint's task, else go1_velocity)" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "a run's checkpoint_N folder: render that trained policy" };
        var policy = new Option<string>("--policy") { Description = "zero (hold the default pose), random, or an exported policy file (.onnx), when no --checkpoint", DefaultValueFactory = _ => "zero" };
        var seconds = new Option<double>("--seconds") { Description = "simulated duration [s]", DefaultValueFactory = _ => 5.0 };
        var fps = new Option<double>("--fps") { Description = "video frame rate [frames/s]", DefaultValueFactory = _ => 30.0 };
        var width = new Option<int>("--width") { Description = "image width [pixels] (even for .mp4)", DefaultValueFactory = _ => 640 };
        var height = new Option<int>("--height") { Description = "image height [pixels] (even for .mp4)", DefaultValueFactory = _ => 480 };
        var output = new Option<string>("--out") { Description = "walk.mp4, walk.gif, stand.png (one image: the last frame), or a folder ending in / for PNG frames", DefaultValueFactory = _ => "render.mp4" };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 0UL };
        var track = new Option<string?>("--track") { Description = "body the camera follows (default: the first body below the world, e.g. the trunk; 'world' for a still camera)" };
        var distance = new Option<double>("--distance") { Description = "camera distance [m]", DefaultValueFactory = _ => 1.8 };
        var shadows = new Option<int>("--shadow-size") { Description = "shadow map side [pixels], 0: no shadows (faster)", DefaultValueFactory = _ => 1024 };
        var command = new Option<string?>("--command") { Description = "locomotion tasks: hold this velocity command 'vx,vy,yaw_rate' [m/s, m/s, rad/s] instead of random ones" };
        var tile = new Option<string?>("--tile") { Description = "terrain tasks: walk on this tile, type:level, e.g. stairs_up:5 (default: the curriculum's)" };
        var render = new Command("render", "Render a policy's rollout to video with MuJoCo's renderer (headless EGL) and ffmpeg.")
        {
            task, checkpoint, policy, seconds, fps, width, height, output, seed, track, distance, shadows, command, tile,
        };
        render.SetAction(r =>
        {
            var settings = new Settings(r.GetValue(seconds), r.GetValue(fps), r.GetValue(output)!, r.GetValue(seed), r.GetValue(command), r.GetValue(tile),
                new RenderOptions { Width = r.GetValue(width), Height = r.GetValue(height), TrackBody = r.GetValue(track), Distance = r.GetValue(distance), ShadowSize = r.GetValue(shadows) });
            var cp = r.GetValue(checkpoint);
            if (cp is null && PolicyFiles.IsOnnx(r.GetValue(policy)!))
            {
                OnnxPolicy onnx;
                string taskName;
                (onnx, taskName) = PolicyFiles.Open(r.GetValue(policy)!, r.GetValue(task));
                using (onnx) return Run(taskName, Policies.Batch(onnx), onnx.ObservationDim, Path.GetFileName(r.GetValue(policy)!), settings);
            }
            if (cp is null)
            {
                var rng = Rng.For(settings.Seed, "render-policy");
                BatchPolicy? reference = r.GetValue(policy) switch
                {
                    "zero" => (_, a) => a.Clear(),
                    "random" => (_, a) => { for (int i = 0; i < a.Length; i++) a[i] = (float)rng.Uniform(-1, 1); },
                    _ => null,
                };
                if (reference is null) throw new UserError($"--policy '{r.GetValue(policy)}': use zero or random, or --checkpoint DIR");
                return Run(r.GetValue(task) ?? "go1_velocity", reference, policyDim: null, r.GetValue(policy)!, settings);
            }

            Robotics.Training.Devices.TorchRuntime.Initialize(Robotics.Training.Devices.ComputeDevice.Cpu);
            using (var trained = Robotics.Training.Runner.CheckpointPolicy.Load(cp))
                return Run(r.GetValue(task) ?? trained.Task, trained.Act, trained.PolicyDim, $"checkpoint {cp}", settings);
        });
        return render;
    }

    /// <summary>What to record, besides the task and the policy.</summary>
    internal sealed record Settings(double Seconds, double Fps, string Out, ulong Seed, string? Command, string? Tile, RenderOptions Options);

    /// <param name="policyDim">The observation width the policy expects (checked against the task's), or null for the reference policies.</param>
    internal static int Run(string taskName, BatchPolicy policy, int? policyDim, string policyName, Settings s)
    {
        double[]? held = null;
        if (s.Command is not null)
        {
            var parts = s.Command.Split(',');
            held = new double[3];
            if (parts.Length != 3 || !parts.Select((p, i) => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out held[i])).All(ok => ok))
                throw new UserError($"--command '{s.Command}': expected three numbers vx,vy,yaw_rate, e.g. 0.8,0,0");
        }
        s.Options.Validate();
        var format = VideoEncoder.FormatOf(s.Out);
        var loaded = TaskCatalog.Load(taskName);
        if (s.Tile is not null)
        {
            if (loaded is not LocomotionTask { Terrain: { } map } terrainTask)
                throw new UserError($"--tile '{s.Tile}': task '{loaded.Name}' has no terrain grid");
            var chosen = TileChoice.Parse(s.Tile, map);
            terrainTask.TileOverride = _ => chosen;
        }
        using var env = new MjVecEnv(loaded, numEnvs: 1, threads: 1, seed: s.Seed, ownsTask: true);
        int obsDim = env.ObservationGroups.Single(g => g.Name == ObservationGroup.Policy).Dim;
        if (policyDim is { } d && d != obsDim)
            throw new UserError($"the policy reads {d} observations but task '{env.Task.Name}' gives {obsDim}: render it with the task it was trained on");

        // Hold the command before every step (the task would resample it at random); the observation of the
        // very first step still carries the reset's command.
        Action? beforeStep = null;
        if (held is not null)
        {
            if (env.Task is not LocomotionTask loco) throw new UserError($"--command applies to locomotion tasks; '{env.Task.Name}' is not one");
            loco.SetCommand(0, held[0], held[1], held[2]);
            beforeStep = () => loco.SetCommand(0, held[0], held[1], held[2]);
        }

        using var renderer = new MjRenderer(env.Task.ModelFor(0), s.Options);
        using var video = VideoEncoder.Open(s.Out, s.Options.Width, s.Options.Height, s.Fps);
        AnsiConsole.MarkupLineInterpolated($"rendering [bold]{env.Task.Name}[/], policy {policyName}: {s.Seconds:0.##} s at {s.Fps:0.##} fps, {s.Options.Width}×{s.Options.Height}, on {renderer.Egl.Renderer} ({renderer.Egl.Platform})");
        var stats = RolloutRecorder.Record(env, policy, renderer, s.Seconds, s.Fps, video.Write, beforeStep, onlyLast: format == VideoFormat.Png);
        video.Finish();
        AnsiConsole.MarkupLineInterpolated($"wrote {video.Path} ({format}): {stats.Frames} frames, {stats.Steps} policy steps, {stats.EpisodeEnds} episode end(s); the tracked body travelled {stats.Travel:0.00} m");
        AnsiConsole.MarkupLineInterpolated($"render {stats.RenderFps:0.0} frames/s ({stats.RenderSeconds:0.00} s), total {stats.TotalSeconds:0.00} s");
        return 0;
    }
}
