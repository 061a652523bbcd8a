using Robotics.Sim.Random;

namespace Robotics.Sim.Robots;

/// <summary>
/// Perception of one object's position as a camera pipeline gives it: a frame every 1 / rate seconds, each the
/// true position plus uniform noise (seeded), delivered a latency after it was taken. Preallocated; nothing in
/// <see cref="Capture"/> allocates.
/// </summary>
public sealed class ObjectCamera
{
    private const double Eps = 1e-9;   // [s] tolerance on frame times, against the sum of control periods
    private readonly double _period, _latency, _noise;
    private readonly double[] _taken;      // [capacity] when each frame in flight was taken [s]
    private readonly double[] _seen;       // [capacity, 3] what it saw [m]
    private readonly double[] _position = new double[3];
    private Rng _rng;
    private long _head, _tail;             // frames taken / delivered, indices into the ring mod capacity
    private double _next = double.NegativeInfinity;

    /// <summary>A camera taking <paramref name="rate"/> frames per second with <paramref name="latency"/> [s] and noise of half-width <paramref name="noise"/> [m].</summary>
    /// <exception cref="UserError">A rate, latency or noise out of range (named).</exception>
    public ObjectCamera(double rate, double latency, double noise, ulong seed)
    {
        if (!(rate > 0 && rate <= 10_000)) throw new UserError($"ObjectCamera rate = {rate} Hz: allowed (0, 10000]");
        if (!(latency >= 0 && latency <= 1)) throw new UserError($"ObjectCamera latency = {latency} s: allowed [0, 1]");
        if (!(noise >= 0 && noise <= 1)) throw new UserError($"ObjectCamera noise = {noise} m: allowed [0, 1]");
        _period = 1 / rate;
        _latency = latency;
        _noise = noise;
        _rng = Rng.For(seed, "object_camera");
        // Frames in flight: those taken within one latency, plus the one being delivered and one taken this period.
        int capacity = (int)Math.Ceiling(latency * rate) + 2;
        _taken = new double[capacity];
        _seen = new double[3 * capacity];
    }

    /// <summary>Frames delivered so far (0: none yet); each delivery is one new value.</summary>
    public long Sequence { get; private set; }

    /// <summary>The position in the latest delivered frame [m]. [3]</summary>
    public ReadOnlySpan<double> Position => _position;

    /// <summary>When the latest delivered frame was taken [s] (NaN before the first): its header stamp.</summary>
    public double MeasuredAt { get; private set; } = double.NaN;

    /// <summary>Frames per second.</summary>
    public double Rate => 1 / _period;

    /// <summary>
    /// At <paramref name="time"/> [s]: takes a frame of <paramref name="truth"/> [m, 3] when one is due, then delivers the newest
    /// frame whose latency has passed. Call it once per control period, with non-decreasing times.
    /// </summary>
    public void Capture(double time, ReadOnlySpan<double> truth)
    {
        if (time + Eps >= _next)
        {
            // A control period longer than the frame period takes one frame per period: the camera cannot see more often than it is asked.
            _next = Math.Max(_next + _period, time + _period - Eps);
            if (_head - _tail == _taken.Length) _tail++;   // only when the caller skipped time: drop the oldest
            int slot = (int)(_head % _taken.Length);
            _taken[slot] = time;
            for (int k = 0; k < 3; k++) _seen[3 * slot + k] = truth[k] + (_noise > 0 ? _rng.Uniform(-_noise, _noise) : 0);
            _head++;
        }
        while (_tail < _head && _taken[(int)(_tail % _taken.Length)] + _latency <= time + Eps)
        {
            int slot = (int)(_tail % _taken.Length);
            for (int k = 0; k < 3; k++) _position[k] = _seen[3 * slot + k];
            MeasuredAt = _taken[slot];
            _tail++;
            Sequence++;
        }
    }

    /// <summary>Drops the frames in flight and takes the next one at the next <see cref="Capture"/> (the world was reset); what was delivered stays.</summary>
    public void Restart()
    {
        _tail = _head;
        _next = double.NegativeInfinity;
    }
}
