using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Synthex.Dpdk.Benchmarks;

/// <summary>
/// The f32 FMA peak of one core, from the instruction set and the measured clock:
/// peak = GHz × FMA pipes × lanes × 2 flops. The clock is measured with a chain of dependent
/// 64-bit adds (1 cycle each on every x86 core since the P6), so it is the clock the core really
/// runs at under load, turbo and VM included. Lanes come from the widest FMA the CPU has (16 for
/// AVX-512, 8 for AVX2+FMA); FMA pipes are 2 on every AVX-512 core from Skylake-SP and Zen 5
/// (Zen 4 double-pumps zmm: 1 pipe-equivalent at 512 bits; its entry below says so).
/// A register-only loop of 12 independent FMA chains cross-checks the derivation.
/// </summary>
internal static class Peak
{
    public static (double Ghz, double Gflops, string How) Derive()
    {
        double ghz = MeasureGhz();
        int lanes = Avx512F.IsSupported ? 16 : Fma.IsSupported ? 8 : 4;
        int pipes = 2;
        string cpu = CpuModel();
        // Family 0x19 (Zen 3/4): zmm FMAs are split into two 256-bit halves.
        if (Avx512F.IsSupported && CpuFamily() == 0x19) pipes = 1;
        string how = $"{ghz:F2} GHz x {pipes} FMA pipes x {lanes} f32 lanes x 2 flops ({cpu}, family 0x{CpuFamily():x})";
        return (ghz, ghz * pipes * lanes * 2, how);
    }

    public static double MeasureGhz()
    {
        // Many short samples (≈10 ms each): on a shared 2-core VM a long sample is almost always
        // preempted somewhere; the fastest short one is the undisturbed clock.
        double best = double.MaxValue;
        const long Iters = 2_000_000;
        Chain(1000, 1);
        for (int s = 0; s < 41; s++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Harness.Sink(Chain(Iters, s + 1));
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalNanoseconds / (Iters * 16));
        }
        return 1 / best;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Chain(long iters, long y)
    {
        long x = 0;
        for (long i = 0; i < iters; i++)
        {
            x += y; x += y; x += y; x += y; x += y; x += y; x += y; x += y;
            x += y; x += y; x += y; x += y; x += y; x += y; x += y; x += y;
        }
        return x;
    }

    /// <summary>12 independent zmm FMA chains, no memory traffic: the best a kernel can do.</summary>
    public static double MeasureFmaGflops()
    {
        if (!Avx512F.IsSupported) return 0;
        double best = double.MaxValue;
        const long Iters = 500_000;
        Fma512(1000);
        for (int s = 0; s < 41; s++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Harness.Sink((long)Fma512(Iters));
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalNanoseconds / Iters);
        }
        return 12 * 16 * 2 / best;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Fma512(long iters)
    {
        Vector512<float> m = Vector512.Create(0.999999f), d = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0 + d, a2 = a1 + d, a3 = a2 + d, a4 = a3 + d, a5 = a4 + d;
        Vector512<float> a6 = a5 + d, a7 = a6 + d, a8 = a7 + d, a9 = a8 + d, a10 = a9 + d, a11 = a10 + d;
        for (long i = 0; i < iters; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, d); a1 = Vector512.FusedMultiplyAdd(a1, m, d);
            a2 = Vector512.FusedMultiplyAdd(a2, m, d); a3 = Vector512.FusedMultiplyAdd(a3, m, d);
            a4 = Vector512.FusedMultiplyAdd(a4, m, d); a5 = Vector512.FusedMultiplyAdd(a5, m, d);
            a6 = Vector512.FusedMultiplyAdd(a6, m, d); a7 = Vector512.FusedMultiplyAdd(a7, m, d);
            a8 = Vector512.FusedMultiplyAdd(a8, m, d); a9 = Vector512.FusedMultiplyAdd(a9, m, d);
            a10 = Vector512.FusedMultiplyAdd(a10, m, d); a11 = Vector512.FusedMultiplyAdd(a11, m, d);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    public static string CpuModel()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal)) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        return "unknown CPU";
    }

    public static int CpuFamily()
    {
        if (!X86Base.IsSupported) return 0;
        var (eax, _, _, _) = X86Base.CpuId(1, 0);
        int family = (eax >> 8) & 0xF;
        return family == 0xF ? family + ((eax >> 20) & 0xFF) : family;
    }
}
