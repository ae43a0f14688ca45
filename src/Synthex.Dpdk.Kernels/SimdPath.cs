namespace Synthex.Dpdk.Kernels;

/// <summary>An instruction-set tier a kernel can run on. Every kernel has one implementation per tier.</summary>
public enum SimdPath
{
    /// <summary>Plain scalar code (64-bit integer tricks, no vector registers). Runs everywhere.</summary>
    Scalar = 0,
    /// <summary>128-bit vectors (SSE4.2/AES/PCLMUL/GFNI on x64, AdvSimd on Arm64).</summary>
    V128 = 1,
    /// <summary>256-bit vectors (AVX2 + FMA).</summary>
    V256 = 2,
    /// <summary>512-bit vectors (AVX-512 F/BW/DQ/VL).</summary>
    V512 = 3,
}
