using System.Net;
using System.Net.Sockets;

namespace Synthex.Load.Transport;

/// <summary>
/// A sender thread's connected UDP socket: connect() makes the kernel filter answers to the
/// target's address and port, so each thread sees only its own, and lets sends carry no address.
/// </summary>
internal static class UdpEndpoint
{
    /// <summary>Socket buffers (bytes): deep enough that an open-loop burst is not dropped by
    /// our own socket; the kernel caps them at net.core.[rw]mem_max unless we are root.</summary>
    public const int BufferBytes = 4 << 20;

    public static Socket Connect(IPEndPoint target)
    {
        var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { Blocking = false };
        try
        {
            socket.ReceiveBufferSize = BufferBytes;
            socket.SendBufferSize = BufferBytes;
            socket.Connect(target);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static int Fd(Socket socket) => (int)socket.SafeHandle.DangerousGetHandle();
}
