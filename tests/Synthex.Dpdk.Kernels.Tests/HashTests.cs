using System.Buffers.Binary;
using System.Net;
using CsCheck;
using Synthex.Dpdk.Interop;

namespace Synthex.Dpdk.Kernels.Tests;

public unsafe class ToeplitzTests
{
    // Microsoft, "Verifying the RSS Hash Calculation" (also DPDK app/test/test_thash.c):
    // destination, source, IPv4-only / with TCP ports.
    public static TheoryData<string, int, string, int, uint, uint> Ipv4Vectors => new()
    {
        { "161.142.100.80", 1766, "66.9.149.187", 2794, 0x323e8fc2, 0x51ccc178 },
        { "65.69.140.83", 4739, "199.92.111.2", 14230, 0xd718262a, 0xc626b0ea },
        { "12.22.207.184", 38024, "24.19.198.95", 12898, 0xd2d0a5de, 0x5c2b394a },
        { "209.142.163.6", 2217, "38.27.205.30", 48228, 0x82989176, 0xafc7327f },
        { "202.188.127.2", 1303, "153.39.163.191", 44251, 0x5d1809c5, 0x10e828a2 },
    };

    public static TheoryData<string, int, string, int, uint, uint> Ipv6Vectors => new()
    {
        { "3ffe:2501:200:3::1", 1766, "3ffe:2501:200:1fff::7", 2794, 0x2cc18cd5, 0x40207d3d },
        { "ff02::1", 4739, "3ffe:501:8::260:97ff:fe40:efab", 14230, 0x0f0c461c, 0xdde51bbf },
        { "fe80::200:f8ff:fe21:67cf", 38024, "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 44251, 0x4b61e985, 0x02d1feef },
    };

    [Theory, MemberData(nameof(Ipv4Vectors))]
    public void Microsoft_ipv4_vectors_on_every_path(string dst, int dport, string src, int sport, uint h2, uint h4)
    {
        uint s = BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(src).GetAddressBytes());
        uint d = BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(dst).GetAddressBytes());
        Assert.Equal(h2, Toeplitz.HashIpv4(s, d, ToeplitzKey.Microsoft));
        Assert.Equal(h4, Toeplitz.HashIpv4(s, d, (ushort)sport, (ushort)dport, ToeplitzKey.Microsoft));
        var input = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(input, s);
        BinaryPrimitives.WriteUInt32BigEndian(input.AsSpan(4), d);
        BinaryPrimitives.WriteUInt16BigEndian(input.AsSpan(8), (ushort)sport);
        BinaryPrimitives.WriteUInt16BigEndian(input.AsSpan(10), (ushort)dport);
        foreach (SimdPath p in SimdInfo.Available)
        {
            Assert.Equal(h2, Toeplitz.Hash(p, input.AsSpan(0, 8), ToeplitzKey.Microsoft));
            Assert.Equal(h4, Toeplitz.Hash(p, input, ToeplitzKey.Microsoft));
        }
    }

    [Theory, MemberData(nameof(Ipv6Vectors))]
    public void Microsoft_ipv6_vectors_on_every_path(string dst, int dport, string src, int sport, uint h2, uint h4)
    {
        byte[] s = IPAddress.Parse(src).GetAddressBytes(), d = IPAddress.Parse(dst).GetAddressBytes();
        Assert.Equal(h2, Toeplitz.HashIpv6(s, d, ToeplitzKey.Microsoft));
        Assert.Equal(h4, Toeplitz.HashIpv6(s, d, (ushort)sport, (ushort)dport, ToeplitzKey.Microsoft));
        byte[] input = [.. s, .. d, (byte)(sport >> 8), (byte)sport, (byte)(dport >> 8), (byte)dport];
        foreach (SimdPath p in SimdInfo.Available)
        {
            Assert.Equal(h2, Toeplitz.Hash(p, input.AsSpan(0, 32), ToeplitzKey.Microsoft));
            Assert.Equal(h4, Toeplitz.Hash(p, input, ToeplitzKey.Microsoft));
        }
    }

    [Theory, MemberData(nameof(Paths.Available), MemberType = typeof(Paths))]
    public void Random_keys_and_inputs_match_the_tables_and_rte_softrss(SimdPath path)
    {
        Gen.Int[8, ToeplitzKey.MaxKeyLength].SelectMany(k => Gen.Select(Gen.Byte.Array[k], Gen.Int[0, k - 4]))
           .SelectMany((key, n) => Gen.Byte.Array[n].Select(input => (key, input)))
           .Sample(t =>
           {
               var key = new ToeplitzKey(t.key);
               uint got = Toeplitz.Hash(path, t.input, key);
               Assert.Equal(Toeplitz.Hash(SimdPath.Scalar, t.input, key), got);
               Assert.Equal(BitSerial(t.input, t.key), got);
               if (t.input.Length % 4 == 0)
               {
                   // DPDK takes host-order 32-bit words; rte_softrss_be takes the key pre-swapped per word.
                   int words = t.input.Length / 4;
                   var tuple = new uint[Math.Max(words, 1)];
                   for (int w = 0; w < words; w++) tuple[w] = BinaryPrimitives.ReadUInt32BigEndian(t.input.AsSpan(4 * w));
                   var keyPadded = new byte[t.key.Length + 4];
                   t.key.CopyTo(keyPadded, 0);
                   var keyBe = new byte[keyPadded.Length];
                   for (int w = 0; w + 4 <= keyPadded.Length; w += 4)
                       BinaryPrimitives.WriteUInt32LittleEndian(keyBe.AsSpan(w), BinaryPrimitives.ReadUInt32BigEndian(keyPadded.AsSpan(w)));
                   fixed (uint* tp = tuple)
                   fixed (byte* kp = keyPadded)
                   fixed (byte* kb = keyBe)
                   {
                       Assert.Equal(Shim.sx_softrss(tp, (uint)words, kp), got);
                       Assert.Equal(Shim.sx_softrss_be(tp, (uint)words, kb), got);
                   }
               }
           }, iter: 1500);
    }

    /// <summary>The definition, bit by bit: for every set input bit, XOR the 32 key bits starting there.</summary>
    private static uint BitSerial(ReadOnlySpan<byte> input, ReadOnlySpan<byte> key)
    {
        uint h = 0;
        for (int bit = 0; bit < input.Length * 8; bit++)
        {
            if ((input[bit / 8] & (0x80 >> (bit % 8))) == 0) continue;
            uint w = 0;
            for (int k = 0; k < 32; k++)
            {
                int kb = bit + k;
                w = (w << 1) | (uint)((key[kb / 8] >> (7 - kb % 8)) & 1);
            }
            h ^= w;
        }
        return h;
    }

    [Fact]
    public void Bad_keys_and_inputs_are_rejected_naming_the_argument()
    {
        Assert.Equal("key", Assert.Throws<ArgumentException>(() => new ToeplitzKey(new byte[7])).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentException>(() => new ToeplitzKey(new byte[69])).ParamName);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => Toeplitz.Hash(new byte[37], ToeplitzKey.Microsoft)).ParamName);
        Assert.Equal("srcAddr", Assert.Throws<ArgumentException>(() => Toeplitz.HashIpv6(new byte[4], new byte[16], ToeplitzKey.Microsoft)).ParamName);
        Assert.Equal(0u, Toeplitz.Hash(ReadOnlySpan<byte>.Empty, ToeplitzKey.Microsoft));
    }
}

public unsafe class Crc32CTests
{
    [Theory, MemberData(nameof(Paths.Available), MemberType = typeof(Paths))]
    public void Matches_rte_hash_crc_at_every_length_offset_and_seed(SimdPath path)
    {
        // Up to 3 × 64 + 7 bytes mostly; one in five up to 5000 bytes for the folding loops.
        Gen.Select(Gen.Int[0, 63], Gen.Frequency((4, Gen.Int[0, 3 * 64 + 7]), (1, Gen.Int[200, 5000])), Gen.UInt)
           .SelectMany((off, n, seed) => Gen.Byte.Array[off + n].Select(b => (b, off, n, seed)))
           .Sample(t =>
           {
               var span = t.b.AsSpan(t.off, t.n);
               uint got = Crc32C.Hash(path, span, t.seed);
               Assert.Equal(Crc32C.Hash(SimdPath.Scalar, span, t.seed), got);
               fixed (byte* p = span) Assert.Equal(Shim.sx_hash_crc(p, (uint)t.n, t.seed), got);
           }, iter: 3000);
    }

    [Fact]
    public void Known_answer_check_value()
    {
        // CRC-32C check value of "123456789" is 0xE3069283 with ~ pre/post conditioning.
        byte[] s = "123456789"u8.ToArray();
        foreach (SimdPath p in SimdInfo.Available) Assert.Equal(0xE3069283u, ~Crc32C.Hash(p, s, 0xFFFFFFFF));
    }
}
