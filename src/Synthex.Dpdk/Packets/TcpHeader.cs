using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Synthex.Dpdk.Packets;

/// <summary>
/// A TCP header (RFC 9293), in place.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          Source Port          |       Destination Port        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                        Sequence Number                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Acknowledgment Number                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Data |       |C|E|U|A|P|R|S|F|                               |
/// | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Checksum            |         Urgent Pointer        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Options (Data Offset > 5)                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public readonly ref struct TcpHeader
{
    public const int MinLength = 20;
    private readonly Span<byte> _b;

    private TcpHeader(Span<byte> b) => _b = b;

    /// <summary>False when the segment is under 20 bytes or the data offset is under 5 or past the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(Span<byte> ipPayload, out TcpHeader header)
    {
        header = default;
        if (ipPayload.Length < MinLength) return false;
        int dataOffset = (ipPayload[12] >> 4) * 4;
        if (dataOffset < MinLength || dataOffset > ipPayload.Length) return false;
        header = new TcpHeader(ipPayload);
        return true;
    }

    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_b);
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_b[2..]);
    public uint SequenceNumber => BinaryPrimitives.ReadUInt32BigEndian(_b[4..]);
    public int HeaderLength => (_b[12] >> 4) * 4;
    public byte Flags => _b[13];
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_b[16..]);
    public Span<byte> Payload => _b[HeaderLength..];

    /// <summary>Swaps the ports; the checksum covers both, so it does not change.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SwapPorts() => L4Ports.Swap(_b);
}
