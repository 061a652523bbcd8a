using System.Runtime.InteropServices;
using Robotics.Sim.Interop;
using Robotics.Sim.MuJoCo;

namespace Robotics.Sim.Rendering;

/// <summary>
/// Draws a model's state with MuJoCo's own renderer (mjv_updateScene → mjr_render → mjr_readPixels) into
/// its offscreen framebuffer, on an <see cref="EglContext"/> with no window, through a camera that follows
/// one body. Owns its native scene, camera, options and GL context (mjvScene, mjvCamera, mjvOption,
/// mjrContext), freed by <see cref="Dispose"/>. Use from one thread at a time.
/// </summary>
/// <remarks>
/// The data handed to <see cref="Render(MjData, Span{byte})"/> must have its derived quantities computed
/// (mj_forward after setting a state; mj_step leaves them for the start of the step): otherwise the bodies
/// sit at the origin and the camera sees only sky.
/// </remarks>
public sealed unsafe class MjRenderer : IDisposable
{
    // Scene capacity: geoms of the model plus decorations; 2000 is what MuJoCo's own samples use.
    private const int MaxGeoms = 2000;

    private readonly MjModel _model;
    private readonly EglContext _egl;
    private readonly bool _ownsEgl;
    private mjvScene* _scene;
    private mjvCamera* _camera;
    private mjvOption* _option;
    private mjvPerturb* _perturb;
    private mjrContext* _context;
    private readonly byte[] _raw;   // [Height, Width, 3], bottom row first (OpenGL's order)

    /// <summary>
    /// Makes a renderer for <paramref name="model"/>. With no <paramref name="egl"/>, creates an
    /// <see cref="EglContext"/> (<see cref="EglPlatform.Auto"/>) and owns it.
    /// </summary>
    /// <exception cref="UserError">Bad <paramref name="options"/>, a size above what the GL can hold, no body named
    /// <see cref="RenderOptions.TrackBody"/> (the message lists the bodies), no EGL or OpenGL, or MuJoCo's offscreen buffer could not be made.</exception>
    public MjRenderer(MjModel model, RenderOptions options, EglContext? egl = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _model = model;
        Options = options;
        Width = options.Width;
        Height = options.Height;
        _raw = new byte[Width * Height * 3];
        TrackedBody = options.TrackBody switch
        {
            null => model.Nbody > 1 ? 1 : 0,
            "world" => 0,
            var name => model.TryId(mjtObj.mjOBJ_BODY, name) is var id and >= 0 ? id
                : throw new UserError($"{model.Source}: no body named '{name}' to track. Known bodies: {string.Join(", ", model.NamesOf(mjtObj.mjOBJ_BODY))}"),
        };

        _ownsEgl = egl is null;
        _egl = egl ?? EglContext.Create();
        try
        {
            // MuJoCo aborts the process (mju_error) when no GL context is current or its framebuffer cannot be
            // made: check both here, in words, before mjr_makeContext.
            _egl.MakeCurrent();
            if (Width > _egl.MaxFramebufferSize || Height > _egl.MaxFramebufferSize)
                throw new UserError($"image {Width}×{Height} is larger than this OpenGL ({_egl.Renderer}) can render: at most {_egl.MaxFramebufferSize} pixels a side");
            Allocate();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The options the renderer was made with.</summary>
    public RenderOptions Options { get; }

    /// <summary>Image width [pixels].</summary>
    public int Width { get; }

    /// <summary>Image height [pixels].</summary>
    public int Height { get; }

    /// <summary>The body the camera follows (0: the world, a still camera).</summary>
    public int TrackedBody { get; }

    /// <summary>The GL context the renderer draws with.</summary>
    public EglContext Egl => _egl;

    private void Allocate()
    {
        var m = _model.Native;
        _scene = (mjvScene*)NativeMemory.AllocZeroed((nuint)sizeof(mjvScene));
        _camera = (mjvCamera*)NativeMemory.AllocZeroed((nuint)sizeof(mjvCamera));
        _option = (mjvOption*)NativeMemory.AllocZeroed((nuint)sizeof(mjvOption));
        _perturb = (mjvPerturb*)NativeMemory.AllocZeroed((nuint)sizeof(mjvPerturb));
        _context = (mjrContext*)NativeMemory.AllocZeroed((nuint)sizeof(mjrContext));
        MuJoCoNative.mjv_defaultScene(_scene);
        MuJoCoNative.mjv_defaultCamera(_camera);
        MuJoCoNative.mjv_defaultOption(_option);
        MuJoCoNative.mjv_defaultPerturb(_perturb);
        MuJoCoNative.mjr_defaultContext(_context);
        MuJoCoNative.mjv_makeScene(m, _scene, MaxGeoms);

        // The offscreen buffer and the shadow map take their sizes from the model's visual settings: set them for this renderer
        // and put them back, so the model (shared with the simulation) reads as before.
        // DESIGN: a clone of the model per renderer would leave it untouched, but costs a copy of every
        // array for two ints that no physics reads.
        int oldWidth = m->vis.global.offwidth, oldHeight = m->vis.global.offheight, oldShadow = m->vis.quality.shadowsize;
        m->vis.global.offwidth = Width;
        m->vis.global.offheight = Height;
        m->vis.quality.shadowsize = Math.Min(Options.ShadowSize, _egl.MaxFramebufferSize);
        try { MuJoCoNative.mjr_makeContext(m, _context, (int)mjtFontScale.mjFONTSCALE_100); }
        finally
        {
            m->vis.global.offwidth = oldWidth;
            m->vis.global.offheight = oldHeight;
            m->vis.quality.shadowsize = oldShadow;
        }
        if (_context->offFBO == 0 || _context->offWidth != Width || _context->offHeight != Height)
            throw new UserError($"MuJoCo made no {Width}×{Height} offscreen framebuffer (got {_context->offWidth}×{_context->offHeight}, FBO {_context->offFBO}) on {_egl.Renderer}");
        MuJoCoNative.mjr_setBuffer((int)mjtFramebuffer.mjFB_OFFSCREEN, _context);
        if (_context->currentBuffer != (int)mjtFramebuffer.mjFB_OFFSCREEN)
            throw new UserError("mjr_setBuffer did not select the offscreen framebuffer");

        // The camera looks at the model's centre; Draw moves that point onto the tracked body in each frame.
        // DESIGN: mjCAMERA_TRACKING eases the look-at point towards the body over several frames (a spring
        // filter), so a frame depends on the frames before it and a jump of the body leaves it off-centre;
        // a free camera aimed at the body's subtree centre of mass in every frame shows each state alike.
        _camera->type = (int)mjtCamera.mjCAMERA_FREE;
        _camera->trackbodyid = -1;
        _camera->fixedcamid = -1;
        _camera->distance = Options.Distance;
        _camera->azimuth = Options.Azimuth;
        _camera->elevation = Options.Elevation;
        for (int i = 0; i < 3; i++) _camera->lookat[i] = m->stat.center[i];
    }

    /// <summary>An image of <paramref name="data"/>: [Height, Width, 3] RGB bytes, top row first.</summary>
    public byte[] Render(MjData data)
    {
        var rgb = new byte[Width * Height * 3];
        Render(data, rgb);
        return rgb;
    }

    /// <summary>Draws <paramref name="data"/> into <paramref name="rgb"/>: [Height, Width, 3] RGB bytes, top row first.</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> belongs to another model, or <paramref name="rgb"/> has the wrong length.</exception>
    public void Render(MjData data, Span<byte> rgb)
    {
        if (rgb.Length != Width * Height * 3)
            throw new ArgumentException($"the image buffer must hold {Height}×{Width}×3 = {Width * Height * 3} bytes, got {rgb.Length}", nameof(rgb));
        Draw(data, segment: false);
        FlipRows(rgb);
    }

    /// <summary>
    /// Which geom each pixel shows: [Height, Width] model geom ids, top row first, -1 for the background and
    /// decorations. Drawn with MuJoCo's segmentation colours (mjRND_SEGMENT, mjRND_IDCOLOR).
    /// </summary>
    public void Segment(MjData data, Span<int> geomIds)
    {
        if (geomIds.Length != Width * Height)
            throw new ArgumentException($"the id buffer must hold {Height}×{Width} = {Width * Height} values, got {geomIds.Length}", nameof(geomIds));
        _scene->flags[(int)mjtRndFlag.mjRND_SEGMENT] = 1;
        _scene->flags[(int)mjtRndFlag.mjRND_IDCOLOR] = 1;
        try { Draw(data, segment: true); }
        finally
        {
            _scene->flags[(int)mjtRndFlag.mjRND_SEGMENT] = 0;
            _scene->flags[(int)mjtRndFlag.mjRND_IDCOLOR] = 0;
        }
        // The colour of scene geom k is k + 1 in 24 bits (r low byte); 0 is the background.
        int ngeom = _scene->ngeom;
        for (int row = 0; row < Height; row++)
        {
            int src = (Height - 1 - row) * Width * 3, dst = row * Width;
            for (int x = 0; x < Width; x++, src += 3)
            {
                int k = (_raw[src] | _raw[src + 1] << 8 | _raw[src + 2] << 16) - 1;
                var g = k >= 0 && k < ngeom ? &_scene->geoms[k] : null;
                geomIds[dst + x] = g != null && g->objtype == (int)mjtObj.mjOBJ_GEOM ? g->objid : -1;
            }
        }
    }

    private void Draw(MjData data, bool segment)
    {
        ArgumentNullException.ThrowIfNull(data);
        ObjectDisposedException.ThrowIf(_context == null, this);
        if (!ReferenceEquals(data.Model, _model) &&
            (data.Model.Nbody != _model.Nbody || data.Model.Ngeom != _model.Ngeom || data.Model.Nq != _model.Nq))
            throw new ArgumentException($"the data belongs to another model ({data.Model.Source}) than the renderer's ({_model.Source})", nameof(data));
        _egl.MakeCurrent();
        var m = _model.Native;
        var d = data.Native;
        if (TrackedBody > 0)
            for (int i = 0; i < 3; i++) _camera->lookat[i] = d->subtree_com[3 * TrackedBody + i];
        // Renderers may share one GL context: bind this one's framebuffer for every frame.
        MuJoCoNative.mjr_setBuffer((int)mjtFramebuffer.mjFB_OFFSCREEN, _context);
        var viewport = new mjrRect { left = 0, bottom = 0, width = Width, height = Height };
        MuJoCoNative.mjv_updateScene(m, d, _option, _perturb, _camera, (int)mjtCatBit.mjCAT_ALL, _scene);
        MuJoCoNative.mjr_render(viewport, _scene, _context);
        fixed (byte* p = _raw) MuJoCoNative.mjr_readPixels(p, null, viewport, _context);
    }

    // OpenGL's rows start at the bottom of the image; files and screens start at the top.
    private void FlipRows(Span<byte> rgb)
    {
        int stride = Width * 3;
        for (int row = 0; row < Height; row++)
            _raw.AsSpan((Height - 1 - row) * stride, stride).CopyTo(rgb.Slice(row * stride, stride));
    }

    /// <summary>Frees the GL context's objects (the EGL context made current for that), the scene and, when owned, the EGL context. Idempotent.</summary>
    public void Dispose()
    {
        if (_context != null)
        {
            // mjr_freeContext deletes GL objects: only with our context current, and skipped if it cannot be.
            bool current = false;
            try { _egl.MakeCurrent(); current = true; } catch (Exception e) when (e is UserError or ObjectDisposedException) { }
            if (current) MuJoCoNative.mjr_freeContext(_context);
            NativeMemory.Free(_context);
            _context = null;
        }
        if (_scene != null)
        {
            MuJoCoNative.mjv_freeScene(_scene);
            NativeMemory.Free(_scene);
            _scene = null;
        }
        NativeMemory.Free(_camera); _camera = null;
        NativeMemory.Free(_option); _option = null;
        NativeMemory.Free(_perturb); _perturb = null;
        if (_ownsEgl) _egl?.Dispose();
    }
}
