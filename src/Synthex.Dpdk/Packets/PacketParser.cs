using System.Runtime.CompilerServices;

namespace Synthex.Dpdk.Packets;

/// <summary>Where the layers of a frame start, as found by <see cref="PacketParser.Parse"/>.</summary>
public struct PacketLayout
{
    /// <summary>The EtherType after any VLAN tags.</summary>
    public ushort EtherType;
    /// <summary>Number of VLAN tags (0..2).</summary>
    public byte VlanTags;
    /// <summary>Upper-layer protocol (<see cref="IpProtocol"/>); for a later IPv6 fragment, <see cref="IpProtocol.Fragment"/>.</summary>
    public byte Protocol;
    /// <summary>Offset of the IP header in the frame.</summary>
    public int L3Offset;
    /// <summary>Offset of the L4 header in the frame.</summary>
    public int L4Offset;
    /// <summary>L4 bytes per the IP layer (header + payload, Ethernet padding excluded).</summary>
    public int L4Length;
}

/// <summary>
/// Finds the layers of an Ethernet frame: VLAN tags (802.1Q, 802.1ad, at most two), IPv4 with
/// options, IPv6 with extension headers, and the L4 header. Every read is bounds-checked; a
/// malformed frame yields a <see cref="DropReason"/>, never an exception.
/// </summary>
public static class PacketParser
{
    /// <summary>
    /// Parses down to L4. Returns <see cref="DropReason.None"/> when the frame is IPv4/IPv6 with
    /// a whole UDP or TCP header inside the lengths the IP layer declares.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DropReason Parse(Span<byte> frame, out PacketLayout layout)
    {
        layout = default;
        if (!EthernetHeader.TryRead(frame, out var eth)) return DropReason.TruncatedL2;
        ushort type = eth.EtherType;
        int offset = EthernetHeader.Length;
        while (VlanTag.IsTpid(type))
        {
            if (layout.VlanTags == VlanTag.MaxTags || !VlanTag.TryRead(frame[offset..], out var tag)) return DropReason.TruncatedL2;
            type = tag.InnerEtherType;
            offset += VlanTag.Length;
            layout.VlanTags++;
        }
        layout.EtherType = type;
        layout.L3Offset = offset;

        Span<byte> l4;
        if (type == EtherType.Ipv4)
        {
            if (!Ipv4Header.TryRead(frame[offset..], out var ip)) return DropReason.BadIpv4Header;
            layout.Protocol = ip.Protocol;
            if (ip.IsLaterFragment) return DropReason.UnsupportedL4;
            layout.L4Offset = offset + ip.HeaderLength;
            l4 = ip.Payload;
        }
        else if (type == EtherType.Ipv6)
        {
            if (!Ipv6Header.TryRead(frame[offset..], out var ip6)) return DropReason.BadIpv6Header;
            if (!ip6.TryFindUpperLayer(out byte proto, out int l4Rel)) return DropReason.BadIpv6Header;
            layout.Protocol = proto;
            layout.L4Offset = offset + l4Rel;
            l4 = ip6.From(l4Rel);
        }
        else
        {
            return DropReason.NotIp;
        }

        layout.L4Length = l4.Length;
        switch (layout.Protocol)
        {
            case IpProtocol.Udp:
                return UdpHeader.TryRead(l4, out var udp) && udp.DatagramLength == l4.Length ? DropReason.None : DropReason.BadL4Length;
            case IpProtocol.Tcp:
                return TcpHeader.TryRead(l4, out _) ? DropReason.None : DropReason.BadL4Length;
            default:
                return DropReason.UnsupportedL4;
        }
    }
}
