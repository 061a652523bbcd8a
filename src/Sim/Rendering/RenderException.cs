namespace Robotics.Sim.Rendering;

/// <summary>
/// Rendering could not start or go on: no EGL library or display, no OpenGL context, a frame size the
/// GL cannot hold, ffmpeg missing or failing. The message names what failed and how to fix it.
/// </summary>
public sealed class RenderException : Exception
{
    /// <summary>Creates the exception with a message that names what failed and where.</summary>
    public RenderException(string message, Exception? inner = null) : base(message, inner) { }
}
