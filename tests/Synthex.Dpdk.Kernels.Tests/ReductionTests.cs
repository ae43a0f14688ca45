using CsCheck;
using static Synthex.Dpdk.Kernels.Tests.FloatGen;

namespace Synthex.Dpdk.Kernels.Tests;

public class ReductionTests
{
    [Theory, MemberData(nameof(Paths.Available), MemberType = typeof(Paths))]
    public void Sum_is_within_its_stated_bound(SimdPath path)
    {
        Pair(minLength: 1).Sample(t =>
        {
            var x = t.Buffer.AsSpan(t.Offset, t.Length);
            double reference = 0;
            foreach (float v in x) reference += v;
            double absSum = FiniteAbsSum(x.ToArray().Select(v => (double)v));
            double bound = Gamma(Reductions.Depth(path, x.Length)) * absSum + Gamma64(x.Length) * absSum;
            Within(Reductions.Sum(path, x), reference, bound, absSum, $"sum n={x.Length}");
        }, iter: 2000);
    }

    [Theory, MemberData(nameof(Paths.Available), MemberType = typeof(Paths))]
    public void Dot_and_norm_are_within_their_stated_bounds(SimdPath path)
    {
        Pair(minLength: 1).Sample(t =>
        {
            var a = t.Buffer.AsSpan(t.Offset, t.Length);
            var b = t.Other.AsSpan(t.Offset, t.Length);
            double reference = 0, absSum;
            var terms = new double[a.Length];
            for (int i = 0; i < a.Length; i++) { terms[i] = (double)a[i] * b[i]; reference += terms[i]; }
            absSum = FiniteAbsSum(terms);
            double bound = Gamma(Reductions.Depth(path, a.Length) + 1) * absSum + a.Length * MinSubnormal + Gamma64(a.Length) * absSum;
            Within(Reductions.Dot(path, a, b), reference, bound, absSum, $"dot n={a.Length}");

            // Norm = √(dot(x, x)): the square-root halves the relative error and adds one rounding.
            double sq = 0; foreach (float v in a) sq += (double)v * v;
            double sqBound = Gamma(Reductions.Depth(path, a.Length) + 1) * sq + a.Length * MinSubnormal + Gamma64(a.Length) * sq;
            float norm = Reductions.Norm(path, a);
            if (sq < 1.7e38 && !double.IsNaN(sq) && !double.IsInfinity(sq))
            {
                double lo = Math.Sqrt(Math.Max(0, sq - sqBound)) * (1 - U), hi = Math.Sqrt(sq + sqBound) * (1 + U);
                Assert.True(norm >= lo && norm <= hi, $"norm n={a.Length}: {norm} not in [{lo}, {hi}]");
            }
        }, iter: 2000);
    }

    [Theory, MemberData(nameof(Paths.Available), MemberType = typeof(Paths))]
    public void Cosine_is_within_the_bound_its_three_sums_imply(SimdPath path)
    {
        Pair(minLength: 1).Sample(t =>
        {
            var a = t.Buffer.AsSpan(t.Offset, t.Length);
            var b = t.Other.AsSpan(t.Offset, t.Length);
            double ab = 0, aa = 0, bb = 0, abAbs = 0;
            for (int i = 0; i < a.Length; i++) { ab += (double)a[i] * b[i]; abAbs += Math.Abs((double)a[i] * b[i]); aa += (double)a[i] * a[i]; bb += (double)b[i] * b[i]; }
            float got = Reductions.CosineSimilarity(path, a, b);
            if (!double.IsFinite(aa) || !double.IsFinite(bb) || !double.IsFinite(abAbs)) return; // NaN/∞ inputs: no claim beyond IEEE propagation
            if (aa >= 1.7e38 || bb >= 1.7e38) return;
            double g = Gamma(Reductions.Depth(path, a.Length, accumulators: 2) + 1), tiny = a.Length * MinSubnormal;
            double eAB = g * abAbs + tiny + Gamma64(a.Length) * abAbs, eAA = g * aa + tiny + Gamma64(a.Length) * aa, eBB = g * bb + tiny + Gamma64(a.Length) * bb;
            if (aa - eAA <= 0 || bb - eBB <= 0) return; // a vector indistinguishable from zero: result may be anything incl. NaN
            double dLo = Math.Sqrt((aa - eAA) * (bb - eBB)), dHi = Math.Sqrt((aa + eAA) * (bb + eBB));
            double[] corners = [(ab - eAB) / dLo, (ab - eAB) / dHi, (ab + eAB) / dLo, (ab + eAB) / dHi];
            double lo = corners.Min(), hi = corners.Max();
            // 2 √, 1 ×, 1 ÷ relative, and half a subnormal absolute when the quotient itself underflows
            lo -= 5 * U * Math.Abs(lo) + MinSubnormal; hi += 5 * U * Math.Abs(hi) + MinSubnormal;
            Assert.True(got >= lo && got <= hi, $"cosine n={a.Length}: {got} not in [{lo}, {hi}]");
        }, iter: 2000);
    }

    [Theory, MemberData(nameof(Paths.Available), MemberType = typeof(Paths))]
    public void Every_path_agrees_with_its_scalar_twin_on_exact_inputs(SimdPath path)
    {
        // Small integers: every partial sum is exact, so all orders agree bit for bit.
        Gen.Select(Gen.Int[1, 300], Gen.Int[0, 15]).SelectMany((n, off) => Gen.Select(Gen.Int[-64, 64].Select(i => (float)i).Array[n + off], Gen.Int[-64, 64].Select(i => (float)i).Array[n + off]).Select((a, b) => (a.AsSpan(off).ToArray(), b.AsSpan(off).ToArray())))
           .Sample(t =>
           {
               Assert.Equal(Reductions.Sum(SimdPath.Scalar, t.Item1), Reductions.Sum(path, t.Item1));
               Assert.Equal(Reductions.Dot(SimdPath.Scalar, t.Item1, t.Item2), Reductions.Dot(path, t.Item1, t.Item2));
           }, iter: 500);
    }

    [Theory, MemberData(nameof(Paths.Available), MemberType = typeof(Paths))]
    public void Long_inputs_take_the_aligning_head_and_stay_within_the_bounds(SimdPath path)
    {
        // From Reductions.AlignFrom floats the first operand is aligned with a masked head: every
        // offset within a zmm gives a different head length.
        Gen.Select(Gen.Int[0, 15], Gen.Int[Reductions.AlignFrom, Reductions.AlignFrom + 100], Gen.Int[0, 1])
           .SelectMany((off, n, mode) => Gen.Select(Value(mode).Array[off + n], Value(mode).Array[off + n]).Select((a, b) => (a, b, off, n)))
           .Sample(t =>
           {
               var a = t.a.AsSpan(t.off, t.n); var b = t.b.AsSpan(t.off, t.n);
               double dot = 0, dotAbs = 0, sum = 0, sumAbs = 0;
               for (int i = 0; i < a.Length; i++)
               {
                   double p = (double)a[i] * b[i];
                   dot += p; dotAbs += Math.Abs(p); sum += a[i]; sumAbs += Math.Abs(a[i]);
               }
               Within(Reductions.Dot(path, a, b), dot, Gamma(Reductions.Depth(path, a.Length) + 1) * dotAbs + a.Length * MinSubnormal + Gamma64(a.Length) * dotAbs, dotAbs, "dot");
               Within(Reductions.Sum(path, a), sum, Gamma(Reductions.Depth(path, a.Length)) * sumAbs + Gamma64(a.Length) * sumAbs, sumAbs, "sum");
           }, iter: 20);
    }

    [Fact]
    public void Empty_and_mismatched_spans_throw_naming_the_argument()
    {
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => Reductions.Dot([], [])).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Reductions.Dot([1f, 2f], [1f])).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => Reductions.Sum([])).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => Reductions.Norm([])).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Reductions.CosineSimilarity([1f], [1f, 2f])).ParamName);
        Assert.True(float.IsNaN(Reductions.CosineSimilarity([0f, 0f], [1f, 2f])));
    }

    /// <summary>The f64 reference's own error (left-to-right in f64).</summary>
    internal static double Gamma64(int n) => n * 1.1102230246251565e-16 / (1 - n * 1.1102230246251565e-16);
}
