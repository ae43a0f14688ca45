using System.Net;
using System.Runtime.InteropServices;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// An IP address and UDP port. IPv4 addresses are held in the low 32 bits of
/// <see cref="Address"/> (host order of the big-endian wire value), IPv6 in all 128.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct UdpEndpoint(UInt128 Address, ushort Port, bool IsIpv6)
{
    public static UdpEndpoint V4(uint address, ushort port) => new(address, port, false);
    public static UdpEndpoint V6(UInt128 address, ushort port) => new(address, port, true);

    /// <summary>For logs and tests (allocates).</summary>
    public IPEndPoint ToIPEndPoint()
    {
        Span<byte> b = stackalloc byte[16];
        if (IsIpv6)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(b, Address);
            return new IPEndPoint(new IPAddress(b), Port);
        }
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(b, (uint)Address);
        return new IPEndPoint(new IPAddress(b[..4]), Port);
    }

    public override string ToString() => ToIPEndPoint().ToString();
}

/// <summary>
/// Both ends of a datagram as the appliance saw them, enough to send to that peer later: its
/// L3/L4 source (<see cref="Remote"/>), the local address and port it reached
/// (<see cref="Local"/>), and on Ethernet ports the two MACs and the port id. A service keeps
/// a copy to originate answers to that peer.
/// </summary>
/// <remarks>
/// On the kernel backends the MACs are 0, <see cref="Interface"/> is 0 and <see cref="Local"/>
/// is the listening address (the socket does not report the destination of each datagram).
/// </remarks>
public readonly record struct DatagramPeer(UdpEndpoint Remote, UdpEndpoint Local, ulong RemoteMac, ulong LocalMac, ushort Interface);

/// <summary>Per-datagram metadata handed to <see cref="IDatagramApp.Process"/>.</summary>
public readonly record struct DatagramMeta(DatagramPeer Peer, ushort Queue);
