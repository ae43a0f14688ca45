using System.Buffers.Binary;
using Synthex.Dpdk.Kernels;

namespace Synthex.Dpdk.Packets;

/// <summary>ICMP (RFC 792) and ICMPv6 (RFC 4443) message types this appliance looks at.</summary>
public static class IcmpType
{
    public const byte EchoReply = 0, EchoRequest = 8;
    public const byte V6EchoRequest = 128, V6EchoReply = 129;
    public const byte NeighborSolicitation = 135, NeighborAdvertisement = 136;
}

/// <summary>
/// An ICMP (RFC 792) or ICMPv6 (RFC 4443) header, in place; for echo request and reply the rest
/// of the header is an identifier and a sequence number, and the data follows.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type      |     Code      |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Identifier          |        Sequence Number        |  (echo)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Data ...
/// +-+-+-+-+-
/// </code>
/// The ICMP checksum covers the message; the ICMPv6 one also covers the IPv6 pseudo-header.
/// </summary>
public readonly ref struct IcmpHeader
{
    public const int Length = 8;
    public const byte EchoReply = IcmpType.EchoReply, EchoRequest = IcmpType.EchoRequest;
    private readonly Span<byte> _b;

    private IcmpHeader(Span<byte> b) => _b = b;

    public static bool TryRead(Span<byte> ipPayload, out IcmpHeader header)
    {
        header = ipPayload.Length >= Length ? new IcmpHeader(ipPayload) : default;
        return ipPayload.Length >= Length;
    }

    public byte Type => _b[0];
    public byte Code => _b[1];
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_b[2..]);

    /// <summary>
    /// Turns an echo request into its reply in place: only the type changes (to
    /// <paramref name="replyType"/>), so the checksum is updated incrementally (RFC 1624). The
    /// ICMPv6 pseudo-header sum is unchanged by the caller's address swap: addition commutes.
    /// </summary>
    public void MakeEchoReply(byte replyType)
    {
        ushort oldWord = BinaryPrimitives.ReadUInt16BigEndian(_b);
        _b[0] = replyType;
        ushort newWord = BinaryPrimitives.ReadUInt16BigEndian(_b);
        BinaryPrimitives.WriteUInt16BigEndian(_b[2..], InternetChecksum.Update(Checksum, oldWord, newWord));
    }
}
