using System.Runtime.CompilerServices;
using Synthex.Dpdk.Kernels;

namespace Synthex.Dpdk.Packets;

/// <summary>
/// The RSS hash a NIC would give a frame, computed in software: Toeplitz with DPDK's default key
/// (<see cref="ToeplitzKey.Microsoft"/>) over the same input a NIC configured by synthex hashes
/// (<c>RTE_ETH_RSS_IP | TCP | UDP</c>): source and destination address, then source and
/// destination port for UDP and TCP; addresses only for other IP protocols and for fragments.
/// Frames that are not IP hash to 0. The fallback where the PMD gives no hash
/// (<c>RTE_MBUF_F_RX_RSS_HASH</c> clear: net_null, net_tap, the in-memory port).
/// </summary>
public static class FlowHash
{
    /// <summary>Bytes of the largest input: an IPv6 4-tuple.</summary>
    private const int MaxInput = 36;

    /// <summary>The hash of <paramref name="frame"/> (an Ethernet frame; any length, checked).</summary>
    [SkipLocalsInit]
    public static uint Of(Span<byte> frame) => Of(frame, ToeplitzKey.Microsoft);

    /// <summary>The hash of <paramref name="frame"/> under <paramref name="key"/> (at least 40 bytes: an IPv6 4-tuple).</summary>
    [SkipLocalsInit]
    public static uint Of(Span<byte> frame, ToeplitzKey key)
    {
        DropReason parsed = PacketParser.Parse(frame, out var layout);
        if (layout.EtherType is not (EtherType.Ipv4 or EtherType.Ipv6)) return 0;
        // A later fragment, a first fragment (its UDP length is the whole datagram's, not this
        // packet's), or another protocol: NICs hash those on the addresses alone.
        bool withPorts = parsed == DropReason.None;
        if (!withPorts && parsed is not (DropReason.UnsupportedL4 or DropReason.BadL4Length)) return 0;

        Span<byte> input = stackalloc byte[MaxInput];
        int addresses = layout.EtherType == EtherType.Ipv4 ? 8 : 32;
        int addressOffset = layout.L3Offset + (layout.EtherType == EtherType.Ipv4 ? 12 : 8);
        frame.Slice(addressOffset, addresses).CopyTo(input);
        int length = addresses;
        if (withPorts)
        {
            frame.Slice(layout.L4Offset, 4).CopyTo(input[addresses..]);
            length += 4;
        }
        return Toeplitz.Hash(input[..length], key);
    }
}
