using System.Diagnostics;
using System.Globalization;
using Robotics.Deploy.Contract;
using Robotics.Deploy.Safety;

namespace Robotics.Deploy.RealTime;

/// <summary>What a <see cref="LoopEvent"/> records.</summary>
public enum LoopEventKind : byte
{
    /// <summary>The safety layer changed state (From → To, Cause).</summary>
    Transition,
    /// <summary>A request was refused (From = the state it was refused in, Cause = why).</summary>
    Refused,
    /// <summary>A tick finished after the next deadline (Value = lateness [s]; Joint = deadlines skipped).</summary>
    Overrun,
    /// <summary>The velocity command timed out and is zero from this tick on (Value = the timeout [s]).</summary>
    CommandTimedOut,
    /// <summary>A velocity command arrived again after a timeout.</summary>
    CommandResumed,
}

/// <summary>
/// One entry of the loop's log, a plain struct so that the loop writes it into a preallocated
/// <see cref="EventRing"/> without allocating; another thread formats it with <see cref="ToString"/>.
/// </summary>
/// <param name="Kind">What happened.</param>
/// <param name="Tick">Control tick at which it happened.</param>
/// <param name="Timestamp">Stopwatch timestamp at which it was logged.</param>
/// <param name="From">State before (transitions), or the state a request was refused in.</param>
/// <param name="To">State after (transitions).</param>
/// <param name="Cause">Why.</param>
/// <param name="Joint">Joint index the cause concerns, or −1.</param>
/// <param name="Value">The offending value in SI units (rad, rad/s, N·m, s), or NaN.</param>
public readonly record struct LoopEvent(LoopEventKind Kind, long Tick, long Timestamp, SafetyState From, SafetyState To,
    SafetyCause Cause, int Joint, double Value)
{
    /// <summary>One log line, e.g. <c>tick 1203 t=2.406s transition Running → Damping (Tilt, value 1.2)</c>; allocates: call it off the loop thread.</summary>
    public override string ToString()
    {
        var inv = CultureInfo.InvariantCulture;
        // The index of an input's cause is its kind: name the input, not a joint.
        string subject = Cause is SafetyCause.StaleInput or SafetyCause.MissingInput && Joint is >= 0 and < PolicyInputs.KindCount
            ? $", input {PolicyInputs.Name((InputKind)Joint)}" : Joint >= 0 ? $", joint {Joint}" : "";
        string detail = subject + (double.IsNaN(Value) ? "" : string.Create(inv, $", value {Value:G4}"));
        double t = Timestamp / (double)Stopwatch.Frequency;
        return Kind switch
        {
            LoopEventKind.Transition => string.Create(inv, $"tick {Tick} t={t:F3}s transition {From} → {To} ({Cause}{detail})"),
            LoopEventKind.Refused => string.Create(inv, $"tick {Tick} t={t:F3}s refused in {From} ({Cause}{detail})"),
            LoopEventKind.Overrun => string.Create(inv, $"tick {Tick} t={t:F3}s overrun: {Value * 1e6:F0} µs late, {Joint} deadline(s) skipped"),
            LoopEventKind.CommandTimedOut => string.Create(inv, $"tick {Tick} t={t:F3}s cmd_vel timed out (no new message for {Value:G4} s): command zero, standing still"),
            LoopEventKind.CommandResumed => string.Create(inv, $"tick {Tick} t={t:F3}s cmd_vel resumed"),
            _ => $"tick {Tick} {Kind}",
        };
    }
}
