namespace Robotics.Sim.Rendering;

/// <summary>What an <see cref="MjRenderer"/> draws: the image size and the camera that follows a body.</summary>
public sealed record RenderOptions
{
    /// <summary>Image width [pixels]; even for MP4 (yuv420p halves the chroma).</summary>
    public int Width { get; init; } = 640;

    /// <summary>Image height [pixels]; even for MP4.</summary>
    public int Height { get; init; } = 480;

    /// <summary>
    /// Name of the body the camera follows (its subtree's centre of mass stays in the image centre). Null: the
    /// first body below the world (a quadruped's trunk, a cart). <c>world</c>: a still camera on the model's centre.
    /// </summary>
    public string? TrackBody { get; init; }

    /// <summary>Camera distance to the tracked point [m].</summary>
    public double Distance { get; init; } = 1.8;

    /// <summary>Camera azimuth [deg] (90: looking along +y, so a robot walking along +x is seen from its side).</summary>
    public double Azimuth { get; init; } = 120;

    /// <summary>Camera elevation [deg] (negative: looking down).</summary>
    public double Elevation { get; init; } = -20;

    /// <summary>
    /// Side of the shadow map [pixels]; 0 turns shadows off. MuJoCo's default, 4096, costs llvmpipe ~90 ms a
    /// frame on its own (64×48 Go1 images: 11 frames/s with it, 77 without, measured here); 1024 looks alike at 640×480.
    /// </summary>
    public int ShadowSize { get; init; } = 1024;

    /// <summary>Returns this, or throws naming the first field out of range.</summary>
    /// <exception cref="UserError">A size below 1 or above 8192 pixels, a distance that is not positive, an angle that is not finite.</exception>
    public RenderOptions Validate()
    {
        // 8192 is a sanity bound; the GL's own limit (GL_MAX_RENDERBUFFER_SIZE) is checked when the renderer is made.
        if (Width < 1 || Width > 8192) throw new UserError($"RenderOptions.Width must be in [1, 8192] pixels, got {Width}");
        if (Height < 1 || Height > 8192) throw new UserError($"RenderOptions.Height must be in [1, 8192] pixels, got {Height}");
        if (ShadowSize < 0 || ShadowSize > 8192) throw new UserError($"RenderOptions.ShadowSize must be in [0, 8192] pixels, got {ShadowSize}");
        if (!(Distance > 0) || !double.IsFinite(Distance)) throw new UserError($"RenderOptions.Distance must be a positive number of metres, got {Distance}");
        if (!double.IsFinite(Azimuth)) throw new UserError($"RenderOptions.Azimuth must be finite, got {Azimuth}");
        if (!double.IsFinite(Elevation)) throw new UserError($"RenderOptions.Elevation must be finite, got {Elevation}");
        return this;
    }
}
