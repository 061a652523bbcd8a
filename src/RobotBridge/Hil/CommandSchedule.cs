namespace Robotics.RobotBridge.Hil;

/// <summary>One segment of an operator's velocity commands: hold (vx [m/s], vy [m/s], yaw rate [rad/s]) for <paramref name="Seconds"/>.</summary>
public sealed record CommandStep(double Seconds, double Vx, double Vy, double YawRate);

/// <summary>Command sequences for hardware-in-the-loop runs.</summary>
public static class CommandSchedule
{
    /// <summary>Forward, forward while turning, sideways, backward: 4 × <paramref name="segment"/> s inside a quadruped's training ranges.</summary>
    public static IReadOnlyList<CommandStep> Walk(double segment = 3) => new[]
    {
        new CommandStep(segment, 0.5, 0, 0),
        new CommandStep(segment, 0.5, 0, 0.5),
        new CommandStep(segment, 0, 0.3, 0),
        new CommandStep(segment, -0.4, 0, 0),
    };

    /// <summary>The command at <paramref name="time"/> seconds after the start; the last segment holds on.</summary>
    public static CommandStep At(IReadOnlyList<CommandStep> schedule, double time)
    {
        foreach (var step in schedule)
        {
            if (time < step.Seconds) return step;
            time -= step.Seconds;
        }
        return schedule[^1];
    }

    /// <summary>Total length [s].</summary>
    public static double Length(IReadOnlyList<CommandStep> schedule) => schedule.Sum(s => s.Seconds);
}
