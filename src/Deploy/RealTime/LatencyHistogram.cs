using System.Globalization;
using System.Text;

namespace Robotics.Deploy.RealTime;

/// <summary>
/// A fixed-bin histogram of latencies [s], preallocated: bin k counts values in [k·width, (k+1)·width); values beyond the
/// last bin go to an overflow count, negative ones (a stamp ahead of the clock it is compared with) to bin 0 and an
/// <see cref="Early"/> count. The maximum is kept exactly. Adding allocates nothing; percentiles are read from the bins,
/// so they are exact to one bin width. One writer; a reader on another thread sees a count that may lag by a sample.
/// </summary>
public sealed class LatencyHistogram
{
    private readonly long[] _counts;   // [bins]
    private long _overflow, _early, _total;
    private double _max;

    /// <summary>Creates <paramref name="bins"/> bins of <paramref name="binWidth"/> seconds each.</summary>
    public LatencyHistogram(double binWidth, int bins)
    {
        if (!(binWidth > 0 && double.IsFinite(binWidth))) throw new ArgumentException($"binWidth = {binWidth} s: must be positive", nameof(binWidth));
        if (bins < 1) throw new ArgumentException($"bins = {bins}: must be ≥ 1", nameof(bins));
        BinWidth = binWidth;
        _counts = new long[bins];
    }

    /// <summary>Width of a bin [s].</summary>
    public double BinWidth { get; }

    /// <summary>Number of bins.</summary>
    public int Bins => _counts.Length;

    /// <summary>Samples added.</summary>
    public long Count => Volatile.Read(ref _total);

    /// <summary>Samples beyond the last bin.</summary>
    public long Overflow => _overflow;

    /// <summary>Negative samples (counted in bin 0).</summary>
    public long Early => _early;

    /// <summary>Largest value added [s]; 0 when empty.</summary>
    public double Max => _max;

    /// <summary>Count in bin <paramref name="k"/>.</summary>
    public long this[int k] => _counts[k];

    /// <summary>Adds one latency [s]; a NaN is ignored.</summary>
    public void Add(double seconds)
    {
        if (double.IsNaN(seconds)) return;
        if (seconds < 0) { _early++; seconds = 0; }
        if (seconds > _max) _max = seconds;
        double k = seconds / BinWidth;
        if (k < _counts.Length) _counts[(int)k]++;
        else _overflow++;
        Volatile.Write(ref _total, _total + 1);
    }

    /// <summary>Empties the histogram.</summary>
    public void Clear()
    {
        Array.Clear(_counts);
        _overflow = _early = _total = 0;
        _max = 0;
    }

    /// <summary>
    /// The <paramref name="p"/>-quantile (0 &lt; p ≤ 1) [s]: the upper edge of the bin that holds the ⌈p·Count⌉-th smallest
    /// sample (at most <see cref="Max"/>), or <see cref="Max"/> if that sample overflowed. 0 when empty.
    /// </summary>
    public double Percentile(double p)
    {
        if (!(p > 0 && p <= 1)) throw new ArgumentException($"p = {p}: allowed (0, 1]", nameof(p));
        long total = Count;
        if (total == 0) return 0;
        long rank = (long)Math.Ceiling(p * total), seen = 0;
        for (int k = 0; k < _counts.Length; k++)
        {
            seen += _counts[k];
            if (seen >= rank) return Math.Min((k + 1) * BinWidth, _max);
        }
        return _max;
    }

    /// <summary>
    /// The non-empty bins as text, e.g. <c>0.3–0.4 ms 12, 0.4–0.5 ms 40, &gt;50 ms 3</c>: adjacent bins are merged in powers of two
    /// until at most <paramref name="maxGroups"/> groups are left (the overflow is one more). Allocates: for reports, not the loop.
    /// </summary>
    public string Describe(int maxGroups = 12)
    {
        if (maxGroups < 1) throw new ArgumentException($"maxGroups = {maxGroups}: must be ≥ 1", nameof(maxGroups));
        int merge = 1;
        while (Groups(merge) > maxGroups && merge < _counts.Length) merge *= 2;
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        for (int start = 0; start < _counts.Length; start += merge)
        {
            long n = 0;
            for (int k = start; k < Math.Min(start + merge, _counts.Length); k++) n += _counts[k];
            if (n == 0) continue;
            if (sb.Length > 0) sb.Append(", ");
            double end = Math.Min(start + merge, _counts.Length) * BinWidth;
            sb.Append(inv, $"{start * BinWidth * 1e3:0.###}–{end * 1e3:0.###} ms {n}");
        }
        if (_overflow > 0) sb.Append(sb.Length > 0 ? ", " : "").Append(inv, $">{_counts.Length * BinWidth * 1e3:0.###} ms {_overflow}");
        return sb.Length == 0 ? "empty" : sb.ToString();
    }

    private int Groups(int merge)
    {
        int groups = 0;
        for (int start = 0; start < _counts.Length; start += merge)
            for (int k = start; k < Math.Min(start + merge, _counts.Length); k++)
                if (_counts[k] > 0) { groups++; break; }
        return groups;
    }
}
