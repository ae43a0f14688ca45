using CsCheck;
using static Synthex.Dpdk.Kernels.Tests.FloatGen;

namespace Synthex.Dpdk.Kernels.Tests;

public class GemmTests
{
    // Shapes straddle every edge: MR = 6 rows, NR = 8/16/32 columns, KC = 256, MC = 96.
    private static readonly Gen<(int M, int K, int N, bool Bt, bool Acc, bool Par, int Mode)> Shapes =
        Gen.Select(Gen.Frequency((6, Gen.Int[0, 40]), (1, Gen.Int[90, 110])), Gen.Frequency((6, Gen.Int[0, 40]), (1, Gen.Int[250, 300])),
                   Gen.Frequency((6, Gen.Int[0, 70]), (1, Gen.Int[100, 140])), Gen.Bool, Gen.Bool, Gen.Bool, Gen.Int[0, 2]);

    [Theory, MemberData(nameof(Paths.Available), MemberType = typeof(Paths))]
    public void Product_is_within_the_stated_bound_for_any_shape(SimdPath path)
    {
        Shapes.SelectMany(s => Gen.Select(Value(s.Mode).Array[s.M * s.K], Value(s.Mode).Array[s.K * s.N], Value(0).Array[s.M * s.N]).Select((a, b, c0) => (s, a, b, c0)))
              .Sample(t =>
              {
                  var (m, k, n, bt, acc, par, _) = t.s;
                  var c = (float[])t.c0.Clone();
                  // b holds B (k×n) or Bᵀ (n×k): element (p, j) is at p·n + j or j·k + p.
                  Gemm.Multiply(path, t.a, t.b, c, m, k, n, transposeB: bt, accumulate: acc, parallel: par);
                  int rounds = k + (k + Gemm.KC - 1) / Gemm.KC + (acc ? 1 : 0);
                  for (int i = 0; i < m; i++)
                      for (int j = 0; j < n; j++)
                      {
                          double sum = acc ? t.c0[i * n + j] : 0, abs = Math.Abs(sum);
                          for (int p = 0; p < k; p++)
                          {
                              double prod = (double)t.a[i * k + p] * (bt ? t.b[j * k + p] : t.b[p * n + j]);
                              sum += prod;
                              if (double.IsFinite(prod)) abs += Math.Abs(prod);
                          }
                          Within(c[i * n + j], sum, Gamma(rounds) * abs + k * MinSubnormal + ReductionTests.Gamma64(k + 1) * abs, abs, $"C[{i},{j}] {m}x{k}x{n} bt={bt} acc={acc}");
                      }
              }, iter: 150);
    }

    [Fact]
    public void Large_parallel_product_equals_the_single_threaded_one()
    {
        // Same kernel, disjoint column/row ranges: bit-identical.
        var r = new Random(5);
        foreach (var (m, k, n) in new[] { (200, 300, 257), (301, 64, 100) })
        {
            var a = Enumerable.Range(0, m * k).Select(_ => (float)r.NextDouble() - 0.5f).ToArray();
            var b = Enumerable.Range(0, k * n).Select(_ => (float)r.NextDouble() - 0.5f).ToArray();
            var c1 = new float[m * n]; var c2 = new float[m * n];
            Gemm.Multiply(a, b, c1, m, k, n);
            Gemm.Multiply(a, b, c2, m, k, n, parallel: true);
            Assert.Equal(c1, c2);
        }
    }

    [Fact]
    public void Shapes_are_validated_naming_the_argument()
    {
        Assert.Equal("m", Assert.Throws<ArgumentException>(() => Gemm.Multiply([], [], new float[1], -1, 1, 1)).ParamName);
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[5], new float[6], new float[4], 2, 3, 2)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[6], new float[5], new float[4], 2, 3, 2)).ParamName);
        Assert.Equal("bt", Assert.Throws<ArgumentException>(() => Gemm.MultiplyTransposed(new float[6], new float[5], new float[4], 2, 3, 2)).ParamName);
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[6], new float[6], new float[3], 2, 3, 2)).ParamName);
        var c = new float[] { 1, 2, 3, 4 };
        Gemm.Multiply([], [], c, 2, 0, 2);
        Assert.Equal(new float[4], c); // k = 0: C = the empty sum
    }
}
