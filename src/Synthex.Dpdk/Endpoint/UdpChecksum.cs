using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Kernels;

namespace Synthex.Dpdk.Endpoint;

/// <summary>
/// UDP checksums of replies and originated datagrams, by the SIMD kernels: over the IPv4
/// pseudo-header through <see cref="InternetChecksum.Ipv4UdpTcp"/>; over the IPv6 one here,
/// because the kernels' IPv6 form takes the L4 length and protocol from the fixed header and
/// a reply keeps the request's extension headers.
/// </summary>
internal static class UdpChecksum
{
    /// <summary>Writes the checksum of the UDP datagram <paramref name="udp"/> (its checksum field zeroed here) under an IPv4 header.</summary>
    public static void WriteV4(ReadOnlySpan<byte> ipv4Header, Span<byte> udp)
    {
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], 0);
        ushort c = InternetChecksum.Ipv4UdpTcp(ipv4Header, udp);
        MemoryMarshal.Write(udp[6..], in c); // stored as summed (host-order words), like DPDK
    }

    /// <summary>
    /// Writes the checksum of <paramref name="l4"/> (UDP, or ICMPv6 with <paramref name="protocol"/> 58)
    /// between <paramref name="source"/> and <paramref name="destination"/> (16 bytes each, as on the wire).
    /// A UDP result of 0 is sent as 0xFFFF (RFC 8200 §8.1: zero is not allowed over IPv6).
    /// </summary>
    public static void WriteV6(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, Span<byte> l4, byte protocol, int checksumOffset)
    {
        BinaryPrimitives.WriteUInt16BigEndian(l4[checksumOffset..], 0);
        ulong sum = InternetChecksum.Accumulate(source[..16]);
        sum = InternetChecksum.Accumulate(destination[..16], sum);
        // Upper-layer length and next header as 32-bit big-endian words, summed as they lie.
        sum += BinaryPrimitives.ReverseEndianness((ushort)l4.Length) + ((ulong)BinaryPrimitives.ReverseEndianness((ushort)(l4.Length >> 16)))
             + ((ulong)protocol << 8);
        sum = InternetChecksum.Accumulate(l4, sum);
        ushort c = (ushort)~InternetChecksum.Fold(sum);
        if (c == 0 && protocol == Packets.IpProtocol.Udp) c = 0xFFFF;
        MemoryMarshal.Write(l4[checksumOffset..], in c);
    }
}

/// <summary>The IPv4 header checksum written in full (a reply's lengths changed, or a fresh header).</summary>
internal static class Ipv4Headers
{
    public static void WriteChecksum(Span<byte> header)
    {
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], 0);
        ushort c = InternetChecksum.Ipv4Header(header);
        MemoryMarshal.Write(header[10..], in c);
    }
}
