using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Synthex.Dpdk.Kernels;

/// <summary>
/// A Toeplitz RSS key with everything the hash paths precompute from it: the byte tables of the
/// scalar path and the GF(2) 8×8 matrices of the GFNI paths. Immutable; build once per port.
/// </summary>
public sealed class ToeplitzKey
{
    /// <summary>The 40-byte key of Microsoft's RSS verification suite (also DPDK's default, <c>rss_intel_key</c> order aside).</summary>
    public static ToeplitzKey Microsoft { get; } = new([
        0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
        0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
        0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa]);

    /// <summary>Largest key accepted: 68 bytes, i.e. inputs up to 64 bytes (an IPv6 4-tuple is 36).</summary>
    public const int MaxKeyLength = 68;

    private readonly byte[] _key;

    /// <summary>
    /// <c>Tables[p·256 + b]</c>: the hash contribution of byte value b at input position p
    /// (the XOR of the 32-bit key windows at the bits set in b).
    /// </summary>
    internal readonly uint[] Tables;

    /// <summary>
    /// <c>Matrices[j]</c>: the GF2P8AFFINEQB matrix mapping an input byte at position p to its
    /// contribution to output byte o, where j = p + o. It depends on key bytes j and j+1 only:
    /// row i (output bit i, LSB = 0) is byte ((key[j]·256 + key[j+1]) >> (i + 1)), stored at byte 7−i.
    /// Zero-padded to a whole number of zmm registers.
    /// </summary>
    internal readonly ulong[] Matrices;

    /// <param name="key">The key bytes as programmed into the NIC (network order), 8 to 68 bytes.</param>
    /// <exception cref="ArgumentException">The key is shorter than 8 or longer than <see cref="MaxKeyLength"/> bytes.</exception>
    public ToeplitzKey(ReadOnlySpan<byte> key)
    {
        if (key.Length < 8 || key.Length > MaxKeyLength)
            throw new ArgumentException($"A Toeplitz key is 8 to {MaxKeyLength} bytes; got {key.Length}.", nameof(key));
        _key = key.ToArray();
        int maxInput = key.Length - 4;

        Tables = new uint[maxInput * 256];
        Span<byte> k = stackalloc byte[MaxKeyLength + 8];
        k.Clear();
        key.CopyTo(k);
        for (int p = 0; p < maxInput; p++)
        {
            ulong window = BinaryPrimitives.ReadUInt64BigEndian(k[p..]); // key bits 8p .. 8p+63
            for (int b = 0; b < 256; b++)
            {
                uint h = 0;
                for (int bit = 0; bit < 8; bit++)
                    if ((b & (0x80 >> bit)) != 0) h ^= (uint)(window >> (32 - bit));
                Tables[p * 256 + b] = h;
            }
        }

        Matrices = new ulong[(key.Length + 15) & ~7];
        for (int j = 0; j + 1 < key.Length; j++)
        {
            uint w = (uint)(key[j] << 8 | key[j + 1]);
            ulong m = 0;
            for (int i = 0; i < 8; i++) m |= (ulong)((w >> (i + 1)) & 0xFF) << (8 * (7 - i));
            Matrices[j] = m;
        }
    }

    /// <summary>The key bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _key;

    /// <summary>The longest input this key can hash: key length − 4 bytes.</summary>
    public int MaxInputLength => _key.Length - 4;
}

/// <summary>
/// The Toeplitz hash NICs use for RSS, bit-exact with DPDK's <c>rte_softrss</c> and Microsoft's
/// verification vectors. Input is the byte string in network order (source address, destination
/// address, then source and destination ports for a 4-tuple).
/// </summary>
/// <remarks><para>
/// Scalar: one 256-entry table per input byte (key-derived, 1 KiB per position): 12 loads and XORs
/// for an IPv4 4-tuple. Vector paths: GFNI. The contribution of input byte p to output byte o is a
/// linear map over GF(2) that depends on p + o only, so one GF2P8AFFINEQB applies the matrix of
/// diagonal j to the four input bytes j, j−1, j−2, j−3 (one PSHUFB of a broadcast 16-byte window
/// puts them in a qword), and an XOR tree over the qwords leaves the four hash bytes.
/// Without GFNI the vector paths use the tables.
/// </para><para>Measured on EPYC Zen 5 (docs/BENCHMARKS.md, ns per hash, rte_softrss in brackets):
/// IPv4 4-tuple tables 6.7, GFNI+VBMI 5.6 [43]; IPv6 4-tuple tables 17.6, GFNI+VBMI 9.7 [127].
/// The v512 path (GFNI + VBMI: one masked load, VPERMT2B per step) therefore runs GFNI from an
/// IPv4 4-tuple up (12 B; the 8-byte 2-tuple stays in the tables, 4.9 against 6.4 ns), and keeps
/// most of the 1 KiB-per-input-byte tables out of L1. The v256/v128 GFNI paths build a
/// padded stack window instead (no byte-granular masked load without AVX-512) and only tie the
/// tables at 32–36 bytes (17.3 vs 16.0) while losing below, so they hand inputs under
/// <see cref="GfniMinLength"/> bytes to the tables. Every path beats <c>rte_softrss</c> 5–13×.</para>
/// </remarks>
public static unsafe class Toeplitz
{
    private static readonly delegate*<ref byte, int, ToeplitzKey, uint> s_hash = HashFor(SimdInfo.Selected);

    /// <summary>On the v512 (VBMI) path, inputs shorter than this go to the tables: 8 B 4.9 ns there vs 6.4 ns; 12 B 7.0 vs 6.3.</summary>
    internal const int VbmiMinLength = 12;

    /// <summary>On the v256/v128 window paths, inputs shorter than this go to the tables (see remarks).</summary>
    internal const int GfniMinLength = 20;

    /// <summary>The Toeplitz hash of <paramref name="input"/> (network order).</summary>
    /// <exception cref="ArgumentException">The input is longer than the key allows (<see cref="ToeplitzKey.MaxInputLength"/>).</exception>
    public static uint Hash(ReadOnlySpan<byte> input, ToeplitzKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (input.Length > key.MaxInputLength) ThrowTooLong(input.Length, key);
        return s_hash(ref MemoryMarshal.GetReference(input), input.Length, key);
    }

    /// <summary>IPv4 2-tuple hash; addresses in host order (as <c>rte_be_to_cpu_32(ip->src_addr)</c>).</summary>
    [SkipLocalsInit]
    public static uint HashIpv4(uint srcAddr, uint dstAddr, ToeplitzKey key)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(b, srcAddr);
        BinaryPrimitives.WriteUInt32BigEndian(b[4..], dstAddr);
        return Hash(b, key);
    }

    /// <summary>IPv4 4-tuple hash; addresses and ports in host order.</summary>
    [SkipLocalsInit]
    public static uint HashIpv4(uint srcAddr, uint dstAddr, ushort srcPort, ushort dstPort, ToeplitzKey key)
    {
        Span<byte> b = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(b, srcAddr);
        BinaryPrimitives.WriteUInt32BigEndian(b[4..], dstAddr);
        BinaryPrimitives.WriteUInt16BigEndian(b[8..], srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(b[10..], dstPort);
        return Hash(b, key);
    }

    /// <summary>IPv6 2-tuple hash; addresses as 16 bytes each, as they lie in the packet.</summary>
    [SkipLocalsInit]
    public static uint HashIpv6(ReadOnlySpan<byte> srcAddr, ReadOnlySpan<byte> dstAddr, ToeplitzKey key)
    {
        if (srcAddr.Length != 16) throw new ArgumentException("An IPv6 address is 16 bytes.", nameof(srcAddr));
        if (dstAddr.Length != 16) throw new ArgumentException("An IPv6 address is 16 bytes.", nameof(dstAddr));
        Span<byte> b = stackalloc byte[32];
        srcAddr.CopyTo(b);
        dstAddr.CopyTo(b[16..]);
        return Hash(b, key);
    }

    /// <summary>IPv6 4-tuple hash; addresses as 16 bytes each, ports in host order.</summary>
    [SkipLocalsInit]
    public static uint HashIpv6(ReadOnlySpan<byte> srcAddr, ReadOnlySpan<byte> dstAddr, ushort srcPort, ushort dstPort, ToeplitzKey key)
    {
        if (srcAddr.Length != 16) throw new ArgumentException("An IPv6 address is 16 bytes.", nameof(srcAddr));
        if (dstAddr.Length != 16) throw new ArgumentException("An IPv6 address is 16 bytes.", nameof(dstAddr));
        Span<byte> b = stackalloc byte[36];
        srcAddr.CopyTo(b);
        dstAddr.CopyTo(b[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(b[32..], srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(b[34..], dstPort);
        return Hash(b, key);
    }

    // ---------------------------------------------------------------- per-path access

    internal static uint Hash(SimdPath path, ReadOnlySpan<byte> input, ToeplitzKey key)
    {
        SimdInfo.EnsureAvailable(path);
        if (input.Length > key.MaxInputLength) ThrowTooLong(input.Length, key);
        return HashFor(path)(ref MemoryMarshal.GetReference(input), input.Length, key);
    }

    internal static delegate*<ref byte, int, ToeplitzKey, uint> HashFor(SimdPath path) => path switch
    {
        SimdPath.V512 when Gfni.V512.IsSupported && Avx512Vbmi.IsSupported => &HashGfniVbmi,
        SimdPath.V512 or SimdPath.V256 when Gfni.V256.IsSupported => &HashGfni256, // (no AVX-512 CPU has GFNI without VBMI)
        SimdPath.V128 when Gfni.IsSupported => &HashGfni128,
        _ => &HashTables,
    };

    private static void ThrowTooLong(int length, ToeplitzKey key) =>
        throw new ArgumentException($"Input of {length} bytes is longer than this {key.Bytes.Length}-byte key can hash ({key.MaxInputLength}).", "input");

    // ---------------------------------------------------------------- kernels

    /// <summary>Scalar twin: one table lookup per input byte.</summary>
    internal static uint HashTables(ref byte input, int n, ToeplitzKey key) => HashTablesCore(ref input, n, key);

    /// <summary>Inlined into the GFNI paths for short (IPv4) inputs: saves the second call (8 B: 6.2 → ~5 ns).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint HashTablesCore(ref byte input, int n, ToeplitzKey key)
    {
        ref uint t = ref MemoryMarshal.GetArrayDataReference(key.Tables);
        uint h0 = 0, h1 = 0;
        int p = 0;
        for (; p + 1 < n; p += 2)
        {
            h0 ^= Unsafe.Add(ref t, p * 256 + Unsafe.Add(ref input, p));
            h1 ^= Unsafe.Add(ref t, (p + 1) * 256 + Unsafe.Add(ref input, p + 1));
        }
        if (p < n) h0 ^= Unsafe.Add(ref t, p * 256 + Unsafe.Add(ref input, p));
        return h0 ^ h1;
    }

    // The padded window: 3 zero bytes, the input, zeros. Byte j + 3 of it is input byte j, so the
    // 16 bytes at offset j hold input bytes j−3 .. j+12, which every qword of one step reads from.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadPadded(ref byte input, int n, byte* buf)
    {
        Vector512.Store(Vector512<byte>.Zero, buf);
        Vector512.Store(Vector512<byte>.Zero, buf + 64);
        Unsafe.CopyBlockUnaligned(ref buf[3], ref input, (uint)n);
    }

    // PSHUFB control: qword q, lane l (l < 4) takes input byte j + q − l, i.e. window byte q − l + 3;
    // lanes 4..7 are zeroed (bit 7 set). Lanes repeat per 128-bit half, which holds qwords 2h, 2h+1.
    private static ReadOnlySpan<byte> ShuffleControl =>
    [
        3, 2, 1, 0, 0x80, 0x80, 0x80, 0x80, 4, 3, 2, 1, 0x80, 0x80, 0x80, 0x80,
        5, 4, 3, 2, 0x80, 0x80, 0x80, 0x80, 6, 5, 4, 3, 0x80, 0x80, 0x80, 0x80,
        7, 6, 5, 4, 0x80, 0x80, 0x80, 0x80, 8, 7, 6, 5, 0x80, 0x80, 0x80, 0x80,
        9, 8, 7, 6, 0x80, 0x80, 0x80, 0x80, 10, 9, 8, 7, 0x80, 0x80, 0x80, 0x80,
    ];

    // VPERMT2B indices for step t (qwords j = 8t .. 8t+7): lane l of qword j takes input byte j − l;
    // 64 (the all-zero second table) where j − l < 0 and for lanes 4..7. Bytes at or past n are
    // zero already (masked load), so the indices do not depend on the input length.
    private static readonly byte[] s_permuteIndices = BuildPermuteIndices();

    private static byte[] BuildPermuteIndices()
    {
        var idx = new byte[9 * 64];
        for (int t = 0; t < 9; t++)
            for (int q = 0; q < 8; q++)
                for (int l = 0; l < 8; l++)
                {
                    int p = 8 * t + q - l;
                    idx[t * 64 + q * 8 + l] = (byte)(l < 4 && p >= 0 && p < 64 ? p : 64);
                }
        return idx;
    }

    /// <summary>
    /// AVX-512 VBMI: one masked load of the whole input (no staging buffer: copying the input into a
    /// padded stack window and reloading it failed store-to-load forwarding, 24 ns for an IPv6 tuple),
    /// then per 8 diagonals one VPERMT2B + one GF2P8AFFINEQB.
    /// </summary>
    internal static uint HashGfniVbmi(ref byte input, int n, ToeplitzKey key)
    {
        // Two steps cost ~6 ns whatever the length; an 8-byte IPv4 2-tuple is 4.9 ns in the tables.
        if (n < VbmiMinLength) return HashTablesCore(ref input, n, key);
        Vector512<byte> data;
        fixed (byte* p = &input)
            data = Avx512BW.MaskLoad(p, Vector512.LessThan(Vector512<byte>.Indices, Vector512.Create((byte)n)), Vector512<byte>.Zero);
        ref byte idx = ref MemoryMarshal.GetArrayDataReference(s_permuteIndices);
        ref ulong m = ref MemoryMarshal.GetArrayDataReference(key.Matrices);
        Vector512<byte> acc = Vector512<byte>.Zero;
        for (int j = 0, t = 0; j < n + 3; j += 8, t++)
        {
            Vector512<byte> x = Avx512Vbmi.PermuteVar64x8x2(data, Vector512.LoadUnsafe(ref idx, (nuint)(t * 64)), Vector512<byte>.Zero);
            acc ^= Gfni.V512.GaloisFieldAffineTransform(x, Vector512.LoadUnsafe(ref m, (nuint)j).AsByte(), 0);
        }
        Vector256<byte> a = acc.GetLower() ^ acc.GetUpper();
        Vector128<ulong> b = (a.GetLower() ^ a.GetUpper()).AsUInt64();
        return BinaryPrimitives.ReverseEndianness((uint)(b.GetElement(0) ^ b.GetElement(1)));
    }

    [SkipLocalsInit]
    internal static uint HashGfni256(ref byte input, int n, ToeplitzKey key)
    {
        if (n < GfniMinLength) return HashTablesCore(ref input, n, key);
        byte* buf = stackalloc byte[128];
        LoadPadded(ref input, n, buf);
        Vector256<byte> ctrl = Vector256.Create(ShuffleControl);
        ref ulong m = ref MemoryMarshal.GetArrayDataReference(key.Matrices);
        Vector256<byte> acc = Vector256<byte>.Zero;
        for (int j = 0; j < n + 3; j += 4)
        {
            Vector256<byte> window = Avx2.BroadcastVector128ToVector256(buf + j);
            Vector256<byte> x = Avx2.Shuffle(window, ctrl);
            acc ^= Gfni.V256.GaloisFieldAffineTransform(x, Vector256.LoadUnsafe(ref m, (nuint)j).AsByte(), 0);
        }
        Vector128<ulong> b = (acc.GetLower() ^ acc.GetUpper()).AsUInt64();
        return BinaryPrimitives.ReverseEndianness((uint)(b.GetElement(0) ^ b.GetElement(1)));
    }

    [SkipLocalsInit]
    internal static uint HashGfni128(ref byte input, int n, ToeplitzKey key)
    {
        if (n < GfniMinLength) return HashTablesCore(ref input, n, key);
        byte* buf = stackalloc byte[128];
        LoadPadded(ref input, n, buf);
        Vector128<byte> ctrl = Vector128.Create(ShuffleControl);
        ref ulong m = ref MemoryMarshal.GetArrayDataReference(key.Matrices);
        Vector128<byte> acc = Vector128<byte>.Zero;
        for (int j = 0; j < n + 3; j += 2)
        {
            Vector128<byte> x = Ssse3.Shuffle(Vector128.Load(buf + j), ctrl);
            acc ^= Gfni.GaloisFieldAffineTransform(x, Vector128.LoadUnsafe(ref m, (nuint)j).AsByte(), 0);
        }
        Vector128<ulong> b = acc.AsUInt64();
        return BinaryPrimitives.ReverseEndianness((uint)(b.GetElement(0) ^ b.GetElement(1)));
    }
}
