namespace Robotics.Training.Runner;

/// <summary>A sample's mean with its 95% confidence interval, mean ± t·s/√n.</summary>
/// <param name="Mean">The sample mean.</param>
/// <param name="HalfWidth">t_{0.975, n−1} · s / √n (NaN for fewer than two values).</param>
/// <param name="Count">n.</param>
public sealed record ConfidenceInterval(double Mean, double HalfWidth, int Count)
{
    /// <summary>Lower end, Mean − HalfWidth.</summary>
    public double Low => Mean - HalfWidth;
    /// <summary>Upper end, Mean + HalfWidth.</summary>
    public double High => Mean + HalfWidth;

    /// <summary>
    /// The 95% interval for the mean of <paramref name="values"/> under Student's t with n − 1 degrees of freedom,
    /// s the sample standard deviation (n − 1 in the denominator): what Engstrom et al. (2020) report over seeds.
    /// </summary>
    public static ConfidenceInterval StudentT95(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("a confidence interval needs at least one value", nameof(values));
        int n = values.Count;
        double mean = values.Average();
        if (n < 2) return new ConfidenceInterval(mean, double.NaN, n);
        double s = Math.Sqrt(values.Sum(x => (x - mean) * (x - mean)) / (n - 1));
        return new ConfidenceInterval(mean, TQuantile975(n - 1) * s / Math.Sqrt(n), n);
    }

    // t_{0.975, ν} for ν = 1…30 (standard tables, 4 decimals).
    private static readonly double[] Table =
    {
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
        2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
        2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
    };

    /// <summary>
    /// The 0.975 quantile of Student's t with <paramref name="dof"/> degrees of freedom: tabulated to 30, beyond
    /// that the Cornish–Fisher expansion t ≈ z + (z³ + z)/(4ν) + (5z⁵ + 16z³ + 3z)/(96ν²), z = 1.959964
    /// (2.04218 at ν = 30 against the exact 2.04227; the error shrinks as 1/ν³).
    /// </summary>
    public static double TQuantile975(int dof)
    {
        if (dof < 1) throw new ArgumentOutOfRangeException(nameof(dof), dof, "degrees of freedom must be ≥ 1");
        if (dof <= Table.Length) return Table[dof - 1];
        const double z = 1.959963985;
        double z3 = z * z * z, z5 = z3 * z * z, v = dof;
        return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v);
    }
}
