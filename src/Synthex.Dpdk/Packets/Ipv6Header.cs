using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Synthex.Dpdk.Packets;

/// <summary>IP protocol numbers (IANA) this appliance looks at.</summary>
public static class IpProtocol
{
    public const byte HopByHop = 0;
    public const byte Icmp = 1;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte Routing = 43;
    public const byte Fragment = 44;
    public const byte Esp = 50;
    public const byte Ah = 51;
    public const byte Icmpv6 = 58;
    public const byte NoNext = 59;
    public const byte DestinationOptions = 60;
}

/// <summary>
/// An IPv6 header (RFC 8200) and the walk over its extension headers to the upper layer.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version| Traffic Class |           Flow Label                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Payload Length        |  Next Header  |   Hop Limit   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  Source Address (16 bytes)                    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |               Destination Address (16 bytes)                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | extension headers: Next Header | Hdr Ext Len (8-byte units - 1) | ...
/// </code>
/// </summary>
public readonly ref struct Ipv6Header
{
    public const int Length = 40;

    /// <summary>The most extension headers we walk before calling the packet malformed.</summary>
    public const int MaxExtensionHeaders = 8;

    private readonly Span<byte> _b;

    private Ipv6Header(Span<byte> b) => _b = b;

    /// <summary>False when truncated, not version 6, or payload length runs past the bytes present.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(Span<byte> bytes, out Ipv6Header header)
    {
        header = default;
        if (bytes.Length < Length || (bytes[0] >> 4) != 6) return false;
        int total = Length + BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]);
        if (total > bytes.Length) return false;
        header = new Ipv6Header(bytes[..total]);
        return true;
    }

    public int PayloadLength => _b.Length - Length;
    public byte NextHeader => _b[6];
    public byte HopLimit { get => _b[7]; set => _b[7] = value; }
    public Span<byte> Source => _b.Slice(8, 16);
    public UInt128 SourceAddress => BinaryPrimitives.ReadUInt128BigEndian(_b[8..]);
    public UInt128 DestinationAddress => BinaryPrimitives.ReadUInt128BigEndian(_b[24..]);
    public Span<byte> Destination => _b.Slice(24, 16);

    /// <summary>Swaps source and destination (the L4 pseudo-header sum is unchanged: addition commutes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SwapAddresses()
    {
        ref byte p = ref _b[8];
        var a = Unsafe.ReadUnaligned<System.Runtime.Intrinsics.Vector128<byte>>(ref p);
        var b = Unsafe.ReadUnaligned<System.Runtime.Intrinsics.Vector128<byte>>(ref Unsafe.Add(ref p, 16));
        Unsafe.WriteUnaligned(ref p, b);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref p, 16), a);
    }

    /// <summary>
    /// Walks hop-by-hop, routing, destination-options and fragment headers to the upper-layer
    /// header. Returns false when the chain runs off the end or is longer than
    /// <see cref="MaxExtensionHeaders"/>; <paramref name="protocol"/> is then meaningless.
    /// A non-first fragment yields <see cref="IpProtocol.Fragment"/> (no L4 header here).
    /// </summary>
    public bool TryFindUpperLayer(out byte protocol, out int offset) => TryFindUpperLayer(out protocol, out offset, out _);

    /// <summary>
    /// As <see cref="TryFindUpperLayer(out byte, out int)"/>, and says whether a fragment header
    /// was on the way (a first fragment too, whose L4 header is here but whose payload is not whole).
    /// </summary>
    public bool TryFindUpperLayer(out byte protocol, out int offset, out bool fragment)
    {
        fragment = false;
        protocol = NextHeader;
        offset = Length;
        for (int i = 0; i <= MaxExtensionHeaders; i++)
        {
            switch (protocol)
            {
                case IpProtocol.HopByHop or IpProtocol.Routing or IpProtocol.DestinationOptions:
                    if (offset + 8 > _b.Length) return false;
                    protocol = _b[offset];
                    offset += (_b[offset + 1] + 1) * 8;
                    if (offset > _b.Length) return false;
                    break;
                case IpProtocol.Fragment:
                    fragment = true;
                    if (offset + 8 > _b.Length) return false;
                    if ((BinaryPrimitives.ReadUInt16BigEndian(_b[(offset + 2)..]) & 0xFFF8) != 0)
                        return true; // later fragment: report Fragment as the protocol
                    protocol = _b[offset];
                    offset += 8;
                    break;
                default:
                    return true;
            }
        }
        return false;
    }

    /// <summary>Bytes from <paramref name="offset"/> (from <see cref="TryFindUpperLayer"/>) to the end of the payload.</summary>
    public Span<byte> From(int offset) => _b[offset..];
}
