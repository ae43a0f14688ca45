using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// <c>reflect</c>: answers every IPv4/IPv6 UDP or TCP packet to its sender, out of the port it
/// came in on, rewritten in place; over the OS backends, answers every UDP datagram.
/// </summary>
/// <remarks>
/// <para>Frames: swap MACs, IP addresses and L4 ports, and reset the TTL / hop limit to
/// <see cref="ReplyTtl"/> as a fresh packet would have. The IPv4 header checksum is updated for
/// the TTL change incrementally (RFC 1624). The swaps themselves need no checksum update: the
/// header checksum and the L4 pseudo-header checksum are one's complement sums of 16-bit words,
/// and a sum does not change when two of its terms trade places, so the received UDP/TCP
/// checksum stays valid as is (an incremental update of each swapped word pair would cancel out
/// exactly; the unit tests check the result against a full RFC 1071 computation).</para>
/// <para>Datagrams: the payload goes back as is, except a sockperf message (a 14-byte big-endian
/// header: 64-bit sequence number, 16-bit flags, 32-bit total length), whose client flag is
/// cleared so sockperf takes it as the server's answer.</para>
/// </remarks>
public struct Reflect : IFrameApp, IDatagramApp
{
    /// <summary>TTL / hop limit of replies (Linux's default).</summary>
    public const byte ReplyTtl = 64;

    /// <summary>sockperf header: sequence (8) + flags (2) + length (4).</summary>
    public const int SockperfHeaderLength = 14;

    /// <summary>sockperf's "sent by the client" flag (MESSAGE_CLIENT).</summary>
    public const ushort SockperfClientFlag = 1;

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Fate Process(Span<byte> payload, ref int length)
    {
        if (length >= SockperfHeaderLength && (uint)length <= (uint)payload.Length
            && BinaryPrimitives.ReadUInt32BigEndian(payload[10..]) == (uint)length)
        {
            ushort flags = BinaryPrimitives.ReadUInt16BigEndian(payload[8..]);
            BinaryPrimitives.WriteUInt16BigEndian(payload[8..], (ushort)(flags & ~SockperfClientFlag));
        }
        return Fate.Reply;
    }
}

/// <summary>The <c>reflect</c> app's registration: frames on DPDK, datagrams on the OS backends.</summary>
public sealed class ReflectApp : AppDescriptor
{
    public override string Name => "reflect";
    public override string Summary => "answer every UDP/TCP packet to its sender (MACs, IPs, ports swapped; checksums kept valid)";
    public override BackendLayers Layers => BackendLayers.Frames | BackendLayers.Datagrams;

    public override TResult CreateFrameApp<TResult>(FrameAppContext context, IFrameAppConsumer<TResult> consumer)
        => consumer.Accept(new Reflect());

    public override TResult CreateDatagramApp<TResult>(AppOptions options, IDatagramAppConsumer<TResult> consumer)
        => consumer.Accept(new Reflect());
}
