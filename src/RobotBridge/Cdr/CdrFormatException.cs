namespace Robotics.RobotBridge.Cdr;

/// <summary>
/// A serialized message that does not decode: truncated, a length larger than what is left, a bound
/// exceeded, an unknown encapsulation. Subscriptions catch it, count the message as malformed and drop it.
/// </summary>
public sealed class CdrFormatException(string message) : Exception(message);
