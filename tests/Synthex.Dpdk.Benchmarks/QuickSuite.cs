using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Synthex.Dpdk.Kernels;
using Synthex.Dpdk.Interop;
using static Synthex.Dpdk.Benchmarks.Harness;

namespace Synthex.Dpdk.Benchmarks;

/// <summary>
/// The quick selection behind scripts/bench-simd.sh: every kernel × every path the CPU runs,
/// each paired with its reference in the same process, sample by sample. Per-path kernels are
/// called through the same function pointers the public API dispatches to.
/// </summary>
internal static unsafe class QuickSuite
{
    public static readonly int[] PacketSizes = [64, 256, 512, 1500, 9000];
    public static readonly int[] FloatLengths = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576];

    private static readonly List<Result> s_results = [];
    public static IReadOnlyList<Result> Results => s_results;

    private static void Add(Result r)
    {
        s_results.Add(r);
        Console.WriteLine($"{r.Kernel,-22} {r.Size,9} {r.SizeUnit,-7} {r.Path,-7} {r.Gbps,9:F2} GB/s  vs {r.Baseline,-22} {r.BaselineGbps,9:F2} GB/s  ratio {r.Ratio,6:F2}{(r.Target is null ? "" : "  target " + r.Target)}");
    }

    private static Result Row(string kernel, long size, string unit, SimdPath path, double bytes, double ns, string baseline, double baseBytes, double baseNs, string? target = null) =>
        new(kernel, size, unit, SimdInfo.Name(path), bytes / ns, baseline, baseBytes / baseNs, (bytes / ns) / (baseBytes / baseNs), ns, baseNs) { Target = target };

    public static void Run(string? only)
    {
        bool Want(string k) => only is null || k.Contains(only, StringComparison.OrdinalIgnoreCase);
        if (Want("checksum")) Checksum();
        if (Want("toeplitz")) ToeplitzHash();
        if (Want("crc")) Crc();
        if (Want("dot") || Want("sum") || Want("cosine") || Want("norm")) Floats(only);
        if (Want("consensus")) Consensus();
        if (Want("gemm")) Gemm();
        if (Want("similarity")) Similarity();
    }

    // ------------------------------------------------------------------ checksum

    private static void Checksum()
    {
        byte* buf = (byte*)NativeMemory.AlignedAlloc(16384, 64);
        new Random(1).NextBytes(new Span<byte>(buf, 16384));
        foreach (int size in PacketSizes)
        {
            foreach (SimdPath path in SimdInfo.Available)
            {
                var sum = InternetChecksum.SumFor(path);
                int n = size;
                var (ns, dpdk) = Pair(
                    iters => { long s = 0; for (long i = 0; i < iters; i++) s += InternetChecksum.Fold(sum(ref buf[i & 1], (nuint)n)); return s; },
                    iters => { long s = 0; for (long i = 0; i < iters; i++) s += Shim.sx_raw_cksum(buf + (i & 1), (nuint)n); return s; });
                Add(Row("checksum", size, "bytes", path, size, ns, "rte_raw_cksum", size, dpdk, size >= 512 ? ">=2.0" : size == 64 ? ">=1.0" : null));
            }
        }
        // Whole UDP/IPv4 checksum (pseudo-header + payload), selected path.
        foreach (int size in new[] { 64, 1500 })
        {
            byte[] pkt = new byte[20 + size];
            new Random(2).NextBytes(pkt);
            pkt[0] = 0x45; pkt[9] = 17;
            BinaryPrimitives.WriteUInt16BigEndian(pkt.AsSpan(2), (ushort)(20 + size));
            fixed (byte* p = pkt)
            {
                byte* pp = p;
                var (ns, dpdk) = Pair(
                    iters => { long s = 0; for (long i = 0; i < iters; i++) s += InternetChecksum.Ipv4UdpTcp(new ReadOnlySpan<byte>(pp, 20), new ReadOnlySpan<byte>(pp + 20, size)); return s; },
                    iters => { long s = 0; for (long i = 0; i < iters; i++) s += Shim.sx_ipv4_udptcp_cksum((rte_ipv4_hdr*)pp, pp + 20); return s; });
                Add(Row("ipv4-udp-checksum", size, "bytes", SimdInfo.Selected, size, ns, "rte_ipv4_udptcp_cksum", size, dpdk));
            }
        }
        NativeMemory.AlignedFree(buf);
    }

    // ------------------------------------------------------------------ Toeplitz

    private static void ToeplitzHash()
    {
        var key = ToeplitzKey.Microsoft;
        byte* k = (byte*)NativeMemory.Alloc(64);
        key.Bytes.CopyTo(new Span<byte>(k, 40));
        const int Flows = 256; // distinct tuples, as a burst would carry
        var rnd = new Random(3);
        foreach (var (name, len) in new[] { ("ipv4-2tuple", 8), ("ipv4-4tuple", 12), ("ipv6-2tuple", 32), ("ipv6-4tuple", 36) })
        {
            byte[] input = new byte[Flows * len];
            rnd.NextBytes(input);
            uint[] words = new uint[Flows * len / 4];
            for (int w = 0; w < words.Length; w++) words[w] = BinaryPrimitives.ReadUInt32BigEndian(input.AsSpan(4 * w));
            foreach (SimdPath path in SimdInfo.Available)
            {
                var hash = Kernels.Toeplitz.HashFor(path);
                // Same results first (exactness is the tests' job; this guards the benchmark itself).
                fixed (uint* wp = words)
                    for (int f = 0; f < Flows; f++)
                        if (hash(ref input[f * len], len, key) != Shim.sx_softrss(wp + f * len / 4, (uint)(len / 4), k))
                            throw new InvalidOperationException($"Toeplitz mismatch on {path}");
                var (ns, dpdk) = Pair(
                    iters => { long s = 0; ref byte b = ref input[0]; for (long i = 0; i < iters; i++) s += hash(ref Unsafe.Add(ref b, (int)(i & (Flows - 1)) * len), len, key); return s; },
                    iters => { long s = 0; fixed (uint* wp = words) for (long i = 0; i < iters; i++) s += Shim.sx_softrss(wp + (i & (Flows - 1)) * (len / 4), (uint)(len / 4), k); return s; });
                Add(Row("toeplitz-" + name, len, "bytes", path, len, ns, "rte_softrss", len, dpdk, ">=1.0") with
                {
                    Note = path == SimdPath.Scalar || len < Kernels.Toeplitz.GfniMinLength ? "table-driven (1 KiB per input byte)" : Gfni.IsSupported ? "GFNI affine" : "table-driven (no GFNI)",
                });
            }
        }
        NativeMemory.Free(k);
    }

    // ------------------------------------------------------------------ CRC32C

    private static void Crc()
    {
        byte* buf = (byte*)NativeMemory.AlignedAlloc(4096, 64);
        new Random(4).NextBytes(new Span<byte>(buf, 4096));
        foreach (int size in new[] { 13, 37, 64, 256, 1500 })
            foreach (SimdPath path in SimdInfo.Available)
            {
                var crc = Crc32C.CrcFor(path);
                var (ns, dpdk) = Pair(
                    iters => { long s = 0; for (long i = 0; i < iters; i++) s += crc((uint)i, ref buf[0], (nuint)size); return s; },
                    iters => { long s = 0; for (long i = 0; i < iters; i++) s += Shim.sx_hash_crc(buf, (uint)size, (uint)i); return s; });
                Add(Row("crc32c", size, "bytes", path, size, ns, "rte_hash_crc", size, dpdk));
            }
        NativeMemory.AlignedFree(buf);
    }

    // ------------------------------------------------------------------ dot, sum, cosine, norm

    private static void Floats(string? only)
    {
        int max = FloatLengths[^1];
        float[] a = RandomFloats(max, 5), b = RandomFloats(max, 6);
        foreach (int n in FloatLengths)
            foreach (SimdPath path in SimdInfo.Available)
            {
                var dot = Reductions.DotFor(path);
                var sum = Reductions.SumFor(path);
                var cos = Reductions.CosineFor(path);
                if (only is null || only.Contains("dot"))
                {
                    var (ns, tp) = Pair(
                        iters => { float s = 0; for (long i = 0; i < iters; i++) s += dot(ref a[0], ref b[0], (nuint)n); return (long)s; },
                        iters => { float s = 0; for (long i = 0; i < iters; i++) s += TensorPrimitives.Dot(a.AsSpan(0, n), b.AsSpan(0, n)); return (long)s; });
                    Add(Row("dot", n, "floats", path, 8.0 * n, ns, "TensorPrimitives.Dot", 8.0 * n, tp, ">=1.0"));
                }
                if (only is null || only.Contains("sum"))
                {
                    var (ns, tp) = Pair(
                        iters => { float s = 0; for (long i = 0; i < iters; i++) s += sum(ref a[0], (nuint)n); return (long)s; },
                        iters => { float s = 0; for (long i = 0; i < iters; i++) s += TensorPrimitives.Sum(a.AsSpan(0, n)); return (long)s; });
                    Add(Row("sum", n, "floats", path, 4.0 * n, ns, "TensorPrimitives.Sum", 4.0 * n, tp, ">=1.0"));
                }
                if (only is null || only.Contains("cosine"))
                {
                    var (ns, tp) = Pair(
                        iters => { float s = 0; for (long i = 0; i < iters; i++) s += cos(ref a[0], ref b[0], (nuint)n); return (long)s; },
                        iters => { float s = 0; for (long i = 0; i < iters; i++) s += TensorPrimitives.CosineSimilarity(a.AsSpan(0, n), b.AsSpan(0, n)); return (long)s; });
                    Add(Row("cosine", n, "floats", path, 8.0 * n, ns, "TensorPrimitives.CosineSimilarity", 8.0 * n, tp, ">=1.0"));
                }
                if (only is null || only.Contains("norm"))
                {
                    var (ns, tp) = Pair(
                        iters => { float s = 0; for (long i = 0; i < iters; i++) s += MathF.Sqrt(dot(ref a[0], ref a[0], (nuint)n)); return (long)s; },
                        iters => { float s = 0; for (long i = 0; i < iters; i++) s += TensorPrimitives.Norm(a.AsSpan(0, n)); return (long)s; });
                    Add(Row("norm", n, "floats", path, 4.0 * n, ns, "TensorPrimitives.Norm", 4.0 * n, tp));
                }
            }
    }

    // ------------------------------------------------------------------ consensus

    private static void Consensus()
    {
        int[] sizes = [.. FloatLengths, 4194304];
        int max = sizes[^1];
        float[] v = RandomFloats(4 * max, 7), acc = new float[max], dst = new float[max];
        float[] w = RandomFloats(max, 8);
        float[] w4 = [0.5f, 0.25f, 0.125f, 0.0625f];
        foreach (int n in sizes)
            foreach (SimdPath path in SimdInfo.Available)
            {
                var axpy = Kernels.Consensus.AxpyFor(path);
                var (ns, copy) = Pair(
                    iters => { for (long i = 0; i < iters; i++) axpy(ref acc[0], 1e-3f, ref v[0], (nuint)n); return 0; },
                    iters => { for (long i = 0; i < iters; i++) v.AsSpan(0, n).CopyTo(dst); return 0; });
                // Bytes moved: aggregation reads acc and v and writes acc (12 B/element); the copy reads and writes (8 B).
                Add(Row("consensus-aggregate", n, "floats", path, 12.0 * n, ns, "streaming-copy", 8.0 * n, copy, n * 4 > 1 << 20 ? ">=0.70" : null));

                var burst = Kernels.Consensus.AxpyBurst4For(path);
                var (nsb, copyb) = Pair(
                    iters => { for (long i = 0; i < iters; i++) burst(ref acc[0], ref w4[0], ref v[0], (nuint)n); return 0; },
                    iters => { for (long i = 0; i < iters; i++) v.AsSpan(0, n).CopyTo(dst); return 0; });
                Add(Row("consensus-burst4", n, "floats", path, 24.0 * n, nsb, "streaming-copy", 8.0 * n, copyb));

                if (n <= 1048576)
                {
                    var mean = Kernels.Consensus.MeanFor(path);
                    var (nsm, tp) = Pair(
                        iters => { float s = 0; for (long i = 0; i < iters; i++) s += mean(ref w[0], ref v[0], (nuint)n, out float t) / t; return (long)s; },
                        iters => { float s = 0; for (long i = 0; i < iters; i++) s += TensorPrimitives.Dot(w.AsSpan(0, n), v.AsSpan(0, n)) / TensorPrimitives.Sum(w.AsSpan(0, n)); return (long)s; });
                    Add(Row("consensus-mean", n, "floats", path, 8.0 * n, nsm, "TensorPrimitives.Dot/Sum", 8.0 * n, tp));
                }
            }
    }

    // ------------------------------------------------------------------ GEMM

    public static double ClockGhz { get; private set; }
    public static double PeakGflops { get; private set; }
    public static double MeasuredFmaGflops { get; private set; }
    public static string PeakDerivation { get; private set; } = "";

    private static void Gemm()
    {
        (ClockGhz, PeakGflops, PeakDerivation) = Peak.Derive();
        MeasuredFmaGflops = Peak.MeasureFmaGflops();
        // Conservative: if the register-only FMA loop outruns the derived peak, the clock sample was
        // disturbed; judge GEMM against the higher of the two.
        if (MeasuredFmaGflops > PeakGflops)
        {
            PeakDerivation += $"; measured FMA loop {MeasuredFmaGflops:F0} GFLOP/s is higher and is used";
            PeakGflops = MeasuredFmaGflops;
        }
        Console.WriteLine($"clock {ClockGhz:F2} GHz (dependent integer-add chain); f32 FMA peak {PeakGflops:F0} GFLOP/s ({PeakDerivation}); register-only FMA loop measures {MeasuredFmaGflops:F0} GFLOP/s");
        const int N = 512;
        float[] a = RandomFloats(N * N, 9), b = RandomFloats(N * N, 10), c = new float[N * N];
        double flops = 2.0 * N * N * N;
        foreach (SimdPath path in SimdInfo.Available)
        {
            var kernel = Kernels.Gemm.KernelFor(path);
            double ns = Single(iters => { for (long i = 0; i < iters; i++) Kernels.Gemm.Multiply(path, a, b, c, N, N, N); return 0; });
            double gflops = flops / ns;
            Add(new Result("gemm-512", N, "n", SimdInfo.Name(path), 3.0 * N * N * 4 / ns, "f32-fma-peak-1core", 3.0 * N * N * 4 / (flops / PeakGflops), gflops / PeakGflops, ns, flops / PeakGflops)
            { Gflops = gflops, Target = path == SimdInfo.Available[^1] ? ">=0.50" : null, Note = $"{gflops:F1} GFLOP/s of {PeakGflops:F0} peak" });
        }
        {
            double ns = Single(iters => { for (long i = 0; i < iters; i++) Kernels.Gemm.Multiply(SimdInfo.Selected, a, b, c, N, N, N, parallel: true); return 0; });
            double gflops = flops / ns;
            int cores = Environment.ProcessorCount;
            Add(new Result("gemm-512-parallel", N, "n", SimdInfo.Name(SimdInfo.Selected), 3.0 * N * N * 4 / ns, $"f32-fma-peak-{cores}cores", 3.0 * N * N * 4 / (flops / (PeakGflops * cores)), gflops / (PeakGflops * cores), ns, flops / (PeakGflops * cores))
            { Gflops = gflops, Note = $"{gflops:F1} GFLOP/s on {cores} shared cores" });
        }
    }

    // ------------------------------------------------------------------ batched similarity

    private static void Similarity()
    {
        const int Q = 32, S = 4096, D = 256, K = 10;
        float[] q = RandomFloats(Q * D, 11), s = RandomFloats(S * D, 12);
        int[] idx = new int[Q * K]; float[] sc = new float[Q * K];
        float[] heap = new float[K]; int[] heapIdx = new int[K];
        float[] row = new float[S];
        foreach (SimdPath path in SimdInfo.Available)
        {
            var dot = Reductions.DotFor(path);
            var select = Kernels.Similarity.SelectFor(path);
            var (ns, loop) = Pair(
                iters => { for (long i = 0; i < iters; i++) Kernels.Similarity.TopK(path, q, s, D, K, idx, sc); return idx[0]; },
                iters =>
                {
                    for (long i = 0; i < iters; i++)
                        for (int qi = 0; qi < Q; qi++)
                        {
                            for (int j = 0; j < S; j++) row[j] = dot(ref q[qi * D], ref s[j * D], D);
                            heap.AsSpan().Fill(float.NegativeInfinity); heapIdx.AsSpan().Fill(-1);
                            select(row, 0, heap, heapIdx);
                        }
                    return heapIdx[0];
                });
            double bytes = 8.0 * Q * S * D; // as if every (query, vector) dot read both operands
            Add(Row("similarity-32x4096x256", Q, "queries", path, bytes, ns, "loop-of-dots+topk", bytes, loop, ">=2.0"));
        }
    }

    private static float[] RandomFloats(int n, int seed)
    {
        var r = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(r.NextDouble() * 2 - 1);
        return x;
    }
}
