using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Tests.Support;

namespace Synthex.Dpdk.Tests.Packets;

public class PacketParserTests
{
    [Theory]
    [InlineData(false, 0, IpProtocol.Udp, 14, 34)]
    [InlineData(false, 1, IpProtocol.Tcp, 18, 38)]
    [InlineData(false, 2, IpProtocol.Udp, 22, 42)]
    [InlineData(true, 0, IpProtocol.Udp, 14, 54)]
    [InlineData(true, 1, IpProtocol.Tcp, 18, 58)]
    public void Finds_the_layers(bool ipv6, int vlans, byte protocol, int l3, int l4)
    {
        var frame = new FrameBuilder { Ipv6 = ipv6, Vlans = vlans == 0 ? [] : vlans == 1 ? [100] : [200, 100], Protocol = protocol }.Build();
        Assert.Equal(DropReason.None, PacketParser.Parse(frame, out var layout));
        Assert.Equal(l3, layout.L3Offset);
        Assert.Equal(l4, layout.L4Offset);
        Assert.Equal(protocol, layout.Protocol);
        Assert.Equal(vlans, layout.VlanTags);
    }

    [Fact]
    public void Ipv4_options_move_L4()
    {
        var frame = new FrameBuilder { Ipv4Options = [1, 1, 1, 0, 1, 1, 1, 0] }.Build();
        Assert.Equal(DropReason.None, PacketParser.Parse(frame, out var layout));
        Assert.Equal(14 + 28, layout.L4Offset);
    }

    [Fact]
    public void Ipv6_extension_headers_are_walked()
    {
        var frame = new FrameBuilder { Ipv6 = true, Ipv6ExtHeaders = [new byte[8], new byte[16]] }.Build();
        Assert.Equal(DropReason.None, PacketParser.Parse(frame, out var layout));
        Assert.Equal(14 + 40 + 24, layout.L4Offset);
        Assert.Equal(IpProtocol.Udp, layout.Protocol);
    }

    [Fact]
    public void Ethernet_padding_after_ip_is_allowed()
    {
        var frame = FrameBuilder.Pad(new FrameBuilder { PayloadLength = 0 }.Build());
        Assert.Equal(DropReason.None, PacketParser.Parse(frame, out var layout));
        Assert.Equal(8, layout.L4Length);
    }

    public static TheoryData<string, byte[], DropReason> Malformed()
    {
        var ok = new FrameBuilder().Build();
        var v6 = new FrameBuilder { Ipv6 = true }.Build();
        byte[] Mut(byte[] f, Action<byte[]> a) { var c = (byte[])f.Clone(); a(c); return c; }
        return new()
        {
            { "empty", [], DropReason.TruncatedL2 },
            { "13 bytes", ok[..13], DropReason.TruncatedL2 },
            { "vlan tag cut", new FrameBuilder { Vlans = [5] }.Build()[..16], DropReason.TruncatedL2 },
            { "three tags", Mut(new FrameBuilder { Vlans = [1, 2] }.Build(), f => { f[20] = 0x81; f[21] = 0x00; }), DropReason.TruncatedL2 },
            { "arp", FrameBuilder.Arp(), DropReason.NotIp },
            { "ipv4 cut", ok[..30], DropReason.BadIpv4Header },
            { "ipv4 version 5", Mut(ok, f => f[14] = 0x55), DropReason.BadIpv4Header },
            { "ipv4 ihl 4", Mut(ok, f => f[14] = 0x44), DropReason.BadIpv4Header },
            { "ipv4 total length lies", Mut(ok, f => f[17] += 1), DropReason.BadIpv4Header },
            { "ipv4 total < ihl", Mut(ok, f => { f[16] = 0; f[17] = 10; }), DropReason.BadIpv4Header },
            { "ipv6 cut", v6[..50], DropReason.BadIpv6Header },
            { "ipv6 payload lies", Mut(v6, f => f[19] += 1), DropReason.BadIpv6Header },
            { "ipv6 ext runs off", Mut(new FrameBuilder { Ipv6 = true, Ipv6ExtHeaders = [new byte[8]] }.Build(), f => f[55] = 200), DropReason.BadIpv6Header },
            { "udp length short", Mut(ok, f => { f[38] = 0; f[39] = 4; }), DropReason.BadL4Length },
            { "udp length lies", Mut(ok, f => f[39] -= 1), DropReason.BadL4Length },
            { "udp cut", Mut(new FrameBuilder { PayloadLength = 0 }.Build()[..38], f => f[17] = 24), DropReason.BadL4Length },
            { "tcp data offset 4", Mut(new FrameBuilder { Protocol = IpProtocol.Tcp }.Build(), f => f[46] = 0x40), DropReason.BadL4Length },
            { "tcp data offset past end", Mut(new FrameBuilder { Protocol = IpProtocol.Tcp, PayloadLength = 0 }.Build(), f => f[46] = 0xF0), DropReason.BadL4Length },
            { "icmp", new FrameBuilder { Protocol = IpProtocol.Icmp }.Build(), DropReason.UnsupportedL4 },
            { "later fragment", Mut(ok, f => { f[20] = 0x00; f[21] = 0x10; }), DropReason.UnsupportedL4 },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_frames_get_a_named_reason(string name, byte[] frame, DropReason expected)
    {
        _ = name;
        Assert.Equal(expected, PacketParser.Parse(frame, out _));
    }

    [Fact]
    public void Parse_never_throws_on_random_bytes()
    {
        var random = new Random(1);
        var buffer = new byte[128];
        for (int i = 0; i < 20_000; i++)
        {
            random.NextBytes(buffer);
            if (i % 3 == 0) { buffer[12] = 0x08; buffer[13] = 0x00; buffer[14] = 0x45; }
            if (i % 3 == 1) { buffer[12] = 0x86; buffer[13] = 0xDD; buffer[14] = 0x60; }
            _ = PacketParser.Parse(buffer.AsSpan(0, random.Next(buffer.Length + 1)), out _);
        }
    }
}
