using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Synthex.Dpdk.Packets;

/// <summary>
/// An ARP packet for IPv4 over Ethernet (RFC 826), in place: the only kind the endpoint
/// answers (hardware type 1, protocol 0x0800, lengths 6 and 4).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Hardware Type (1: Ethernet) |   Protocol Type (0x0800)      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | HW Len (6)    | Proto Len (4) |  Operation (1 request, 2 reply)|
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 Sender Hardware Address (6 bytes)             |
/// +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                               |  Sender Protocol Address      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  (SPA cont.)                  |  Target Hardware Address      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
/// |                          (THA cont., 6 bytes)                 |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 Target Protocol Address                       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public readonly ref struct ArpPacket
{
    public const int Length = 28;
    public const ushort Request = 1, Reply = 2;
    private readonly Span<byte> _b;

    private ArpPacket(Span<byte> b) => _b = b;

    /// <summary>False when shorter than 28 bytes or not Ethernet/IPv4 with lengths 6/4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(Span<byte> bytes, out ArpPacket arp)
    {
        arp = default;
        if (bytes.Length < Length) return false;
        if (BinaryPrimitives.ReadUInt32BigEndian(bytes) != 0x0001_0800 || bytes[4] != 6 || bytes[5] != 4) return false;
        arp = new ArpPacket(bytes[..Length]);
        return true;
    }

    public ushort Operation => BinaryPrimitives.ReadUInt16BigEndian(_b[6..]);
    public MacAddress SenderMac => MacAddress.Read(_b[8..]);
    public uint SenderIp => BinaryPrimitives.ReadUInt32BigEndian(_b[14..]);
    public MacAddress TargetMac => MacAddress.Read(_b[18..]);
    public uint TargetIp => BinaryPrimitives.ReadUInt32BigEndian(_b[24..]);

    /// <summary>
    /// Turns a request for <see cref="TargetIp"/> into its reply in place: the sender becomes the
    /// target, and <paramref name="mac"/> answers for the address that was asked about.
    /// </summary>
    public void MakeReply(MacAddress mac)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_b[6..], Reply);
        // Target := old sender (MAC + IP: 10 bytes), sender := our MAC + the asked IP.
        uint askedIp = TargetIp;
        _b.Slice(8, 10).CopyTo(_b.Slice(18, 10));
        mac.Write(_b[8..]);
        BinaryPrimitives.WriteUInt32BigEndian(_b[14..], askedIp);
    }
}
