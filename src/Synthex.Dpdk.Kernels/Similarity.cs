using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Synthex.Dpdk.Kernels;

/// <summary>
/// Batched similarity search for the similarity service: a burst of query vectors scored against a
/// matrix of stored vectors (dot products; store L2-normalised vectors for cosine), keeping the
/// top k per query.
/// </summary>
/// <remarks>
/// <para>Scores: a 4 × 3 register tile, four queries against three stored vectors, 12 FMA chains along
/// the dimension with 7 loads per 12 FMAs, reduced horizontally once per pair (12 accumulators + 4
/// operands fill the 16 vector registers of AVX2 exactly; a 4 × 4 tile spilled). No packing: a GEMM
/// would first transpose the stored block into panels, and at 32 queries that copy costs more than
/// the arithmetic (measured: GEMM-based 1.55× a loop of dots, this tile ≥ 2×). Stored rows are
/// walked in blocks of <see cref="BlockRows"/> so that a block stays in L2 while every query group
/// passes over it: the stored matrix comes from memory once per burst, not once per query.</para>
/// <para>Each block's score rows then go through a vector-wide threshold test against the k-th
/// best so far: most vectors of scores are rejected with one compare, the rest go into a k-entry
/// min-heap. A score is a dot product with one accumulator per lane (Depth(d, U = 1) roundings
/// in <see cref="Reductions"/>' terms, the same order for every pair, on the edges of the tiling too).
/// NaN scores are never selected; slots no score reached keep index −1 and −∞.</para>
/// </remarks>
public static unsafe class Similarity
{
    /// <summary>The most stored rows per block (a multiple of 3, the tile's width, and of 8, a vector of scores).</summary>
    internal const int Block = 264;

    /// <summary>
    /// Stored rows per block for dimension <paramref name="d"/>: about 256 KiB of them (half this VM's L2), so a block
    /// stays resident while every query group passes over it. A fixed 256 rows was 768 KiB at D = 768: out of L2,
    /// each of a batch's query groups fetched the block again from L3.
    /// </summary>
    internal static int BlockRows(int d) => Math.Clamp(65536 / d / 24 * 24, 24, Block);

    private static readonly SimdPath s_path = SimdInfo.Selected;

    /// <summary>
    /// For each of the <c>queries.Length / dimension</c> queries, the <paramref name="k"/> stored rows with the
    /// highest dot product, best first: <paramref name="indices"/> and <paramref name="scores"/> are
    /// queryCount × k, row-major. Ties keep the lower index first.
    /// </summary>
    /// <exception cref="ArgumentException">Empty inputs, a length that is not a multiple of <paramref name="dimension"/>, k out of 1..stored count, or outputs of the wrong size.</exception>
    public static void TopK(ReadOnlySpan<float> queries, ReadOnlySpan<float> stored, int dimension, int k, Span<int> indices, Span<float> scores) =>
        TopK(s_path, queries, stored, dimension, k, default, default, indices, scores);

    /// <summary>
    /// <see cref="TopK(ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, Span{int}, Span{float})"/> over scaled scores:
    /// score(q, s) = ((queries[q] · stored[s]) × <paramref name="queryScale"/>[q]) × <paramref name="rowScale"/>[s], rounded in
    /// that order for every pair. With inverse norms as the scales this is cosine similarity over stored rows that stay
    /// as they were written (a mapped file is never rewritten); a zero vector's scale 0 gives it score 0.
    /// </summary>
    /// <exception cref="ArgumentException">As the unscaled overload, or a scale span of the wrong length.</exception>
    public static void TopK(ReadOnlySpan<float> queries, ReadOnlySpan<float> stored, int dimension, int k,
                            ReadOnlySpan<float> queryScale, ReadOnlySpan<float> rowScale, Span<int> indices, Span<float> scores)
    {
        (int nq, int ns) = Shape(queries, stored, dimension);
        if (queryScale.Length != nq) throw new ArgumentException($"Expected {nq} query scales, got {queryScale.Length}.", nameof(queryScale));
        if (rowScale.Length != ns) throw new ArgumentException($"Expected {ns} row scales, got {rowScale.Length}.", nameof(rowScale));
        TopK(s_path, queries, stored, dimension, k, queryScale, rowScale, indices, scores);
    }

    /// <summary>The full score matrix: scores[q·n + s] = queries[q] · stored[s].</summary>
    /// <exception cref="ArgumentException">Empty inputs, lengths not multiples of <paramref name="dimension"/>, or <paramref name="scores"/> of the wrong size.</exception>
    public static void Scores(ReadOnlySpan<float> queries, ReadOnlySpan<float> stored, int dimension, Span<float> scores)
    {
        (int nq, int ns) = Shape(queries, stored, dimension);
        if (scores.Length != nq * ns) throw new ArgumentException($"Expected {nq} × {ns} scores, got {scores.Length}.", nameof(scores));
        ScoreMatrix(s_path, queries, stored, dimension, scores);
    }

    internal static void ScoreMatrix(SimdPath path, ReadOnlySpan<float> queries, ReadOnlySpan<float> stored, int dimension, Span<float> scores)
    {
        SimdInfo.EnsureAvailable(path);
        int nq = queries.Length / dimension, ns = stored.Length / dimension;
        ScoresFor(path)(ref MemoryMarshal.GetReference(queries), nq, ref MemoryMarshal.GetReference(stored), ns, dimension, ref MemoryMarshal.GetReference(scores), ns);
    }

    internal static void TopK(SimdPath path, ReadOnlySpan<float> queries, ReadOnlySpan<float> stored, int dimension, int k, Span<int> indices, Span<float> scores) =>
        TopK(path, queries, stored, dimension, k, default, default, indices, scores);

    /// <summary>Empty scale spans: unscaled dot products.</summary>
    internal static void TopK(SimdPath path, ReadOnlySpan<float> queries, ReadOnlySpan<float> stored, int dimension, int k,
                              ReadOnlySpan<float> queryScale, ReadOnlySpan<float> rowScale, Span<int> indices, Span<float> scores)
    {
        SimdInfo.EnsureAvailable(path);
        (int nq, int ns) = Shape(queries, stored, dimension);
        if (k < 1 || k > ns) throw new ArgumentException($"k must be 1..{ns} (the stored count); got {k}.", nameof(k));
        if (indices.Length != nq * k) throw new ArgumentException($"Expected {nq} × {k} indices, got {indices.Length}.", nameof(indices));
        if (scores.Length != nq * k) throw new ArgumentException($"Expected {nq} × {k} scores, got {scores.Length}.", nameof(scores));
        indices.Fill(-1);
        scores.Fill(float.NegativeInfinity);

        var select = SelectFor(path);
        var score = ScoresFor(path);
        int blockRows = BlockRows(dimension);
        float[] block = System.Buffers.ArrayPool<float>.Shared.Rent(nq * blockRows);
        try
        {
            for (int s0 = 0; s0 < ns; s0 += blockRows)
            {
                int rows = Math.Min(blockRows, ns - s0);
                Span<float> sc = block.AsSpan(0, nq * rows);
                score(ref MemoryMarshal.GetReference(queries), nq, ref Unsafe.AsRef(in stored[s0 * dimension]), rows, dimension, ref MemoryMarshal.GetReference(sc), rows);
                if (!rowScale.IsEmpty) Scale(sc, rows, queryScale, rowScale.Slice(s0, rows));
                for (int q = 0; q < nq; q++)
                    select(sc.Slice(q * rows, rows), s0, scores.Slice(q * k, k), indices.Slice(q * k, k));
            }
        }
        finally { System.Buffers.ArrayPool<float>.Shared.Return(block); }
        for (int q = 0; q < nq; q++) SortDescending(scores.Slice(q * k, k), indices.Slice(q * k, k));
    }

    /// <summary>sc[q·rows + j] = (sc[q·rows + j] × queryScale[q]) × rowScale[j]: a pair's rounding never depends on its batch.</summary>
    private static void Scale(Span<float> sc, int rows, ReadOnlySpan<float> queryScale, ReadOnlySpan<float> rowScale)
    {
        for (int q = 0; q < queryScale.Length; q++)
        {
            Span<float> row = sc.Slice(q * rows, rows);
            float qs = queryScale[q];
            for (int j = 0; j < row.Length; j++) row[j] = row[j] * qs * rowScale[j];
        }
    }

    private static (int Queries, int Stored) Shape(ReadOnlySpan<float> queries, ReadOnlySpan<float> stored, int dimension)
    {
        if (dimension <= 0) throw new ArgumentException("The dimension must be positive.", nameof(dimension));
        if (queries.IsEmpty) Reductions.ThrowEmpty(nameof(queries));
        if (stored.IsEmpty) Reductions.ThrowEmpty(nameof(stored));
        if (queries.Length % dimension != 0) throw new ArgumentException($"{queries.Length} floats are not whole {dimension}-vectors.", nameof(queries));
        if (stored.Length % dimension != 0) throw new ArgumentException($"{stored.Length} floats are not whole {dimension}-vectors.", nameof(stored));
        return (queries.Length / dimension, stored.Length / dimension);
    }

    internal static delegate*<ref float, int, ref float, int, int, ref float, int, void> ScoresFor(SimdPath path) => path switch
    {
        SimdPath.V512 => &ScoreTiles<Vector512<float>, V512>,
        SimdPath.V256 => &ScoreTiles<Vector256<float>, V256>,
        SimdPath.V128 => &ScoreTiles<Vector128<float>, V128>,
        _ => &ScorePairs,
    };

    /// <summary>Scalar twin: one dot product per (query, stored) pair.</summary>
    internal static void ScorePairs(ref float q, int nq, ref float s, int ns, int d, ref float scores, int ld)
    {
        for (int i = 0; i < nq; i++)
            for (int j = 0; j < ns; j++)
                Unsafe.Add(ref scores, i * ld + j) = Reductions.DotScalar(ref Unsafe.Add(ref q, i * d), ref Unsafe.Add(ref s, j * d), (nuint)d);
    }

    /// <summary>scores[i·ld + j] = q_i · s_j over blocks of stored rows and 4 × 3 tiles.</summary>
    internal static void ScoreTiles<TV, T>(ref float q, int nq, ref float s, int ns, int d, ref float scores, int ld) where TV : struct where T : IF32<TV>
    {
        if (d < T.Count) { ScorePairs(ref q, nq, ref s, ns, d, ref scores, ld); return; }
        int blockRows = BlockRows(d);
        for (int j0 = 0; j0 < ns; j0 += blockRows)
        {
            int jEnd = Math.Min(ns, j0 + blockRows);
            int jTiled = j0 + (jEnd - j0) / 3 * 3, nqTiled = nq / 4 * 4;
            // Stored tile outer, query groups inner: the three stored rows stay in L1 while every
            // query group passes over them (at D = 128 the whole batch of queries fits in L1 too).
            for (int j = j0; j < jTiled; j += 3)
                for (int i = 0; i < nqTiled; i += 4)
                    Tile<TV, T>(ref Unsafe.Add(ref q, i * d), ref Unsafe.Add(ref s, j * d), d, ref Unsafe.Add(ref scores, i * ld + j), ld);
            // Edges of the tiling: single pairs in the tile's own summation order, so that a score
            // never depends on where its pair falls in the tiling.
            for (int ii = 0; ii < nq; ii++)
                for (int jj = ii < nqTiled ? jTiled : j0; jj < jEnd; jj++)
                    Unsafe.Add(ref scores, ii * ld + jj) = PairDot<TV, T>(ref Unsafe.Add(ref q, ii * d), ref Unsafe.Add(ref s, jj * d), (nuint)d);
        }
    }

    private static float PairDot<TV, T>(ref float a, ref float b, nuint n) where TV : struct where T : IF32<TV>
    {
        nuint w = (nuint)T.Count, k = 0;
        TV c = T.Zero;
        for (; k + w <= n; k += w) c = T.Fma(T.Load(ref a, k), T.Load(ref b, k), c);
        if (k < n) c = T.Fma(T.KeepLast(T.Load(ref a, n - w), n - k), T.KeepLast(T.Load(ref b, n - w), n - k), c);
        return T.Sum(c);
    }

    /// <summary>
    /// Four queries against three stored rows: 12 accumulators + 3 stored vectors + 1 query vector = the 16
    /// vector registers of AVX2 (and SSE), so nothing spills. The former 4 × 4 tile needed 21 and the JIT
    /// kept accumulators on the stack: a load and a store around most FMAs, a third of the FMA peak at batch 32.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile<TV, T>(ref float q, ref float s, int d, ref float c, int ld) where TV : struct where T : IF32<TV>
    {
        nuint w = (nuint)T.Count, n = (nuint)d, dd = (nuint)d;
        ref float q0 = ref q, q1 = ref Unsafe.Add(ref q, dd), q2 = ref Unsafe.Add(ref q, 2 * dd), q3 = ref Unsafe.Add(ref q, 3 * dd);
        ref float s0 = ref s, s1 = ref Unsafe.Add(ref s, dd), s2 = ref Unsafe.Add(ref s, 2 * dd);
        TV c00 = T.Zero, c01 = T.Zero, c02 = T.Zero, c10 = T.Zero, c11 = T.Zero, c12 = T.Zero;
        TV c20 = T.Zero, c21 = T.Zero, c22 = T.Zero, c30 = T.Zero, c31 = T.Zero, c32 = T.Zero;
        nuint k = 0;
        for (; k + w <= n; k += w)
        {
            TV b0 = T.Load(ref s0, k), b1 = T.Load(ref s1, k), b2 = T.Load(ref s2, k);
            TV a = T.Load(ref q0, k); c00 = T.Fma(a, b0, c00); c01 = T.Fma(a, b1, c01); c02 = T.Fma(a, b2, c02);
            a = T.Load(ref q1, k); c10 = T.Fma(a, b0, c10); c11 = T.Fma(a, b1, c11); c12 = T.Fma(a, b2, c12);
            a = T.Load(ref q2, k); c20 = T.Fma(a, b0, c20); c21 = T.Fma(a, b1, c21); c22 = T.Fma(a, b2, c22);
            a = T.Load(ref q3, k); c30 = T.Fma(a, b0, c30); c31 = T.Fma(a, b1, c31); c32 = T.Fma(a, b2, c32);
        }
        if (k < n)
        {
            // The overlapping last chunk, the already-counted lanes zeroed on both sides (0·∞ would be NaN).
            nuint rem = n - k, at = n - w;
            TV b0 = T.KeepLast(T.Load(ref s0, at), rem), b1 = T.KeepLast(T.Load(ref s1, at), rem), b2 = T.KeepLast(T.Load(ref s2, at), rem);
            TV a = T.KeepLast(T.Load(ref q0, at), rem); c00 = T.Fma(a, b0, c00); c01 = T.Fma(a, b1, c01); c02 = T.Fma(a, b2, c02);
            a = T.KeepLast(T.Load(ref q1, at), rem); c10 = T.Fma(a, b0, c10); c11 = T.Fma(a, b1, c11); c12 = T.Fma(a, b2, c12);
            a = T.KeepLast(T.Load(ref q2, at), rem); c20 = T.Fma(a, b0, c20); c21 = T.Fma(a, b1, c21); c22 = T.Fma(a, b2, c22);
            a = T.KeepLast(T.Load(ref q3, at), rem); c30 = T.Fma(a, b0, c30); c31 = T.Fma(a, b1, c31); c32 = T.Fma(a, b2, c32);
        }
        c = T.Sum(c00); Unsafe.Add(ref c, 1) = T.Sum(c01); Unsafe.Add(ref c, 2) = T.Sum(c02);
        ref float r1 = ref Unsafe.Add(ref c, ld);
        r1 = T.Sum(c10); Unsafe.Add(ref r1, 1) = T.Sum(c11); Unsafe.Add(ref r1, 2) = T.Sum(c12);
        ref float r2 = ref Unsafe.Add(ref c, 2 * ld);
        r2 = T.Sum(c20); Unsafe.Add(ref r2, 1) = T.Sum(c21); Unsafe.Add(ref r2, 2) = T.Sum(c22);
        ref float r3 = ref Unsafe.Add(ref c, 3 * ld);
        r3 = T.Sum(c30); Unsafe.Add(ref r3, 1) = T.Sum(c31); Unsafe.Add(ref r3, 2) = T.Sum(c32);
    }

    internal static delegate*<ReadOnlySpan<float>, int, Span<float>, Span<int>, void> SelectFor(SimdPath path) => path switch
    {
        SimdPath.V512 => &Select<Vector512<float>, V512>,
        SimdPath.V256 => &Select<Vector256<float>, V256>,
        SimdPath.V128 => &Select<Vector128<float>, V128>,
        _ => &SelectScalar,
    };

    /// <summary>Merges one row of block scores into a k-entry min-heap (heap[0] = the k-th best).</summary>
    internal static void Select<TV, T>(ReadOnlySpan<float> row, int baseIndex, Span<float> heap, Span<int> heapIdx) where TV : struct where T : IF32<TV>
    {
        ref float r = ref MemoryMarshal.GetReference(row);
        int n = row.Length, i = 0, w = T.Count;
        // Skip a vector of scores at a time while none beats the current k-th best (NaN compares false).
        for (; i + w <= n; i += w)
        {
            if (!T.AnyGreaterThan(T.Load(ref r, (nuint)i), T.Broadcast(heap[0]))) continue;
            for (int j = i; j < i + w; j++) Offer(heap, heapIdx, Unsafe.Add(ref r, j), baseIndex + j);
        }
        for (; i < n; i++) Offer(heap, heapIdx, Unsafe.Add(ref r, i), baseIndex + i);
    }

    internal static void SelectScalar(ReadOnlySpan<float> row, int baseIndex, Span<float> heap, Span<int> heapIdx)
    {
        for (int i = 0; i < row.Length; i++) Offer(heap, heapIdx, row[i], baseIndex + i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Offer(Span<float> heap, Span<int> idx, float s, int index)
    {
        if (!(s > heap[0])) return; // strict: an equal later index never displaces an earlier one
        // Replace the root and sift down; order is (score, then lower index = better).
        int i = 0, k = heap.Length;
        while (true)
        {
            int l = 2 * i + 1;
            if (l >= k) break;
            int c = l + 1 < k && Worse(heap[l + 1], idx[l + 1], heap[l], idx[l]) ? l + 1 : l;
            if (!Worse(heap[c], idx[c], s, index)) break;
            heap[i] = heap[c]; idx[i] = idx[c];
            i = c;
        }
        heap[i] = s; idx[i] = index;
    }

    private static bool Worse(float a, int ai, float b, int bi) => a < b || (a == b && ai > bi);

    private static void SortDescending(Span<float> s, Span<int> idx)
    {
        for (int i = 1; i < s.Length; i++)
        {
            float v = s[i]; int x = idx[i]; int j = i - 1;
            while (j >= 0 && Worse(s[j], idx[j], v, x)) { s[j + 1] = s[j]; idx[j + 1] = idx[j]; j--; }
            s[j + 1] = v; idx[j + 1] = x;
        }
    }
}
