using System.Buffers.Binary;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Tests.Support;

namespace Synthex.Dpdk.Tests.Packets;

public class InternetChecksumTests
{
    [Fact]
    public void Rfc1071_example()
    {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (folded); checksum is ~ddf2.
        byte[] data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        Assert.Equal((ushort)0x220d, ReferenceChecksum.Finish(ReferenceChecksum.Sum(data)));
    }

    [Fact]
    public void Kernel_incremental_update_matches_full_recomputation()
    {
        var random = new Random(7);
        var header = new FrameBuilder().Build().AsSpan(14, 20).ToArray();
        for (int i = 0; i < 100_000; i++)
        {
            random.NextBytes(header);
            header[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(10), ReferenceChecksum.Ipv4Header(header));
            int word = random.Next(10) * 2;
            if (word == 10) continue;
            ushort old = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(word));
            ushort @new = (ushort)random.Next(65536);
            if (i % 100 == 0) @new = (ushort)~old;
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(word), @new);
            ushort updated = Synthex.Dpdk.Kernels.InternetChecksum.Update(BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(10)), old, @new);
            Assert.Equal(ReferenceChecksum.Ipv4Header(header), updated);
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(10), updated);
            Assert.True(ReferenceChecksum.IsValidIpv4Header(header));
        }
    }

    [Fact]
    public void Ttl_rewrite_keeps_the_header_valid()
    {
        var frame = new FrameBuilder { Ttl = 1 }.Build();
        Assert.True(Ipv4Header.TryRead(frame.AsSpan(14), out var ip));
        ip.SetTtl(64);
        Assert.Equal(64, frame[22]);
        Assert.True(ReferenceChecksum.IsValidIpv4Header(frame.AsSpan(14, 20)));
    }
}
