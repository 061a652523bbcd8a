namespace Robotics;

/// <summary>
/// Bad input from the user: a file, a flag, a task setting, a policy or a robot description that cannot be
/// used. The message names what is wrong and where (file, field, line). Every layer throws this one type
/// for bad input; the CLI's top-level handler prints the message on one line and exits 2. Anything else
/// that escapes is a bug and keeps its stack trace.
/// </summary>
/// <remarks>It lives in Robotics.Deploy, the lowest assembly, so Sim, Training, RobotBridge and the CLI share it.</remarks>
public sealed class UserError : Exception
{
    /// <summary>An error whose message names what is wrong and where.</summary>
    public UserError(string message) : base(message) { }

    /// <summary>An error whose message names what is wrong and where, caused by <paramref name="inner"/>.</summary>
    public UserError(string message, Exception? inner) : base(message, inner) { }
}
