using Synthex.Dpdk.Apps;
using Synthex.Protocol;

namespace Synthex.Dpdk.Tests.Apps.Similarity;

/// <summary>
/// Exact top-k against a brute-force f64 reference: ids equal the reference's except where two
/// exact scores are closer than the stated bound; batch-independent score bits.
/// </summary>
public class TopKScorerTests
{
    private const double U = 1.0 / (1 << 24);

    private static double Gamma(int n) => n * U / (1 - n * U);

    /// <summary>Reference score and its error bound for row r (TopKScorer's remarks).</summary>
    private static (double Score, double Bound) Reference(StoredMatrix m, ReadOnlySpan<float> q, int r, SimilarityMetric metric)
    {
        ReadOnlySpan<float> row = m.Row(r);
        double dot = 0, abs = 0, qq = 0, rr = 0;
        for (int i = 0; i < q.Length; i++) { double p = (double)q[i] * row[i]; dot += p; abs += Math.Abs(p); qq += (double)q[i] * q[i]; rr += (double)row[i] * row[i]; }
        double dotBound = Gamma(q.Length + 2) * abs + q.Length * double.Epsilon;
        if (metric == SimilarityMetric.Dot) return (dot, dotBound);
        if (qq == 0 || rr == 0) return (0, 0);
        double n = Math.Sqrt(qq) * Math.Sqrt(rr), s = dot / n;
        return (s, dotBound / n + 5 * U * Math.Abs(s) + 1e-45);
    }

    private static (Match[] Matches, int[] Counts) Score(TopKScorer scorer, float[] queries, int[] ks)
    {
        var matches = new Match[ks.Length * scorer.KMax];
        var counts = new int[ks.Length];
        scorer.Score(queries, ks, matches, counts);
        return (matches, counts);
    }

    /// <summary>Checks one query's answer against the reference: scores within bound, order exact, nothing better missed beyond the bound.</summary>
    private static void AssertExact(StoredMatrix m, SimilarityMetric metric, ReadOnlySpan<float> q, int k, ReadOnlySpan<Match> got, bool wellSeparated)
    {
        var reference = new (int Row, (double Score, double Bound) Ref)[m.Rows];
        for (int r = 0; r < m.Rows; r++) reference[r] = (r, Reference(m, q, r, metric));
        Assert.Equal(Math.Min(k, m.Rows), got.Length);
        var returned = new HashSet<uint>();
        for (int j = 0; j < got.Length; j++)
        {
            var (s, b) = reference[got[j].Row].Ref;
            Assert.True(Math.Abs(got[j].Score - s) <= b, $"row {got[j].Row}: {got[j].Score} vs reference {s} ± {b}");
            if (j > 0)
                Assert.True(got[j - 1].Score > got[j].Score || (got[j - 1].Score == got[j].Score && got[j - 1].Row < got[j].Row),
                    $"position {j}: not score descending, ties by lower row");
            returned.Add(got[j].Row);
        }
        var last = reference[got[^1].Row].Ref;
        foreach (var (row, (s, b)) in reference)
            if (!returned.Contains((uint)row))
                Assert.True(s <= last.Score + b + last.Bound, $"row {row} (reference {s}) beats the last returned row {got[^1].Row} ({last.Score}) beyond the bound");
        if (wellSeparated)
        {
            var want = reference.OrderByDescending(r => r.Ref.Score).ThenBy(r => r.Row).Take(got.Length).Select(r => (uint)r.Row).ToArray();
            Assert.Equal(want, got.ToArray().Select(x => x.Row).ToArray());
        }
    }

    public static TheoryData<SimilarityMetric, int, int, int> Shapes => new()
    {
        // D not a multiple of any vector width (7, 33, 100), below one vector (3), exact widths (16, 64).
        { SimilarityMetric.Cosine, 300, 7, 10 }, { SimilarityMetric.Dot, 300, 7, 10 },
        { SimilarityMetric.Cosine, 517, 33, 1 }, { SimilarityMetric.Dot, 517, 100, 5 },
        { SimilarityMetric.Cosine, 40, 3, 40 }, { SimilarityMetric.Dot, 40, 16, 40 },
        { SimilarityMetric.Cosine, 1000, 64, 17 },
    };

    [Theory, MemberData(nameof(Shapes))]
    public void Random_matrices_match_the_f64_reference(SimilarityMetric metric, int n, int d, int k)
    {
        using var files = new MatrixFiles();
        using var m = StoredMatrix.Load(files.Npy(MatrixFiles.Random(n * 31 + d, n * d), n, d));
        var scorer = new TopKScorer(m, metric, maxBatch: 64, kMax: 50);
        float[] queries = MatrixFiles.Random(d, 9 * d);
        int[] ks = Enumerable.Repeat(k, 9).ToArray();
        var (matches, counts) = Score(scorer, queries, ks);
        for (int q = 0; q < 9; q++)
            AssertExact(m, metric, queries.AsSpan(q * d, d), k, matches.AsSpan(q * scorer.KMax, counts[q]), wellSeparated: false);
    }

    [Fact]
    public void Exact_ties_go_to_the_lower_row_and_k_equal_to_n_returns_every_row()
    {
        // Small integers: every dot product is exact in f32, so ties are exact ties.
        using var files = new MatrixFiles();
        const int n = 200, d = 5;
        using var m = StoredMatrix.Load(files.Npy(MatrixFiles.Random(7, n * d, integers: true), n, d));
        var scorer = new TopKScorer(m, SimilarityMetric.Dot, 64, n);
        float[] queries = MatrixFiles.Random(8, 4 * d, integers: true);
        var (matches, counts) = Score(scorer, queries, [1, 10, n, n]);
        Assert.Equal([1, 10, n, n], counts);
        for (int q = 0; q < 4; q++)
            AssertExact(m, SimilarityMetric.Dot, queries.AsSpan(q * d, d), counts[q], matches.AsSpan(q * n, counts[q]), wellSeparated: true);
    }

    [Fact]
    public void Zero_rows_and_a_zero_query_score_zero_under_cosine()
    {
        using var files = new MatrixFiles();
        float[] v = [0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 0, 0];
        using var m = StoredMatrix.Load(files.Npy(v, 4, 3));
        var scorer = new TopKScorer(m, SimilarityMetric.Cosine, 64, 4);
        var (matches, counts) = Score(scorer, [2, 0, 0, 0, 0, 0], [4, 4]);
        Assert.Equal(new[] { new Match(1, 1), new Match(0, 0), new Match(3, 0), new Match(2, -1) }, matches.AsSpan(0, 4).ToArray());
        // A zero query: every score 0, so the rows in id order.
        Assert.Equal(new[] { new Match(0, 0), new Match(1, 0), new Match(2, 0), new Match(3, 0) }, matches.AsSpan(4, 4).ToArray());
        Assert.Equal([4, 4], counts);
    }

    [Fact]
    public void Near_ties_within_the_bound_may_swap_and_nothing_else_does()
    {
        // Rows that differ from each other by one ulp-sized nudge: exact scores closer than the bound.
        using var files = new MatrixFiles();
        const int n = 64, d = 37;
        float[] baseRow = MatrixFiles.Random(3, d);
        var v = new float[n * d];
        for (int r = 0; r < n; r++)
            for (int i = 0; i < d; i++)
                v[r * d + i] = i == r % d ? BitIncrement(baseRow[i], r) : baseRow[i];
        using var m = StoredMatrix.Load(files.Npy(v, n, d));
        foreach (var metric in new[] { SimilarityMetric.Dot, SimilarityMetric.Cosine })
        {
            var scorer = new TopKScorer(m, metric, 64, 20);
            var (matches, counts) = Score(scorer, baseRow, [20]);
            AssertExact(m, metric, baseRow, 20, matches.AsSpan(0, counts[0]), wellSeparated: false);
        }
    }

    private static float BitIncrement(float x, int times)
    {
        for (int i = 0; i < times; i++) x = MathF.BitIncrement(x);
        return x;
    }

    [Theory]
    [InlineData(SimilarityMetric.Cosine)]
    [InlineData(SimilarityMetric.Dot)]
    public void A_query_alone_and_in_a_batch_of_64_gets_bit_identical_scores(SimilarityMetric metric)
    {
        using var files = new MatrixFiles();
        const int n = 777, d = 45;
        using var m = StoredMatrix.Load(files.Npy(MatrixFiles.Random(11, n * d), n, d));
        var scorer = new TopKScorer(m, metric, 64, 30);
        float[] batch = MatrixFiles.Random(12, 64 * d);
        // Mixed k in the batch: a query's answer must not depend on the others' k either.
        int[] ks = Enumerable.Range(0, 64).Select(i => 1 + i * 7 % 30).ToArray();
        var (together, countsTogether) = Score(scorer, batch, ks);
        for (int q = 0; q < 64; q++)
        {
            var (alone, countAlone) = Score(scorer, batch[(q * d)..((q + 1) * d)], [ks[q]]);
            Assert.Equal(countAlone[0], countsTogether[q]);
            for (int j = 0; j < countAlone[0]; j++)
            {
                Match a = alone[j], t = together[q * scorer.KMax + j];
                Assert.Equal(a.Row, t.Row);
                Assert.Equal(BitConverter.SingleToInt32Bits(a.Score), BitConverter.SingleToInt32Bits(t.Score));
            }
        }
    }
}
