namespace Robotics.Sim.MuJoCo;

/// <summary>An error reported by MuJoCo (a model that does not load, a bad state) or caught before calling it.</summary>
public sealed class MjException : Exception
{
    /// <summary>Creates the exception with a message that names what failed and where.</summary>
    public MjException(string message) : base(message) { }
}
