using System.Diagnostics;
using System.Globalization;
using Robotics.Deploy.Contract;

namespace Robotics.Deploy.RealTime;

/// <summary>Which clock a <see cref="StateAgeMeter"/> measures the age of a joint state on.</summary>
public enum StateAgeClock
{
    /// <summary>No state measured yet.</summary>
    Undecided,
    /// <summary>From the joint state's header stamp to the node's wall clock (ROS time on both sides).</summary>
    Stamp,
    /// <summary>From the moment this process received the state (the stamps are not on the node's clock).</summary>
    Receipt,
}

/// <summary>
/// Per control tick, the age of the joint state the tick acted on at the moment its command was written, in a preallocated
/// <see cref="LatencyHistogram"/> (0.1 ms bins up to 50 ms): from the state's header stamp when the stamps are on the node's
/// clock (the first stamp lies within <see cref="ComparableWithin"/> of it), else from its receipt by this process. Compared
/// with the action latency the policy was trained with: see <see cref="Exceeds"/>. <see cref="Record(SensorFrame)"/> allocates nothing.
/// </summary>
// DESIGN: the stamp is compared with the node's wall clock (DateTime.UtcNow, CLOCK_REALTIME), not the Stopwatch: a ROS stamp
// is wall time, and only the wall clock shares its epoch. Where it does not (a simulator stamps simulated time; a robot whose
// clock is not synchronised), the difference is meaningless, so the meter falls back to the age since receipt: it misses
// the driver-to-node transport but still sees the sampling delay and the tick's own compute. The choice is made once, on
// the first state, so that one run never mixes the two; lock-step runs are told to use receipt outright (simulated stamps).
public sealed class StateAgeMeter
{
    /// <summary>A first stamp within this of the node's wall clock [s] counts as on the same clock.</summary>
    public const double ComparableWithin = 1.0;
    /// <summary>Samples before <see cref="Exceeds"/> judges (a start-up stall is not a latency).</summary>
    public const long MinSamples = 500;
    /// <summary>Histogram bin width [s].</summary>
    public const double BinWidth = 1e-4;
    /// <summary>Histogram bins (0.1 ms each: 50 ms; longer ages overflow, the maximum is kept).</summary>
    public const int BinCount = 500;

    private double _offsetAtDecision;   // [s] node clock − first stamp
    private string? _receiptReason;

    /// <summary>A meter for a loop of <paramref name="controlPeriod"/> [s] running a policy trained with <paramref name="trained"/> (null = unknown).</summary>
    public StateAgeMeter(double controlPeriod, LatencyRange? trained)
    {
        if (!(controlPeriod > 0 && double.IsFinite(controlPeriod))) throw new ArgumentException($"controlPeriod = {controlPeriod} s: must be positive", nameof(controlPeriod));
        ControlPeriod = controlPeriod;
        Trained = trained;
        Histogram = new LatencyHistogram(BinWidth, BinCount);
        // The first tick must not pay for compiling the record path or for the wall clock's first read: run both once, empty.
        Record(-1, 0, Stopwatch.GetTimestamp(), WallClockNs());
        Histogram.Add(0);
        Histogram.Clear();
    }

    /// <summary>The ages [s].</summary>
    public LatencyHistogram Histogram { get; }

    /// <summary>The clock the ages are on (decided at the first state).</summary>
    public StateAgeClock Clock { get; private set; }

    /// <summary>The control period [s]: the sampling allowance of <see cref="Limit"/>.</summary>
    public double ControlPeriod { get; }

    /// <summary>The action latency range the policy was trained with [s], or null when its contract does not record it.</summary>
    public LatencyRange? Trained { get; }

    // DESIGN: the allowance is one control period. In training the observation is taken at the policy step and the action lands
    // after the drawn latency; on the robot the driver samples independently of the loop, so the newest state is up to one
    // driver period old when a tick reads it (a driver at the control rate: one control period), and the tick's compute
    // comes on top. Without the allowance a policy trained with no latency would warn on every robot. p99, not the median
    // (which hides a tail the policy does meet every second) nor the maximum (one scheduler hiccup in an hour is not a mismatch).
    /// <summary>The largest p99 age not warned about [s]: the trained maximum plus one control period; null when the range is unknown.</summary>
    public double? Limit => Trained is { } t ? t.High + ControlPeriod : null;

    /// <summary>Before the run: measure the age since receipt whatever the stamps are, for <paramref name="reason"/> (e.g. lock-step).</summary>
    public void UseReceipt(string reason)
    {
        Clock = StateAgeClock.Receipt;
        _receiptReason = reason;
    }

    /// <summary>Records the age of <paramref name="frame"/>'s joint state now (after the command went out). Allocates nothing.</summary>
    public void Record(SensorFrame frame)
    {
        if (frame.JointStateStamp < 0 && frame.JointStateReceived == 0) return;   // a source that neither stamps nor times its states
        Record(frame.JointStateStamp, frame.JointStateReceived, Stopwatch.GetTimestamp(), WallClockNs());
    }

    /// <summary>Records one age: of a state stamped <paramref name="stamp"/> [ns] (−1: none), received at <paramref name="received"/> [Stopwatch
    /// timestamp] (0: unknown), with the clocks now at <paramref name="now"/> [Stopwatch timestamp] and <paramref name="wallNow"/> [ns since the Unix epoch].</summary>
    public void Record(long stamp, long received, long now, long wallNow)
    {
        if (Clock == StateAgeClock.Undecided)
        {
            if (stamp < 0 && received == 0) return;
            _offsetAtDecision = stamp < 0 ? double.NaN : (wallNow - stamp) * 1e-9;
            Clock = stamp >= 0 && Math.Abs(_offsetAtDecision) <= ComparableWithin ? StateAgeClock.Stamp : StateAgeClock.Receipt;
        }
        if (Clock == StateAgeClock.Stamp)
        {
            if (stamp >= 0) Histogram.Add((wallNow - stamp) * 1e-9);
        }
        else if (received != 0) Histogram.Add((now - received) / (double)Stopwatch.Frequency);
    }

    /// <summary>True when the trained range is known, at least <see cref="MinSamples"/> ages were measured, and their p99 exceeds <see cref="Limit"/>.</summary>
    public bool Exceeds => Limit is { } limit && Histogram.Count >= MinSamples && Histogram.Percentile(0.99) > limit;

    /// <summary>What the ages are measured from, e.g. <c>from the joint state's stamp on the node's clock</c>.</summary>
    public string ClockText => Clock switch
    {
        StateAgeClock.Stamp => "from the joint state's stamp on the node's clock",
        StateAgeClock.Receipt when _receiptReason is { } why => $"since receipt ({why})",
        StateAgeClock.Receipt when double.IsNaN(_offsetAtDecision) => "since receipt (the joint states carry no stamp)",
        StateAgeClock.Receipt => string.Create(CultureInfo.InvariantCulture,
            $"since receipt (the first stamp was {_offsetAtDecision:0.###} s from the node's clock: simulated time or unsynchronised clocks)"),
        _ => "no joint state measured",
    };

    /// <summary>The age line a run ends with: clock, count, p50/p90/p99/max and the bins. Allocates.</summary>
    public string Describe()
    {
        var h = Histogram;
        return string.Create(CultureInfo.InvariantCulture,
            $"state age at command ({ClockText}): {h.Count} ticks, p50 {Ms(h.Percentile(0.5))}, p90 {Ms(h.Percentile(0.9))}, p99 {Ms(h.Percentile(0.99))}, max {Ms(h.Max)}" +
            $"{(h.Early > 0 ? $", {h.Early} stamp(s) ahead of the node's clock" : "")}; bins {h.Describe()}");
    }

    /// <summary>What the policy was trained for and how the measurement compares: within, above (the warning) or unknown. Allocates.</summary>
    public string DescribeTrained()
    {
        if (Trained is not { } t || Limit is not { } limit) return "trained action latency: not recorded in the policy contract; the measured age is not judged";
        string range = $"trained action latency {Range(t)}";
        if (Exceeds) return Warning()!;
        return Histogram.Count < MinSamples
            ? $"{range}; too few ticks ({Histogram.Count} < {MinSamples}) to judge the measured age"
            : $"{range}; measured p99 {Ms(Histogram.Percentile(0.99))} is within it plus one control period ({Ms(limit)})";
    }

    /// <summary>The warning when <see cref="Exceeds"/>, else null. Allocates.</summary>
    public string? Warning()
    {
        if (!Exceeds || Trained is not { } t || Limit is not { } limit) return null;
        return $"warning: state age p99 {Ms(Histogram.Percentile(0.99))} exceeds the trained action latency {Range(t)} plus one control period " +
            $"({Ms(limit)}): the policy acts on older states than it was trained for (train with a wider randomization.action_latency, or cut the latency)";
    }

    private static string Range(LatencyRange r) => string.Create(CultureInfo.InvariantCulture, $"{r.Low * 1e3:0.##}–{r.High * 1e3:0.##} ms");

    private static string Ms(double seconds) => string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e3:0.00} ms");

    private static long WallClockNs() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
}
