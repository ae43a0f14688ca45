using System.Buffers.Binary;
using CsCheck;
using Synthex.Dpdk.Interop;

namespace Synthex.Dpdk.Kernels.Tests;

public unsafe class InternetChecksumTests
{
    // Lengths 0 .. 3 × 64 + 7 cover every path's short-input hand-off, main loop, odd byte and
    // overlapping tail; offsets 0..63 put the start anywhere within a zmm register.
    private static readonly Gen<(byte[] Buffer, int Offset, int Length)> Slices =
        Gen.Select(Gen.Int[0, 63], Gen.Int[0, 3 * 64 + 7], Gen.Int[0, 3])
           .SelectMany((off, len, big) =>
           {
               int n = big == 0 ? len * 47 + 1 : len; // one in four up to ~9.4 KB (jumbo frames)
               return Gen.Byte.Array[off + n].Select(b => (b, off, n));
           });

    /// <summary>An independent reference: RFC 1071 straight from the text, word by word.</summary>
    private static ushort Rfc1071(ReadOnlySpan<byte> d)
    {
        ulong sum = 0;
        int i = 0;
        for (; i + 1 < d.Length; i += 2) sum += (uint)(d[i] | d[i + 1] << 8);
        if (i < d.Length) sum += d[i];
        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }

    [Theory, MemberData(nameof(Paths.Available), MemberType = typeof(Paths))]
    public void Raw_matches_rfc1071_scalar_twin_and_dpdk(SimdPath path)
    {
        Slices.Sample(t =>
        {
            var span = t.Buffer.AsSpan(t.Offset, t.Length);
            ushort got = InternetChecksum.Raw(path, span);
            Assert.Equal(Rfc1071(span), got);
            Assert.Equal(InternetChecksum.Raw(SimdPath.Scalar, span), got);
            fixed (byte* p = span) Assert.Equal(Shim.sx_raw_cksum(p, (nuint)t.Length), got);
        }, iter: 3000);
    }

    [Theory, MemberData(nameof(Paths.Available), MemberType = typeof(Paths))]
    public void Raw_handles_all_ones_and_all_zero(SimdPath path)
    {
        foreach (int n in new[] { 0, 1, 2, 63, 64, 65, 128, 1500, 65535 })
        {
            var ones = Enumerable.Repeat((byte)0xFF, n).ToArray();
            var zeros = new byte[n];
            fixed (byte* p = ones) Assert.Equal(Shim.sx_raw_cksum(p, (nuint)n), InternetChecksum.Raw(path, ones));
            fixed (byte* p = zeros) Assert.Equal(Shim.sx_raw_cksum(p, (nuint)n), InternetChecksum.Raw(path, zeros));
        }
    }

    [Fact]
    public void Raw_beyond_the_u32_flush_block_equals_the_rfc_sum()
    {
        // 3 MB of 0xFF..: the vector paths flush their u32 lanes every 2^14 steps. (DPDK itself
        // overflows its 32-bit sum here, so the RFC loop is the reference.)
        var data = new byte[3 << 20];
        new Random(7).NextBytes(data);
        data.AsSpan(0, 1 << 20).Fill(0xFF);
        ushort want = Rfc1071(data);
        foreach (SimdPath path in SimdInfo.Available) Assert.Equal(want, InternetChecksum.Raw(path, data));
    }

    private static readonly Gen<(byte[] Ip, byte[] L4)> Ipv4Packets =
        Gen.Select(Gen.Int[5, 15], Gen.Int[0, 1600], Gen.OneOfConst((byte)6, (byte)17, (byte)1), Gen.Int[-8, 0])
           .SelectMany((ihlWords, l4Len, proto, shortBy) =>
               Gen.Select(Gen.Byte.Array[ihlWords * 4], Gen.Byte.Array[l4Len]).Select((ip, l4) =>
               {
                   ip[0] = (byte)(0x40 | ihlWords);
                   // Mostly consistent total lengths; sometimes shorter than the header (DPDK returns 0).
                   int total = shortBy < -6 ? ihlWords * 4 + shortBy : ihlWords * 4 + l4Len;
                   BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), (ushort)Math.Max(total, 0));
                   ip[9] = proto;
                   ip[10] = ip[11] = 0;
                   return (ip, l4);
               }));

    [Fact]
    public void Ipv4_header_and_udptcp_match_dpdk()
    {
        Ipv4Packets.Sample(t =>
        {
            fixed (byte* ip = t.Ip)
            fixed (byte* l4 = t.L4)
            {
                Assert.Equal(Shim.sx_ipv4_cksum((rte_ipv4_hdr*)ip), InternetChecksum.Ipv4Header(t.Ip));
                Assert.Equal(Shim.sx_ipv4_udptcp_cksum((rte_ipv4_hdr*)ip, l4), InternetChecksum.Ipv4UdpTcp(t.Ip, t.L4));
            }
        }, iter: 3000);
    }

    [Fact]
    public void Ipv6_udptcp_matches_dpdk()
    {
        Gen.Select(Gen.Byte.Array[40], Gen.Int[0, 1600], Gen.OneOfConst((byte)6, (byte)17))
           .SelectMany((ip, n, proto) => Gen.Byte.Array[n].Select(l4 =>
           {
               ip[0] = 0x60;
               BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(4), (ushort)n);
               ip[6] = proto;
               return (ip, l4);
           }))
           .Sample(t =>
           {
               fixed (byte* ip = t.ip)
               fixed (byte* l4 = t.l4)
                   Assert.Equal(Shim.sx_ipv6_udptcp_cksum((rte_ipv6_hdr*)ip, l4), InternetChecksum.Ipv6UdpTcp(t.ip, t.l4));
           }, iter: 3000);
    }

    [Fact]
    public void Udp_zero_checksum_is_sent_as_all_ones_like_dpdk()
    {
        // Find payloads whose complemented sum is 0 by construction: fix the last word.
        var ip = new byte[20];
        ip[0] = 0x45; ip[9] = 17;
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), 20 + 10);
        var l4 = new byte[10];
        new Random(3).NextBytes(l4.AsSpan(0, 8));
        // choose the last word so that pseudo-header + payload sums to 0xFFFF
        for (int w = 0; w <= 0xFFFF; w++)
        {
            l4[8] = (byte)w; l4[9] = (byte)(w >> 8);
            fixed (byte* pi = ip) fixed (byte* pl = l4)
                if (Shim.sx_ipv4_udptcp_cksum((rte_ipv4_hdr*)pi, pl) == 0xFFFF)
                {
                    Assert.Equal(0xFFFF, InternetChecksum.Ipv4UdpTcp(ip, l4));
                    return;
                }
        }
        Assert.Fail("no all-ones case found");
    }

    [Fact]
    public void Rfc1624_update_equals_full_recompute_for_16_and_32_bit_fields()
    {
        Gen.Select(Gen.Byte.Array[20], Gen.Int[0, 9], Gen.UShort, Gen.UInt, Gen.Bool).Sample(t =>
        {
            var (h, wordIndex, newWord, newAddr, addr) = t;
            h[0] = 0x45; h[10] = h[11] = 0;
            ushort ck = InternetChecksum.Ipv4Header(h);
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(10), ck);
            if (addr)
            {
                uint old = BinaryPrimitives.ReadUInt32LittleEndian(h.AsSpan(12));
                BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(12), newAddr);
                ck = InternetChecksum.Update(ck, old, newAddr);
            }
            else
            {
                if (wordIndex is 0 or 5) wordIndex = 4; // keep IHL and the checksum field itself
                ushort old = BinaryPrimitives.ReadUInt16LittleEndian(h.AsSpan(2 * wordIndex));
                BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(2 * wordIndex), newWord);
                ck = InternetChecksum.Update(ck, old, newWord);
            }
            h[10] = h[11] = 0;
            Assert.Equal(InternetChecksum.Ipv4Header(h), ck);
        }, iter: 5000);
    }

    [Fact]
    public void Public_api_rejects_truncated_headers_naming_the_argument()
    {
        Assert.Equal("header", Assert.Throws<ArgumentException>(() => InternetChecksum.Ipv4Header(new byte[19])).ParamName);
        var ip = new byte[20]; ip[0] = 0x46;
        Assert.Equal("header", Assert.Throws<ArgumentException>(() => InternetChecksum.Ipv4Header(ip)).ParamName);
        ip[0] = 0x45; BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), 40);
        Assert.Equal("l4", Assert.Throws<ArgumentException>(() => InternetChecksum.Ipv4UdpTcp(ip, new byte[19])).ParamName);
        Assert.Equal("ipv6Header", Assert.Throws<ArgumentException>(() => InternetChecksum.Ipv6UdpTcp(new byte[39], new byte[8])).ParamName);
        Assert.Equal(0xFFFF, InternetChecksum.Raw(ReadOnlySpan<byte>.Empty) ^ 0xFFFF); // empty sums to 0
    }
}
