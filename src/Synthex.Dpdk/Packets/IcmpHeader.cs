using System.Buffers.Binary;

namespace Synthex.Dpdk.Packets;

/// <summary>
/// An ICMP (RFC 792) or ICMPv6 (RFC 4443) header, in place.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type      |     Code      |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Rest of header (echo: identifier, sequence)         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public readonly ref struct IcmpHeader
{
    public const int Length = 8;
    public const byte EchoReply = 0, EchoRequest = 8;
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
}
