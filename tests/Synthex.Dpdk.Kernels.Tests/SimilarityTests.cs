using CsCheck;

namespace Synthex.Dpdk.Kernels.Tests;

public class SimilarityTests
{
    [Theory, MemberData(nameof(Paths.Available), MemberType = typeof(Paths))]
    public void Top_k_equals_sorting_the_full_score_matrix(SimdPath path)
    {
        // Small integers make many exact ties: the tie rule (lower index first) is exercised too.
        Gen.Select(Gen.Int[1, 9], Gen.Int[1, 600], Gen.Int[1, 40], Gen.Bool)
           .SelectMany((nq, ns, d, ints) =>
           {
               Gen<float> v = ints ? Gen.Int[-3, 3].Select(i => (float)i) : Gen.Float[-1f, 1f];
               return Gen.Select(v.Array[nq * d], v.Array[ns * d], Gen.Int[1, Math.Min(ns, 12)]).Select((q, s, k) => (nq, ns, d, q, s, k));
           })
           .Sample(t =>
           {
               var full = new float[t.nq * t.ns];
               Similarity.ScoreMatrix(path, t.q, t.s, t.d, full);
               for (int q = 0; q < t.nq; q++)
                   for (int j = 0; j < t.ns; j++)
                   {
                       double exact = 0, abs = 0;
                       for (int p = 0; p < t.d; p++) { double x = (double)t.q[q * t.d + p] * t.s[j * t.d + p]; exact += x; abs += Math.Abs(x); }
                       int depth = Math.Max(Reductions.Depth(path, t.d, 1), Reductions.Depth(path, t.d, 4)) + 1;
                       FloatGen.Within(full[q * t.ns + j], exact, FloatGen.Gamma(depth) * abs + t.d * FloatGen.MinSubnormal, abs, $"score[{q},{j}] d={t.d}");
                   }
               var idx = new int[t.nq * t.k]; var sc = new float[t.nq * t.k];
               Similarity.TopK(path, t.q, t.s, t.d, t.k, idx, sc);
               for (int q = 0; q < t.nq; q++)
               {
                   var want = Enumerable.Range(0, t.ns).OrderByDescending(j => full[q * t.ns + j]).ThenBy(j => j).Take(t.k).ToArray();
                   Assert.Equal(want, idx.AsSpan(q * t.k, t.k).ToArray());
                   Assert.Equal(want.Select(j => full[q * t.ns + j]).ToArray(), sc.AsSpan(q * t.k, t.k).ToArray());
               }
           }, iter: 200);
    }

    [Theory, MemberData(nameof(Paths.Available), MemberType = typeof(Paths))]
    public void A_score_has_the_same_bits_wherever_its_pair_falls_in_the_tiling(SimdPath path)
    {
        // Batches that fill whole 4-query groups and leave some over, stored counts across blocks and
        // not a multiple of the tile's 3 rows, dimensions with and without a vector tail: every pair
        // (tile or edge) must give the bits of the same query scored alone (all edges).
        Gen.Select(Gen.Int[4, 11], Gen.Int[250, 700], Gen.Int[8, 40])
           .SelectMany((nq, ns, d) => Gen.Select(Gen.Float[-1f, 1f].Array[nq * d], Gen.Float[-1f, 1f].Array[ns * d]).Select((q, s) => (nq, ns, d, q, s)))
           .Sample(t =>
           {
               var batch = new float[t.nq * t.ns];
               Similarity.ScoreMatrix(path, t.q, t.s, t.d, batch);
               var alone = new float[t.ns];
               for (int q = 0; q < t.nq; q++)
               {
                   Similarity.ScoreMatrix(path, t.q.AsSpan(q * t.d, t.d), t.s, t.d, alone);
                   for (int j = 0; j < t.ns; j++)
                       Assert.Equal(BitConverter.SingleToInt32Bits(alone[j]), BitConverter.SingleToInt32Bits(batch[q * t.ns + j]));
               }
           }, iter: 40);
    }

    [Fact]
    public void Scores_are_the_query_by_stored_products()
    {
        float[] q = [1, 0, 0, 1], s = [1, 2, 3, 4, 5, 6];
        var scores = new float[2 * 3];
        Similarity.Scores(q, s, 2, scores);
        Assert.Equal(new float[] { 1, 3, 5, 2, 4, 6 }, scores);
    }

    [Fact]
    public void Bad_shapes_throw_naming_the_argument()
    {
        var i = new int[2]; var f = new float[2];
        Assert.Equal("queries", Assert.Throws<ArgumentException>(() => Similarity.TopK([], [1f, 2f], 2, 1, i, f)).ParamName);
        Assert.Equal("stored", Assert.Throws<ArgumentException>(() => Similarity.TopK([1f, 2f], [1f, 2f, 3f], 2, 1, i, f)).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentException>(() => Similarity.TopK([1f, 2f], [1f, 2f], 2, 2, i, f)).ParamName);
        Assert.Equal("indices", Assert.Throws<ArgumentException>(() => Similarity.TopK([1f, 2f], [1f, 2f], 2, 1, new int[2], new float[1])).ParamName);
        Assert.Equal("scores", Assert.Throws<ArgumentException>(() => Similarity.TopK([1f, 2f], [1f, 2f], 2, 1, new int[1], new float[2])).ParamName);
        Assert.Equal("dimension", Assert.Throws<ArgumentException>(() => Similarity.Scores([1f], [1f], 0, f)).ParamName);
        Assert.Equal("scores", Assert.Throws<ArgumentException>(() => Similarity.Scores([1f, 2f], [1f, 2f], 2, new float[3])).ParamName);
    }
}
