using System.Globalization;
using System.Text;

namespace Robotics.Deploy.RealTime;

/// <summary>
/// A fixed-bin histogram of latencies [s], preallocated: bin k counts values in [k·width, (k+1)·width); values beyond the
/// last bin go to an overflow count, negative ones (a stamp ahead of the clock it is compared with) to bin 0 and an
/// <see cref="Early"/> count. The maximum is kept exactly. Adding allocates nothing; percentiles are read from the bins,
/// so they are exact to one bin width. One writer.
/// </summary>
public sealed class LatencyHistogram
{
    private readonly PeriodHistogram _bins;   // the bins, overflow, maximum and percentiles; the period error's histogram
    private long _early;

    /// <summary>Creates <paramref name="bins"/> bins of <paramref name="binWidth"/> seconds each.</summary>
    public LatencyHistogram(double binWidth, int bins) => _bins = new PeriodHistogram(binWidth, bins);

    /// <summary>Width of a bin [s].</summary>
    public double BinWidth => _bins.BinWidth;

    /// <summary>Number of bins.</summary>
    public int Bins => _bins.Bins;

    /// <summary>Samples added.</summary>
    public long Count => _bins.Count;

    /// <summary>Samples beyond the last bin.</summary>
    public long Overflow => _bins.Overflow;

    /// <summary>Negative samples (counted in bin 0).</summary>
    public long Early => _early;

    /// <summary>Largest value added [s]; 0 when empty.</summary>
    public double Max => _bins.Max;

    /// <summary>Count in bin <paramref name="k"/>.</summary>
    public long this[int k] => _bins[k];

    /// <summary>Adds one latency [s]; a NaN is ignored.</summary>
    public void Add(double seconds)
    {
        if (double.IsNaN(seconds)) return;
        if (seconds < 0) { _early++; seconds = 0; }
        _bins.Add(seconds);
    }

    /// <summary>Empties the histogram.</summary>
    public void Clear()
    {
        _bins.Clear();
        _early = 0;
    }

    /// <summary>
    /// The <paramref name="p"/>-quantile (0 &lt; p ≤ 1) [s]: the upper edge of the bin that holds the ⌈p·Count⌉-th smallest
    /// sample (at most <see cref="Max"/>), or <see cref="Max"/> if that sample overflowed. 0 when empty.
    /// </summary>
    public double Percentile(double p) => _bins.Percentile(p);

    /// <summary>
    /// The non-empty bins as text, e.g. <c>0.3–0.4 ms 12, 0.4–0.5 ms 40, &gt;50 ms 3</c>: adjacent bins are merged in powers of two
    /// until at most <paramref name="maxGroups"/> groups are left (the overflow is one more). Allocates: for reports, not the loop.
    /// </summary>
    public string Describe(int maxGroups = 12)
    {
        if (maxGroups < 1) throw new ArgumentException($"maxGroups = {maxGroups}: must be ≥ 1", nameof(maxGroups));
        int merge = 1;
        while (Groups(merge) > maxGroups && merge < Bins) merge *= 2;
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        for (int start = 0; start < Bins; start += merge)
        {
            long n = 0;
            for (int k = start; k < Math.Min(start + merge, Bins); k++) n += _bins[k];
            if (n == 0) continue;
            if (sb.Length > 0) sb.Append(", ");
            double end = Math.Min(start + merge, Bins) * BinWidth;
            sb.Append(inv, $"{start * BinWidth * 1e3:0.###}–{end * 1e3:0.###} ms {n}");
        }
        if (Overflow > 0) sb.Append(sb.Length > 0 ? ", " : "").Append(inv, $">{Bins * BinWidth * 1e3:0.###} ms {Overflow}");
        return sb.Length == 0 ? "empty" : sb.ToString();
    }

    private int Groups(int merge)
    {
        int groups = 0;
        for (int start = 0; start < Bins; start += merge)
            for (int k = start; k < Math.Min(start + merge, Bins); k++)
                if (_bins[k] > 0) { groups++; break; }
        return groups;
    }
}
