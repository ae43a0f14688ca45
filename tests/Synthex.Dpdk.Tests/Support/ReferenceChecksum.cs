using System.Buffers.Binary;

namespace Synthex.Dpdk.Tests.Support;

/// <summary>
/// The Internet checksum computed the plain way, word by word in network order (RFC 1071), as
/// an independent reference for the tests: it shares no code with the SIMD kernels
/// (Synthex.Dpdk.Kernels.InternetChecksum) that the appliance uses.
/// </summary>
public static class ReferenceChecksum
{
    /// <summary>One's complement sum of <paramref name="data"/> as big-endian words (odd tail padded with zero), not folded.</summary>
    public static uint Sum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        ulong sum = initial;
        int i = 0;
        for (; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (i < data.Length) sum += (uint)data[i] << 8;
        while (sum >> 32 != 0) sum = (sum & 0xFFFFFFFF) + (sum >> 32);
        return (uint)sum;
    }

    /// <summary>Folds a sum to 16 bits and complements it (RFC 1071).</summary>
    public static ushort Finish(uint sum)
    {
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>The IPv4 header checksum over <paramref name="header"/> with its checksum field counted as zero.</summary>
    public static ushort Ipv4Header(ReadOnlySpan<byte> header)
        => Finish(Sum(header) - BinaryPrimitives.ReadUInt16BigEndian(header[10..])); // no fold happened: a 60-byte header sums far below 2^32

    /// <summary>
    /// The UDP/TCP checksum over IPv4: pseudo-header (addresses, protocol, L4 length) plus the
    /// segment, whose checksum field at <paramref name="checksumOffset"/> counts as zero.
    /// </summary>
    public static ushort L4OverIpv4(ReadOnlySpan<byte> ipHeader, ReadOnlySpan<byte> segment, int checksumOffset)
    {
        uint sum = Sum(ipHeader.Slice(12, 8)) + ipHeader[9] + (uint)segment.Length;
        sum = Sum(segment, sum) - BinaryPrimitives.ReadUInt16BigEndian(segment[checksumOffset..]);
        return Finish(Fold(sum));
    }

    /// <summary>The UDP/TCP checksum over IPv6 (RFC 8200 §8.1 pseudo-header).</summary>
    public static ushort L4OverIpv6(ReadOnlySpan<byte> ipv6Header, ReadOnlySpan<byte> segment, byte protocol, int checksumOffset)
    {
        uint sum = Sum(ipv6Header.Slice(8, 32)) + protocol + (uint)segment.Length;
        sum = Sum(segment, sum) - BinaryPrimitives.ReadUInt16BigEndian(segment[checksumOffset..]);
        return Finish(Fold(sum));
    }

    /// <summary>True when a received header or segment sums to 0xFFFF (checksum field included), i.e. is valid.</summary>
    public static bool IsValidIpv4Header(ReadOnlySpan<byte> header) => Finish(Sum(header)) == 0;

    private static uint Fold(uint sum) => (sum & 0xFFFF) + (sum >> 16);
}
