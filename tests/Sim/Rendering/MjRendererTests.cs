using Robotics.Sim.Interop;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Sim.Rendering;
using Robotics.Sim.Tasks;
using Robotics.Sim.Tests.Tasks;

namespace Robotics.Sim.Tests.Rendering;

/// <summary>
/// MuJoCo's renderer on a surfaceless EGL context (Mesa's llvmpipe here): images that show something,
/// change with the state, keep the tracked body centred, and clear errors for bad sizes and missing EGL.
/// Small images (≤ 160×120) keep each render to a few milliseconds.
/// </summary>
public class MjRendererTests
{
    [Fact]
    public void Cartpole_image_is_not_blank_and_changes_with_the_pole_angle()
    {
        using var task = new CartPole();
        using var data = new MjData(task.Model);
        using var renderer = new MjRenderer(task.Model, new RenderOptions { Width = 80, Height = 60, Distance = 3 });

        data.Forward();
        var upright = renderer.Render(data);
        // A blank (single-colour) image has variance 0; floor, sky, cart and pole give a spread of tens of levels.
        Assert.True(StdDev(upright) > 10, $"pixel standard deviation {StdDev(upright):0.0}: the image is (nearly) blank");

        // Tilt the pole by 1.2 rad (qpos = [cart x, hinge angle]): the pole sweeps across part of the image.
        data.Qpos[1] = 1.2;
        data.Forward();
        var tilted = renderer.Render(data);
        double changed = FractionDifferent(upright, tilted);
        Assert.True(changed > 0.01, $"only {changed:P2} of the pixels changed when the pole tilted by 1.2 rad");

        // Same state, same picture (the renderer keeps no state between frames that shows in the image).
        data.Qpos[1] = 0;
        data.Forward();
        Assert.Equal(0, FractionDifferent(upright, renderer.Render(data)));
    }

    [Fact]
    public void Go1_trunk_stays_in_the_image_centre_while_a_still_camera_sees_it_move()
    {
        using var task = LocomotionTaskTests.Nominal();
        using var data = new MjData(task.Model);
        task.Initialize(1);
        var rng = Rng.For(0, "render-test");
        task.Reset(0, data, ref rng);
        int trunk = task.Model.BodyId("trunk");
        var options = new RenderOptions { Width = 96, Height = 72 };
        using var tracking = new MjRenderer(task.Model, options);
        using var still = new MjRenderer(task.Model, options with { TrackBody = "world" }, tracking.Egl);
        Assert.Equal(trunk, tracking.TrackedBody);   // the first body below the world is the trunk

        data.Forward();
        var image = tracking.Render(data);
        Assert.True(StdDev(image) > 10, $"pixel standard deviation {StdDev(image):0.0}: the Go1 image is (nearly) blank");
        var (stillX0, stillY0, _) = Centroid(still, data, task.Model, trunk);

        // Move the robot 0.6 m along x and -0.4 m along y (free joint qpos[0..1]) and look again: 0.72 m,
        // a third of the still camera's ~2 m wide view at 1.8 m (45° vertical field of view, 4:3).
        data.Qpos[0] += 0.6;
        data.Qpos[1] -= 0.4;
        data.Forward();
        var (x, y, pixels) = Centroid(tracking, data, task.Model, trunk);
        Assert.True(pixels > 50, $"the trunk covers only {pixels} pixels of the tracking camera's {96 * 72}");
        // Centre (48, 36); the camera aims at the subtree's centre of mass, a few cm from the trunk's
        // centre, so allow 10% of the width (9.6 px).
        Assert.True(Math.Abs(x - 48) < 9.6 && Math.Abs(y - 36) < 9.6, $"trunk centroid ({x:0.0}, {y:0.0}) is not near the image centre (48, 36)");

        // The still camera sees the same move: the trunk leaves its place by more than 10% of the width.
        var (stillX1, stillY1, stillPixels) = Centroid(still, data, task.Model, trunk);
        Assert.True(stillPixels > 0, "the trunk left the still camera's view");
        double moved = Math.Sqrt(Math.Pow(stillX1 - stillX0, 2) + Math.Pow(stillY1 - stillY0, 2));
        Assert.True(moved > 9.6, $"the still camera saw the trunk move only {moved:0.0} px: the scene does not follow the state");
    }

    [Fact]
    public void Rows_come_top_first_sky_above_floor()
    {
        using var task = LocomotionTaskTests.Nominal();
        using var data = new MjData(task.Model);
        data.Forward();
        using var renderer = new MjRenderer(task.Model, new RenderOptions { Width = 64, Height = 48 });
        var ids = new int[64 * 48];
        renderer.Segment(data, ids);
        int floor = task.Model.GeomId("floor");
        // The camera looks 20° down at a point 1.8 m away with a 45° field of view: its top edge points
        // 2.5° above the horizon (sky, id -1) and its bottom edge 42.5° down, onto the floor.
        Assert.All(ids[..64], id => Assert.Equal(-1, id));
        Assert.All(ids[^64..], id => Assert.Equal(floor, id));
    }

    [Fact]
    public void Bad_sizes_and_bodies_are_named()
    {
        using var task = new CartPole();
        var zero = Assert.Throws<UserError>(() => new MjRenderer(task.Model, new RenderOptions { Width = 0 }));
        Assert.Contains("Width", zero.Message);
        var huge = Assert.Throws<UserError>(() => new MjRenderer(task.Model, new RenderOptions { Height = 100_000 }));
        Assert.Contains("Height", huge.Message);
        var body = Assert.Throws<UserError>(() => new MjRenderer(task.Model, new RenderOptions { TrackBody = "no_such_body" }));
        Assert.Contains("no_such_body", body.Message);
        Assert.Contains("cart", body.Message);   // the message lists the bodies there are
    }

    [Fact]
    public void Missing_egl_library_is_a_clear_error()
    {
        var missing = Assert.Throws<UserError>(() => EglContext.Create(library: "libEGL-not-installed.so.1"));
        Assert.Contains("libEGL-not-installed.so.1", missing.Message);
        Assert.Contains("apt-get install libegl1", missing.Message);
        // A library that is not EGL at all (the C library) is named as such.
        var notEgl = Assert.Throws<UserError>(() => EglContext.Create(library: "libc.so.6"));
        Assert.Contains("not an EGL library", notEgl.Message);
    }

    [Fact]
    public void Egl_context_reports_a_desktop_gl_and_its_size_limit()
    {
        using var egl = EglContext.Create();
        Assert.True(egl.IsCurrent);
        Assert.Matches(@"^\d+\.\d+", egl.Version);
        Assert.True(egl.MaxFramebufferSize >= 640, $"GL_MAX_RENDERBUFFER_SIZE {egl.MaxFramebufferSize}");
        egl.Dispose();
        Assert.Throws<ObjectDisposedException>(egl.MakeCurrent);
    }

    [Theory]
    [InlineData(EglPlatform.Surfaceless)]
    [InlineData(EglPlatform.Device)]
    public void Each_platform_gives_a_context_or_says_why_not(EglPlatform platform)
    {
        // Mesa offers both here; a machine without one must get a UserError naming it, never a crash.
        try
        {
            using var egl = EglContext.Create(platform);
            Assert.True(egl.IsCurrent);
            Assert.Matches(@"^\d+\.\d+", egl.Version);
        }
        catch (UserError e)
        {
            Assert.Contains(platform == EglPlatform.Device ? "device" : "surfaceless", e.Message, StringComparison.OrdinalIgnoreCase);
        }
    }

    // Centroid (x right, y down) of the pixels showing the geoms of body b, and how many there are.
    private static (double X, double Y, int Pixels) Centroid(MjRenderer renderer, MjData data, MjModel model, int body)
    {
        var ids = new int[renderer.Width * renderer.Height];
        renderer.Segment(data, ids);
        var geomBody = model.GeomBodyid;
        double sx = 0, sy = 0;
        int n = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] < 0 || geomBody[ids[i]] != body) continue;
            sx += i % renderer.Width;
            sy += i / renderer.Width;
            n++;
        }
        return n == 0 ? (double.NaN, double.NaN, 0) : (sx / n, sy / n, n);
    }

    internal static double StdDev(byte[] image)
    {
        double mean = 0, sq = 0;
        foreach (var b in image) mean += b;
        mean /= image.Length;
        foreach (var b in image) sq += (b - mean) * (b - mean);
        return Math.Sqrt(sq / image.Length);
    }

    private static double FractionDifferent(byte[] a, byte[] b)
    {
        int n = 0;
        for (int i = 0; i < a.Length; i += 3)
            if (Math.Abs(a[i] - b[i]) + Math.Abs(a[i + 1] - b[i + 1]) + Math.Abs(a[i + 2] - b[i + 2]) > 30) n++;
        return n / (a.Length / 3.0);
    }
}
