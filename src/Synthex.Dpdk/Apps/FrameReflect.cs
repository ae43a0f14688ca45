using System.Runtime.CompilerServices;
using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// <c>frame-reflect</c>: answers every IPv4/IPv6 UDP or TCP frame to its sender, out of the port
/// it came in on, rewritten in place, whatever its addresses and ports — a frame-level mirror
/// for captures and test devices, not an endpoint (no ARP, no ping; see <see cref="Reflect"/>
/// behind the endpoint stage for that).
/// </summary>
/// <remarks>
/// Swap MACs, IP addresses and L4 ports, and reset the TTL / hop limit to <see cref="ReplyTtl"/>
/// as a fresh packet would have. The IPv4 header checksum is updated for the TTL change
/// incrementally (RFC 1624). The swaps themselves need no checksum update: the header checksum
/// and the L4 pseudo-header checksum are one's complement sums of 16-bit words, and a sum does
/// not change when two of its terms trade places, so the received UDP/TCP checksum stays valid as
/// is (the unit tests check the result against a full RFC 1071 computation).
/// </remarks>
public struct FrameReflect : IFrameApp
{
    /// <summary>TTL / hop limit of replies (Linux's default).</summary>
    public const byte ReplyTtl = 64;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Fate Process(Span<byte> frame, in FrameMeta meta)
    {
        DropReason reason = PacketParser.Parse(frame, out var layout);
        if (reason != DropReason.None) return Fate.Drop(reason);

        EthernetHeader.SwapMacs(frame);
        Span<byte> l3 = frame[layout.L3Offset..];
        if (layout.EtherType == EtherType.Ipv4)
        {
            Ipv4Header.TryRead(l3, out var ip); // cannot fail: Parse checked it
            ip.SwapAddresses();
            ip.SetTtl(ReplyTtl);
        }
        else
        {
            Ipv6Header.TryRead(l3, out var ip6);
            ip6.SwapAddresses();
            ip6.HopLimit = ReplyTtl;
        }
        L4Ports.Swap(frame[layout.L4Offset..]);
        return Fate.Reply;
    }
}

/// <summary>The <c>frame-reflect</c> app's registration: L2 frames on DPDK (and the in-memory port).</summary>
public sealed class FrameReflectApp : AppDescriptor
{
    public override string Name => "frame-reflect";
    public override string Summary => "mirror every UDP/TCP frame to its sender (MACs, IPs, ports swapped; checksums kept valid), whatever its addresses";
    public override BackendLayers Layers => BackendLayers.Frames;

    public override TResult CreateFrameApp<TResult>(FrameAppContext context, IFrameAppConsumer<TResult> consumer)
        => consumer.Accept(new FrameReflect());
}
