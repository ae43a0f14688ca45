using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using static Synthex.Dpdk.Fallback.Interop.SocketConst;

namespace Synthex.Dpdk.Fallback;

/// <summary>
/// <c>sockaddr_in</c> / <c>sockaddr_in6</c> to and from <see cref="IPEndPoint"/> — for setup and
/// tests only; the data path passes the kernel's own sockaddr bytes back to it untouched.
/// </summary>
internal static unsafe class SockAddr
{
    /// <summary>Writes the sockaddr (at most 28 bytes) and returns its length.</summary>
    public static uint Write(IPEndPoint ep, byte* sa)
    {
        new Span<byte>(sa, 28).Clear();
        var s = new Span<byte>(sa, 28);
        if (ep.AddressFamily == AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(s, AF_INET);
            BinaryPrimitives.WriteUInt16BigEndian(s[2..], (ushort)ep.Port);
            ep.Address.TryWriteBytes(s.Slice(4, 4), out _);
            return 16;
        }
        BinaryPrimitives.WriteUInt16LittleEndian(s, AF_INET6);
        BinaryPrimitives.WriteUInt16BigEndian(s[2..], (ushort)ep.Port);
        ep.Address.TryWriteBytes(s.Slice(8, 16), out _);
        BinaryPrimitives.WriteUInt32LittleEndian(s[24..], (uint)ep.Address.ScopeId);
        return 28;
    }

    /// <summary>
    /// The endpoint in a sockaddr the kernel wrote (per datagram: no allocation); an IPv4-mapped
    /// IPv6 address (a dual-stack socket) is reported as the IPv4 address it maps.
    /// </summary>
    public static Apps.UdpEndpoint ReadEndpoint(byte* sa, uint len)
    {
        if (len >= 8 && *(ushort*)sa == AF_INET)
            return Apps.UdpEndpoint.V4(BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(sa + 4, 4)), BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(sa + 2, 2)));
        if (len >= 24 && *(ushort*)sa == AF_INET6)
        {
            UInt128 a = BinaryPrimitives.ReadUInt128BigEndian(new ReadOnlySpan<byte>(sa + 8, 16));
            ushort port = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(sa + 2, 2));
            return (a >> 32) == 0xFFFF ? Apps.UdpEndpoint.V4((uint)a, port) : Apps.UdpEndpoint.V6(a, port);
        }
        return default;
    }

    /// <summary>The endpoint of an <see cref="IPEndPoint"/> (setup, not per datagram).</summary>
    public static Apps.UdpEndpoint ToEndpoint(IPEndPoint ep)
    {
        Span<byte> b = stackalloc byte[16];
        if (ep.AddressFamily == AddressFamily.InterNetwork)
        {
            ep.Address.TryWriteBytes(b, out _);
            return Apps.UdpEndpoint.V4(BinaryPrimitives.ReadUInt32BigEndian(b), (ushort)ep.Port);
        }
        ep.Address.TryWriteBytes(b, out _);
        return Apps.UdpEndpoint.V6(BinaryPrimitives.ReadUInt128BigEndian(b), (ushort)ep.Port);
    }

    /// <summary>Reads a sockaddr of <paramref name="len"/> bytes; null for other families.</summary>
    public static IPEndPoint? Read(byte* sa, uint len)
    {
        var s = new ReadOnlySpan<byte>(sa, (int)Math.Min(len, 28u));
        if (s.Length < 2) return null;
        int family = BinaryPrimitives.ReadUInt16LittleEndian(s);
        if (family == AF_INET && s.Length >= 8)
            return new IPEndPoint(new IPAddress(s.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(s[2..]));
        if (family == AF_INET6 && s.Length >= 24)
            return new IPEndPoint(new IPAddress(s.Slice(8, 16)), BinaryPrimitives.ReadUInt16BigEndian(s[2..]));
        return null;
    }
}
