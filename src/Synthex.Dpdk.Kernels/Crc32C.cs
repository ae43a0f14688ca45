using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Synthex.Dpdk.Kernels;

/// <summary>
/// CRC32C (Castagnoli, reflected polynomial 0x82F63B78) for flow-table keys, the same value as
/// DPDK's <c>rte_hash_crc(data, len, seed)</c>: no pre- or post-inversion, the seed is the initial
/// register value.
/// </summary>
/// <remarks>
/// <para>Scalar: slicing-by-8 tables. v128: the SSE4.2 <c>crc32</c> instruction, 8 bytes per step as
/// DPDK does; a flow key is 13 to 37 bytes, two to five dependent steps, and that is the fastest
/// way at that size on every path. v256/v512, from <see cref="FoldMinLength"/> bytes: carry-less
/// multiply folding (VPCLMULQDQ) of 2/4 independent 128-bit lanes, 32/64 bytes per step, instead of
/// one 3-cycle-latency <c>crc32</c> per 8 bytes; the folded 16 bytes then go through <c>crc32</c>.</para>
/// <para>Folding constants: moving a 128-bit lane D bits forward multiplies its low qword by
/// K(D+32) and its high qword by K(D−32), K(e) = bitreflect₃₂(xᵉ mod P) &lt;&lt; 1 (the reflected
/// domain's extra shift); computed here, and the tests check the result against DPDK.</para>
/// </remarks>
public static unsafe class Crc32C
{
    private static readonly delegate*<uint, ref byte, nuint, uint> s_crc = CrcFor(SimdInfo.Selected);

    /// <summary>CRC32C of <paramref name="data"/> starting from <paramref name="seed"/>.</summary>
    public static uint Hash(ReadOnlySpan<byte> data, uint seed) => s_crc(seed, ref MemoryMarshal.GetReference(data), (nuint)data.Length);

    /// <summary>CRC32C of <paramref name="length"/> bytes at <paramref name="data"/>.</summary>
    public static uint Hash(byte* data, nuint length, uint seed) => s_crc(seed, ref *data, length);

    internal static uint Hash(SimdPath path, ReadOnlySpan<byte> data, uint seed)
    {
        SimdInfo.EnsureAvailable(path);
        return CrcFor(path)(seed, ref MemoryMarshal.GetReference(data), (nuint)data.Length);
    }

    internal static delegate*<uint, ref byte, nuint, uint> CrcFor(SimdPath path) => path switch
    {
        SimdPath.V512 when Pclmulqdq.V512.IsSupported => &CrcFold512,
        SimdPath.V256 when Pclmulqdq.V256.IsSupported => &CrcFold256,
        SimdPath.Scalar => &CrcScalar,
        _ => Sse42.X64.IsSupported ? &CrcSse42 : &CrcScalar,
    };

    /// <summary>Below this the crc32 chain is already done before folding would have started (measured: see docs/BENCHMARKS.md).</summary>
    internal const int FoldMinLength = 128;

    private static readonly ulong K96 = FoldConstant(96), K160 = FoldConstant(160), K224 = FoldConstant(224), K288 = FoldConstant(288);
    private static readonly ulong K352 = FoldConstant(352), K416 = FoldConstant(416), K480 = FoldConstant(480), K544 = FoldConstant(544);

    /// <summary>K(e) = bitreflect₃₂(xᵉ mod P) &lt;&lt; 1 with P = 0x1EDC6F41 (Castagnoli, normal order).</summary>
    internal static ulong FoldConstant(int e)
    {
        uint r = 1;
        for (int i = 0; i < e; i++) r = (r & 0x8000_0000) != 0 ? (r << 1) ^ 0x1EDC6F41u : r << 1;
        uint reflected = 0;
        for (int i = 0; i < 32; i++) if ((r & (1u << i)) != 0) reflected |= 1u << (31 - i);
        return (ulong)reflected << 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Fold(Vector128<ulong> x, Vector128<ulong> k) =>
        Pclmulqdq.CarrylessMultiply(x, k, 0x00) ^ Pclmulqdq.CarrylessMultiply(x, k, 0x11);

    /// <summary>The register after 16 folded bytes: their CRC from a zero register (the seed was folded in).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Finish(Vector128<ulong> x) => (uint)Sse42.X64.Crc32(Sse42.X64.Crc32(0, x.ToScalar()), x.GetElement(1));

    /// <summary>Four 128-bit lanes folded 512 bits forward per 64-byte step.</summary>
    internal static uint CrcFold512(uint crc, ref byte p, nuint len)
    {
        if (len < FoldMinLength) return CrcSse42Core(crc, ref p, len);
        // The seed is the register's initial value: XOR it into the first 32 bits of the message.
        Vector512<ulong> x = Vector512.LoadUnsafe(ref p).AsUInt64() ^ Vector512.CreateScalar((ulong)crc);
        Vector512<ulong> k = Vector512.Create(Vector128.Create(K544, K480));
        nuint i = 64;
        for (; i + 64 <= len; i += 64)
            x = Pclmulqdq.V512.CarrylessMultiply(x, k, 0x00) ^ Pclmulqdq.V512.CarrylessMultiply(x, k, 0x11) ^ Vector512.LoadUnsafe(ref p, i).AsUInt64();
        // Lanes 0..2 folded onto lane 3 over 384, 256 and 128 bits.
        Vector128<ulong> r = x.GetUpper().GetUpper()
            ^ Fold(x.GetLower().GetLower(), Vector128.Create(K416, K352))
            ^ Fold(x.GetLower().GetUpper(), Vector128.Create(K288, K224))
            ^ Fold(x.GetUpper().GetLower(), Vector128.Create(K160, K96));
        return CrcSse42(Finish(r), ref Unsafe.Add(ref p, i), len - i);
    }

    /// <summary>Two 128-bit lanes folded 256 bits forward per 32-byte step.</summary>
    internal static uint CrcFold256(uint crc, ref byte p, nuint len)
    {
        if (len < FoldMinLength) return CrcSse42Core(crc, ref p, len);
        Vector256<ulong> x = Vector256.LoadUnsafe(ref p).AsUInt64() ^ Vector256.CreateScalar((ulong)crc);
        Vector256<ulong> k = Vector256.Create(Vector128.Create(K288, K224));
        nuint i = 32;
        for (; i + 32 <= len; i += 32)
            x = Pclmulqdq.V256.CarrylessMultiply(x, k, 0x00) ^ Pclmulqdq.V256.CarrylessMultiply(x, k, 0x11) ^ Vector256.LoadUnsafe(ref p, i).AsUInt64();
        Vector128<ulong> r = x.GetUpper() ^ Fold(x.GetLower(), Vector128.Create(K160, K96));
        return CrcSse42(Finish(r), ref Unsafe.Add(ref p, i), len - i);
    }

    /// <summary>The hardware kernel: 8-byte steps, then 4, 2, 1 (DPDK's order; CRC is bytewise so any order agrees).</summary>
    internal static uint CrcSse42(uint crc, ref byte p, nuint len) => CrcSse42Core(crc, ref p, len);

    /// <summary>Inlined into the folding paths: a flow key then costs what it costs on v128 (64 B: 4.5 → 3.5 ns).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint CrcSse42Core(uint crc, ref byte p, nuint len)
    {
        ulong c = crc;
        nuint i = 0;
        for (; i + 32 <= len; i += 32)
        {
            c = Sse42.X64.Crc32(c, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)));
            c = Sse42.X64.Crc32(c, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i + 8)));
            c = Sse42.X64.Crc32(c, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i + 16)));
            c = Sse42.X64.Crc32(c, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i + 24)));
        }
        for (; i + 8 <= len; i += 8) c = Sse42.X64.Crc32(c, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)));
        uint r = (uint)c;
        if ((len & 4) != 0) { r = Sse42.Crc32(r, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, i))); i += 4; }
        if ((len & 2) != 0) { r = Sse42.Crc32(r, Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref p, i))); i += 2; }
        if ((len & 1) != 0) r = Sse42.Crc32(r, Unsafe.Add(ref p, i));
        return r;
    }

    /// <summary>Scalar twin: slicing-by-8 (8 table lookups per 8 bytes, no carried dependency but the XOR chain).</summary>
    internal static uint CrcScalar(uint crc, ref byte p, nuint len)
    {
        ref uint t = ref MemoryMarshal.GetArrayDataReference(s_tables);
        nuint i = 0;
        for (; i + 8 <= len; i += 8)
        {
            uint lo = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, i)) ^ crc;
            uint hi = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, i + 4));
            crc = Unsafe.Add(ref t, 7 * 256 + (int)(lo & 0xFF)) ^ Unsafe.Add(ref t, 6 * 256 + (int)((lo >> 8) & 0xFF))
                ^ Unsafe.Add(ref t, 5 * 256 + (int)((lo >> 16) & 0xFF)) ^ Unsafe.Add(ref t, 4 * 256 + (int)(lo >> 24))
                ^ Unsafe.Add(ref t, 3 * 256 + (int)(hi & 0xFF)) ^ Unsafe.Add(ref t, 2 * 256 + (int)((hi >> 8) & 0xFF))
                ^ Unsafe.Add(ref t, 1 * 256 + (int)((hi >> 16) & 0xFF)) ^ Unsafe.Add(ref t, (int)(hi >> 24));
        }
        for (; i < len; i++) crc = (crc >> 8) ^ Unsafe.Add(ref t, (int)((crc ^ Unsafe.Add(ref p, i)) & 0xFF));
        return crc;
    }

    private static readonly uint[] s_tables = BuildTables();

    private static uint[] BuildTables()
    {
        var t = new uint[8 * 256];
        for (uint b = 0; b < 256; b++)
        {
            uint c = b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            t[b] = c;
        }
        for (int s = 1; s < 8; s++)
            for (int b = 0; b < 256; b++)
                t[s * 256 + b] = (t[(s - 1) * 256 + b] >> 8) ^ t[t[(s - 1) * 256 + b] & 0xFF];
        return t;
    }
}
