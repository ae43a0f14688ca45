using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Synthex.Dpdk.Kernels;

/// <summary>
/// Single-precision matrix multiply, C = A·B (or C += A·B), row-major, any shapes; the Goto/BLIS
/// scheme: B is packed per (KC × NC) block into NR-wide panels, A per (MC × KC) block into MR-high
/// strips, and a register-blocked micro-kernel computes each MR × NR tile of C with MR·NR/W
/// accumulators that never leave registers during the KC loop.
/// </summary>
/// <remarks>
/// <para>Micro-kernel: MR = 6 rows × NR = 2 vectors (6×32 on v512, 6×16 on v256, 6×8 on v128): per k
/// step 2 vector loads of B, 6 broadcasts of A and 12 FMAs, so the two FMA pipes stay busy (12
/// independent chains cover the 4-cycle latency) and it fits AVX2's 16 registers. KC = 256 keeps a
/// B panel (256 × 32 floats = 32 KiB) in L1, MC = 96 keeps the A block (96 KiB) in L2.</para>
/// <para>Error: each element is a chain of fused multiply-adds over one KC block, added to C once
/// per block: |Ĉ − C| ≤ γ(K + ⌈K/KC⌉)·Σₚ|aᵢₚ·bₚⱼ| + K·2⁻¹⁴⁹ (the scalar twin's single FMA chain is within it).</para>
/// <para>Packing buffers are pinned arrays cached per thread (≈1.1 MiB per thread that multiplies):
/// no allocation per call after the first.</para>
/// </remarks>
public static unsafe class Gemm
{
    internal const int MR = 6, KC = 256, MC = 96, NC = 1024;

    private static readonly delegate*<in Operands, void> s_kernel = KernelFor(SimdInfo.Selected);

    /// <summary>C (m×n) = A (m×k) · B (k×n), all row-major and contiguous; with <paramref name="accumulate"/>, C += A·B.</summary>
    /// <param name="parallel">Split the outer loop over the thread pool when the product is large (≥ 128³ flops·½).</param>
    /// <exception cref="ArgumentException">A dimension is negative or a span is shorter than its shape.</exception>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate = false, bool parallel = false) =>
        Run(s_kernel, a, b, c, m, k, n, transposeB: false, accumulate, parallel);

    /// <summary>C (m×n) = A (m×k) · Bᵀ where <paramref name="bt"/> is n×k row-major (rows of B are stored vectors).</summary>
    /// <exception cref="ArgumentException">A dimension is negative or a span is shorter than its shape.</exception>
    public static void MultiplyTransposed(ReadOnlySpan<float> a, ReadOnlySpan<float> bt, Span<float> c, int m, int k, int n, bool accumulate = false, bool parallel = false) =>
        Run(s_kernel, a, bt, c, m, k, n, transposeB: true, accumulate, parallel);

    internal static void Multiply(SimdPath path, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool transposeB = false, bool accumulate = false, bool parallel = false)
    {
        SimdInfo.EnsureAvailable(path);
        Run(KernelFor(path), a, b, c, m, k, n, transposeB, accumulate, parallel);
    }

    internal static delegate*<in Operands, void> KernelFor(SimdPath path) => path switch
    {
        SimdPath.V512 => &Blocked<Vector512<float>, V512>,
        SimdPath.V256 => &Blocked<Vector256<float>, V256>,
        SimdPath.V128 => &Blocked<Vector128<float>, V128>,
        _ => &Scalar,
    };

    /// <summary>The operands of one (sub-)multiplication: raw pointers, leading dimensions, shape.</summary>
    internal readonly struct Operands
    {
        public readonly float* A, B, C;
        public readonly int Lda, Ldb, Ldc, M, K, N;
        public readonly bool TransposeB, Accumulate;

        public Operands(float* a, int lda, float* b, int ldb, bool transposeB, float* c, int ldc, int m, int k, int n, bool accumulate)
        {
            A = a; Lda = lda; B = b; Ldb = ldb; TransposeB = transposeB; C = c; Ldc = ldc; M = m; K = k; N = n; Accumulate = accumulate;
        }

        /// <summary>Columns [j0, j0 + cols) of C (and of B).</summary>
        public Operands Columns(int j0, int cols) =>
            new(A, Lda, TransposeB ? B + (nint)j0 * Ldb : B + j0, Ldb, TransposeB, C + j0, Ldc, M, K, cols, Accumulate);

        /// <summary>Rows [i0, i0 + rows) of C (and of A).</summary>
        public Operands Rows(int i0, int rows) =>
            new(A + (nint)i0 * Lda, Lda, B, Ldb, TransposeB, C + (nint)i0 * Ldc, Ldc, rows, K, N, Accumulate);
    }

    private static void Run(delegate*<in Operands, void> kernel, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
                            int m, int k, int n, bool transposeB, bool accumulate, bool parallel)
    {
        if (m < 0) throw new ArgumentException("Dimensions must be non-negative.", nameof(m));
        if (k < 0) throw new ArgumentException("Dimensions must be non-negative.", nameof(k));
        if (n < 0) throw new ArgumentException("Dimensions must be non-negative.", nameof(n));
        if (a.Length < (long)m * k) throw new ArgumentException($"A must hold m×k = {(long)m * k} floats; it has {a.Length}.", nameof(a));
        if (b.Length < (long)k * n) throw new ArgumentException($"B must hold k×n = {(long)k * n} floats; it has {b.Length}.", transposeB ? "bt" : nameof(b));
        if (c.Length < (long)m * n) throw new ArgumentException($"C must hold m×n = {(long)m * n} floats; it has {c.Length}.", nameof(c));
        if (m == 0 || n == 0) return;
        if (k == 0) { if (!accumulate) c[..(m * n)].Clear(); return; }

        fixed (float* pa = a, pb = b, pc = c)
        {
            var op = new Operands(pa, k, pb, transposeB ? k : n, transposeB, pc, n, m, k, n, accumulate);
            int workers = parallel ? Environment.ProcessorCount : 1;
            if (workers <= 1 || (long)m * n * k < (1L << 21))
            {
                kernel(in op);
                return;
            }
            // Split the larger of m and n into one contiguous range per worker (multiples of the tile),
            // each packing its own blocks: no sharing, no synchronisation but the join.
            bool byColumns = n >= m;
            int extent = byColumns ? n : m, quantum = byColumns ? 64 : MR;
            int chunk = (extent / workers + quantum - 1) / quantum * quantum;
            int tasks = (extent + chunk - 1) / chunk;
            nint k0 = (nint)kernel;
            Operands whole = op;
            Parallel.For(0, tasks, t =>
            {
                int start = t * chunk, len = Math.Min(chunk, extent - start);
                Operands part = byColumns ? whole.Columns(start, len) : whole.Rows(start, len);
                ((delegate*<in Operands, void>)k0)(in part);
            });
        }
    }

    // ---------------------------------------------------------------- scalar twin

    /// <summary>i-p-j order: one FMA chain per element of C over the whole K, rows of B streamed.</summary>
    internal static void Scalar(in Operands o)
    {
        for (int i = 0; i < o.M; i++)
        {
            float* ci = o.C + (nint)i * o.Ldc;
            if (!o.Accumulate) new Span<float>(ci, o.N).Clear();
            for (int p = 0; p < o.K; p++)
            {
                float aip = o.A[(nint)i * o.Lda + p];
                if (o.TransposeB)
                    for (int j = 0; j < o.N; j++) ci[j] = MathF.FusedMultiplyAdd(aip, o.B[(nint)j * o.Ldb + p], ci[j]);
                else
                {
                    float* bp = o.B + (nint)p * o.Ldb;
                    for (int j = 0; j < o.N; j++) ci[j] = MathF.FusedMultiplyAdd(aip, bp[j], ci[j]);
                }
            }
        }
    }

    // ---------------------------------------------------------------- blocked vector paths

    [ThreadStatic] private static float[]? t_pack;

    private static float* PackBuffer(int floats)
    {
        float[] buf = t_pack is { } b && b.Length >= floats + 16 ? b : (t_pack = GC.AllocateUninitializedArray<float>(floats + 16, pinned: true));
        float* p = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buf));
        return (float*)(((nint)p + 63) & ~(nint)63); // 64-byte aligned: packed loads never split a line
    }

    internal static void Blocked<TV, T>(in Operands o) where TV : struct where T : IF32<TV>
    {
        int w = T.Count, nr = 2 * w;
        int ncMax = Math.Min(NC, (o.N + nr - 1) / nr * nr);
        int kcMax = Math.Min(KC, o.K);
        float* bPack = PackBuffer(kcMax * ncMax + MC * kcMax);
        float* aPack = bPack + kcMax * ncMax;
        float* tile = stackalloc float[MR * 32];

        for (int jc = 0; jc < o.N; jc += NC)
        {
            int nc = Math.Min(NC, o.N - jc);
            for (int pc = 0; pc < o.K; pc += KC)
            {
                int kc = Math.Min(KC, o.K - pc);
                bool overwrite = pc == 0 && !o.Accumulate;
                PackB<TV, T>(o, pc, jc, kc, nc, nr, bPack);
                for (int ic = 0; ic < o.M; ic += MC)
                {
                    int mc = Math.Min(MC, o.M - ic);
                    PackA(o, ic, pc, mc, kc, aPack);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        float* bp = bPack + (nint)jr * kc;
                        for (int ir = 0; ir < mc; ir += MR)
                        {
                            int rows = Math.Min(MR, mc - ir);
                            float* c = o.C + (nint)(ic + ir) * o.Ldc + jc + jr;
                            if (rows == MR && cols == nr)
                                Micro<TV, T>(kc, aPack + (nint)ir * kc, bp, c, o.Ldc, overwrite);
                            else
                            {
                                // Edge tile: compute the full tile into a scratch tile, then copy what exists.
                                Micro<TV, T>(kc, aPack + (nint)ir * kc, bp, tile, nr, overwrite: true);
                                for (int r = 0; r < rows; r++)
                                    for (int j = 0; j < cols; j++)
                                        c[(nint)r * o.Ldc + j] = overwrite ? tile[r * nr + j] : c[(nint)r * o.Ldc + j] + tile[r * nr + j];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The 6 × 2W tile: 12 accumulators live in registers for the whole KC loop. aPack holds 6 floats
    /// per k (one per row), bPack 2W floats per k; both are read strictly sequentially.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Micro<TV, T>(int kc, float* a, float* b, float* c, int ldc, bool overwrite) where TV : struct where T : IF32<TV>
    {
        nuint w = (nuint)T.Count;
        TV c00 = T.Zero, c01 = T.Zero, c10 = T.Zero, c11 = T.Zero, c20 = T.Zero, c21 = T.Zero;
        TV c30 = T.Zero, c31 = T.Zero, c40 = T.Zero, c41 = T.Zero, c50 = T.Zero, c51 = T.Zero;
        for (int p = 0; p < kc; p++)
        {
            TV b0 = T.Load(ref *b, 0), b1 = T.Load(ref *b, w);
            TV a0 = T.Broadcast(a[0]); c00 = T.Fma(a0, b0, c00); c01 = T.Fma(a0, b1, c01);
            TV a1 = T.Broadcast(a[1]); c10 = T.Fma(a1, b0, c10); c11 = T.Fma(a1, b1, c11);
            TV a2 = T.Broadcast(a[2]); c20 = T.Fma(a2, b0, c20); c21 = T.Fma(a2, b1, c21);
            TV a3 = T.Broadcast(a[3]); c30 = T.Fma(a3, b0, c30); c31 = T.Fma(a3, b1, c31);
            TV a4 = T.Broadcast(a[4]); c40 = T.Fma(a4, b0, c40); c41 = T.Fma(a4, b1, c41);
            TV a5 = T.Broadcast(a[5]); c50 = T.Fma(a5, b0, c50); c51 = T.Fma(a5, b1, c51);
            a += MR;
            b += 2 * w;
        }
        StoreRow<TV, T>(c00, c01, c, overwrite);
        StoreRow<TV, T>(c10, c11, c + ldc, overwrite);
        StoreRow<TV, T>(c20, c21, c + 2 * ldc, overwrite);
        StoreRow<TV, T>(c30, c31, c + 3 * ldc, overwrite);
        StoreRow<TV, T>(c40, c41, c + 4 * ldc, overwrite);
        StoreRow<TV, T>(c50, c51, c + 5 * ldc, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TV, T>(TV x0, TV x1, float* c, bool overwrite) where TV : struct where T : IF32<TV>
    {
        nuint w = (nuint)T.Count;
        if (!overwrite)
        {
            x0 = T.Add(x0, T.Load(ref *c, 0));
            x1 = T.Add(x1, T.Load(ref *c, w));
        }
        T.Store(x0, ref *c, 0);
        T.Store(x1, ref *c, w);
    }

    /// <summary>A block rows [ic, ic+mc) × cols [pc, pc+kc) into MR-row strips, k-major, zero-padded rows.</summary>
    private static void PackA(in Operands o, int ic, int pc, int mc, int kc, float* dst)
    {
        for (int ir = 0; ir < mc; ir += MR)
        {
            int rows = Math.Min(MR, mc - ir);
            float* src = o.A + (nint)(ic + ir) * o.Lda + pc;
            if (rows == MR)
            {
                float* s0 = src, s1 = src + o.Lda, s2 = src + 2 * o.Lda, s3 = src + 3 * o.Lda, s4 = src + 4 * o.Lda, s5 = src + 5 * o.Lda;
                for (int p = 0; p < kc; p++, dst += MR)
                {
                    dst[0] = s0[p]; dst[1] = s1[p]; dst[2] = s2[p]; dst[3] = s3[p]; dst[4] = s4[p]; dst[5] = s5[p];
                }
            }
            else
            {
                for (int p = 0; p < kc; p++, dst += MR)
                    for (int r = 0; r < MR; r++) dst[r] = r < rows ? src[(nint)r * o.Lda + p] : 0f;
            }
        }
    }

    /// <summary>B block rows [pc, pc+kc) × cols [jc, jc+nc) into NR-column panels, k-major, zero-padded columns.</summary>
    private static void PackB<TV, T>(in Operands o, int pc, int jc, int kc, int nc, int nr, float* dst) where TV : struct where T : IF32<TV>
    {
        nuint w = (nuint)T.Count;
        for (int jr = 0; jr < nc; jr += nr, dst += (nint)kc * nr)
        {
            int cols = Math.Min(nr, nc - jr);
            if (!o.TransposeB)
            {
                float* src = o.B + (nint)pc * o.Ldb + jc + jr;
                float* d = dst;
                if (cols == nr)
                    for (int p = 0; p < kc; p++, d += nr, src += o.Ldb)
                    {
                        T.Store(T.Load(ref *src, 0), ref *d, 0);
                        T.Store(T.Load(ref *src, w), ref *d, w);
                    }
                else
                    for (int p = 0; p < kc; p++, d += nr, src += o.Ldb)
                        for (int j = 0; j < nr; j++) d[j] = j < cols ? src[j] : 0f;
            }
            else
            {
                // B(p, j) = Bᵀ[j, p]: panel column j is row jc+jr+j of Bᵀ, contiguous in p.
                for (int j = 0; j < nr; j++)
                {
                    float* src = o.B + (nint)(jc + jr + j) * o.Ldb + pc;
                    if (j < cols) for (int p = 0; p < kc; p++) dst[(nint)p * nr + j] = src[p];
                    else for (int p = 0; p < kc; p++) dst[(nint)p * nr + j] = 0f;
                }
            }
        }
    }
}
