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
/// Scores come from <see cref="Gemm.MultiplyTransposed"/> over blocks of <see cref="Block"/> stored
/// rows, so every stored vector is loaded once per burst and reused from registers for six queries
/// at a time, instead of once per (query, vector) pair as a loop of dot products does. Each block's
/// score rows then go through a vector-wide threshold test against the k-th best so far: most
/// vectors of scores are rejected with one compare, the rest go into a k-entry min-heap.
/// Scores carry the GEMM error bound (K = dimension). NaN scores are never selected; slots no
/// score reached keep index −1 and −∞.
/// </remarks>
public static unsafe class Similarity
{
    /// <summary>Stored rows scored per GEMM call: 32 queries × 512 scores stay in L1/L2.</summary>
    internal const int Block = 512;

    private static readonly SimdPath s_path = SimdInfo.Selected;

    /// <summary>
    /// For each of the <c>queries.Length / dimension</c> queries, the <paramref name="k"/> stored rows with the
    /// highest dot product, best first: <paramref name="indices"/> and <paramref name="scores"/> are
    /// queryCount × k, row-major. Ties keep the lower index first.
    /// </summary>
    /// <exception cref="ArgumentException">Empty inputs, a length that is not a multiple of <paramref name="dimension"/>, k out of 1..stored count, or outputs of the wrong size.</exception>
    public static void TopK(ReadOnlySpan<float> queries, ReadOnlySpan<float> stored, int dimension, int k, Span<int> indices, Span<float> scores) =>
        TopK(s_path, queries, stored, dimension, k, indices, scores);

    /// <summary>The full score matrix: scores[q·n + s] = queries[q] · stored[s].</summary>
    /// <exception cref="ArgumentException">Empty inputs, lengths not multiples of <paramref name="dimension"/>, or <paramref name="scores"/> of the wrong size.</exception>
    public static void Scores(ReadOnlySpan<float> queries, ReadOnlySpan<float> stored, int dimension, Span<float> scores)
    {
        (int nq, int ns) = Shape(queries, stored, dimension);
        if (scores.Length != nq * ns) throw new ArgumentException($"Expected {nq} × {ns} scores, got {scores.Length}.", nameof(scores));
        Gemm.MultiplyTransposed(queries, stored, scores, nq, dimension, ns);
    }

    internal static void TopK(SimdPath path, ReadOnlySpan<float> queries, ReadOnlySpan<float> stored, int dimension, int k, Span<int> indices, Span<float> scores)
    {
        SimdInfo.EnsureAvailable(path);
        (int nq, int ns) = Shape(queries, stored, dimension);
        if (k < 1 || k > ns) throw new ArgumentException($"k must be 1..{ns} (the stored count); got {k}.", nameof(k));
        if (indices.Length != nq * k) throw new ArgumentException($"Expected {nq} × {k} indices, got {indices.Length}.", nameof(indices));
        if (scores.Length != nq * k) throw new ArgumentException($"Expected {nq} × {k} scores, got {scores.Length}.", nameof(scores));
        indices.Fill(-1);
        scores.Fill(float.NegativeInfinity);

        var select = SelectFor(path);
        float[] block = System.Buffers.ArrayPool<float>.Shared.Rent(nq * Block);
        try
        {
            for (int s0 = 0; s0 < ns; s0 += Block)
            {
                int rows = Math.Min(Block, ns - s0);
                Span<float> sc = block.AsSpan(0, nq * rows);
                Gemm.Multiply(path, queries, stored.Slice(s0 * dimension, rows * dimension), sc, nq, dimension, rows, transposeB: true);
                for (int q = 0; q < nq; q++)
                    select(sc.Slice(q * rows, rows), s0, scores.Slice(q * k, k), indices.Slice(q * k, k));
            }
        }
        finally { System.Buffers.ArrayPool<float>.Shared.Return(block); }
        for (int q = 0; q < nq; q++) SortDescending(scores.Slice(q * k, k), indices.Slice(q * k, k));
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
