using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Synthex.Dpdk.Kernels;

/// <summary>
/// Weighted consensus, the appliance's core computation, in its two forms: the scalar reduction
/// Σ wᵢ·rᵢ / Σ wᵢ, and the vector aggregation acc[d] += w·v[d] … out[d] = acc[d] / Σw used when
/// each expert sends a whole response vector (see <see cref="ConsensusAccumulator"/>).
/// </summary>
/// <remarks>
/// <para><b>Reduction</b> — two interleaved accumulators per sum (<see cref="Reductions.Depth"/> with
/// U = 2): with D = Depth(n, 2), N̂ = Σwr within eN = γ(D+1)·Σ|wᵢrᵢ| + n·2⁻¹⁴⁹, Ŵ = Σw within
/// eW = γ(D)·Σ|wᵢ|, and the quotient adds one rounding:
/// |N̂/Ŵ − N/W| ≤ (eN + |N/W|·eW) / (|W| − eW) + u·|N̂/Ŵ|.</para>
/// <para><b>Aggregation</b> — each update is one fused multiply-add per element on every path (the scalar
/// twin uses MathF.FusedMultiplyAdd), so all paths agree bit for bit; after m updates
/// |acc[d] − exact| ≤ γ(m)·Σᵢ|wᵢ·vᵢ[d]| in f32, γ₆₄(m)·Σᵢ|wᵢ·vᵢ[d]| in f64 (w·v is exact in f64), and
/// the final division adds one f32 rounding. Memory-bound: the vector loop is 4 × unrolled and
/// <see cref="AccumulateBurst"/> reads the accumulator once for a whole burst of experts.</para>
/// </remarks>
public static unsafe class Consensus
{
    private static readonly delegate*<ref float, ref float, nuint, out float, float> s_mean = MeanFor(SimdInfo.Selected);
    private static readonly delegate*<ref float, float, ref float, nuint, void> s_axpy = AxpyFor(SimdInfo.Selected);
    private static readonly delegate*<ref double, float, ref float, nuint, void> s_axpy64 = Axpy64For(SimdInfo.Selected);
    private static readonly delegate*<ref float, ref float, nuint, float, void> s_scale = DivideFor(SimdInfo.Selected);
    private static readonly delegate*<ref float, ref float, ref float, nuint, void> s_axpy4 = AxpyBurst4For(SimdInfo.Selected);

    /// <summary>Σ wᵢ·rᵢ / Σ wᵢ. Weights may have any sign; only a zero total is refused.</summary>
    /// <exception cref="ArgumentException">A span is empty, the lengths differ, or Σ wᵢ is 0 (naming <paramref name="weights"/>).</exception>
    public static float WeightedMean(ReadOnlySpan<float> weights, ReadOnlySpan<float> responses)
    {
        Reductions.CheckPair(weights, responses, nameof(weights), nameof(responses));
        float num = s_mean(ref MemoryMarshal.GetReference(weights), ref MemoryMarshal.GetReference(responses), (nuint)weights.Length, out float total);
        if (total == 0) ThrowZeroWeight(nameof(weights));
        return num / total;
    }

    /// <summary>acc[d] += weight · vector[d] in f32.</summary>
    /// <exception cref="ArgumentException"><paramref name="vector"/> is empty or its length differs from <paramref name="accumulator"/>'s.</exception>
    public static void Accumulate(Span<float> accumulator, float weight, ReadOnlySpan<float> vector)
    {
        CheckAcc(accumulator.Length, vector.Length);
        s_axpy(ref MemoryMarshal.GetReference(accumulator), weight, ref MemoryMarshal.GetReference(vector), (nuint)vector.Length);
    }

    /// <summary>acc[d] += weight · vector[d] in f64, for long rounds where f32 would lose the small contributions.</summary>
    /// <exception cref="ArgumentException"><paramref name="vector"/> is empty or its length differs from <paramref name="accumulator"/>'s.</exception>
    public static void Accumulate(Span<double> accumulator, float weight, ReadOnlySpan<float> vector)
    {
        CheckAcc(accumulator.Length, vector.Length);
        s_axpy64(ref MemoryMarshal.GetReference(accumulator), weight, ref MemoryMarshal.GetReference(vector), (nuint)vector.Length);
    }

    /// <summary>
    /// A burst of experts at once: acc[d] += Σₑ weights[e]·vectors[e·D + d] (D = accumulator length), in
    /// expert order, bit-identical to calling <see cref="Accumulate(Span{float}, float, ReadOnlySpan{float})"/>
    /// per expert but reading and writing the accumulator once per burst instead of once per expert.
    /// </summary>
    /// <exception cref="ArgumentException">The burst is empty, or <paramref name="vectors"/> is not weights.Length × accumulator.Length.</exception>
    public static void AccumulateBurst(Span<float> accumulator, ReadOnlySpan<float> weights, ReadOnlySpan<float> vectors)
    {
        if (weights.IsEmpty) Reductions.ThrowEmpty(nameof(weights));
        if (accumulator.IsEmpty) Reductions.ThrowEmpty(nameof(accumulator));
        if (vectors.Length != weights.Length * accumulator.Length)
            throw new ArgumentException($"Expected {weights.Length} × {accumulator.Length} floats, got {vectors.Length}.", nameof(vectors));
        Burst(s_axpy4, s_axpy, accumulator, weights, vectors);
    }

    // Four experts per pass over the accumulator: 4 × (load, FMA) per load and store of acc.
    private static void Burst(delegate*<ref float, ref float, ref float, nuint, void> axpy4, delegate*<ref float, float, ref float, nuint, void> axpy,
                              Span<float> accumulator, ReadOnlySpan<float> weights, ReadOnlySpan<float> vectors)
    {
        ref float acc = ref MemoryMarshal.GetReference(accumulator);
        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float x = ref MemoryMarshal.GetReference(vectors);
        nuint d = (nuint)accumulator.Length;
        int e = 0;
        for (; e + 4 <= weights.Length; e += 4)
            axpy4(ref acc, ref Unsafe.Add(ref w, e), ref Unsafe.Add(ref x, (nuint)e * d), d);
        for (; e < weights.Length; e++)
            axpy(ref acc, Unsafe.Add(ref w, e), ref Unsafe.Add(ref x, (nuint)e * d), d);
    }

    internal static void AccumulateBurst(SimdPath path, Span<float> accumulator, ReadOnlySpan<float> weights, ReadOnlySpan<float> vectors)
    {
        SimdInfo.EnsureAvailable(path);
        if (accumulator.IsEmpty) Reductions.ThrowEmpty(nameof(accumulator));
        if (vectors.Length != weights.Length * accumulator.Length)
            throw new ArgumentException($"Expected {weights.Length} × {accumulator.Length} floats, got {vectors.Length}.", nameof(vectors));
        Burst(AxpyBurst4For(path), AxpyFor(path), accumulator, weights, vectors);
    }

    /// <summary>result[d] = acc[d] / totalWeight (a true division: one rounding).</summary>
    /// <exception cref="ArgumentException"><paramref name="totalWeight"/> is 0, or the lengths differ.</exception>
    public static void Finalize(ReadOnlySpan<float> accumulator, float totalWeight, Span<float> result)
    {
        CheckFinal(accumulator.Length, result.Length, totalWeight);
        s_scale(ref MemoryMarshal.GetReference(accumulator), ref MemoryMarshal.GetReference(result), (nuint)result.Length, totalWeight);
    }

    /// <summary>result[d] = (float)(acc[d] / totalWeight), dividing in f64.</summary>
    /// <exception cref="ArgumentException"><paramref name="totalWeight"/> is 0, or the lengths differ.</exception>
    public static void Finalize(ReadOnlySpan<double> accumulator, double totalWeight, Span<float> result)
    {
        CheckFinal(accumulator.Length, result.Length, totalWeight);
        for (int d = 0; d < result.Length; d++) result[d] = (float)(accumulator[d] / totalWeight);
    }

    // ---------------------------------------------------------------- per-path access

    internal static float WeightedMean(SimdPath path, ReadOnlySpan<float> weights, ReadOnlySpan<float> responses)
    {
        SimdInfo.EnsureAvailable(path);
        Reductions.CheckPair(weights, responses, nameof(weights), nameof(responses));
        float num = MeanFor(path)(ref MemoryMarshal.GetReference(weights), ref MemoryMarshal.GetReference(responses), (nuint)weights.Length, out float total);
        if (total == 0) ThrowZeroWeight(nameof(weights));
        return num / total;
    }

    internal static void Accumulate(SimdPath path, Span<float> acc, float weight, ReadOnlySpan<float> vector)
    {
        SimdInfo.EnsureAvailable(path); CheckAcc(acc.Length, vector.Length);
        AxpyFor(path)(ref MemoryMarshal.GetReference(acc), weight, ref MemoryMarshal.GetReference(vector), (nuint)vector.Length);
    }

    internal static void Accumulate(SimdPath path, Span<double> acc, float weight, ReadOnlySpan<float> vector)
    {
        SimdInfo.EnsureAvailable(path); CheckAcc(acc.Length, vector.Length);
        Axpy64For(path)(ref MemoryMarshal.GetReference(acc), weight, ref MemoryMarshal.GetReference(vector), (nuint)vector.Length);
    }

    internal static void Finalize(SimdPath path, ReadOnlySpan<float> acc, float totalWeight, Span<float> result)
    {
        SimdInfo.EnsureAvailable(path); CheckFinal(acc.Length, result.Length, totalWeight);
        DivideFor(path)(ref MemoryMarshal.GetReference(acc), ref MemoryMarshal.GetReference(result), (nuint)result.Length, totalWeight);
    }

    internal static delegate*<ref float, ref float, nuint, out float, float> MeanFor(SimdPath path) => path switch
    {
        SimdPath.V512 => &Mean<Vector512<float>, V512>,
        SimdPath.V256 => &Mean<Vector256<float>, V256>,
        SimdPath.V128 => &Mean<Vector128<float>, V128>,
        _ => &MeanScalar,
    };

    internal static delegate*<ref float, float, ref float, nuint, void> AxpyFor(SimdPath path) => path switch
    {
        SimdPath.V512 => &Axpy<Vector512<float>, V512>,
        SimdPath.V256 => &Axpy<Vector256<float>, V256>,
        SimdPath.V128 => &Axpy<Vector128<float>, V128>,
        _ => &AxpyScalar,
    };

    internal static delegate*<ref double, float, ref float, nuint, void> Axpy64For(SimdPath path) => path switch
    {
        SimdPath.V512 => &Axpy64V512,
        SimdPath.V256 => &Axpy64V256,
        SimdPath.V128 => &Axpy64V128,
        _ => &Axpy64Scalar,
    };

    internal static delegate*<ref float, ref float, nuint, float, void> DivideFor(SimdPath path) => path switch
    {
        SimdPath.V512 => &Divide<Vector512<float>, V512>,
        SimdPath.V256 => &Divide<Vector256<float>, V256>,
        SimdPath.V128 => &Divide<Vector128<float>, V128>,
        _ => &DivideScalar,
    };

    private static void CheckAcc(int accLength, int vecLength)
    {
        if (vecLength == 0) Reductions.ThrowEmpty("vector");
        if (accLength != vecLength) throw new ArgumentException($"Vector length {vecLength} differs from the accumulator's {accLength}.", "vector");
    }

    private static void CheckFinal(int accLength, int resultLength, double totalWeight)
    {
        if (accLength == 0) Reductions.ThrowEmpty("accumulator");
        if (resultLength != accLength) throw new ArgumentException($"Result length {resultLength} differs from the accumulator's {accLength}.", "result");
        if (totalWeight == 0) ThrowZeroWeight("totalWeight");
    }

    internal static void ThrowZeroWeight(string name) => throw new ArgumentException("The total weight is zero: the weighted mean is undefined.", name);

    // ---------------------------------------------------------------- kernels

    internal static float MeanScalar(ref float w, ref float r, nuint n, out float total)
    {
        float n0 = 0, n1 = 0, w0 = 0, w1 = 0;
        nuint i = 0;
        for (; i + 2 <= n; i += 2)
        {
            float a = Unsafe.Add(ref w, i), b = Unsafe.Add(ref w, i + 1);
            n0 += a * Unsafe.Add(ref r, i); w0 += a;
            n1 += b * Unsafe.Add(ref r, i + 1); w1 += b;
        }
        if (i < n) { float a = Unsafe.Add(ref w, i); n0 += a * Unsafe.Add(ref r, i); w0 += a; }
        total = w0 + w1;
        return n0 + n1;
    }

    internal static float Mean<TV, T>(ref float w, ref float r, nuint n, out float total) where TV : struct where T : IF32<TV>
    {
        nuint v = (nuint)T.Count;
        if (n < v) return MeanScalar(ref w, ref r, n, out total);
        TV n0 = T.Zero, n1 = T.Zero, w0 = T.Zero, w1 = T.Zero;
        nuint i = 0;
        for (; i + 2 * v <= n; i += 2 * v)
        {
            TV a = T.Load(ref w, i), b = T.Load(ref w, i + v);
            n0 = T.Fma(a, T.Load(ref r, i), n0); w0 = T.Add(w0, a);
            n1 = T.Fma(b, T.Load(ref r, i + v), n1); w1 = T.Add(w1, b);
        }
        if (i + v <= n)
        {
            TV a = T.Load(ref w, i);
            n0 = T.Fma(a, T.Load(ref r, i), n0); w0 = T.Add(w0, a);
            i += v;
        }
        if (i < n)
        {
            nuint rem = n - i;
            TV b = T.KeepLast(T.Load(ref w, n - v), rem);
            n1 = T.Fma(b, T.KeepLast(T.Load(ref r, n - v), rem), n1); w1 = T.Add(w1, b);
        }
        total = T.Sum(T.Add(w0, w1));
        return T.Sum(T.Add(n0, n1));
    }

    internal static void AxpyScalar(ref float acc, float w, ref float x, nuint n)
    {
        for (nuint i = 0; i < n; i++) Unsafe.Add(ref acc, i) = MathF.FusedMultiplyAdd(w, Unsafe.Add(ref x, i), Unsafe.Add(ref acc, i));
    }

    internal static void Axpy<TV, T>(ref float acc, float w, ref float x, nuint n) where TV : struct where T : IF32<TV>
    {
        nuint v = (nuint)T.Count;
        TV wv = T.Broadcast(w);
        nuint i = 0;
        for (; i + 4 * v <= n; i += 4 * v)
        {
            T.Store(T.Fma(wv, T.Load(ref x, i), T.Load(ref acc, i)), ref acc, i);
            T.Store(T.Fma(wv, T.Load(ref x, i + v), T.Load(ref acc, i + v)), ref acc, i + v);
            T.Store(T.Fma(wv, T.Load(ref x, i + 2 * v), T.Load(ref acc, i + 2 * v)), ref acc, i + 2 * v);
            T.Store(T.Fma(wv, T.Load(ref x, i + 3 * v), T.Load(ref acc, i + 3 * v)), ref acc, i + 3 * v);
        }
        for (; i + v <= n; i += v) T.Store(T.Fma(wv, T.Load(ref x, i), T.Load(ref acc, i)), ref acc, i);
        // Read-modify-write cannot overlap the last vector (it would add twice): a scalar tail of < W.
        for (; i < n; i++) Unsafe.Add(ref acc, i) = MathF.FusedMultiplyAdd(w, Unsafe.Add(ref x, i), Unsafe.Add(ref acc, i));
    }

    // Per element the same FMA sequence as four Axpy calls, so the result is bit-identical to them.
    internal static void AxpyBurst4Scalar(ref float acc, ref float w4, ref float x, nuint n) => AxpyBurst4Scalar(ref acc, ref w4, ref x, n, n);

    private static void AxpyBurst4Scalar(ref float acc, ref float w4, ref float x, nuint n, nuint stride)
    {
        float a = w4, b = Unsafe.Add(ref w4, 1), c = Unsafe.Add(ref w4, 2), d = Unsafe.Add(ref w4, 3);
        for (nuint i = 0; i < n; i++)
        {
            float s = Unsafe.Add(ref acc, i);
            s = MathF.FusedMultiplyAdd(a, Unsafe.Add(ref x, i), s);
            s = MathF.FusedMultiplyAdd(b, Unsafe.Add(ref x, i + stride), s);
            s = MathF.FusedMultiplyAdd(c, Unsafe.Add(ref x, i + 2 * stride), s);
            s = MathF.FusedMultiplyAdd(d, Unsafe.Add(ref x, i + 3 * stride), s);
            Unsafe.Add(ref acc, i) = s;
        }
    }

    internal static void AxpyBurst4<TV, T>(ref float acc, ref float w4, ref float x, nuint n) where TV : struct where T : IF32<TV>
    {
        nuint v = (nuint)T.Count, i = 0;
        TV a = T.Broadcast(w4), b = T.Broadcast(Unsafe.Add(ref w4, 1)), c = T.Broadcast(Unsafe.Add(ref w4, 2)), d = T.Broadcast(Unsafe.Add(ref w4, 3));
        for (; i + v <= n; i += v)
        {
            TV s = T.Load(ref acc, i);
            s = T.Fma(a, T.Load(ref x, i), s);
            s = T.Fma(b, T.Load(ref x, i + n), s);
            s = T.Fma(c, T.Load(ref x, i + 2 * n), s);
            s = T.Fma(d, T.Load(ref x, i + 3 * n), s);
            T.Store(s, ref acc, i);
        }
        if (i < n) AxpyBurst4Scalar(ref Unsafe.Add(ref acc, i), ref w4, ref Unsafe.Add(ref x, i), n - i, n);
    }

    internal static delegate*<ref float, ref float, ref float, nuint, void> AxpyBurst4For(SimdPath path) => path switch
    {
        SimdPath.V512 => &AxpyBurst4<Vector512<float>, V512>,
        SimdPath.V256 => &AxpyBurst4<Vector256<float>, V256>,
        SimdPath.V128 => &AxpyBurst4<Vector128<float>, V128>,
        _ => &AxpyBurst4Scalar,
    };

    internal static void Axpy64Scalar(ref double acc, float w, ref float x, nuint n)
    {
        double wd = w;
        for (nuint i = 0; i < n; i++) Unsafe.Add(ref acc, i) += wd * Unsafe.Add(ref x, i); // w·x is exact in f64: one rounding
    }

    internal static void Axpy64V512(ref double acc, float w, ref float x, nuint n)
    {
        Vector512<double> wv = Vector512.Create((double)w);
        nuint i = 0;
        for (; i + 16 <= n; i += 16)
        {
            Vector512<float> v = Vector512.LoadUnsafe(ref x, i);
            Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref acc, i) + wv * Vector512.WidenLower(v), ref acc, i);
            Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref acc, i + 8) + wv * Vector512.WidenUpper(v), ref acc, i + 8);
        }
        Axpy64Scalar(ref Unsafe.Add(ref acc, i), w, ref Unsafe.Add(ref x, i), n - i);
    }

    internal static void Axpy64V256(ref double acc, float w, ref float x, nuint n)
    {
        Vector256<double> wv = Vector256.Create((double)w);
        nuint i = 0;
        for (; i + 8 <= n; i += 8)
        {
            Vector256<float> v = Vector256.LoadUnsafe(ref x, i);
            Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref acc, i) + wv * Vector256.WidenLower(v), ref acc, i);
            Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref acc, i + 4) + wv * Vector256.WidenUpper(v), ref acc, i + 4);
        }
        Axpy64Scalar(ref Unsafe.Add(ref acc, i), w, ref Unsafe.Add(ref x, i), n - i);
    }

    internal static void Axpy64V128(ref double acc, float w, ref float x, nuint n)
    {
        Vector128<double> wv = Vector128.Create((double)w);
        nuint i = 0;
        for (; i + 4 <= n; i += 4)
        {
            Vector128<float> v = Vector128.LoadUnsafe(ref x, i);
            Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref acc, i) + wv * Vector128.WidenLower(v), ref acc, i);
            Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref acc, i + 2) + wv * Vector128.WidenUpper(v), ref acc, i + 2);
        }
        Axpy64Scalar(ref Unsafe.Add(ref acc, i), w, ref Unsafe.Add(ref x, i), n - i);
    }

    internal static void DivideScalar(ref float acc, ref float result, nuint n, float total)
    {
        for (nuint i = 0; i < n; i++) Unsafe.Add(ref result, i) = Unsafe.Add(ref acc, i) / total;
    }

    internal static void Divide<TV, T>(ref float acc, ref float result, nuint n, float total) where TV : struct where T : IF32<TV>
    {
        nuint v = (nuint)T.Count;
        if (n < v) { DivideScalar(ref acc, ref result, n, total); return; }
        TV t = T.Broadcast(total);
        // The overlapping last vector is loaded first, so that result may be acc itself (in place).
        TV last = T.Load(ref acc, n - v);
        for (nuint i = 0; i + v <= n; i += v) T.Store(T.Div(T.Load(ref acc, i), t), ref result, i);
        T.Store(T.Div(last, t), ref result, n - v);
    }
}
