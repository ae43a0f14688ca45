using System.Buffers.Binary;

namespace Synthex.Dpdk.Packets;

/// <summary>
/// IPv6 neighbour discovery (RFC 4861): a neighbour solicitation, read in place, and the
/// neighbour advertisement written in its place. Both are ICMPv6 messages sent with hop limit
/// 255 (a receiver drops any other: it proves the sender is on the link).
/// <code>
///  Neighbour solicitation (type 135) / advertisement (type 136):
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type      |     Code (0)  |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |R|S|O|                     Reserved (NS: all reserved)         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                   Target Address (16 bytes)                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Options: Type | Length (8-byte units) | value ...            |
/// |  (1: source link-layer address, 2: target link-layer address) |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public static class NeighborDiscovery
{
    /// <summary>A solicitation or advertisement without options.</summary>
    public const int MessageLength = 24;

    /// <summary>The advertisement we send: the message and a target link-layer address option.</summary>
    public const int AdvertisementLength = MessageLength + 8;

    public const byte RequiredHopLimit = 255;
    private const byte OptionTargetLinkLayer = 2;
    private const uint FlagSolicited = 0x4000_0000, FlagOverride = 0x2000_0000;

    /// <summary>
    /// The target of a neighbour solicitation in <paramref name="icmp"/> (the ICMPv6 message);
    /// false when it is not a well-formed solicitation (type, code 0, long enough, options whole).
    /// </summary>
    public static bool TryReadSolicitation(ReadOnlySpan<byte> icmp, out UInt128 target)
    {
        target = default;
        if (icmp.Length < MessageLength || icmp[0] != IcmpType.NeighborSolicitation || icmp[1] != 0) return false;
        // Every option must have a non-zero length and end inside the message (RFC 4861 §7.1.1).
        for (int at = MessageLength; at < icmp.Length;)
        {
            if (at + 2 > icmp.Length || icmp[at + 1] == 0) return false;
            at += icmp[at + 1] * 8;
            if (at > icmp.Length) return false;
        }
        target = BinaryPrimitives.ReadUInt128BigEndian(icmp[8..]);
        return true;
    }

    /// <summary>
    /// Writes a neighbour advertisement for <paramref name="target"/> at <paramref name="icmp"/>
    /// (<see cref="AdvertisementLength"/> bytes): solicited unless answering a duplicate address
    /// probe, override set, our MAC in a target link-layer address option. The checksum field is
    /// left zero for the caller, which knows the pseudo-header.
    /// </summary>
    public static void WriteAdvertisement(Span<byte> icmp, UInt128 target, MacAddress mac, bool solicited)
    {
        icmp = icmp[..AdvertisementLength];
        icmp[0] = IcmpType.NeighborAdvertisement;
        icmp[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(icmp[4..], (solicited ? FlagSolicited : 0) | FlagOverride);
        BinaryPrimitives.WriteUInt128BigEndian(icmp[8..], target);
        icmp[24] = OptionTargetLinkLayer;
        icmp[25] = 1;
        mac.Write(icmp[26..]);
    }

    /// <summary>The solicited-node multicast address of <paramref name="address"/>: ff02::1:ffXX:XXXX (RFC 4291 §2.7.1).</summary>
    public static UInt128 SolicitedNode(UInt128 address)
        => (new UInt128(0xff02_0000_0000_0000, 0x0000_0001_ff00_0000)) | (address & 0xFF_FFFF);

    /// <summary>The Ethernet multicast MAC of an IPv6 multicast address: 33:33 and its low 32 bits (RFC 2464 §7).</summary>
    public static MacAddress MulticastMac(UInt128 address) => new(0x3333_0000_0000UL | (uint)address);
}
