using System.Runtime.CompilerServices;

namespace Robotics.Sim.Random;

/// <summary>
/// A small, fast, allocation-free random generator (xoshiro256**), seeded through SplitMix64.
/// Same seed, same sequence, on every machine. A value type: each environment owns one and
/// advances it by reference.
/// </summary>
public struct Rng
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Seeds the four state words from one 64-bit seed with SplitMix64 (never all zero).</summary>
    public Rng(ulong seed)
    {
        _s0 = SplitMix64(ref seed);
        _s1 = SplitMix64(ref seed);
        _s2 = SplitMix64(ref seed);
        _s3 = SplitMix64(ref seed);
    }

    /// <summary>
    /// The generator for one stream of one subsystem: "one seed, split per subsystem and per environment".
    /// Streams with different (subsystem, index) are independent for any practical purpose.
    /// </summary>
    public static Rng For(ulong seed, string subsystem, int index = 0) => new(Derive(seed, subsystem, index));

    /// <summary>A 64-bit seed derived from (seed, subsystem, index) by hashing (FNV-1a, then SplitMix64).</summary>
    public static ulong Derive(ulong seed, string subsystem, int index = 0)
    {
        ulong h = 0xcbf29ce484222325UL;
        foreach (char c in subsystem) { h ^= c; h *= 0x100000001b3UL; }
        ulong x = seed ^ h ^ ((ulong)(uint)index * 0x9E3779B97F4A7C15UL);
        return SplitMix64(ref x);
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [a, b); returns a when a == b.</summary>
    public double Uniform(double a, double b) => a + (b - a) * NextDouble();

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be positive");
        return (int)((NextUInt64() >> 33) * (ulong)n >> 31);
    }

    /// <summary>Standard normal (Box–Muller; one value per call, nothing cached, so the state stays a plain value).</summary>
    public double Normal()
    {
        double u1 = 1.0 - NextDouble();   // (0, 1]: log is finite
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
