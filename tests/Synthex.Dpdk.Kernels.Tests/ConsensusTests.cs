using CsCheck;
using static Synthex.Dpdk.Kernels.Tests.FloatGen;

namespace Synthex.Dpdk.Kernels.Tests;

public class ConsensusTests
{
    [Theory, MemberData(nameof(Paths.Available), MemberType = typeof(Paths))]
    public void Weighted_mean_is_within_its_stated_bound(SimdPath path)
    {
        Pair(minLength: 1).Sample(t =>
        {
            var w = t.Buffer.AsSpan(t.Offset, t.Length);
            var r = t.Other.AsSpan(t.Offset, t.Length);
            double num = 0, den = 0, numAbs = 0, denAbs = 0;
            for (int i = 0; i < w.Length; i++)
            {
                double p = (double)w[i] * r[i];
                num += p; den += w[i];
                if (double.IsFinite(p)) numAbs += Math.Abs(p);
                if (float.IsFinite(w[i])) denAbs += Math.Abs(w[i]);
            }
            float got;
            try { got = Consensus.WeightedMean(path, w, r); }
            catch (ArgumentException e) when (e.ParamName == "weights")
            {
                // Only a computed total of exactly zero is refused: the true total must be within eW of 0.
                Assert.True(Math.Abs(den) <= Gamma(Reductions.Depth(path, w.Length, 2)) * denAbs + ReductionTests.Gamma64(w.Length) * denAbs, $"refused a total of {den}");
                return;
            }
            if (numAbs >= 1.7e38 || denAbs >= 1.7e38 || !double.IsFinite(num) || !double.IsFinite(den)) return;
            int d = Reductions.Depth(path, w.Length, accumulators: 2);
            double eN = Gamma(d + 1) * numAbs + w.Length * MinSubnormal + ReductionTests.Gamma64(w.Length) * numAbs;
            double eW = Gamma(d) * denAbs + ReductionTests.Gamma64(w.Length) * denAbs;
            if (Math.Abs(den) <= eW) return; // the total is lost in rounding: no accuracy claim
            double q = num / den;
            double bound = (eN + Math.Abs(q) * eW) / (Math.Abs(den) - eW) + U * Math.Abs(got) + MinSubnormal;
            Assert.True(Math.Abs(got - q) <= bound, $"mean n={w.Length}: |{got} − {q}| > {bound:E3}");
        }, iter: 2000);
    }

    private static readonly Gen<(float[] W, float[][] V, int D)> Rounds =
        Gen.Select(Gen.Int[1, 9], Gen.Int[1, 3 * 64 + 7], Gen.Int[0, 1])
           .SelectMany((m, d, mode) => Gen.Select(Value(mode).Array[m], Value(mode).Array[d].Array[m]).Select((w, v) => (w, v, d)));

    [Theory, MemberData(nameof(Paths.Available), MemberType = typeof(Paths))]
    public void Aggregation_matches_its_scalar_twin_bitwise_and_the_f64_reference_within_gamma_m(SimdPath path)
    {
        Rounds.Sample(t =>
        {
            int d = t.D, m = t.W.Length;
            var acc = new float[d]; var twin = new float[d]; var burst = new float[d];
            var acc64 = new double[d]; var twin64 = new double[d];
            var flat = t.V.SelectMany(v => v).ToArray();
            for (int e = 0; e < m; e++)
            {
                Consensus.Accumulate(path, acc, t.W[e], t.V[e]);
                Consensus.Accumulate(SimdPath.Scalar, twin, t.W[e], t.V[e]);
                Consensus.Accumulate(path, acc64, t.W[e], t.V[e]);
                Consensus.Accumulate(SimdPath.Scalar, twin64, t.W[e], t.V[e]);
            }
            Consensus.AccumulateBurst(path, burst, t.W, flat);
            Assert.Equal(twin, acc);
            Assert.Equal(twin, burst);
            Assert.Equal(twin64, acc64);
            for (int k = 0; k < d; k++)
            {
                double exact = 0, abs = 0;
                for (int e = 0; e < m; e++) { double p = (double)t.W[e] * t.V[e][k]; exact += p; abs += Math.Abs(p); }
                Within(acc[k], exact, Gamma(m) * abs + m * MinSubnormal, abs, $"acc[{k}] m={m}");
                Assert.True(Math.Abs(acc64[k] - exact) <= m * 1.2e-16 * abs || abs >= 1.7e38 || !double.IsFinite(exact));
            }
            float total = t.W.Sum();
            if (total != 0)
            {
                var result = new float[d]; var twinResult = new float[d];
                Consensus.Finalize(path, acc, total, result);
                Consensus.Finalize(SimdPath.Scalar, acc, total, twinResult);
                Assert.Equal(twinResult, result);
                Consensus.Finalize(path, acc, total, acc); // in place
                Assert.Equal(twinResult, acc);
            }
        }, iter: 1000);
    }

    [Theory]
    [InlineData(ConsensusPrecision.Single)]
    [InlineData(ConsensusPrecision.Double)]
    public void Accumulator_round_gives_the_weighted_mean_and_resets(ConsensusPrecision precision)
    {
        var acc = new ConsensusAccumulator(5, precision);
        acc.Add(1, [1, 2, 3, 4, 5]);
        acc.Add(3, [5, 6, 7, 8, 9]);
        acc.AddBurst([2, 2], [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
        Assert.Equal(4, acc.Count);
        Assert.Equal(8, acc.TotalWeight);
        var mean = new float[5];
        acc.Finalize(mean);
        Assert.Equal([(1 + 15 + 2) / 8f, (2 + 18 + 2) / 8f, (3 + 21 + 2) / 8f, (4 + 24 + 2) / 8f, (5 + 27 + 2) / 8f], mean);
        acc.Reset();
        Assert.Equal("TotalWeight", Assert.Throws<ArgumentException>(() => acc.Finalize(mean)).ParamName);
    }

    [Fact]
    public void F64_accumulator_keeps_small_contributions_that_f32_loses()
    {
        var f32 = new ConsensusAccumulator(1, ConsensusPrecision.Single);
        var f64 = new ConsensusAccumulator(1, ConsensusPrecision.Double);
        f32.Add(1, [1e8f]); f64.Add(1, [1e8f]);
        for (int i = 0; i < 1000; i++) { f32.Add(1, [1f]); f64.Add(1, [1f]); }
        var a = new float[1]; var b = new float[1];
        f32.Finalize(a); f64.Finalize(b);
        Assert.Equal((float)((1e8 + 1000) / 1001), b[0]);
        Assert.NotEqual(b[0], a[0]);
    }

    [Fact]
    public void Bad_arguments_throw_naming_them()
    {
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => Consensus.WeightedMean([], [])).ParamName);
        Assert.Equal("responses", Assert.Throws<ArgumentException>(() => Consensus.WeightedMean([1f], [1f, 2f])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => Consensus.WeightedMean([1f, -1f], [3f, 4f])).ParamName);
        Assert.Equal("vector", Assert.Throws<ArgumentException>(() => Consensus.Accumulate(new float[3], 1, new float[2])).ParamName);
        Assert.Equal("vector", Assert.Throws<ArgumentException>(() => Consensus.Accumulate(new double[0], 1, [])).ParamName);
        Assert.Equal("totalWeight", Assert.Throws<ArgumentException>(() => Consensus.Finalize(new float[3], 0f, new float[3])).ParamName);
        Assert.Equal("result", Assert.Throws<ArgumentException>(() => Consensus.Finalize(new float[3], 1f, new float[2])).ParamName);
        Assert.Equal("vectors", Assert.Throws<ArgumentException>(() => Consensus.AccumulateBurst(new float[3], [1f, 2f], new float[5])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => Consensus.AccumulateBurst(new float[3], [], [])).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConsensusAccumulator(0));
    }
}
