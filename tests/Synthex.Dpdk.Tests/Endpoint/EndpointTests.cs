using System.Buffers.Binary;
using System.Net;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Endpoint;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Pipeline.Memory;
using Synthex.Dpdk.Tests.Support;

namespace Synthex.Dpdk.Tests.Endpoint;

/// <summary>
/// The endpoint stage over the in-memory port with the real worker: golden frames in, golden
/// frames out (expected bytes built independently by <see cref="FrameBuilder"/> and
/// <see cref="ReferenceChecksum"/>), every drop under its name, and the identity
/// <c>rx = replied + absorbed + dropped</c>, <c>tx = replied + originated</c>.
/// </summary>
public class EndpointTests
{
    // FrameBuilder's defaults: from MacA 10.0.0.1 / fd00::1 to MacB 10.0.0.2 / fd00::2, UDP 1234 -> 9000.
    private static readonly ulong OurMac = MacAddress.Read(FrameBuilder.MacB).Value;
    internal const ushort ServicePort = 9000;

    internal static EndpointAddresses Addresses(params string[] owned)
        => new(owned.Select(o => OwnedAddress.TryParse(o, out var a, out var e) ? a : throw new ArgumentException(e)).ToArray(), [OurMac]);

    internal static WorkerHarness Harness<TApp>(TApp app, EndpointAddresses addresses, int mtu = 1500, int capacity = MemoryNetwork.DefaultCapacity)
        where TApp : struct, IDatagramApp
        => new(1, 4096, capacity, 32, f => f.Accept(new EndpointStage<TApp>(app, addresses, ServicePort, mtu)));

    private static WorkerHarness Reflecting(int mtu = 1500) => Harness(new Reflect(), Addresses("10.0.0.2/24", "fd00::2/64"), mtu);

    private static void AssertIdentity(WorkerHarness h)
    {
        Accounting.AssertBalanced(h.Counters);
        Assert.Equal(0, h.Network.InUse);
    }

    public static TheoryData<string, FrameBuilder> Datagrams() => new()
    {
        { "udp4", new FrameBuilder() },
        { "udp4 options", new FrameBuilder { Ipv4Options = [0x94, 4, 0, 0] } },
        { "udp4 vlan", new FrameBuilder { Vlans = [42] } },
        { "udp4 qinq 1000", new FrameBuilder { Vlans = [10, 20], PayloadLength = 1000 } },
        { "udp4 empty", new FrameBuilder { PayloadLength = 0 } },
        { "udp6", new FrameBuilder { Ipv6 = true } },
        { "udp6 ext", new FrameBuilder { Ipv6 = true, Ipv6ExtHeaders = [new byte[8]] } },
    };

    [Theory]
    [MemberData(nameof(Datagrams))]
    public void Udp_to_the_service_port_gets_the_apps_reply_with_valid_checksums(string name, FrameBuilder builder)
    {
        _ = name;
        using var h = Reflecting();
        h.Network.Enqueue(0, FrameBuilder.Pad(builder.Build())); // Ethernet padding is not part of the datagram
        h.RunUntilIdle();
        var sent = Assert.Single(h.Network.Sent);
        Assert.Equal(0, sent.Port);
        Assert.Equal(ExpectedReply.For(builder), sent.Frame);
        Assert.Equal(1, h.Counters.Replied);
        AssertIdentity(h);
    }

    [Fact]
    public void Udp4_without_a_checksum_is_answered_with_one()
    {
        using var h = Reflecting();
        var builder = new FrameBuilder { UdpChecksum = false };
        h.Network.Enqueue(0, builder.Build());
        h.RunUntilIdle();
        builder.UdpChecksum = true;
        Assert.Equal(ExpectedReply.For(builder), Assert.Single(h.Network.Sent).Frame);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_reply_of_another_length_gets_its_lengths_and_checksums_from_the_app(bool v6)
    {
        using var h = Harness(new Grow(), Addresses("10.0.0.2", "fd00::2"));
        var builder = new FrameBuilder { Ipv6 = v6, PayloadLength = 30 };
        h.Network.Enqueue(0, builder.Build());
        h.RunUntilIdle();
        // The app appends "+GROW": the reply is the swapped request with 35 payload bytes.
        var expected = ExpectedReply.For(new FrameBuilder { Ipv6 = v6, PayloadLength = 30 + Grow.Suffix.Length });
        var frame = Assert.Single(h.Network.Sent).Frame;
        Assert.Equal(expected.Length, frame.Length);
        int payloadAt = v6 ? 14 + 40 + 8 : 14 + 20 + 8;
        Assert.Equal(Grow.Suffix, frame[(payloadAt + 30)..]);
        Assert.True(ChecksumsValid(frame, v6));
    }

    [Fact]
    public void Arp_request_for_our_address_gets_the_reply()
    {
        using var h = Reflecting();
        h.Network.Enqueue(0, FrameBuilder.Pad(ArpRequest(target: [10, 0, 0, 2])));
        h.RunUntilIdle();
        byte[] expected =
        [
            0x02, 0, 0, 0, 0, 0xAA, 0x02, 0, 0, 0, 0, 0xBB, 0x08, 0x06,
            0, 1, 0x08, 0, 6, 4, 0, 2,
            0x02, 0, 0, 0, 0, 0xBB, 10, 0, 0, 2, // sender: us
            0x02, 0, 0, 0, 0, 0xAA, 10, 0, 0, 1, // target: the asker
        ];
        var frame = Assert.Single(h.Network.Sent).Frame;
        Assert.Equal(expected, frame[..42]);
        AssertIdentity(h);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Echo_request_gets_the_echo_reply(bool v6)
    {
        using var h = Reflecting();
        // FrameBuilder writes an ICMPv4 echo request; over IPv6 the type is 128.
        var request = new FrameBuilder { Ipv6 = v6, Protocol = IpProtocol.Icmp, PayloadLength = 56 };
        h.Network.Enqueue(0, WithIcmpType(request.Build(), v6, v6 ? IcmpType.V6EchoRequest : IcmpType.EchoRequest));
        h.RunUntilIdle();
        var expected = WithIcmpType(ExpectedReply.For(request), v6, v6 ? IcmpType.V6EchoReply : IcmpType.EchoReply);
        Assert.Equal(expected, Assert.Single(h.Network.Sent).Frame);
        AssertIdentity(h);
    }

    private static byte[] WithIcmpType(byte[] frame, bool v6, byte type)
    {
        int l4 = v6 ? 54 : 34;
        frame[l4] = type;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(l4 + 2), 0);
        ushort c = v6
            ? ReferenceChecksum.L4OverIpv6(frame.AsSpan(14, 40), frame.AsSpan(l4), IpProtocol.Icmpv6, 2)
            : ReferenceChecksum.Finish(ReferenceChecksum.Sum(frame.AsSpan(l4)));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(l4 + 2), c);
        return frame;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Neighbour_solicitation_gets_the_advertisement(bool withSourceOption)
    {
        using var h = Reflecting();
        h.Network.Enqueue(0, Solicitation(FrameBuilder.Ip6(1), target: FrameBuilder.Ip6(2), withSourceOption));
        h.RunUntilIdle();
        var expected = new byte[14 + 40 + 32];
        FrameBuilder.MacA.CopyTo(expected, 0);
        FrameBuilder.MacB.CopyTo(expected, 6);
        expected[12] = 0x86; expected[13] = 0xDD;
        expected[14] = 0x60;
        expected[19] = 32; expected[20] = 58; expected[21] = 255;
        FrameBuilder.Ip6(2).CopyTo(expected, 22);
        FrameBuilder.Ip6(1).CopyTo(expected, 38);
        expected[54] = 136;
        expected[58] = 0x60; // solicited, override
        FrameBuilder.Ip6(2).CopyTo(expected, 62);
        expected[78] = 2; expected[79] = 1;
        FrameBuilder.MacB.CopyTo(expected, 80);
        BinaryPrimitives.WriteUInt16BigEndian(expected.AsSpan(56), ReferenceChecksum.L4OverIpv6(expected.AsSpan(14, 40), expected.AsSpan(54), 58, 2));
        Assert.Equal(expected, Assert.Single(h.Network.Sent).Frame);
        AssertIdentity(h);
    }

    [Fact]
    public void What_the_endpoint_does_not_serve_is_dropped_under_its_name()
    {
        using var h = Reflecting(mtu: 600);
        var n = h.Network;
        n.Enqueue(0, new FrameBuilder { DstPort = 9001 }.Build());                       // closed_port
        n.Enqueue(0, new FrameBuilder { IpDst = [10, 0, 0, 9] }.Build());                // not_for_us
        n.Enqueue(0, new FrameBuilder { Ipv6 = true, Ip6Dst = FrameBuilder.Ip6(9) }.Build()); // not_for_us
        n.Enqueue(0, new FrameBuilder { Dst = [2, 0, 0, 0, 0, 0xCC] }.Build());          // not_for_us (another host's MAC)
        n.Enqueue(0, FrameBuilder.Pad(ArpRequest(target: [10, 0, 0, 7]))); // not_for_us
        n.Enqueue(0, Fragment4());                                                       // ip_fragment
        n.Enqueue(0, Fragment6());                                                       // ip_fragment
        n.Enqueue(0, new FrameBuilder { Protocol = IpProtocol.Tcp }.Build());            // unsupported_l4
        var timestamp = new FrameBuilder { Protocol = IpProtocol.Icmp }.Build();
        timestamp[34] = 13;                                                              // ICMP timestamp: unhandled_icmp
        n.Enqueue(0, timestamp);
        n.Enqueue(0, new FrameBuilder { PayloadLength = 700 }.Build());                  // oversized (MTU 600)
        var lldp = new byte[60];
        lldp[12] = 0x88; lldp[13] = 0xCC;
        n.Enqueue(0, lldp);                                                              // not_ip
        n.Enqueue(0, new FrameBuilder().Build());                                        // answered
        h.RunUntilIdle();

        var c = h.Counters;
        Assert.Equal(1, c.Drops(DropReason.ClosedPort));
        Assert.Equal(4, c.Drops(DropReason.NotForUs));
        Assert.Equal(2, c.Drops(DropReason.IpFragment));
        Assert.Equal(1, c.Drops(DropReason.UnsupportedL4));
        Assert.Equal(1, c.Drops(DropReason.UnhandledIcmp));
        Assert.Equal(1, c.Drops(DropReason.Oversized));
        Assert.Equal(1, c.Drops(DropReason.NotIp));
        Assert.Equal(11, c.Dropped);
        Assert.Single(n.Sent);
        AssertIdentity(h);
    }

    [Fact]
    public void Without_addresses_udp_for_the_service_port_is_taken_whatever_its_destination()
    {
        using var h = Harness(new Reflect(), Addresses());
        var anywhere = new FrameBuilder { IpDst = [192, 0, 2, 77], Dst = [2, 0, 0, 0, 0, 0x77] };
        h.Network.Enqueue(0, anywhere.Build());
        h.Network.Enqueue(0, FrameBuilder.Pad(ArpRequest(target: [192, 0, 2, 77])));
        h.Network.Enqueue(0, new FrameBuilder { Protocol = IpProtocol.Icmp, IpDst = [192, 0, 2, 77] }.Build());
        h.RunUntilIdle();
        Assert.Equal(ExpectedReply.For(anywhere), Assert.Single(h.Network.Sent).Frame);
        Assert.Equal(2, h.Counters.Drops(DropReason.NotForUs));
        AssertIdentity(h);
    }

    [Fact]
    public void A_reply_larger_than_the_mtu_allows_is_dropped_oversized()
    {
        using var h = Harness(new Grow(), Addresses("10.0.0.2"), mtu: 20 + 8 + 100);
        h.Network.Enqueue(0, new FrameBuilder { PayloadLength = 100 }.Build()); // fits; its reply does not
        h.RunUntilIdle();
        Assert.Empty(h.Network.Sent);
        Assert.Equal(1, h.Counters.Drops(DropReason.Oversized));
        AssertIdentity(h);
    }

    [Fact]
    public void Jumbo_datagram_of_8k_is_answered_at_mtu_9000()
    {
        using var h = Harness(new Reflect(), Addresses("10.0.0.2"), mtu: 9000, capacity: 9216 + 128);
        var jumbo = new FrameBuilder { PayloadLength = 8192 };
        h.Network.Enqueue(0, jumbo.Build());
        h.RunUntilIdle();
        Assert.Equal(ExpectedReply.For(jumbo), Assert.Single(h.Network.Sent).Frame);
    }

    [Fact]
    public void Absorbed_datagrams_and_originated_answers_keep_both_identities()
    {
        using var h = Harness(new Rendezvous(), Addresses("10.0.0.2", "fd00::2"));
        var a = new FrameBuilder { PayloadLength = 20 };
        var b = new FrameBuilder { Ipv6 = true, Src = [2, 0, 0, 0, 0, 0xDD], Ip6Src = FrameBuilder.Ip6(7), SrcPort = 4444, PayloadLength = 40 };
        h.Network.Enqueue(0, a.Build());
        h.Network.Enqueue(0, b.Build());
        h.RunUntilIdle();

        // Each sender gets the other's payload, from our address and port to its own.
        var toA = new FrameBuilder { Dst = a.Src, Src = a.Dst, IpSrc = a.IpDst, IpDst = a.IpSrc, SrcPort = 9000, DstPort = a.SrcPort, Ttl = 64, PayloadLength = 40 }.Build();
        var toB = new FrameBuilder { Ipv6 = true, Dst = b.Src, Src = b.Dst, Ip6Src = b.Ip6Dst, Ip6Dst = b.Ip6Src, SrcPort = 9000, DstPort = 4444, Ttl = 64, PayloadLength = 20 }.Build();
        // FrameBuilder fills payloads with the same pattern, so a length decides the bytes; the
        // IPv4 identification and flags differ (originated: id 0, DF), so compare those apart.
        var sent = h.Network.Sent.Select(s => s.Frame).ToArray();
        Assert.Equal(2, sent.Length);
        Assert.Equal(toB, sent[1]);
        Assert.Equal(toA[..18], sent[0][..18]);
        Assert.Equal(toA[22..24], sent[0][22..24]);
        Assert.Equal(toA[26..], sent[0][26..]);
        Assert.True(ChecksumsValid(sent[0], v6: false));

        var c = h.Counters;
        Assert.Equal(2, c.RxPackets);
        Assert.Equal(2, c.Absorbed);
        Assert.Equal(2, c.OriginatedPackets);
        Assert.Equal(0, c.Replied);
        AssertIdentity(h);
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>Appends <see cref="Suffix"/> to every payload: a reply longer than the request.</summary>
    private struct Grow : IDatagramApp
    {
        public static readonly byte[] Suffix = "+GROW"u8.ToArray();

        public DatagramVerdict Process(Span<byte> buffer, int length, in DatagramMeta meta)
        {
            if (buffer.Length < length + Suffix.Length) return DatagramVerdict.Drop(DropReason.Oversized);
            Suffix.CopyTo(buffer[length..]);
            return DatagramVerdict.Reply(length + Suffix.Length);
        }
    }

    internal static bool ChecksumsValid(byte[] frame, bool v6)
    {
        if (v6)
        {
            var udp = frame.AsSpan(54);
            return BinaryPrimitives.ReadUInt16BigEndian(udp[6..]) == ReferenceChecksum.L4OverIpv6(frame.AsSpan(14, 40), udp, 17, 6);
        }
        var ip = frame.AsSpan(14, 20);
        return ReferenceChecksum.IsValidIpv4Header(ip)
            && BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(40)) == ReferenceChecksum.L4OverIpv4(ip, frame.AsSpan(34), 6);
    }

    internal static byte[] ArpRequest(byte[] target)
    {
        var f = FrameBuilder.Arp(); // broadcast from MacA, sender 0.0.0.0
        byte[] sender = [10, 0, 0, 1];
        FrameBuilder.MacA.CopyTo(f, 22);
        sender.CopyTo(f, 28);
        target.CopyTo(f, 38);
        return f;
    }

    internal static byte[] Solicitation(byte[] source, byte[] target, bool withSourceOption)
    {
        int icmpLength = withSourceOption ? 32 : 24;
        var f = new byte[14 + 40 + icmpLength];
        var group = new byte[] { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, target[13], target[14], target[15] };
        byte[] groupMac = [0x33, 0x33, 0xff, target[13], target[14], target[15]];
        groupMac.CopyTo(f, 0);
        FrameBuilder.MacA.CopyTo(f, 6);
        f[12] = 0x86; f[13] = 0xDD;
        f[14] = 0x60;
        f[19] = (byte)icmpLength; f[20] = 58; f[21] = 255;
        source.CopyTo(f, 22);
        group.CopyTo(f, 38);
        f[54] = 135;
        target.CopyTo(f, 62);
        if (withSourceOption)
        {
            f[78] = 1; f[79] = 1;
            FrameBuilder.MacA.CopyTo(f, 80);
        }
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(56), ReferenceChecksum.L4OverIpv6(f.AsSpan(14, 40), f.AsSpan(54), 58, 2));
        return f;
    }

    private static byte[] Fragment4()
    {
        var f = new FrameBuilder().Build();
        f[20] = 0x20; // more fragments
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(24), 0);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(24), ReferenceChecksum.Ipv4Header(f.AsSpan(14, 20)));
        return f;
    }

    private static byte[] Fragment6()
    {
        // A first fragment: fragment header (offset 0, M=1) before the UDP header.
        var b = new FrameBuilder { Ipv6 = true, Ipv6ExtHeaders = [new byte[8]] }.Build();
        b[20] = IpProtocol.Fragment; // next header of the fixed header: the 8-byte extension is now a fragment header
        b[54] = IpProtocol.Udp;
        b[55] = 0;
        b[57] = 1; // M flag
        return b;
    }
}
