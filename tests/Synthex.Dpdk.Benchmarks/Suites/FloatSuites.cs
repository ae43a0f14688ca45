using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Synthex.Dpdk.Kernels;

namespace Synthex.Dpdk.Benchmarks.Suites;

/// <summary>Dot, sum and cosine per path against TensorPrimitives, 64 to 1 048 576 floats.</summary>
[Config(typeof(KernelConfig)), GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public unsafe class ReductionSuite
{
    [Params(64, 256, 1024, 4096, 16384, 65536, 262144, 1048576)] public int N;
    [ParamsSource(typeof(KernelConfig), nameof(KernelConfig.Paths))] public SimdPath Path;
    private float[] _a = [], _b = [];
    private delegate*<ref float, ref float, nuint, float> _dot, _cos;
    private delegate*<ref float, nuint, float> _sum;

    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(5);
        _a = Enumerable.Range(0, N).Select(_ => (float)r.NextDouble() - 0.5f).ToArray();
        _b = Enumerable.Range(0, N).Select(_ => (float)r.NextDouble() - 0.5f).ToArray();
        _dot = Reductions.DotFor(Path); _sum = Reductions.SumFor(Path); _cos = Reductions.CosineFor(Path);
    }

    [Benchmark, BenchmarkCategory("dot")] public float Dot() => _dot(ref _a[0], ref _b[0], (nuint)N);
    [Benchmark(Baseline = true), BenchmarkCategory("dot")] public float TensorPrimitivesDot() => TensorPrimitives.Dot(_a, _b);
    [Benchmark, BenchmarkCategory("sum")] public float Sum() => _sum(ref _a[0], (nuint)N);
    [Benchmark(Baseline = true), BenchmarkCategory("sum")] public float TensorPrimitivesSum() => TensorPrimitives.Sum(_a);
    [Benchmark, BenchmarkCategory("cosine")] public float Cosine() => _cos(ref _a[0], ref _b[0], (nuint)N);
    [Benchmark(Baseline = true), BenchmarkCategory("cosine")] public float TensorPrimitivesCosine() => TensorPrimitives.CosineSimilarity(_a, _b);
}

/// <summary>Consensus aggregation (acc += w·v) per path against a streaming copy of the same length.</summary>
[Config(typeof(KernelConfig))]
public unsafe class ConsensusSuite
{
    [Params(65536, 262144, 1048576, 4194304)] public int N;
    [ParamsSource(typeof(KernelConfig), nameof(KernelConfig.Paths))] public SimdPath Path;
    private float[] _acc = [], _v = [], _dst = [];
    private delegate*<ref float, float, ref float, nuint, void> _axpy;

    [GlobalSetup]
    public void Setup()
    {
        _acc = new float[N]; _dst = new float[N];
        var r = new Random(6);
        _v = Enumerable.Range(0, N).Select(_ => (float)r.NextDouble()).ToArray();
        _axpy = Consensus.AxpyFor(Path);
    }

    /// <summary>Moves 12 B per element (read acc and v, write acc) against the copy's 8 B.</summary>
    [Benchmark] public void Aggregate() => _axpy(ref _acc[0], 1e-3f, ref _v[0], (nuint)N);
    [Benchmark(Baseline = true)] public void StreamingCopy() => _v.AsSpan().CopyTo(_dst);
}

/// <summary>GEMM 512³ per path (one core) and parallel on the selected path; batched similarity against a loop of dots.</summary>
[Config(typeof(KernelConfig))]
public unsafe class MatrixSuite
{
    [ParamsSource(typeof(KernelConfig), nameof(KernelConfig.Paths))] public SimdPath Path;
    private const int N = 512, Q = 32, S = 4096, D = 256, K = 10;
    private float[] _a = [], _b = [], _c = [], _q = [], _s = [], _sc = [], _row = new float[S], _heap = new float[K];
    private int[] _idx = [], _heapIdx = new int[K];

    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(9);
        float Next() => (float)r.NextDouble() - 0.5f;
        _a = Enumerable.Range(0, N * N).Select(_ => Next()).ToArray();
        _b = Enumerable.Range(0, N * N).Select(_ => Next()).ToArray();
        _c = new float[N * N];
        _q = Enumerable.Range(0, Q * D).Select(_ => Next()).ToArray();
        _s = Enumerable.Range(0, S * D).Select(_ => Next()).ToArray();
        _sc = new float[Q * K]; _idx = new int[Q * K];
    }

    [Benchmark] public void Gemm512() => Gemm.Multiply(Path, _a, _b, _c, N, N, N);
    [Benchmark] public void Gemm512Parallel() => Gemm.Multiply(Path, _a, _b, _c, N, N, N, parallel: true);
    [Benchmark] public void SimilarityTopK() => Similarity.TopK(Path, _q, _s, D, K, _idx, _sc);

    [Benchmark(Baseline = true)]
    public void LoopOfDotsTopK()
    {
        var dot = Reductions.DotFor(Path);
        var select = Similarity.SelectFor(Path);
        for (int qi = 0; qi < Q; qi++)
        {
            for (int j = 0; j < S; j++) _row[j] = dot(ref _q[qi * D], ref _s[j * D], D);
            _heap.AsSpan().Fill(float.NegativeInfinity); _heapIdx.AsSpan().Fill(-1);
            select(_row, 0, _heap, _heapIdx);
        }
    }
}
