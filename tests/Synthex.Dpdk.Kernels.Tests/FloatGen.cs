using CsCheck;

namespace Synthex.Dpdk.Kernels.Tests;

/// <summary>Float inputs and the error-bound arithmetic the float kernels document.</summary>
internal static class FloatGen
{
    public const double U = 1.0 / (1 << 24);          // unit roundoff of f32
    public const double MinSubnormal = 1.401298464324817e-45; // 2^-149

    /// <summary>γ(k) = k·u / (1 − k·u), the classic bound for k roundings.</summary>
    public static double Gamma(int k) => k * U / (1 - k * U);

    private static readonly Gen<float> Plain = Gen.Float[-100f, 100f];
    private static readonly Gen<float> Large = Gen.Select(Gen.Float[1e30f, 3e38f], Gen.Bool).Select((f, neg) => neg ? -f : f);
    private static readonly Gen<float> Subnormal = Gen.Select(Gen.Int[1, (1 << 23) - 1], Gen.Bool).Select((i, neg) => BitConverter.Int32BitsToSingle(i | (neg ? int.MinValue : 0)));
    private static readonly Gen<float> Special = Gen.OneOfConst(float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f);

    /// <summary>Mode 0: ordinary values; 1: with large magnitudes and subnormals; 2: also NaN and ±∞.</summary>
    public static Gen<float> Value(int mode) => mode switch
    {
        0 => Plain,
        1 => Gen.Frequency((16, Plain), (2, Large), (2, Subnormal)),
        _ => Gen.Frequency((40, Plain), (2, Large), (2, Subnormal), (1, Special)),
    };

    /// <summary>Lengths 0 .. 3 × 64 + 7 (three unrolled zmm iterations plus a tail), sometimes a few thousand.</summary>
    public static readonly Gen<int> Length = Gen.Frequency((9, Gen.Int[0, 3 * 64 + 7]), (1, Gen.Int[200, 3000]));

    /// <summary>(buffer, offset) with offset 0..15 floats: every start position within a zmm register.</summary>
    public static Gen<(float[] Buffer, int Offset, int Length, float[] Other)> Pair(int minLength = 0) =>
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 15], Length)
           .SelectMany((mode, off, n) =>
           {
               n = Math.Max(n, minLength);
               return Gen.Select(Value(mode).Array[off + n], Value(mode).Array[off + n]).Select((a, b) => (a, off, n, b));
           });

    /// <summary>
    /// Checks a computed f32 against an f64 reference within <paramref name="bound"/>. NaN must give
    /// NaN and ±∞ the same ∞; when the finite terms could overflow f32 (Σ|term| ≥ 2^127) nothing is
    /// claimed, as for any f32 summation.
    /// </summary>
    public static void Within(float got, double reference, double bound, double finiteAbsSum, string what)
    {
        if (finiteAbsSum >= 1.7e38) return;
        if (double.IsNaN(reference)) { Assert.True(float.IsNaN(got), $"{what}: expected NaN, got {got}"); return; }
        if (double.IsInfinity(reference)) { Assert.Equal((float)reference, got); return; }
        double err = Math.Abs(got - reference);
        Assert.True(err <= bound, $"{what}: |{got} − {reference}| = {err:E3} > bound {bound:E3}");
    }

    /// <summary>Σ over the finite terms of |term|, in f64.</summary>
    public static double FiniteAbsSum(IEnumerable<double> terms) => terms.Where(double.IsFinite).Sum(Math.Abs);
}
