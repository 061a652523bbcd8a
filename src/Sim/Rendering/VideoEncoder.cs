using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Robotics.Sim.Rendering;

/// <summary>What a <see cref="VideoEncoder"/> writes, chosen by the output path.</summary>
public enum VideoFormat
{
    /// <summary>H.264 in MP4 (<c>.mp4</c>), yuv420p so every player shows it; width and height must be even.</summary>
    Mp4,
    /// <summary>An animated GIF (<c>.gif</c>) with one palette made for the whole clip, looping.</summary>
    Gif,
    /// <summary>A folder of PNG files <c>frame_00000.png</c>, … (a path ending in <c>/</c>, or an existing folder).</summary>
    PngFrames,
    /// <summary>One PNG image (<c>.png</c>): the last frame written.</summary>
    Png,
}

/// <summary>
/// Turns RGB frames into a video file with ffmpeg, run as a child process that reads raw frames on its
/// standard input (<c>-f rawvideo -pix_fmt rgb24 -s WxH -r FPS -i -</c>). <see cref="Finish"/> closes the input,
/// waits for ffmpeg and reports its errors; disposing without finishing stops ffmpeg and leaves no promise
/// about the file.
/// </summary>
public sealed class VideoEncoder : IDisposable
{
    private readonly Process _ffmpeg;
    private readonly Stream _stdin;
    private readonly StringBuilder _stderr = new();
    private bool _finished;
    private byte[]? _last;   // Png: the newest frame, handed to ffmpeg at Finish

    private VideoEncoder(Process ffmpeg, string path, VideoFormat format, int width, int height, double fps)
    {
        _ffmpeg = ffmpeg;
        _stdin = ffmpeg.StandardInput.BaseStream;
        Path = path;
        Format = format;
        Width = width;
        Height = height;
        Fps = fps;
    }

    /// <summary>The file (or folder, for PNG frames) being written.</summary>
    public string Path { get; }

    /// <summary>What is being written.</summary>
    public VideoFormat Format { get; }

    /// <summary>Frame width [pixels].</summary>
    public int Width { get; }

    /// <summary>Frame height [pixels].</summary>
    public int Height { get; }

    /// <summary>Frame rate [frames/s].</summary>
    public double Fps { get; }

    /// <summary>Frames written so far.</summary>
    public int Frames { get; private set; }

    /// <summary>The format a path asks for: <c>.mp4</c>, <c>.gif</c>, <c>.png</c> (one image), or a folder (trailing <c>/</c> or existing).</summary>
    /// <exception cref="UserError">Any other extension.</exception>
    public static VideoFormat FormatOf(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.EndsWith('/') || Directory.Exists(path)) return VideoFormat.PngFrames;
        return System.IO.Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".mp4" => VideoFormat.Mp4,
            ".gif" => VideoFormat.Gif,
            ".png" => VideoFormat.Png,
            var e => throw new UserError($"output '{path}': '{e}' is not a known format; use .mp4, .gif, .png (one image), or a folder ending in / for PNG frames"),
        };
    }

    /// <summary>Starts ffmpeg writing <paramref name="path"/> (format from <see cref="FormatOf"/>); an existing file is replaced.</summary>
    /// <param name="ffmpeg">The ffmpeg program (a name looked up on PATH, or a path).</param>
    /// <exception cref="UserError">A size or rate out of range, or an odd size for MP4.</exception>
    /// <exception cref="UserError">ffmpeg is not installed or does not start.</exception>
    public static VideoEncoder Open(string path, int width, int height, double fps, string ffmpeg = "ffmpeg")
    {
        var format = FormatOf(path);
        if (width < 1 || height < 1) throw new UserError($"frame size {width}×{height}: width and height must be ≥ 1 pixel");
        if (format == VideoFormat.Mp4 && (width % 2 != 0 || height % 2 != 0))
            throw new UserError($"frame size {width}×{height}: MP4 (yuv420p) needs an even width and height");
        if (!(fps > 0) || fps > 1000) throw new UserError($"fps must be in (0, 1000] frames/s, got {fps}");

        // Where the frames go, and how ffmpeg turns them into that.
        var full = System.IO.Path.GetFullPath(path);
        string[] output = format switch
        {
            VideoFormat.Mp4 => ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", full],
            // One palette from all frames (palettegen), applied to each (paletteuse): far fewer bands than GIF's default palette.
            VideoFormat.Gif => ["-vf", "split[a][b];[a]palettegen[p];[b][p]paletteuse", "-loop", "0", full],
            // One image: ffmpeg gets only the last frame (see Write), and writes it to this name, not a numbered sequence.
            VideoFormat.Png => ["-frames:v", "1", "-update", "1", full],
            _ => ["-start_number", "0", System.IO.Path.Combine(full, "frame_%05d.png")],
        };
        if (format == VideoFormat.PngFrames) Directory.CreateDirectory(full);
        else Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);

        var start = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        string[] input = ["-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{width}x{height}",
            "-r", fps.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", "-"];
        foreach (var a in input.Concat(output)) start.ArgumentList.Add(a);

        Process process;
        try { process = Process.Start(start) ?? throw new UserError($"'{ffmpeg}' did not start"); }
        catch (Win32Exception e)
        {
            throw new UserError($"ffmpeg was not found ('{ffmpeg}': {e.Message}); install it with apt-get install ffmpeg", e);
        }
        var encoder = new VideoEncoder(process, full, format, width, height, fps);
        // Drain ffmpeg's output as it comes, so a full pipe never stalls it; keep stderr for error messages.
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (encoder._stderr) encoder._stderr.AppendLine(e.Data); };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return encoder;
    }

    /// <summary>Appends one frame: [Height, Width, 3] RGB bytes, top row first. For <see cref="VideoFormat.Png"/> it replaces the previous one.</summary>
    /// <exception cref="ArgumentException">The frame has the wrong length.</exception>
    /// <exception cref="UserError">ffmpeg stopped (its error output is in the message).</exception>
    public void Write(ReadOnlySpan<byte> rgb)
    {
        if (_finished) throw new InvalidOperationException($"{Path}: the video is finished; no more frames");
        if (rgb.Length != Width * Height * 3)
            throw new ArgumentException($"a frame of {Height}×{Width}×3 = {Width * Height * 3} bytes expected, got {rgb.Length}", nameof(rgb));
        if (Format == VideoFormat.Png)
        {
            rgb.CopyTo(_last ??= new byte[rgb.Length]);
            Frames++;
            return;
        }
        try { _stdin.Write(rgb); }
        catch (IOException e)
        {
            _ffmpeg.WaitForExit(5000);
            throw new UserError($"ffmpeg stopped while writing {Path} after {Frames} frames: {Errors()}", e);
        }
        Frames++;
    }

    /// <summary>Closes ffmpeg's input and waits for it to write the file.</summary>
    /// <exception cref="UserError">ffmpeg exited with an error (its message included) or wrote nothing.</exception>
    public void Finish()
    {
        if (_finished) return;
        _finished = true;
        try
        {
            if (_last is not null) _stdin.Write(_last);
            _stdin.Close();
        }
        catch (IOException) { }
        _ffmpeg.WaitForExit();
        if (_ffmpeg.ExitCode != 0)
            throw new UserError($"ffmpeg failed writing {Path} (exit code {_ffmpeg.ExitCode}): {Errors()}");
        if (Frames == 0) throw new UserError($"{Path}: no frames were written");
    }

    private string Errors()
    {
        lock (_stderr) return _stderr.Length == 0 ? "no message" : _stderr.ToString().Trim();
    }

    /// <summary>Stops ffmpeg if it still runs (an unfinished video) and frees the process.</summary>
    public void Dispose()
    {
        if (!_finished)
        {
            _finished = true;
            try { _stdin.Close(); } catch (IOException) { }
            if (!_ffmpeg.WaitForExit(2000)) { try { _ffmpeg.Kill(); } catch (InvalidOperationException) { } }
        }
        _ffmpeg.Dispose();
    }
}
