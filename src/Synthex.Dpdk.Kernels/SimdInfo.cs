using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Synthex.Dpdk.Kernels;

/// <summary>
/// Which <see cref="SimdPath"/> the kernels run on. Chosen once, at type initialisation: the widest
/// path the CPU supports, or the one named by <c>SYNTHEX_SIMD=scalar|v128|v256|v512</c>. Every kernel
/// family reads <see cref="Selected"/> once into a <c>static readonly</c> function pointer, so the hot
/// path never branches on the instruction set.
/// </summary>
public static class SimdInfo
{
    /// <summary>The environment variable that forces a path.</summary>
    public const string EnvironmentVariable = "SYNTHEX_SIMD";

    /// <summary>The paths this CPU can execute, narrowest first (always starts with <see cref="SimdPath.Scalar"/>).</summary>
    public static IReadOnlyList<SimdPath> Available { get; } = DetectAvailable();

    /// <summary>The path every kernel uses in this process.</summary>
    public static SimdPath Selected { get; } = Select(Environment.GetEnvironmentVariable(EnvironmentVariable), Available, DefaultPath(Available));

    /// <summary>True when <see cref="Selected"/> was forced through <see cref="EnvironmentVariable"/>.</summary>
    public static bool Forced { get; } = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>A one-line description for <c>synthex info</c>, e.g. "v512 (AVX-512 F/BW/DQ/VL, GFNI) of scalar,v128,v256,v512".</summary>
    public static string Describe() =>
        $"{Name(Selected)} ({IsaFeatures()}){(Forced ? " forced by " + EnvironmentVariable : "")}; available: {string.Join(",", Available.Select(Name))}";

    /// <summary>The lower-case name used by <see cref="EnvironmentVariable"/>.</summary>
    public static string Name(SimdPath path) => path switch
    {
        SimdPath.Scalar => "scalar",
        SimdPath.V128 => "v128",
        SimdPath.V256 => "v256",
        SimdPath.V512 => "v512",
        _ => throw new ArgumentOutOfRangeException(nameof(path)),
    };

    /// <summary>True when the CPU can run <paramref name="path"/>.</summary>
    public static bool IsAvailable(SimdPath path) => Available.Contains(path);

    /// <summary>Throws <see cref="PlatformNotSupportedException"/> naming the available paths when this CPU cannot run <paramref name="path"/>.</summary>
    public static void EnsureAvailable(SimdPath path)
    {
        if (!IsAvailable(path))
            throw new PlatformNotSupportedException(
                $"SIMD path '{Name(path)}' is not supported by this CPU; available: {string.Join(", ", Available.Select(Name))}.");
    }

    /// <summary>
    /// The selection rule, separate from the process environment so that tests can drive it:
    /// null/empty means <paramref name="fallback"/>; a known name must be in <paramref name="available"/>.
    /// </summary>
    internal static SimdPath Select(string? env, IReadOnlyList<SimdPath> available, SimdPath fallback)
    {
        if (string.IsNullOrWhiteSpace(env)) return fallback;
        SimdPath wanted = env.Trim().ToLowerInvariant() switch
        {
            "scalar" => SimdPath.Scalar,
            "v128" => SimdPath.V128,
            "v256" => SimdPath.V256,
            "v512" => SimdPath.V512,
            _ => throw new ArgumentException(
                $"{EnvironmentVariable}='{env}' is not a SIMD path; use one of scalar, v128, v256, v512 (available here: {string.Join(", ", available.Select(Name))}).", nameof(env)),
        };
        if (!available.Contains(wanted))
            throw new PlatformNotSupportedException(
                $"{EnvironmentVariable}={Name(wanted)} but this CPU cannot run it; available: {string.Join(", ", available.Select(Name))}.");
        return wanted;
    }

    internal static SimdPath DefaultPath(IReadOnlyList<SimdPath> available)
    {
        // Vector512.IsHardwareAccelerated is the runtime's own judgement (false on CPUs that
        // down-clock on zmm); V512 stays forcible there, but is not the default.
        if (available.Contains(SimdPath.V512) && Vector512.IsHardwareAccelerated) return SimdPath.V512;
        return available.Contains(SimdPath.V256) ? SimdPath.V256 : available[^1]; // v512 implies v256
    }

    private static SimdPath[] DetectAvailable()
    {
        var list = new List<SimdPath> { SimdPath.Scalar };
        // The x86 tiers: each kernel may use any instruction of its tier without re-checking.
        bool v128 = Sse42.X64.IsSupported && Pclmulqdq.IsSupported && Ssse3.IsSupported && Popcnt.IsSupported;
        bool v256 = v128 && Avx2.IsSupported && Fma.IsSupported && Bmi2.IsSupported;
        bool v512 = v256 && Avx512F.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported;
        if (v128) list.Add(SimdPath.V128);
        if (v256) list.Add(SimdPath.V256);
        if (v512) list.Add(SimdPath.V512);
        return list.ToArray();
    }

    private static string IsaFeatures()
    {
        var f = new List<string>();
        if (Avx512F.IsSupported) f.Add("AVX-512");
        if (Avx2.IsSupported) f.Add("AVX2");
        if (Fma.IsSupported) f.Add("FMA");
        if (Sse42.IsSupported) f.Add("SSE4.2");
        if (Gfni.IsSupported) f.Add("GFNI");
        if (Pclmulqdq.IsSupported) f.Add("PCLMUL");
        return string.Join(" ", f);
    }
}
