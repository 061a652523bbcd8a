namespace Robotics.Deploy.RealTime;

/// <summary>
/// A fixed-bin histogram of |period error| [s], preallocated: bin k counts errors in
/// [k·width, (k+1)·width); errors beyond the last bin go to an overflow count (and the maximum is kept
/// exactly). Adding allocates nothing; percentiles are read from the bins, so they are exact to one bin width.
/// </summary>
public sealed class PeriodHistogram
{
    private readonly long[] _counts;   // [bins]
    private long _overflow, _total;
    private double _max;

    /// <summary>Creates <paramref name="bins"/> bins of <paramref name="binWidth"/> seconds each.</summary>
    public PeriodHistogram(double binWidth, int bins)
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
    public long Count => _total;

    /// <summary>Samples beyond the last bin.</summary>
    public long Overflow => _overflow;

    /// <summary>Largest |error| added [s].</summary>
    public double Max => _max;

    /// <summary>Count in bin <paramref name="k"/>.</summary>
    public long this[int k] => _counts[k];

    /// <summary>Adds one period error [s] (its absolute value is binned).</summary>
    public void Add(double error)
    {
        double e = Math.Abs(error);
        if (e > _max) _max = e;
        double k = e / BinWidth;
        if (k < _counts.Length) _counts[(int)k]++;
        else _overflow++;
        _total++;
    }

    /// <summary>Empties the histogram.</summary>
    public void Clear()
    {
        Array.Clear(_counts);
        _overflow = _total = 0;
        _max = 0;
    }

    /// <summary>
    /// The <paramref name="p"/>-quantile (0 &lt; p ≤ 1) [s]: the upper edge of the bin that holds the
    /// ⌈p·Count⌉-th smallest sample, or <see cref="Max"/> if that sample overflowed. 0 when empty.
    /// </summary>
    public double Percentile(double p)
    {
        if (!(p > 0 && p <= 1)) throw new ArgumentException($"p = {p}: allowed (0, 1]", nameof(p));
        if (_total == 0) return 0;
        long rank = (long)Math.Ceiling(p * _total), seen = 0;
        for (int k = 0; k < _counts.Length; k++)
        {
            seen += _counts[k];
            if (seen >= rank) return Math.Min((k + 1) * BinWidth, _max);
        }
        return _max;
    }
}
