using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Kernels;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Apps;

namespace Synthex.Dpdk.Endpoint;

/// <summary>
/// The UDP endpoint on Ethernet ports (DPDK, the in-memory port): a frame app that makes the
/// appliance a host a real client can reach, and hands the service's datagrams to a
/// <see cref="IDatagramApp"/>. Per frame, in place:
/// <list type="bullet">
/// <item>ARP request for one of the port's IPv4 addresses → ARP reply;</item>
/// <item>neighbour solicitation for one of its IPv6 addresses → neighbour advertisement;</item>
/// <item>ICMP / ICMPv6 echo request to one of its addresses → echo reply;</item>
/// <item>UDP to the service port → the app; its reply goes back with MACs, addresses and ports
/// swapped, lengths from the app and the UDP checksum computed by the SIMD kernels;</item>
/// <item>everything else → a named drop (<c>not_for_us</c>, <c>ip_fragment</c>,
/// <c>closed_port</c>, <c>unhandled_icmp</c>, <c>unsupported_l4</c>, <c>not_ip</c>,
/// <c>oversized</c>, or a malformed header's reason).</item>
/// </list>
/// With no address configured it takes UDP for the service port whatever the destination and
/// answers nothing else (captures, test devices).
/// </summary>
/// <remarks>
/// A struct generic over the app, so the worker's loop is compiled per (stage, app) pair and the
/// app's call is direct. Answers the app originates later are built here from packets of the
/// service pool (<see cref="IFramePool.Alloc"/>), headers written from the
/// <see cref="DatagramPeer"/> the app recorded, and leave through the worker in bursts.
/// </remarks>
public struct EndpointStage<TApp> : IFrameApp where TApp : struct, IDatagramApp
{
    /// <summary>TTL / hop limit of replies and originated packets (Linux's default).</summary>
    public const byte ReplyTtl = 64;

    /// <summary>Room for the largest header of an originated datagram: Ethernet + IPv6 + UDP.</summary>
    public const int MaxHeaderLength = EthernetHeader.Length + Ipv6Header.Length + UdpHeader.Length;

    /// <summary>The port of an originated packet that must not be sent (over the MTU): the worker frees it and counts it <c>origin_dropped</c>.</summary>
    public const ushort NoPort = ushort.MaxValue;

    private TApp _app;
    private readonly EndpointAddresses _addresses;
    private readonly ushort _servicePort;
    private readonly int _mtu;

    /// <param name="mtu">The largest IP packet (header included) the stage receives or sends: a larger one is dropped <c>oversized</c>.</param>
    public EndpointStage(TApp app, EndpointAddresses addresses, ushort servicePort, int mtu)
    {
        _app = app;
        _addresses = addresses;
        _servicePort = servicePort;
        _mtu = mtu;
    }

    /// <summary>The app (tests read its state through it).</summary>
    public readonly TApp App => _app;

    public static bool UsesTailroom => true;

    public static bool Originates => TApp.Originates;

    public static bool AttachesWorker => TApp.AttachesWorker;

    public void AttachWorker()
    {
        if (TApp.AttachesWorker) _app.AttachWorker();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Fate Process(Span<byte> frame, in FrameMeta meta)
    {
        if (!EthernetHeader.TryRead(frame, out var eth)) return Fate.Drop(DropReason.TruncatedL2);
        ushort type = eth.EtherType;
        int l3 = EthernetHeader.Length;
        for (int tags = 0; VlanTag.IsTpid(type); tags++)
        {
            if (tags == VlanTag.MaxTags || !VlanTag.TryRead(frame[l3..], out var tag)) return Fate.Drop(DropReason.TruncatedL2);
            type = tag.InnerEtherType;
            l3 += VlanTag.Length;
        }
        PortAddresses port = _addresses.Port(meta.Port);
        if (type == EtherType.Ipv4) return Ipv4(frame, l3, port, in meta);
        if (type == EtherType.Ipv6) return Ipv6(frame, l3, port, in meta);
        if (type == EtherType.Arp) return Arp(frame, l3, port);
        return Fate.Drop(DropReason.NotIp);
    }

    private static Fate Arp(Span<byte> frame, int l3, PortAddresses port)
    {
        if (!ArpPacket.TryRead(frame[l3..], out var arp)) return Fate.Drop(DropReason.TruncatedL2);
        // Replies and gratuitous announcements need no answer: the endpoint keeps no neighbour
        // table, it answers each packet to the L2 source it came from.
        if (arp.Operation != ArpPacket.Request || !port.Owns(arp.TargetIp)) return Fate.Drop(DropReason.NotForUs);
        MacAddress.Read(frame[6..]).Write(frame);
        port.Mac.Write(frame[6..]);
        arp.MakeReply(port.Mac);
        return Fate.Reply;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Fate Ipv4(Span<byte> frame, int l3, PortAddresses port, in FrameMeta meta)
    {
        if (!Ipv4Header.TryRead(frame[l3..], out var ip)) return Fate.Drop(DropReason.BadIpv4Header);
        bool promiscuous = _addresses.IsEmpty;
        if (!promiscuous && (!port.Owns(ip.Destination) || MacAddress.Read(frame) != port.Mac))
            return Fate.Drop(DropReason.NotForUs);
        if (ip.IsLaterFragment || ip.HasMoreFragments) return Fate.Drop(DropReason.IpFragment);
        if (ip.TotalLength > _mtu) return Fate.Drop(DropReason.Oversized);
        int l4 = l3 + ip.HeaderLength;
        switch (ip.Protocol)
        {
            case IpProtocol.Udp:
                if (!UdpHeader.TryRead(ip.Payload, out var udp) || udp.DatagramLength != ip.Payload.Length)
                    return Fate.Drop(DropReason.BadL4Length);
                if (udp.DestinationPort != _servicePort) return Fate.Drop(DropReason.ClosedPort);
                return Datagram(frame, l3, l4, false, port, in meta);
            case IpProtocol.Icmp:
                if (promiscuous) return Fate.Drop(DropReason.NotForUs);
                if (!IcmpHeader.TryRead(ip.Payload, out var icmp) || icmp.Type != IcmpType.EchoRequest || icmp.Code != 0)
                    return Fate.Drop(DropReason.UnhandledIcmp);
                EthernetHeader.SwapMacs(frame);
                ip.SwapAddresses();
                ip.SetTtl(ReplyTtl);
                icmp.MakeEchoReply(IcmpType.EchoReply);
                return Fate.Reply;
            default:
                return Fate.Drop(DropReason.UnsupportedL4);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Fate Ipv6(Span<byte> frame, int l3, PortAddresses port, in FrameMeta meta)
    {
        if (!Ipv6Header.TryRead(frame[l3..], out var ip)) return Fate.Drop(DropReason.BadIpv6Header);
        if (!ip.TryFindUpperLayer(out byte protocol, out int l4Rel, out bool fragment)) return Fate.Drop(DropReason.BadIpv6Header);
        bool promiscuous = _addresses.IsEmpty;
        UInt128 destination = ip.DestinationAddress;
        bool unicast = port.Owns(destination);
        if (!promiscuous && !unicast)
        {
            // Only a neighbour solicitation may come to a solicited-node group of ours.
            if (protocol == IpProtocol.Icmpv6 && !fragment && port.IsSolicitedNode(destination))
                return Solicitation(frame, l3, l3 + l4Rel, ip, port, meta.Tailroom);
            return Fate.Drop(DropReason.NotForUs);
        }
        if (!promiscuous && MacAddress.Read(frame) != port.Mac) return Fate.Drop(DropReason.NotForUs);
        if (fragment) return Fate.Drop(DropReason.IpFragment);
        if (ip.PayloadLength + Ipv6Header.Length > _mtu) return Fate.Drop(DropReason.Oversized);
        int l4 = l3 + l4Rel;
        switch (protocol)
        {
            case IpProtocol.Udp:
                Span<byte> rest = ip.From(l4Rel);
                if (!UdpHeader.TryRead(rest, out var udp) || udp.DatagramLength != rest.Length)
                    return Fate.Drop(DropReason.BadL4Length);
                if (udp.DestinationPort != _servicePort) return Fate.Drop(DropReason.ClosedPort);
                return Datagram(frame, l3, l4, true, port, in meta);
            case IpProtocol.Icmpv6:
                if (promiscuous) return Fate.Drop(DropReason.NotForUs);
                if (!IcmpHeader.TryRead(ip.From(l4Rel), out var icmp) || icmp.Code != 0) return Fate.Drop(DropReason.UnhandledIcmp);
                if (icmp.Type == IcmpType.NeighborSolicitation) return Solicitation(frame, l3, l4, ip, port, meta.Tailroom);
                if (icmp.Type != IcmpType.V6EchoRequest) return Fate.Drop(DropReason.UnhandledIcmp);
                EthernetHeader.SwapMacs(frame);
                ip.SwapAddresses();
                ip.HopLimit = ReplyTtl;
                icmp.MakeEchoReply(IcmpType.V6EchoReply);
                return Fate.Reply;
            default:
                return Fate.Drop(DropReason.UnsupportedL4);
        }
    }

    /// <summary>A neighbour solicitation: answered with an advertisement written over it (RFC 4861 §7.2.4).</summary>
    private static Fate Solicitation(Span<byte> frame, int l3, int l4, Ipv6Header ip, PortAddresses port, int tailroom)
    {
        if (ip.HopLimit != NeighborDiscovery.RequiredHopLimit
            || !NeighborDiscovery.TryReadSolicitation(frame[l4..(l3 + Ipv6Header.Length + ip.PayloadLength)], out UInt128 target))
            return Fate.Drop(DropReason.UnhandledIcmp);
        if (!port.Owns(target)) return Fate.Drop(DropReason.NotForUs);

        // A duplicate address probe comes from :: and is answered to all nodes, unsolicited.
        UInt128 source = ip.SourceAddress;
        bool probe = source == UInt128.Zero;
        UInt128 to = probe ? new UInt128(0xff02_0000_0000_0000, 1) : source;
        int length = l3 + Ipv6Header.Length + NeighborDiscovery.AdvertisementLength;
        if (length > frame.Length + tailroom) return Fate.Drop(DropReason.Oversized);
        frame = MemoryMarshal.CreateSpan(ref frame[0], length);

        MacAddress toMac = probe ? NeighborDiscovery.MulticastMac(to) : MacAddress.Read(frame[6..]);
        toMac.Write(frame);
        port.Mac.Write(frame[6..]);
        Span<byte> h = frame[l3..];
        BinaryPrimitives.WriteUInt32BigEndian(h, 0x6000_0000);
        BinaryPrimitives.WriteUInt16BigEndian(h[4..], NeighborDiscovery.AdvertisementLength);
        h[6] = IpProtocol.Icmpv6;
        h[7] = NeighborDiscovery.RequiredHopLimit;
        BinaryPrimitives.WriteUInt128BigEndian(h[8..], target);
        BinaryPrimitives.WriteUInt128BigEndian(h[24..], to);
        Span<byte> icmp = h.Slice(Ipv6Header.Length, NeighborDiscovery.AdvertisementLength);
        NeighborDiscovery.WriteAdvertisement(icmp, target, port.Mac, solicited: !probe);
        UdpChecksum.WriteV6(h[8..], h[24..], icmp, IpProtocol.Icmpv6, 2);
        return Fate.ReplyOf(length);
    }

    /// <summary>UDP for the service port: the app's turn, then the reply's headers in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Fate Datagram(Span<byte> frame, int l3, int l4, bool v6, PortAddresses port, in FrameMeta meta)
    {
        int payloadAt = l4 + UdpHeader.Length;
        int length = BinaryPrimitives.ReadUInt16BigEndian(frame[(l4 + 4)..]) - UdpHeader.Length;
        // Room for the reply: the buffer behind the frame, and no more than the MTU allows.
        int room = Math.Min(frame.Length + meta.Tailroom, l3 + _mtu) - payloadAt;
        if (room < length) return Fate.Drop(DropReason.Oversized);

        ushort sourcePort = BinaryPrimitives.ReadUInt16BigEndian(frame[l4..]);
        UdpEndpoint remote, local;
        if (v6)
        {
            remote = UdpEndpoint.V6(BinaryPrimitives.ReadUInt128BigEndian(frame[(l3 + 8)..]), sourcePort);
            local = UdpEndpoint.V6(BinaryPrimitives.ReadUInt128BigEndian(frame[(l3 + 24)..]), _servicePort);
        }
        else
        {
            remote = UdpEndpoint.V4(BinaryPrimitives.ReadUInt32BigEndian(frame[(l3 + 12)..]), sourcePort);
            local = UdpEndpoint.V4(BinaryPrimitives.ReadUInt32BigEndian(frame[(l3 + 16)..]), _servicePort);
        }
        var peer = new DatagramPeer(remote, local, MacAddress.Read(frame[6..]).Value, MacAddress.Read(frame).Value, meta.Port);
        // Not frame[payloadAt]: an empty datagram in an unpadded frame (IPv6: 62 bytes, above Ethernet's
        // minimum, so no NIC pads it) ends exactly at payloadAt, and indexing there threw (found by
        // the service fuzz target; regression: EndpointTests' empty-datagram test).
        ref byte payload = ref Unsafe.Add(ref MemoryMarshal.GetReference(frame), payloadAt);
        DatagramVerdict verdict = _app.Process(MemoryMarshal.CreateSpan(ref payload, room), length, new DatagramMeta(peer, meta.Queue));
        if (!verdict.IsReply) return verdict.IsAbsorbed ? Fate.Absorbed : Fate.Drop(verdict.Reason);
        int reply = verdict.ReplyLength;
        if (reply > room) return Fate.Drop(DropReason.Oversized);

        int frameLength = payloadAt + reply;
        EthernetHeader.SwapMacs(frame);
        L4Ports.Swap(frame[l4..]);
        // Swap while the IP view still covers the request's lengths; then the reply's lengths.
        if (v6)
        {
            Ipv6Header.TryRead(frame[l3..], out var ip6); // cannot fail: Ipv6 checked it
            ip6.SwapAddresses();
            ip6.HopLimit = ReplyTtl;
        }
        else
        {
            Ipv4Header.TryRead(frame[l3..], out var ip4);
            ip4.SwapAddresses();
            frame[l3 + 8] = ReplyTtl; // the header checksum is recomputed below
        }
        frame = MemoryMarshal.CreateSpan(ref frame[0], frameLength);
        Span<byte> h = frame[l3..];
        Span<byte> udp = frame[l4..];
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(UdpHeader.Length + reply));
        if (v6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(h[4..], (ushort)(frameLength - l3 - Ipv6Header.Length));
            UdpChecksum.WriteV6(h[8..], h[24..], udp, IpProtocol.Udp, 6);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(h[2..], (ushort)(frameLength - l3));
            Ipv4Headers.WriteChecksum(h[..(l4 - l3)]);
            UdpChecksum.WriteV4(h[..(l4 - l3)], udp);
        }
        return Fate.ReplyOf(frameLength);
    }

    // ------------------------------------------------------------------ origination

    /// <summary>
    /// Builds the datagrams the app originated into packets of the service pool: up to
    /// <paramref name="max"/>, each with the port it leaves by in <paramref name="ports"/>.
    /// One bulk allocation (and one bulk free of what the app did not fill) per call.
    /// </summary>
    /// <summary>The datagram app's <see cref="IDatagramApp.Stop"/>.</summary>
    public void Stop()
    {
        if (TApp.Polls) _app.Stop();
    }

    public unsafe int Originate<TPool>(ref TPool pool, nint* packets, ushort* ports, int max) where TPool : struct, IFramePool
    {
        if (!TApp.Originates) return 0;
        if (TApp.Polls) _app.Poll(System.Diagnostics.Stopwatch.GetTimestamp());
        int want = Math.Min(_app.PendingOriginations, max);
        if (want <= 0) return 0;
        int got = pool.Alloc(packets, want);
        int n = 0;
        for (; n < got; n++)
        {
            Span<byte> buffer = pool.Room(packets[n]);
            // Payload at a fixed offset with room for the largest header; an IPv4 frame starts
            // 20 bytes later. The payload may not make the IP packet exceed the MTU. The app
            // chooses the peer while it writes, so it gets an IPv4 peer's room (the larger): an
            // answer as large as its IPv4 request must fit. One for an IPv6 peer that does not
            // fit under the MTU goes back with no port: the worker frees it as origin_dropped.
            int room = Math.Min(buffer.Length - MaxHeaderLength, _mtu - Ipv4Header.MinLength - UdpHeader.Length);
            if (room < 0) break;
            int length = _app.Originate(buffer.Slice(MaxHeaderLength, room), out DatagramPeer to);
            if (length < 0) break;
            if (length > room) length = room; // the app's bug, bounded: never past the buffer
            int start = WriteHeaders(buffer, to, length);
            pool.SetFrame(packets[n], start, MaxHeaderLength - start + length);
            bool fits = !to.Remote.IsIpv6 || length <= _mtu - Ipv6Header.Length - UdpHeader.Length;
            ports[n] = fits ? to.Interface : NoPort;
        }
        if (n < got) pool.Free(packets + n, got - n);
        return n;
    }

    /// <summary>Writes Ethernet, IP and UDP headers in front of the payload at <see cref="MaxHeaderLength"/>; returns where the frame starts.</summary>
    private static int WriteHeaders(Span<byte> buffer, in DatagramPeer to, int length)
    {
        bool v6 = to.Remote.IsIpv6;
        int l3 = v6 ? 0 : Ipv6Header.Length - Ipv4Header.MinLength;
        int start = l3;
        l3 += EthernetHeader.Length;
        int l4 = MaxHeaderLength - UdpHeader.Length;
        Span<byte> frame = buffer[start..(MaxHeaderLength + length)];
        new MacAddress(to.RemoteMac).Write(frame);
        new MacAddress(to.LocalMac).Write(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], v6 ? EtherType.Ipv6 : EtherType.Ipv4);

        Span<byte> udp = buffer[l4..(MaxHeaderLength + length)];
        BinaryPrimitives.WriteUInt16BigEndian(udp, to.Local.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], to.Remote.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udp.Length);
        Span<byte> h = buffer[l3..l4];
        if (v6)
        {
            BinaryPrimitives.WriteUInt32BigEndian(h, 0x6000_0000);
            BinaryPrimitives.WriteUInt16BigEndian(h[4..], (ushort)udp.Length);
            h[6] = IpProtocol.Udp;
            h[7] = ReplyTtl;
            BinaryPrimitives.WriteUInt128BigEndian(h[8..], to.Local.Address);
            BinaryPrimitives.WriteUInt128BigEndian(h[24..], to.Remote.Address);
            UdpChecksum.WriteV6(h[8..], h[24..], udp, IpProtocol.Udp, 6);
        }
        else
        {
            h[0] = 0x45;
            h[1] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(h[2..], (ushort)(Ipv4Header.MinLength + udp.Length));
            BinaryPrimitives.WriteUInt32BigEndian(h[4..], 0x0000_4000); // id 0, DF: never fragmented
            h[8] = ReplyTtl;
            h[9] = IpProtocol.Udp;
            BinaryPrimitives.WriteUInt32BigEndian(h[12..], (uint)to.Local.Address);
            BinaryPrimitives.WriteUInt32BigEndian(h[16..], (uint)to.Remote.Address);
            Ipv4Headers.WriteChecksum(h);
            UdpChecksum.WriteV4(h, udp);
        }
        return start;
    }
}
