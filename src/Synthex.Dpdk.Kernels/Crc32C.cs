using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Synthex.Dpdk.Kernels;

/// <summary>
/// CRC32C (Castagnoli, reflected polynomial 0x82F63B78) for flow-table keys, the same value as
/// DPDK's <c>rte_hash_crc(data, len, seed)</c>: no pre- or post-inversion, the seed is the initial
/// register value.
/// </summary>
/// <remarks>
/// Scalar: slicing-by-8 tables. The vector tiers run the SSE4.2 <c>crc32</c> instruction, 8 bytes
/// per step as DPDK does: a flow key is 13 to 37 bytes, two to five dependent steps, and no
/// wider-register scheme (PCLMUL folding, interleaved streams) pays for its set-up at that size.
/// v256 and v512 therefore share the v128 kernel; they exist so that forcing a path is uniform.
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

    internal static delegate*<uint, ref byte, nuint, uint> CrcFor(SimdPath path) =>
        path == SimdPath.Scalar || !Sse42.X64.IsSupported ? &CrcScalar : &CrcSse42;

    /// <summary>The hardware kernel: 8-byte steps, then 4, 2, 1 (DPDK's order; CRC is bytewise so any order agrees).</summary>
    internal static uint CrcSse42(uint crc, ref byte p, nuint len)
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
