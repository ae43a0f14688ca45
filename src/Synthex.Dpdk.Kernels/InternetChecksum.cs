using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Synthex.Dpdk.Kernels;

/// <summary>
/// The Internet checksum (RFC 1071) and its uses: raw ones'-complement sums over any bytes, the
/// IPv4 header checksum, UDP/TCP checksums over the IPv4/IPv6 pseudo-header, and the incremental
/// update of RFC 1624. Results are bit-identical to DPDK 22.11's <c>rte_raw_cksum</c>,
/// <c>rte_ipv4_cksum</c>, <c>rte_ipv4_udptcp_cksum</c> and <c>rte_ipv6_udptcp_cksum</c> (DPDK sums
/// into 32 bits, so it agrees for inputs up to 128 KiB; beyond that DPDK drops carries and this
/// does not).
/// </summary>
/// <remarks>
/// Words are summed in host (little-endian) order exactly as DPDK does; ones'-complement addition
/// commutes with byte swapping (RFC 1071 §2(B)), so the folded sum stored as-is into the packet is
/// right. An odd trailing byte counts as the low byte of a last word (DPDK's "byte order
/// independent" rule, which on little-endian hosts equals zero-padding in network order).
/// </remarks>
public static unsafe class InternetChecksum
{
    // Chosen once (see SimdInfo): an indirect call, never a branch on the ISA per packet.
    private static readonly delegate*<ref byte, nuint, ulong> s_sum = SumFor(SimdInfo.Selected);

    /// <summary>The folded, non-complemented ones'-complement sum of <paramref name="data"/> (= <c>rte_raw_cksum</c>).</summary>
    public static ushort Raw(ReadOnlySpan<byte> data) => Fold(s_sum(ref MemoryMarshal.GetReference(data), (nuint)data.Length));

    /// <summary>The folded, non-complemented sum of <paramref name="length"/> bytes at <paramref name="data"/> (mbuf payloads).</summary>
    public static ushort Raw(byte* data, nuint length) => Fold(s_sum(ref *data, length));

    /// <summary>
    /// The 64-bit unfolded sum of 16-bit host-order words, to chain several pieces (an odd-length
    /// piece must be the last one). Fold with <see cref="Fold"/>.
    /// </summary>
    public static ulong Accumulate(ReadOnlySpan<byte> data, ulong sum = 0) => sum + s_sum(ref MemoryMarshal.GetReference(data), (nuint)data.Length);

    /// <summary>Folds a wide sum into 16 bits with end-around carry; 0 only when <paramref name="sum"/> is 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Fold(ulong sum)
    {
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32); // ≤ 2^33
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32); // ≤ 2^32
        sum = (sum & 0xFFFF) + (sum >> 16);      // ≤ 0x1FFFE (+1)
        sum = (sum & 0xFFFF) + (sum >> 16);      // ≤ 0xFFFF
        return (ushort)sum;
    }

    /// <summary>
    /// The IPv4 header checksum (= <c>rte_ipv4_cksum</c>): the complement of the sum over IHL·4 bytes.
    /// Like DPDK it sums the checksum field as it is: zero it first when computing a fresh one; over a
    /// header with a correct checksum the result is 0.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="header"/> is shorter than its IHL says (or than 20 bytes).</exception>
    public static ushort Ipv4Header(ReadOnlySpan<byte> header)
    {
        int ihl = Ipv4HeaderLength(header, nameof(header));
        return (ushort)~Fold(s_sum(ref MemoryMarshal.GetReference(header), (nuint)ihl));
    }

    /// <summary>
    /// The UDP/TCP checksum over the IPv4 pseudo-header (= <c>rte_ipv4_udptcp_cksum</c>): the L4
    /// length comes from the header's total length; the L4 checksum field must be zero; a UDP
    /// result of 0 is sent as 0xFFFF. Returns 0xFFFF, like DPDK (the complement of an empty sum), when total length &lt; IHL·4.
    /// </summary>
    /// <exception cref="ArgumentException">The header is truncated, or <paramref name="l4"/> is shorter than total length − IHL·4.</exception>
    public static ushort Ipv4UdpTcp(ReadOnlySpan<byte> ipv4Header, ReadOnlySpan<byte> l4)
    {
        int ihl = Ipv4HeaderLength(ipv4Header, nameof(ipv4Header));
        int l3Len = BinaryPrimitives.ReadUInt16BigEndian(ipv4Header[2..]);
        if (l3Len < ihl) return 0xFFFF; // DPDK: the inner sum is 0, then complemented
        int l4Len = l3Len - ihl;
        if (l4.Length < l4Len) throw new ArgumentException($"L4 span holds {l4.Length} bytes but the IPv4 total length implies {l4Len}.", nameof(l4));

        // Pseudo-header: src, dst (8 bytes, summed as they lie), zero, proto, L4 length (network order).
        ulong phdr = MemoryMarshal.Read<uint>(ipv4Header[12..]) + (ulong)MemoryMarshal.Read<uint>(ipv4Header[16..])
                     + ((uint)ipv4Header[9] << 8) + BinaryPrimitives.ReverseEndianness((ushort)l4Len);
        uint cksum = (uint)Fold(s_sum(ref MemoryMarshal.GetReference(l4), (nuint)l4Len)) + Fold(phdr);
        cksum = (cksum & 0xFFFF) + (cksum >> 16); // DPDK folds once here; the result fits 16 bits.
        ushort result = (ushort)~cksum;
        return result == 0 && ipv4Header[9] == 17 ? (ushort)0xFFFF : result;
    }

    /// <summary>
    /// The UDP/TCP checksum over the IPv6 pseudo-header (= <c>rte_ipv6_udptcp_cksum</c>): the L4 length
    /// is the payload length of the fixed 40-byte header (extension headers are the caller's business,
    /// as in DPDK); the L4 checksum field must be zero; a UDP result of 0 is sent as 0xFFFF.
    /// </summary>
    /// <exception cref="ArgumentException">The header is under 40 bytes, or <paramref name="l4"/> is shorter than the payload length.</exception>
    public static ushort Ipv6UdpTcp(ReadOnlySpan<byte> ipv6Header, ReadOnlySpan<byte> l4)
    {
        if (ipv6Header.Length < 40) throw new ArgumentException($"An IPv6 header is 40 bytes; got {ipv6Header.Length}.", nameof(ipv6Header));
        int l4Len = BinaryPrimitives.ReadUInt16BigEndian(ipv6Header[4..]);
        if (l4.Length < l4Len) throw new ArgumentException($"L4 span holds {l4.Length} bytes but the IPv6 payload length is {l4Len}.", nameof(l4));
        byte proto = ipv6Header[6];
        // Pseudo-header: src+dst (32 bytes), the payload length as a be32, the protocol as a be32.
        ulong phdr = s_sum(ref Unsafe.AsRef(in ipv6Header[8]), 32) + MemoryMarshal.Read<ushort>(ipv6Header[4..]) + ((uint)proto << 8);
        uint cksum = (uint)Fold(s_sum(ref MemoryMarshal.GetReference(l4), (nuint)l4Len)) + Fold(phdr);
        cksum = (cksum & 0xFFFF) + (cksum >> 16);
        ushort result = (ushort)~cksum;
        return result == 0 && proto == 17 ? (ushort)0xFFFF : result;
    }

    /// <summary>
    /// RFC 1624 eqn. 3 incremental update, HC' = ~(~HC + ~m + m'), for one 16-bit field changed from
    /// <paramref name="oldValue"/> to <paramref name="newValue"/>. All three values in the same byte
    /// order (e.g. all read from packet memory as they lie).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Update(ushort checksum, ushort oldValue, ushort newValue)
    {
        uint sum = (uint)(ushort)~checksum + (ushort)~oldValue + newValue;
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>RFC 1624 update for a 32-bit field (an IPv4 address): two 16-bit updates in one sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Update(ushort checksum, uint oldValue, uint newValue)
    {
        ulong sum = (ulong)(ushort)~checksum + (ushort)~oldValue + (ushort)~(oldValue >> 16) + (ushort)newValue + (newValue >> 16);
        return (ushort)~Fold(sum);
    }

    // ---------------------------------------------------------------- per-path access (tests, benchmarks)

    internal static ushort Raw(SimdPath path, ReadOnlySpan<byte> data)
    {
        SimdInfo.EnsureAvailable(path);
        return Fold(SumFor(path)(ref MemoryMarshal.GetReference(data), (nuint)data.Length));
    }

    internal static delegate*<ref byte, nuint, ulong> SumFor(SimdPath path) => path switch
    {
        SimdPath.V512 => &SumV512,
        SimdPath.V256 => &SumV256,
        SimdPath.V128 => &SumV128,
        _ => &SumScalar,
    };

    private static int Ipv4HeaderLength(ReadOnlySpan<byte> header, string name)
    {
        if (header.Length < 20) throw new ArgumentException($"An IPv4 header is at least 20 bytes; got {header.Length}.", name);
        int ihl = (header[0] & 0xF) * 4;
        if (header.Length < ihl) throw new ArgumentException($"IHL says {ihl} bytes but the span holds {header.Length}.", name);
        return ihl;
    }

    // ---------------------------------------------------------------- kernels
    // Each returns the unfolded sum of host-order 16-bit words over len bytes (odd last byte = low byte).
    // Shape (SpanHelpers/Sep style): a path hands inputs shorter than its vector to the next narrower
    // path, runs an unrolled main loop, then finishes with ONE overlapping last load whose
    // already-summed leading bytes are masked off (word parity is preserved because both the
    // length handed in and the vector width are even).

    /// <summary>Scalar twin: 8 bytes per step as two 32-bit words into a 64-bit sum (2^32 ≡ 1 mod 0xFFFF).</summary>
    internal static ulong SumScalar(ref byte p, nuint len)
    {
        ulong s0 = 0, s1 = 0;
        nuint i = 0;
        for (; i + 16 <= len; i += 16)
        {
            ulong a = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i));
            ulong b = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i + 8));
            s0 += (uint)a + (a >> 32);
            s1 += (uint)b + (b >> 32);
        }
        ulong sum = s0 + s1;
        if (i + 8 <= len) { ulong a = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)); sum += (uint)a + (a >> 32); i += 8; }
        if (i + 4 <= len) { sum += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, i)); i += 4; }
        if (i + 2 <= len) { sum += Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref p, i)); i += 2; }
        if (i < len) sum += Unsafe.Add(ref p, i);
        return sum;
    }

    // u32 lanes take two 16-bit words per step (≤ 0x1FFFE); 2^14 steps stay below 2^31 per lane.
    private const nuint StepsPerFlush = 1 << 14;

    internal static ulong SumV128(ref byte p, nuint len)
    {
        const nuint W = 16;
        if (len < W) return SumScalar(ref p, len);
        ulong total = (len & 1) != 0 ? Unsafe.Add(ref p, len - 1) : 0UL;
        len &= ~(nuint)1;
        Vector128<uint> lo = Vector128.Create(0xFFFFu);
        Vector128<uint> a0 = Vector128<uint>.Zero, a1 = Vector128<uint>.Zero;
        nuint i = 0;
        // Beyond 2^14 steps a u32 lane could overflow: flush the lanes into the u64 total per block.
        // (Never taken for packets: 2^14 × W bytes ≥ 256 KiB.)
        for (; len - i > StepsPerFlush * W; )
        {
            for (nuint stop = i + StepsPerFlush * W; i < stop; i += 2 * W)
            {
                Vector128<uint> v0 = Vector128.LoadUnsafe(ref p, i).AsUInt32();
                Vector128<uint> v1 = Vector128.LoadUnsafe(ref p, i + W).AsUInt32();
                a0 += (v0 & lo) + (v0 >> 16);
                a1 += (v1 & lo) + (v1 >> 16);
            }
            total += Reduce(a0, lo) + Reduce(a1, lo);
            a0 = a1 = Vector128<uint>.Zero;
        }
        for (; i + 2 * W <= len; i += 2 * W)
        {
            Vector128<uint> v0 = Vector128.LoadUnsafe(ref p, i).AsUInt32();
            Vector128<uint> v1 = Vector128.LoadUnsafe(ref p, i + W).AsUInt32();
            a0 += (v0 & lo) + (v0 >> 16);
            a1 += (v1 & lo) + (v1 >> 16);
        }
        if (i + W <= len)
        {
            Vector128<uint> v0 = Vector128.LoadUnsafe(ref p, i).AsUInt32();
            a0 += (v0 & lo) + (v0 >> 16);
            i += W;
        }
        if (i < len)
        {
            // One overlapping load ending at len; zero the (W − rem) bytes already summed.
            Vector128<byte> keep = Vector128.GreaterThanOrEqual(Vector128<byte>.Indices, Vector128.Create((byte)(W - (len - i))));
            Vector128<uint> v = (Vector128.LoadUnsafe(ref p, len - W) & keep).AsUInt32();
            a1 += (v & lo) + (v >> 16);
        }
        return total + Reduce(a0 + a1, lo);
    }

    /// <summary>
    /// Folds each lane to 17 bits first ((x &amp; 0xFFFF) + (x &gt;&gt; 16) ≡ x mod 0xFFFF, and 0 only if x is),
    /// so the horizontal sum stays in u32: cheaper than widening to u64 (64 B packets: −0.5 ns).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Reduce(Vector128<uint> a, Vector128<uint> lo) => Vector128.Sum((a & lo) + (a >> 16));

    internal static ulong SumV256(ref byte p, nuint len) => SumV256Core(ref p, len);

    /// <summary>The ymm kernel, inlined into the zmm path for packets under 128 B: saves the second call (~0.4 ns at 64 B).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SumV256Core(ref byte p, nuint len)
    {
        const nuint W = 32;
        if (len < W) return SumV128(ref p, len);
        ulong total = (len & 1) != 0 ? Unsafe.Add(ref p, len - 1) : 0UL;
        len &= ~(nuint)1;
        Vector256<uint> lo = Vector256.Create(0xFFFFu);
        Vector256<uint> a0 = Vector256<uint>.Zero, a1 = Vector256<uint>.Zero;
        nuint i = 0;
        // Beyond 2^14 steps a u32 lane could overflow: flush the lanes into the u64 total per block.
        // (Never taken for packets: 2^14 × W bytes ≥ 256 KiB.)
        for (; len - i > StepsPerFlush * W; )
        {
            for (nuint stop = i + StepsPerFlush * W; i < stop; i += 2 * W)
            {
                Vector256<uint> v0 = Vector256.LoadUnsafe(ref p, i).AsUInt32();
                Vector256<uint> v1 = Vector256.LoadUnsafe(ref p, i + W).AsUInt32();
                a0 += (v0 & lo) + (v0 >> 16);
                a1 += (v1 & lo) + (v1 >> 16);
            }
            total += Reduce(a0, lo) + Reduce(a1, lo);
            a0 = a1 = Vector256<uint>.Zero;
        }
        for (; i + 2 * W <= len; i += 2 * W)
        {
            Vector256<uint> v0 = Vector256.LoadUnsafe(ref p, i).AsUInt32();
            Vector256<uint> v1 = Vector256.LoadUnsafe(ref p, i + W).AsUInt32();
            a0 += (v0 & lo) + (v0 >> 16);
            a1 += (v1 & lo) + (v1 >> 16);
        }
        if (i + W <= len)
        {
            Vector256<uint> v0 = Vector256.LoadUnsafe(ref p, i).AsUInt32();
            a0 += (v0 & lo) + (v0 >> 16);
            i += W;
        }
        if (i < len)
        {
            // One overlapping load ending at len; zero the (W − rem) bytes already summed.
            Vector256<byte> keep = Vector256.GreaterThanOrEqual(Vector256<byte>.Indices, Vector256.Create((byte)(W - (len - i))));
            Vector256<uint> v = (Vector256.LoadUnsafe(ref p, len - W) & keep).AsUInt32();
            a1 += (v & lo) + (v >> 16);
        }
        return total + Reduce(a0 + a1, lo);
    }

    /// <summary>
    /// Folds each lane to 17 bits first ((x &amp; 0xFFFF) + (x &gt;&gt; 16) ≡ x mod 0xFFFF, and 0 only if x is),
    /// so the horizontal sum stays in u32: cheaper than widening to u64 (64 B packets: −0.5 ns).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Reduce(Vector256<uint> a, Vector256<uint> lo) => Vector256.Sum((a & lo) + (a >> 16));

    internal static ulong SumV512(ref byte p, nuint len)
    {
        const nuint W = 64;
        // Under two zmm the ymm path wins: one 64 B packet took 3.2 ns there vs 3.7 ns here (EPYC Zen 5).
        if (len < 2 * W) return SumV256Core(ref p, len);
        ulong total = (len & 1) != 0 ? Unsafe.Add(ref p, len - 1) : 0UL;
        len &= ~(nuint)1;
        Vector512<uint> lo = Vector512.Create(0xFFFFu);
        Vector512<uint> a0 = Vector512<uint>.Zero, a1 = Vector512<uint>.Zero;
        nuint i = 0;
        // Beyond 2^14 steps a u32 lane could overflow: flush the lanes into the u64 total per block.
        // (Never taken for packets: 2^14 × W bytes ≥ 256 KiB.)
        for (; len - i > StepsPerFlush * W; )
        {
            for (nuint stop = i + StepsPerFlush * W; i < stop; i += 2 * W)
            {
                Vector512<uint> v0 = Vector512.LoadUnsafe(ref p, i).AsUInt32();
                Vector512<uint> v1 = Vector512.LoadUnsafe(ref p, i + W).AsUInt32();
                a0 += (v0 & lo) + (v0 >> 16);
                a1 += (v1 & lo) + (v1 >> 16);
            }
            total += Reduce(a0, lo) + Reduce(a1, lo);
            a0 = a1 = Vector512<uint>.Zero;
        }
        for (; i + 2 * W <= len; i += 2 * W)
        {
            Vector512<uint> v0 = Vector512.LoadUnsafe(ref p, i).AsUInt32();
            Vector512<uint> v1 = Vector512.LoadUnsafe(ref p, i + W).AsUInt32();
            a0 += (v0 & lo) + (v0 >> 16);
            a1 += (v1 & lo) + (v1 >> 16);
        }
        if (i + W <= len)
        {
            Vector512<uint> v0 = Vector512.LoadUnsafe(ref p, i).AsUInt32();
            a0 += (v0 & lo) + (v0 >> 16);
            i += W;
        }
        if (i < len)
        {
            // One overlapping load ending at len; zero the (W − rem) bytes already summed.
            Vector512<byte> keep = Vector512.GreaterThanOrEqual(Vector512<byte>.Indices, Vector512.Create((byte)(W - (len - i))));
            Vector512<uint> v = (Vector512.LoadUnsafe(ref p, len - W) & keep).AsUInt32();
            a1 += (v & lo) + (v >> 16);
        }
        return total + Reduce(a0 + a1, lo);
    }

    /// <summary>
    /// Folds each lane to 17 bits first ((x &amp; 0xFFFF) + (x &gt;&gt; 16) ≡ x mod 0xFFFF, and 0 only if x is),
    /// so the horizontal sum stays in u32: cheaper than widening to u64 (64 B packets: −0.5 ns).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Reduce(Vector512<uint> a, Vector512<uint> lo) => Vector512.Sum((a & lo) + (a >> 16));

}
