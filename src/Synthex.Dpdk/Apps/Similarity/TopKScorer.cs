using Synthex.Protocol;
using KernelSimilarity = Synthex.Dpdk.Kernels.Similarity;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// Scores a batch of queries against a <see cref="StoredMatrix"/> in one pass of the batched
/// top-k kernel, so the matrix streams through the cache once per batch, not once per query.
/// Owned by one compute thread: its buffers are preallocated for <c>maxBatch</c> queries of up to
/// <c>kMax</c> matches, so scoring allocates nothing.
/// </summary>
/// <remarks>
/// <para>Exactness: a score is the kernel's dot product (one FMA chain per lane, the same order for
/// every pair wherever it falls in the tiling), times the query's and the row's inverse norms for
/// cosine, in that order. So a query's score bits do not depend on which batch it is in, nor on
/// the other queries' k: the batch asks the kernel for the largest k in it, and a query takes the
/// first k of those — the top k under the order (score descending, row ascending) is a prefix of
/// the top K for any K ≥ k.</para>
/// <para>Bound against an f64 reference: the kernel's |d̂ − d| ≤ γ(depth + 1)·Σ|qᵢrᵢ| (see
/// <see cref="Kernels.Reductions"/>); for cosine that divided by ‖q‖‖r‖, plus 4·2⁻²⁴ relative for the two
/// rounded inverse norms and the two products. Two rows whose exact scores differ by less than
/// that may come out in either order; otherwise the ids equal the reference's.</para>
/// </remarks>
public sealed class TopKScorer
{
    private readonly float[] _queryScale;
    private readonly int[] _indices;
    private readonly float[] _scores;

    public StoredMatrix Matrix { get; }
    public SimilarityMetric Metric { get; }
    public int MaxBatch { get; }
    public int KMax { get; }

    public TopKScorer(StoredMatrix matrix, SimilarityMetric metric, int maxBatch, int kMax)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kMax, 1);
        (Matrix, Metric, MaxBatch, KMax) = (matrix, metric, maxBatch, kMax);
        int k = Math.Min(kMax, matrix.Rows);
        _queryScale = new float[maxBatch];
        _indices = new int[maxBatch * k];
        _scores = new float[maxBatch * k];
    }

    /// <summary>
    /// Scores <paramref name="queries"/> (count × D floats, row-major); query q asks for
    /// <paramref name="ks"/>[q] matches (1..kMax) and gets min(k, N) of them, best first, written to
    /// <paramref name="matches"/>[q·kMax ..]; <paramref name="counts"/>[q] says how many.
    /// </summary>
    public void Score(ReadOnlySpan<float> queries, ReadOnlySpan<int> ks, Span<Match> matches, Span<int> counts)
    {
        int d = Matrix.Columns, count = ks.Length;
        if (count < 1 || count > MaxBatch) throw new ArgumentOutOfRangeException(nameof(ks), $"batch of {count}; allowed 1..{MaxBatch}");
        if (queries.Length != count * d) throw new ArgumentException($"expected {count} × {d} floats", nameof(queries));
        int kBatch = 1;
        foreach (int k in ks) kBatch = Math.Max(kBatch, k);
        kBatch = Math.Min(kBatch, Matrix.Rows);
        Span<int> idx = _indices.AsSpan(0, count * kBatch);
        Span<float> sc = _scores.AsSpan(0, count * kBatch);
        if (Metric == SimilarityMetric.Cosine)
        {
            Span<float> qs = _queryScale.AsSpan(0, count);
            for (int q = 0; q < count; q++)
            {
                double sum = 0;
                foreach (float x in queries.Slice(q * d, d)) sum += (double)x * x;
                qs[q] = StoredMatrix.InverseNorm(sum);
            }
            KernelSimilarity.TopK(queries, Matrix.Values, d, kBatch, qs, Matrix.InverseNorms, idx, sc);
        }
        else KernelSimilarity.TopK(queries, Matrix.Values, d, kBatch, idx, sc);

        for (int q = 0; q < count; q++)
        {
            int n = Math.Min(ks[q], kBatch), written = 0;
            Span<Match> dst = matches.Slice(q * KMax, KMax);
            for (int j = 0; j < n; j++)
            {
                int row = idx[q * kBatch + j];
                if (row < 0) break; // a NaN score (an overflowed dot) is never selected
                dst[written++] = new Match((uint)row, sc[q * kBatch + j]);
            }
            counts[q] = written;
        }
    }
}
