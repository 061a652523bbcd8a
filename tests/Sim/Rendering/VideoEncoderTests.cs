using System.Diagnostics;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Rendering;
using Robotics.Sim.Tasks;

namespace Robotics.Sim.Tests.Rendering;

/// <summary>A fact that is skipped, saying why, when ffmpeg or ffprobe is not on PATH.</summary>
public sealed class FfmpegFactAttribute : FactAttribute
{
    public FfmpegFactAttribute()
    {
        if (!OnPath("ffmpeg") || !OnPath("ffprobe")) Skip = "ffmpeg/ffprobe not on PATH: install them with apt-get install ffmpeg to run the video tests";
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, program)));
}

/// <summary>Rendered frames through ffmpeg into MP4, GIF and PNG frames, counted back with ffprobe.</summary>
public class VideoEncoderTests
{
    [FfmpegFact]
    public void Rendered_cartpole_frames_make_an_mp4_with_that_many_frames()
    {
        const int frames = 12, width = 64, height = 48;
        var path = Path.Combine(Path.GetTempPath(), $"robotics-render-{Guid.NewGuid():N}.mp4");
        try
        {
            using var task = new CartPole();
            using var data = new MjData(task.Model);
            using var renderer = new MjRenderer(task.Model, new RenderOptions { Width = width, Height = height, Distance = 3 });
            using (var video = VideoEncoder.Open(path, width, height, fps: 30))
            {
                // The pole swings through 12 angles, one per frame.
                for (int i = 0; i < frames; i++)
                {
                    data.Qpos[1] = 0.1 * i;
                    data.Forward();
                    video.Write(renderer.Render(data));
                }
                video.Finish();
                Assert.Equal(frames, video.Frames);
            }
            var (count, w, h) = Probe(path);
            Assert.Equal((frames, width, height), (count, w, h));
        }
        finally { File.Delete(path); }
    }

    [FfmpegFact]
    public void Gif_and_png_frames_hold_every_frame()
    {
        const int frames = 5, width = 33, height = 21;   // odd sizes are fine for GIF and PNG
        var gif = Path.Combine(Path.GetTempPath(), $"robotics-render-{Guid.NewGuid():N}.gif");
        var dir = Path.Combine(Path.GetTempPath(), $"robotics-render-{Guid.NewGuid():N}") + "/";
        try
        {
            // Frames of a grey that brightens by 40 levels a frame, so no two are the same (GIF keeps repeats apart anyway).
            foreach (var path in new[] { gif, dir })
            {
                using var video = VideoEncoder.Open(path, width, height, fps: 10);
                for (int i = 0; i < frames; i++) video.Write(Enumerable.Repeat((byte)(40 * i), width * height * 3).ToArray());
                video.Finish();
            }
            Assert.Equal((frames, width, height), Probe(gif));
            var pngs = Directory.GetFiles(dir, "frame_*.png").Order().ToArray();
            Assert.Equal(Enumerable.Range(0, frames).Select(i => $"frame_{i:00000}.png"), pngs.Select(Path.GetFileName));
            Assert.Equal((1, width, height), Probe(pngs[0]));
        }
        finally
        {
            File.Delete(gif);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [FfmpegFact]
    public void A_png_path_gets_one_image_of_the_last_frame()
    {
        const int width = 33, height = 21;
        var png = Path.Combine(Path.GetTempPath(), $"robotics-render-{Guid.NewGuid():N}", "frame.png");
        try
        {
            Assert.Equal(VideoFormat.Png, VideoEncoder.FormatOf(png));
            using (var video = VideoEncoder.Open(png, width, height, fps: 10))
            {
                // Three greys; only the last (120) is kept.
                for (int i = 1; i <= 3; i++) video.Write(Enumerable.Repeat((byte)(40 * i), width * height * 3).ToArray());
                video.Finish();
                Assert.Equal(3, video.Frames);
            }
            Assert.Equal((1, width, height), Probe(png));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(png)!));
            // ffmpeg decodes it back to the last frame's grey.
            var start = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-v", "error", "-i", png, "-f", "rawvideo", "-pix_fmt", "rgb24", "-" }) start.ArgumentList.Add(a);
            using var p = Process.Start(start)!;
            using var pixels = new MemoryStream();
            p.StandardOutput.BaseStream.CopyTo(pixels);
            p.WaitForExit();
            Assert.Equal(width * height * 3, pixels.Length);
            Assert.All(pixels.ToArray(), b => Assert.Equal(120, b));
        }
        finally { Directory.Delete(Path.GetDirectoryName(png)!, recursive: true); }
    }

    [Fact]
    public void Missing_ffmpeg_and_bad_outputs_are_clear_errors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"robotics-render-{Guid.NewGuid():N}.mp4");
        var missing = Assert.Throws<UserError>(() => VideoEncoder.Open(path, 64, 48, 30, ffmpeg: "/nonexistent/ffmpeg"));
        Assert.Contains("apt-get install ffmpeg", missing.Message);
        var odd = Assert.Throws<UserError>(() => VideoEncoder.Open(path, 65, 48, 30));
        Assert.Contains("even", odd.Message);
        var avi = Assert.Throws<UserError>(() => VideoEncoder.Open("clip.avi", 64, 48, 30));
        Assert.Contains(".avi", avi.Message);
        Assert.Throws<UserError>(() => VideoEncoder.Open(path, 64, 48, fps: 0));
    }

    [FfmpegFact]
    public void A_frame_of_the_wrong_size_is_refused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"robotics-render-{Guid.NewGuid():N}.mp4");
        try
        {
            using var video = VideoEncoder.Open(path, 64, 48, 30);
            var e = Assert.Throws<ArgumentException>(() => video.Write(new byte[64 * 48]));
            Assert.Contains("9216", e.Message);   // 48 × 64 × 3
        }
        finally { File.Delete(path); }
    }

    // ffprobe's count of decoded frames and the frame size.
    private static (int Frames, int Width, int Height) Probe(string path)
    {
        var start = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames,width,height", "-of", "csv=p=0", path })
            start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEnd().Trim();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"ffprobe {path}: {error}");
        var f = output.Split(',');   // width,height,nb_read_frames
        return (int.Parse(f[2]), int.Parse(f[0]), int.Parse(f[1]));
    }
}
