using Robotics.RobotBridge.Ros2;

namespace Robotics.RobotBridge.Tests.Ros2;

/// <summary>
/// One DDS domain per test run, loopback only: a domain id drawn from the process id (two runs on one
/// machine rarely share it), and topic names made unique per test so tests of one run do not cross-talk.
/// </summary>
internal static class TestDomain
{
    /// <summary>Domain id of this test run, 20–219.</summary>
    public static uint Id { get; } = (uint)(20 + Environment.ProcessId % 200);

    /// <summary>Node options on <see cref="Id"/>, traffic on <c>lo</c> only.</summary>
    public static Ros2NodeOptions Options => Ros2NodeOptions.Loopback(Id);

    /// <summary>A topic name no other test uses.</summary>
    public static string Topic(string stem) => $"{stem}_{Guid.NewGuid():N}"[..(stem.Length + 9)];

    /// <summary>Polls <paramref name="condition"/> every 5 ms until true or <paramref name="seconds"/> pass.</summary>
    public static bool WaitUntil(Func<bool> condition, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (condition()) return true;
            Thread.Sleep(5);
        }
        return condition();
    }
}
