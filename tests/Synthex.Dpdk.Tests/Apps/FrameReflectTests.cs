using System.Buffers.Binary;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Tests.Support;

namespace Synthex.Dpdk.Tests.Apps;

public class FrameReflectTests
{
    public static TheoryData<string, FrameBuilder> Cases() => new()
    {
        { "udp4", new FrameBuilder() },
        { "udp4 no checksum", new FrameBuilder { UdpChecksum = false } },
        { "udp4 options", new FrameBuilder { Ipv4Options = [0x94, 4, 0, 0] } },
        { "tcp4 vlan", new FrameBuilder { Protocol = IpProtocol.Tcp, Vlans = [42] } },
        { "udp4 qinq", new FrameBuilder { Vlans = [10, 20], PayloadLength = 1000 } },
        { "udp6", new FrameBuilder { Ipv6 = true } },
        { "tcp6 ext", new FrameBuilder { Ipv6 = true, Protocol = IpProtocol.Tcp, Ipv6ExtHeaders = [new byte[8]] } },
        { "udp4 ttl 255", new FrameBuilder { Ttl = 255, PayloadLength = 0 } },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reply_is_the_swapped_packet_with_valid_checksums(string name, FrameBuilder builder)
    {
        _ = name;
        using var h = new WorkerHarness(new RunSettings { App = "frame-reflect" }, ports: 2);
        var frame = FrameBuilder.Pad(builder.Build());
        h.Network.Enqueue(1, frame);
        h.RunUntilIdle();
        var sent = Assert.Single(h.Network.Sent);
        Assert.Equal(1, sent.Port); // out of the port it came in on
        Assert.Equal(FrameBuilder.Pad(ExpectedReply.For(builder)), sent.Frame);
    }

    [Fact]
    public void Ipv4_header_checksum_is_valid_after_reply()
    {
        var frame = new FrameBuilder { Ttl = 3 }.Build();
        var app = new FrameReflect();
        Assert.Equal(Fate.Reply, app.Process(frame, new FrameMeta(0, 0, 0)));
        Assert.True(ReferenceChecksum.IsValidIpv4Header(frame.AsSpan(14, 20)));
        Assert.Equal(ReferenceChecksum.L4OverIpv4(frame.AsSpan(14, 20), frame.AsSpan(34), 6), BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(40)));
    }

    [Fact]
    public void What_reflect_cannot_answer_is_dropped_and_counted()
    {
        using var h = new WorkerHarness(new RunSettings { App = "frame-reflect" }, ports: 1);
        h.Network.Enqueue(0, FrameBuilder.Arp());
        h.Network.Enqueue(0, new FrameBuilder { Protocol = IpProtocol.Icmp }.Build());
        h.Network.Enqueue(0, new byte[10]);
        h.Network.Enqueue(0, new FrameBuilder().Build(), chained: true);
        h.Network.Enqueue(0, new FrameBuilder().Build());
        h.RunUntilIdle();
        Assert.Equal(1, h.Counters.Drops(DropReason.NotIp));
        Assert.Equal(1, h.Counters.Drops(DropReason.UnsupportedL4));
        Assert.Equal(1, h.Counters.Drops(DropReason.TruncatedL2));
        Assert.Equal(1, h.Counters.Drops(DropReason.MultiSegment));
        Assert.Equal(5, h.Counters.RxPackets);
        Accounting.AssertBalanced(h.Counters);
        Assert.Equal(0, h.Network.InUse);
    }
}
