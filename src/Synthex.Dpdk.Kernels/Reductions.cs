using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Synthex.Dpdk.Kernels;

/// <summary>
/// Dot product, sum, L2 norm and cosine similarity over f32 spans.
/// </summary>
/// <remarks>
/// <para>Summation order and the error bound it gives (u = 2⁻²⁴, γ(k) = k·u / (1 − k·u)):</para>
/// <para>Inputs shorter than one vector (every input on the scalar path is "one lane wide") are
/// summed left to right in four interleaved scalar accumulators; longer ones in 4 vector
/// accumulators (2 for cosine's three sums) of W lanes. A lane takes at most one masked head term
/// (from 8W up to 6 K floats and from 64 K floats on, the head aligns the first operand to
/// the vector size), ⌊n / (U·W)⌋ main-loop terms,
/// then at most one leftover whole vector or the masked overlapping tail; the accumulators are added
/// pairwise (log2 U levels) and the lanes by halving (log2 W levels). Every term therefore passes
/// through at most <see cref="Depth"/>(n) roundings, and
/// |ŝ − s| ≤ γ(Depth) · Σ|xᵢ| for <see cref="Sum(ReadOnlySpan{float})"/>,
/// |d̂ − d| ≤ γ(Depth + 1) · Σ|aᵢbᵢ| + n·2⁻¹⁴⁹ for <see cref="Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>
/// (one more rounding for the product when not fused, and the underflow of subnormal products).
/// The tests assert exactly these bounds on every path against an f64 reference.</para>
/// <para>Because the head depends on where the first operand lies modulo the vector size, the same
/// values at two addresses may round differently in the last bits (always within the bound), as
/// with TensorPrimitives, which aligns the same way. Consensus and similarity scores do not align,
/// so they are reproducible bit for bit.</para>
/// <para>NaN in, NaN out; an infinity propagates as IEEE addition does. Sums whose partial results
/// leave the f32 range overflow to ±∞ (or NaN when both signs overflow), as any f32 summation does.</para>
/// </remarks>
public static unsafe class Reductions
{
    private static readonly delegate*<ref float, ref float, nuint, float> s_dot = DotFor(SimdInfo.Selected);
    private static readonly delegate*<ref float, nuint, float> s_sum = SumFor(SimdInfo.Selected);
    private static readonly delegate*<ref float, ref float, nuint, float> s_cos = CosineFor(SimdInfo.Selected);

    /// <summary>Σ aᵢ·bᵢ.</summary>
    /// <exception cref="ArgumentException">A span is empty or the lengths differ.</exception>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckPair(a, b);
        return s_dot(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), (nuint)a.Length);
    }

    /// <summary>Σ xᵢ.</summary>
    /// <exception cref="ArgumentException">The span is empty.</exception>
    public static float Sum(ReadOnlySpan<float> x)
    {
        if (x.IsEmpty) ThrowEmpty(nameof(x));
        return s_sum(ref MemoryMarshal.GetReference(x), (nuint)x.Length);
    }

    /// <summary>√(Σ xᵢ²), the Euclidean norm (no rescaling: |x| beyond ~1.8e19 overflows, as in TensorPrimitives.Norm).</summary>
    /// <exception cref="ArgumentException">The span is empty.</exception>
    public static float Norm(ReadOnlySpan<float> x)
    {
        if (x.IsEmpty) ThrowEmpty(nameof(x));
        ref float r = ref MemoryMarshal.GetReference(x);
        return MathF.Sqrt(s_dot(ref r, ref r, (nuint)x.Length));
    }

    /// <summary>(a·b) / (‖a‖·‖b‖); NaN when either vector is zero.</summary>
    /// <exception cref="ArgumentException">A span is empty or the lengths differ.</exception>
    public static float CosineSimilarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckPair(a, b);
        return s_cos(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), (nuint)a.Length);
    }

    /// <summary>
    /// The number of roundings a term of an n-long sum goes through on <paramref name="path"/> (see
    /// remarks); <paramref name="accumulators"/> is 4 for Sum/Dot, 2 for the three sums of cosine.
    /// </summary>
    internal static int Depth(SimdPath path, int n, int accumulators = 4)
    {
        int w = Width(path);
        int log2U = accumulators == 4 ? 2 : 1;
        // Scalar chains: ⌊n/U⌋ loop terms, up to U−1 leftovers on chain 0, then log2 U pairwise levels.
        if (n < w || path == SimdPath.Scalar) return n / accumulators + (accumulators - 1) + log2U;
        // Vector lanes: the masked aligning head, ⌊n/(U·W)⌋ loop terms, one leftover vector or the
        // masked tail, then log2 U + log2 W pairwise levels.
        return n / (accumulators * w) + 2 + log2U + BitOperations.Log2((uint)w);
    }

    /// <summary>Two operands of this many floats fill Zen 5's 48 KiB L1D: aligned heads help below it.</summary>
    internal const int AlignL1Max = 6144;

    /// <summary>From this length (256 KiB of floats, streaming from L3 or memory) aligned heads help again.</summary>
    internal const int AlignFrom = 65536;

    internal static int Width(SimdPath path) => path switch { SimdPath.V512 => 16, SimdPath.V256 => 8, SimdPath.V128 => 4, _ => 1 };

    // ---------------------------------------------------------------- per-path access

    internal static float Dot(SimdPath path, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        SimdInfo.EnsureAvailable(path); CheckPair(a, b);
        return DotFor(path)(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), (nuint)a.Length);
    }

    internal static float Sum(SimdPath path, ReadOnlySpan<float> x)
    {
        SimdInfo.EnsureAvailable(path);
        if (x.IsEmpty) ThrowEmpty(nameof(x));
        return SumFor(path)(ref MemoryMarshal.GetReference(x), (nuint)x.Length);
    }

    internal static float Norm(SimdPath path, ReadOnlySpan<float> x) => MathF.Sqrt(Dot(path, x, x));

    internal static float CosineSimilarity(SimdPath path, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        SimdInfo.EnsureAvailable(path); CheckPair(a, b);
        return CosineFor(path)(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), (nuint)a.Length);
    }

    internal static delegate*<ref float, ref float, nuint, float> DotFor(SimdPath path) => path switch
    {
        SimdPath.V512 => &Dot<Vector512<float>, V512>,
        SimdPath.V256 => &Dot<Vector256<float>, V256>,
        SimdPath.V128 => &Dot<Vector128<float>, V128>,
        _ => &DotScalar,
    };

    internal static delegate*<ref float, nuint, float> SumFor(SimdPath path) => path switch
    {
        SimdPath.V512 => &Sum<Vector512<float>, V512>,
        SimdPath.V256 => &Sum<Vector256<float>, V256>,
        SimdPath.V128 => &Sum<Vector128<float>, V128>,
        _ => &SumScalar,
    };

    internal static delegate*<ref float, ref float, nuint, float> CosineFor(SimdPath path) => path switch
    {
        SimdPath.V512 => &Cosine<Vector512<float>, V512>,
        SimdPath.V256 => &Cosine<Vector256<float>, V256>,
        SimdPath.V128 => &Cosine<Vector128<float>, V128>,
        _ => &CosineScalar,
    };

    internal static void CheckPair(ReadOnlySpan<float> a, ReadOnlySpan<float> b, string aName = "a", string bName = "b")
    {
        if (a.IsEmpty) ThrowEmpty(aName);
        if (a.Length != b.Length) throw new ArgumentException($"Length {b.Length} differs from {aName}'s {a.Length}.", bName);
    }

    internal static void ThrowEmpty(string name) => throw new ArgumentException("The span is empty.", name);

    // ---------------------------------------------------------------- kernels

    /// <summary>
    /// Elements before <paramref name="a"/>'s next vector boundary: the head is summed as one masked
    /// vector and the main loop's loads of a never split a cache line. Measured with zmm on EPYC
    /// Zen 5 against TensorPrimitives.Dot (which aligns the same way), aligned vs unaligned:
    /// 4 K floats (L1) 1.30× vs 1.0×; 16 K floats (L2) 0.87× vs 1.0×; 1 M floats 1.1× vs 0.85×.
    /// So: aligned below <see cref="AlignL1Max"/> floats and from <see cref="AlignFrom"/>, not between.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static nuint AlignHead<TV, T>(ref float a, nuint n) where TV : struct where T : IF32<TV>
    {
        nuint w = (nuint)T.Count;
        if (n < 8 * w || (n >= AlignL1Max && n < AlignFrom)) return 0;
        nuint misalign = ((nuint)Unsafe.AsPointer(ref a) / sizeof(float)) & (w - 1);
        return (w - misalign) & (w - 1);
    }

    internal static float DotScalar(ref float a, ref float b, nuint n)
    {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        nuint i = 0;
        for (; i + 4 <= n; i += 4)
        {
            s0 += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
            s1 += Unsafe.Add(ref a, i + 1) * Unsafe.Add(ref b, i + 1);
            s2 += Unsafe.Add(ref a, i + 2) * Unsafe.Add(ref b, i + 2);
            s3 += Unsafe.Add(ref a, i + 3) * Unsafe.Add(ref b, i + 3);
        }
        for (; i < n; i++) s0 += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        return (s0 + s1) + (s2 + s3);
    }

    internal static float SumScalar(ref float x, nuint n)
    {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        nuint i = 0;
        for (; i + 4 <= n; i += 4)
        {
            s0 += Unsafe.Add(ref x, i);
            s1 += Unsafe.Add(ref x, i + 1);
            s2 += Unsafe.Add(ref x, i + 2);
            s3 += Unsafe.Add(ref x, i + 3);
        }
        for (; i < n; i++) s0 += Unsafe.Add(ref x, i);
        return (s0 + s1) + (s2 + s3);
    }

    internal static float CosineScalar(ref float a, ref float b, nuint n)
    {
        float ab0 = 0, ab1 = 0, aa0 = 0, aa1 = 0, bb0 = 0, bb1 = 0;
        nuint i = 0;
        for (; i + 2 <= n; i += 2)
        {
            float x0 = Unsafe.Add(ref a, i), y0 = Unsafe.Add(ref b, i), x1 = Unsafe.Add(ref a, i + 1), y1 = Unsafe.Add(ref b, i + 1);
            ab0 += x0 * y0; aa0 += x0 * x0; bb0 += y0 * y0;
            ab1 += x1 * y1; aa1 += x1 * x1; bb1 += y1 * y1;
        }
        if (i < n)
        {
            float x0 = Unsafe.Add(ref a, i), y0 = Unsafe.Add(ref b, i);
            ab0 += x0 * y0; aa0 += x0 * x0; bb0 += y0 * y0;
        }
        return (ab0 + ab1) / (MathF.Sqrt(aa0 + aa1) * MathF.Sqrt(bb0 + bb1));
    }

    // Four independent FMA chains hide the 4-cycle FMA latency at two FMAs per cycle; the tail is one
    // overlapping load with the already-counted lanes zeroed in both operands (0·∞ would be NaN).
    internal static float Dot<TV, T>(ref float a, ref float b, nuint n) where TV : struct where T : IF32<TV>
    {
        nuint w = (nuint)T.Count;
        if (n < w) return DotScalar(ref a, ref b, n);
        TV s0 = T.Zero, s1 = T.Zero, s2 = T.Zero, s3 = T.Zero;
        nuint i = AlignHead<TV, T>(ref a, n);
        if (i != 0) s1 = T.Fma(T.KeepFirst(T.Load(ref a, 0), i), T.KeepFirst(T.Load(ref b, 0), i), s1);
        for (; i + 4 * w <= n; i += 4 * w)
        {
            s0 = T.Fma(T.Load(ref a, i), T.Load(ref b, i), s0);
            s1 = T.Fma(T.Load(ref a, i + w), T.Load(ref b, i + w), s1);
            s2 = T.Fma(T.Load(ref a, i + 2 * w), T.Load(ref b, i + 2 * w), s2);
            s3 = T.Fma(T.Load(ref a, i + 3 * w), T.Load(ref b, i + 3 * w), s3);
        }
        if (i + w <= n) { s0 = T.Fma(T.Load(ref a, i), T.Load(ref b, i), s0); i += w; }
        if (i + w <= n) { s1 = T.Fma(T.Load(ref a, i), T.Load(ref b, i), s1); i += w; }
        if (i + w <= n) { s2 = T.Fma(T.Load(ref a, i), T.Load(ref b, i), s2); i += w; }
        if (i < n)
        {
            nuint rem = n - i;
            s3 = T.Fma(T.KeepLast(T.Load(ref a, n - w), rem), T.KeepLast(T.Load(ref b, n - w), rem), s3);
        }
        return T.Sum(T.Add(T.Add(s0, s1), T.Add(s2, s3)));
    }

    internal static float Sum<TV, T>(ref float x, nuint n) where TV : struct where T : IF32<TV>
    {
        nuint w = (nuint)T.Count;
        if (n < w) return SumScalar(ref x, n);
        TV s0 = T.Zero, s1 = T.Zero, s2 = T.Zero, s3 = T.Zero;
        nuint i = AlignHead<TV, T>(ref x, n);
        if (i != 0) s1 = T.KeepFirst(T.Load(ref x, 0), i);
        // Eight loads per iteration for the long single stream (more misses in flight from L3), still
        // one term per chain per 4 vectors, so the bound is unchanged.
        for (; i + 8 * w <= n; i += 8 * w)
        {
            s0 = T.Add(s0, T.Load(ref x, i));
            s1 = T.Add(s1, T.Load(ref x, i + w));
            s2 = T.Add(s2, T.Load(ref x, i + 2 * w));
            s3 = T.Add(s3, T.Load(ref x, i + 3 * w));
            s0 = T.Add(s0, T.Load(ref x, i + 4 * w));
            s1 = T.Add(s1, T.Load(ref x, i + 5 * w));
            s2 = T.Add(s2, T.Load(ref x, i + 6 * w));
            s3 = T.Add(s3, T.Load(ref x, i + 7 * w));
        }
        for (; i + 4 * w <= n; i += 4 * w)
        {
            s0 = T.Add(s0, T.Load(ref x, i));
            s1 = T.Add(s1, T.Load(ref x, i + w));
            s2 = T.Add(s2, T.Load(ref x, i + 2 * w));
            s3 = T.Add(s3, T.Load(ref x, i + 3 * w));
        }
        if (i + w <= n) { s0 = T.Add(s0, T.Load(ref x, i)); i += w; }
        if (i + w <= n) { s1 = T.Add(s1, T.Load(ref x, i)); i += w; }
        if (i + w <= n) { s2 = T.Add(s2, T.Load(ref x, i)); i += w; }
        if (i < n) s3 = T.Add(s3, T.KeepLast(T.Load(ref x, n - w), n - i));
        return T.Sum(T.Add(T.Add(s0, s1), T.Add(s2, s3)));
    }

    // One pass, three sums: a·b, a·a, b·b, two accumulators each (6 live + 4 loads fit AVX2's 16 registers).
    internal static float Cosine<TV, T>(ref float a, ref float b, nuint n) where TV : struct where T : IF32<TV>
    {
        nuint w = (nuint)T.Count;
        if (n < w) return CosineScalar(ref a, ref b, n);
        TV ab0 = T.Zero, ab1 = T.Zero, aa0 = T.Zero, aa1 = T.Zero, bb0 = T.Zero, bb1 = T.Zero;
        nuint i = AlignHead<TV, T>(ref a, n);
        if (i != 0)
        {
            TV x = T.KeepFirst(T.Load(ref a, 0), i), y = T.KeepFirst(T.Load(ref b, 0), i);
            ab1 = T.Fma(x, y, ab1); aa1 = T.Fma(x, x, aa1); bb1 = T.Fma(y, y, bb1);
        }
        for (; i + 2 * w <= n; i += 2 * w)
        {
            TV x0 = T.Load(ref a, i), y0 = T.Load(ref b, i), x1 = T.Load(ref a, i + w), y1 = T.Load(ref b, i + w);
            ab0 = T.Fma(x0, y0, ab0); aa0 = T.Fma(x0, x0, aa0); bb0 = T.Fma(y0, y0, bb0);
            ab1 = T.Fma(x1, y1, ab1); aa1 = T.Fma(x1, x1, aa1); bb1 = T.Fma(y1, y1, bb1);
        }
        if (i + w <= n)
        {
            TV x0 = T.Load(ref a, i), y0 = T.Load(ref b, i);
            ab0 = T.Fma(x0, y0, ab0); aa0 = T.Fma(x0, x0, aa0); bb0 = T.Fma(y0, y0, bb0);
            i += w;
        }
        if (i < n)
        {
            nuint rem = n - i;
            TV x1 = T.KeepLast(T.Load(ref a, n - w), rem), y1 = T.KeepLast(T.Load(ref b, n - w), rem);
            ab1 = T.Fma(x1, y1, ab1); aa1 = T.Fma(x1, x1, aa1); bb1 = T.Fma(y1, y1, bb1);
        }
        float ab = T.Sum(T.Add(ab0, ab1)), aa = T.Sum(T.Add(aa0, aa1)), bb = T.Sum(T.Add(bb0, bb1));
        return ab / (MathF.Sqrt(aa) * MathF.Sqrt(bb));
    }
}
