using System.Runtime.InteropServices;

namespace Robotics.Sim.Rendering;

/// <summary>Which EGL platform gives the display an <see cref="EglContext"/> renders on.</summary>
public enum EglPlatform
{
    /// <summary>Mesa's surfaceless platform when the library offers it, else the device platform, else the default display.</summary>
    Auto,
    /// <summary>Mesa's surfaceless platform (EGL_MESA_platform_surfaceless): no window system, llvmpipe on the CPU or a render node.</summary>
    Surfaceless,
    /// <summary>The first EGL device that initializes (EGL_EXT_platform_device): a headless GPU driver such as NVIDIA's.</summary>
    Device,
    /// <summary><c>eglGetDisplay(EGL_DEFAULT_DISPLAY)</c>; with Mesa this needs <c>EGL_PLATFORM=surfaceless</c> in the environment.</summary>
    Default,
}

/// <summary>
/// A desktop OpenGL context with no window and no surface (EGL_KHR_surfaceless_context), the kind MuJoCo's
/// renderer draws into its own offscreen framebuffer with. libEGL is loaded at run time and every call is
/// checked, so a missing library, platform or extension is an <see cref="UserError"/> naming it,
/// never a native crash. Use it from one thread at a time; <see cref="MakeCurrent"/> binds it to the caller.
/// </summary>
/// <remarks>
/// Seen working here: Mesa 22.3 (Debian packages libegl1, libegl-mesa0, libgl1-mesa-dri), llvmpipe,
/// OpenGL 4.5 compatibility profile.
/// </remarks>
public sealed unsafe class EglContext : IDisposable
{
    /// <summary>The EGL library looked for by default (glvnd's dispatcher on Debian).</summary>
    public const string DefaultLibrary = "libEGL.so.1";

    // EGL constants (EGL 1.5 headers, eglext.h).
    private const int EGL_SUCCESS = 0x3000, EGL_NONE = 0x3038;
    private const int EGL_SURFACE_TYPE = 0x3033, EGL_PBUFFER_BIT = 0x0001;
    private const int EGL_RENDERABLE_TYPE = 0x3040, EGL_OPENGL_BIT = 0x0008;
    private const int EGL_EXTENSIONS = 0x3055, EGL_VENDOR = 0x3053;
    private const uint EGL_OPENGL_API = 0x30A2;
    private const uint EGL_PLATFORM_SURFACELESS_MESA = 0x31DD, EGL_PLATFORM_DEVICE_EXT = 0x313F;
    // OpenGL constants.
    private const uint GL_VENDOR = 0x1F00, GL_RENDERER = 0x1F01, GL_VERSION = 0x1F02, GL_MAX_RENDERBUFFER_SIZE = 0x84E8;

    // DESIGN: EGL displays are process-wide (eglGetPlatformDisplay returns the same handle for the same
    // arguments), and eglTerminate would pull the display from under every other context in the process,
    // e.g. tests rendering on other threads. So a display is initialized once per library and platform and
    // kept; each EglContext owns only its context.
    private static readonly Dictionary<(string, EglPlatform), (nint Display, string Description)> Displays = new();
    private static readonly Dictionary<string, EglApi> Apis = new();

    private readonly EglApi _egl;
    private readonly nint _display;
    private nint _context;

    private EglContext(EglApi egl, nint display, nint context, string platform)
    {
        _egl = egl;
        _display = display;
        _context = context;
        Platform = platform;
    }

    /// <summary>The platform and display the context lives on, e.g. <c>surfaceless (EGL_MESA_platform_surfaceless), Mesa Project</c>.</summary>
    public string Platform { get; }

    /// <summary>GL_RENDERER, e.g. <c>llvmpipe (LLVM 15.0.6, 256 bits)</c>.</summary>
    public string Renderer { get; private set; } = "";

    /// <summary>GL_VERSION, e.g. <c>4.5 (Compatibility Profile) Mesa 22.3.6</c>.</summary>
    public string Version { get; private set; } = "";

    /// <summary>The largest width or height of a framebuffer the GL can hold [pixels] (GL_MAX_RENDERBUFFER_SIZE).</summary>
    public int MaxFramebufferSize { get; private set; }

    /// <summary>True while this context is current on the calling thread.</summary>
    public bool IsCurrent => _context != 0 && _egl.GetCurrentContext() == _context;

    /// <summary>
    /// Opens a display on <paramref name="platform"/>, creates a desktop OpenGL context on it and makes it
    /// current on the calling thread.
    /// </summary>
    /// <param name="library">The EGL library to load (a name the loader finds, or a path).</param>
    /// <exception cref="UserError">The library, the platform, a needed extension or the context is missing; the message says which and what to install.</exception>
    public static EglContext Create(EglPlatform platform = EglPlatform.Auto, string library = DefaultLibrary)
    {
        ArgumentException.ThrowIfNullOrEmpty(library);
        EglApi egl;
        nint display;
        string description;
        lock (Displays)
        {
            if (!Apis.TryGetValue(library, out egl!)) Apis[library] = egl = EglApi.Load(library);
            if (!Displays.TryGetValue((library, platform), out var d)) Displays[(library, platform)] = d = OpenDisplay(egl, platform);
            (display, description) = d;
        }

        // Surfaceless: a context made current with no draw or read surface; MuJoCo brings its own framebuffer.
        var displayExtensions = egl.String(display, EGL_EXTENSIONS);
        if (!HasExtension(displayExtensions, "EGL_KHR_surfaceless_context"))
            throw new UserError($"EGL display ({description}) lacks EGL_KHR_surfaceless_context, which rendering without a window needs; its extensions: {displayExtensions}");
        if (egl.BindAPI(EGL_OPENGL_API) == 0)
            throw new UserError($"eglBindAPI(EGL_OPENGL_API) failed ({egl.ErrorName()}): the EGL driver offers no desktop OpenGL (MuJoCo needs it, not OpenGL ES)");

        // Any config that renders desktop GL; its surface bits only have to exist, no surface is made.
        var attributes = stackalloc int[] { EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_NONE };
        nint config;
        int count;
        if (egl.ChooseConfig(display, attributes, &config, 1, &count) == 0 || count < 1)
            throw new UserError($"eglChooseConfig found no desktop-OpenGL config on {description} ({egl.ErrorName()})");
        var none = stackalloc int[] { EGL_NONE };
        nint context = egl.CreateContext(display, config, 0, none);
        if (context == 0) throw new UserError($"eglCreateContext failed on {description} ({egl.ErrorName()})");

        var result = new EglContext(egl, display, context, description);
        try
        {
            result.MakeCurrent();
            result.ReadGlLimits();
        }
        catch
        {
            result.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>Makes the context current on the calling thread (a no-op when it already is).</summary>
    /// <exception cref="ObjectDisposedException">The context was disposed.</exception>
    /// <exception cref="UserError">EGL refused, e.g. because the context is current on another thread.</exception>
    public void MakeCurrent()
    {
        ObjectDisposedException.ThrowIf(_context == 0, this);
        if (_egl.GetCurrentContext() == _context) return;
        if (_egl.MakeCurrent(_display, 0, 0, _context) == 0)
            throw new UserError($"eglMakeCurrent failed ({_egl.ErrorName()}); an EGL context can be current on one thread at a time: render from the thread that made it, or release it there first");
    }

    // What MuJoCo needs from the GL, read before mjr_makeContext so a bad size fails here, in words.
    private void ReadGlLimits()
    {
        Version = _egl.GlString(GL_VERSION);
        Renderer = _egl.GlString(GL_RENDERER);
        if (Version.Length == 0)
            throw new UserError($"the OpenGL context on {Platform} reports no GL_VERSION: the GL library (libgl1-mesa-dri) is missing or broken");
        int size = 0;
        _egl.GlGetIntegerv(GL_MAX_RENDERBUFFER_SIZE, &size);
        MaxFramebufferSize = size;
        if (!int.TryParse(Version.Split('.')[0], out int major) || major < 2)
            throw new UserError($"OpenGL {Version} ({Renderer}, vendor {_egl.GlString(GL_VENDOR)}) is too old: MuJoCo's renderer needs framebuffer objects (OpenGL 2 or later)");
    }

    /// <summary>Destroys the context (releasing it first when it is current on this thread). Idempotent.</summary>
    public void Dispose()
    {
        if (_context == 0) return;
        if (_egl.GetCurrentContext() == _context) _egl.MakeCurrent(_display, 0, 0, 0);
        _egl.DestroyContext(_display, _context);
        _context = 0;
    }

    // ---------------------------------------------------------------- the display

    private static (nint Display, string Description) OpenDisplay(EglApi egl, EglPlatform platform)
    {
        // Client extensions (EGL 1.5 / EGL_EXT_client_extensions) say which platforms exist before any display does.
        var client = egl.String(0, EGL_EXTENSIONS);
        bool surfaceless = HasExtension(client, "EGL_MESA_platform_surfaceless") && egl.GetPlatformDisplayEXT != null;
        bool device = HasExtension(client, "EGL_EXT_platform_device") && egl.GetPlatformDisplayEXT != null && egl.QueryDevicesEXT != null;
        return platform switch
        {
            EglPlatform.Surfaceless when !surfaceless => throw new UserError(
                $"{egl.Library} offers no Mesa surfaceless platform (EGL_MESA_platform_surfaceless not among its client extensions: {client}); install libegl-mesa0 and libgl1-mesa-dri"),
            EglPlatform.Device when !device => throw new UserError(
                $"{egl.Library} offers no EGL device platform (EGL_EXT_platform_device not among its client extensions: {client})"),
            EglPlatform.Surfaceless => Initialize(egl, egl.GetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA, 0, null), "surfaceless (EGL_MESA_platform_surfaceless)"),
            EglPlatform.Device => FirstDevice(egl),
            EglPlatform.Default => Initialize(egl, egl.GetDisplay(0), "default display (EGL_PLATFORM=" + (Environment.GetEnvironmentVariable("EGL_PLATFORM") ?? "unset") + ")"),
            _ when surfaceless => Initialize(egl, egl.GetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA, 0, null), "surfaceless (EGL_MESA_platform_surfaceless)"),
            _ when device => FirstDevice(egl),
            _ => Initialize(egl, egl.GetDisplay(0), "default display (EGL_PLATFORM=" + (Environment.GetEnvironmentVariable("EGL_PLATFORM") ?? "unset") + ")"),
        };
    }

    private static (nint, string) FirstDevice(EglApi egl)
    {
        var devices = stackalloc nint[16];
        int count;
        if (egl.QueryDevicesEXT(16, devices, &count) == 0 || count < 1)
            throw new UserError($"eglQueryDevicesEXT found no EGL device ({egl.ErrorName()})");
        var failures = new List<string>();
        for (int i = 0; i < count; i++)
        {
            nint display = egl.GetPlatformDisplayEXT(EGL_PLATFORM_DEVICE_EXT, devices[i], null);
            int major, minor;
            if (display != 0 && egl.Initialize(display, &major, &minor) != 0)
                return (display, $"EGL device {i} of {count} (EGL_EXT_platform_device), {egl.String(display, EGL_VENDOR)}");
            failures.Add($"device {i}: {egl.ErrorName()}");
        }
        throw new UserError($"no EGL device initialized: {string.Join("; ", failures)}");
    }

    private static (nint, string) Initialize(EglApi egl, nint display, string description)
    {
        if (display == 0) throw new UserError($"EGL gave no display for the {description} ({egl.ErrorName()})");
        int major, minor;
        if (egl.Initialize(display, &major, &minor) == 0)
            throw new UserError(
                $"eglInitialize failed on the {description}: {egl.ErrorName()}. With Mesa, use the surfaceless platform " +
                "(EglPlatform.Surfaceless, or EGL_PLATFORM=surfaceless for the default display) and install libegl-mesa0 and libgl1-mesa-dri");
        return (display, $"{description}, EGL {major}.{minor}, {egl.String(display, EGL_VENDOR)}");
    }

    private static bool HasExtension(string extensions, string name) =>
        extensions.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(name);

    // ---------------------------------------------------------------- the library

    /// <summary>libEGL's entry points, resolved once per library; extension and GL entry points may be null.</summary>
    private sealed class EglApi
    {
        public string Library = "";
        public delegate* unmanaged<int> GetError;
        public delegate* unmanaged<nint, int, byte*> QueryString;
        public delegate* unmanaged<byte*, nint> GetProcAddress;
        public delegate* unmanaged<nint, nint> GetDisplay;
        public delegate* unmanaged<nint, int*, int*, uint> Initialize;
        public delegate* unmanaged<uint, uint> BindAPI;
        public delegate* unmanaged<nint, int*, nint*, int, int*, uint> ChooseConfig;
        public delegate* unmanaged<nint, nint, nint, int*, nint> CreateContext;
        public delegate* unmanaged<nint, nint, nint, nint, uint> MakeCurrent;
        public delegate* unmanaged<nint> GetCurrentContext;
        public delegate* unmanaged<nint, nint, uint> DestroyContext;
        public delegate* unmanaged<uint, nint, int*, nint> GetPlatformDisplayEXT;
        public delegate* unmanaged<int, nint*, int*, uint> QueryDevicesEXT;
        public delegate* unmanaged<uint, byte*> GlGetStringPtr;
        public delegate* unmanaged<uint, int*, void> GlGetIntegerv;

        public static EglApi Load(string library)
        {
            if (!NativeLibrary.TryLoad(library, typeof(EglContext).Assembly, null, out var handle))
                throw new UserError($"the EGL library '{library}' was not found: install libegl1 (glvnd) with libegl-mesa0 and libgl1-mesa-dri (Mesa), e.g. apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri");
            nint Export(string name) => NativeLibrary.TryGetExport(handle, name, out var p) ? p
                : throw new UserError($"'{library}' exports no {name}: it is not an EGL library");
            var api = new EglApi
            {
                Library = library,
                GetError = (delegate* unmanaged<int>)Export("eglGetError"),
                QueryString = (delegate* unmanaged<nint, int, byte*>)Export("eglQueryString"),
                GetProcAddress = (delegate* unmanaged<byte*, nint>)Export("eglGetProcAddress"),
                GetDisplay = (delegate* unmanaged<nint, nint>)Export("eglGetDisplay"),
                Initialize = (delegate* unmanaged<nint, int*, int*, uint>)Export("eglInitialize"),
                BindAPI = (delegate* unmanaged<uint, uint>)Export("eglBindAPI"),
                ChooseConfig = (delegate* unmanaged<nint, int*, nint*, int, int*, uint>)Export("eglChooseConfig"),
                CreateContext = (delegate* unmanaged<nint, nint, nint, int*, nint>)Export("eglCreateContext"),
                MakeCurrent = (delegate* unmanaged<nint, nint, nint, nint, uint>)Export("eglMakeCurrent"),
                GetCurrentContext = (delegate* unmanaged<nint>)Export("eglGetCurrentContext"),
                DestroyContext = (delegate* unmanaged<nint, nint, uint>)Export("eglDestroyContext"),
            };
            // Extension and GL entry points come from eglGetProcAddress (EGL_KHR_get_all_proc_addresses for GL).
            api.GetPlatformDisplayEXT = (delegate* unmanaged<uint, nint, int*, nint>)api.Proc("eglGetPlatformDisplayEXT");
            api.QueryDevicesEXT = (delegate* unmanaged<int, nint*, int*, uint>)api.Proc("eglQueryDevicesEXT");
            api.GlGetStringPtr = (delegate* unmanaged<uint, byte*>)api.Proc("glGetString");
            api.GlGetIntegerv = (delegate* unmanaged<uint, int*, void>)api.Proc("glGetIntegerv");
            if (api.GlGetStringPtr == null || api.GlGetIntegerv == null)
                throw new UserError($"'{library}' resolves no glGetString/glGetIntegerv: no OpenGL driver behind EGL (install libgl1-mesa-dri)");
            return api;
        }

        public nint Proc(string name)
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes(name + "\0");
            fixed (byte* p = bytes) return GetProcAddress(p);
        }

        /// <summary>eglQueryString as a string ("" for null); display 0 asks for the client extensions.</summary>
        public string String(nint display, int name)
        {
            var p = QueryString(display, name);
            if (p == null) { GetError(); return ""; } // clears EGL_BAD_DISPLAY when client extensions are not supported
            return Marshal.PtrToStringUTF8((nint)p) ?? "";
        }

        public string GlString(uint name)
        {
            var p = GlGetStringPtr(name);
            return p == null ? "" : Marshal.PtrToStringUTF8((nint)p) ?? "";
        }

        /// <summary>The last EGL error, by name.</summary>
        public string ErrorName()
        {
            int e = GetError();
            string[] names =
            {
                "EGL_SUCCESS", "EGL_NOT_INITIALIZED", "EGL_BAD_ACCESS", "EGL_BAD_ALLOC", "EGL_BAD_ATTRIBUTE", "EGL_BAD_CONFIG",
                "EGL_BAD_CONTEXT", "EGL_BAD_CURRENT_SURFACE", "EGL_BAD_DISPLAY", "EGL_BAD_MATCH", "EGL_BAD_NATIVE_PIXMAP",
                "EGL_BAD_NATIVE_WINDOW", "EGL_BAD_PARAMETER", "EGL_BAD_SURFACE", "EGL_CONTEXT_LOST",
            };
            int i = e - EGL_SUCCESS;
            return i >= 0 && i < names.Length ? $"{names[i]} (0x{e:X4})" : $"EGL error 0x{e:X4}";
        }
    }
}
