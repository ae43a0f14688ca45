using System.Buffers.Binary;
using System.Text;
using Synthex.Dpdk.Interop;

namespace Synthex.Dpdk.Bindings.Tests;

/// <summary>
/// The shim's pure helpers against published vectors. The SIMD kernels use these exports as their
/// reference, so they must be right before anything is compared with them. No EAL needed.
/// </summary>
public sealed unsafe class ShimReferenceTests
{
    // Microsoft's RSS verification key and its first IPv4 vector, as DPDK's app/test/test_thash.c
    // uses them: 66.9.149.187:2794 -> 161.142.100.80:1766.
    private static readonly byte[] RssKey =
    [
        0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
        0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
        0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
    ];

    [Fact]
    public void Softrss_matches_the_microsoft_ipv4_vector()
    {
        // struct rte_ipv4_tuple in host order: src, dst, then dport in the low half, sport in the high.
        uint* tuple = stackalloc uint[3];
        tuple[0] = Ipv4(66, 9, 149, 187);
        tuple[1] = Ipv4(161, 142, 100, 80);
        tuple[2] = 1766u | (2794u << 16);
        fixed (byte* key = RssKey)
        {
            Assert.Equal(0x323e8fc2u, Shim.sx_softrss(tuple, 2, key));                                      // L3
            Assert.Equal(0x51ccc178u, Shim.sx_softrss(tuple, (uint)Constants.RTE_THASH_V4_L4_LEN, key));   // L3 + L4
        }
    }

    [Fact]
    public void Hash_crc_is_crc32c_without_the_final_inversion()
    {
        var data = Encoding.ASCII.GetBytes("123456789");
        fixed (byte* p = data)
            Assert.Equal(0xE3069283u, ~Shim.sx_hash_crc(p, (uint)data.Length, 0xFFFFFFFFu)); // CRC-32C check value
    }

    [Fact]
    public void Ipv4_cksum_of_a_textbook_header()
    {
        // 45 00 00 73 00 00 40 00 40 11 [b8 61] c0 a8 00 01 c0 a8 00 c7: the checksum is b8 61.
        byte[] header = [0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7];
        fixed (byte* p = header)
        {
            var ip = (rte_ipv4_hdr*)p;
            Assert.Equal(4, ip->version);
            Assert.Equal(5, ip->ihl);
            ip->hdr_checksum = Shim.sx_ipv4_cksum(ip); // returned ready to store: network byte order in memory
            Assert.Equal(0xb861, BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(10)));
            Assert.Equal(0xFFFF, Shim.sx_raw_cksum(p, (nuint)header.Length)); // a valid header sums to all ones
        }
    }

    [Fact]
    public void Tsc_runs_forward()
    {
        var a = Shim.sx_rdtsc();
        Thread.Sleep(1);
        Assert.True(Shim.sx_rdtsc() > a);
    }

    [Fact]
    public void Errno_and_strerror_work_before_eal_init()
    {
        Assert.Equal(0, Shim.sx_errno());
        var text = System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)Eal.rte_strerror(22));
        Assert.Equal("Invalid argument", text);
        Assert.Equal(uint.MaxValue, Shim.sx_lcore_id()); // LCORE_ID_ANY: this thread is not an EAL lcore
    }

    private static uint Ipv4(byte a, byte b, byte c, byte d) => (uint)(a << 24 | b << 16 | c << 8 | d);
}
