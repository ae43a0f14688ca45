using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Synthex.Dpdk.Packets;

/// <summary>
/// A UDP header (RFC 768), in place.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          Source Port          |       Destination Port        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |            Length             |           Checksum            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// A zero checksum over IPv4 means "none computed" and stays zero.
/// </summary>
public readonly ref struct UdpHeader
{
    public const int Length = 8;
    private readonly Span<byte> _b;

    private UdpHeader(Span<byte> b) => _b = b;

    /// <summary>
    /// Reads the header at the start of the IP payload. False when the payload is under 8 bytes
    /// or the length field is under 8 or larger than the IP layer says.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(Span<byte> ipPayload, out UdpHeader header)
    {
        header = default;
        if (ipPayload.Length < Length) return false;
        int len = BinaryPrimitives.ReadUInt16BigEndian(ipPayload[4..]);
        if (len < Length || len > ipPayload.Length) return false;
        header = new UdpHeader(ipPayload[..len]);
        return true;
    }

    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_b);
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_b[2..]);
    public int DatagramLength => _b.Length;
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_b[6..]);
    public Span<byte> Payload => _b[Length..];

    /// <summary>Swaps the ports; the checksum covers both, so it does not change.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SwapPorts() => L4Ports.Swap(_b);
}

/// <summary>Port swap shared by UDP and TCP: both start with source and destination port.</summary>
internal static class L4Ports
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Swap(Span<byte> header)
    {
        ref byte p = ref header[0];
        uint both = Unsafe.ReadUnaligned<uint>(ref p);
        Unsafe.WriteUnaligned(ref p, (both >> 16) | (both << 16));
    }
}
