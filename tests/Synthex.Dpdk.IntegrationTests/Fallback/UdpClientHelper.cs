using System.Net;
using System.Net.Sockets;

namespace Synthex.Dpdk.IntegrationTests.Fallback;

/// <summary>A connected UDP client with a receive timeout, so a lost reply fails rather than hangs.</summary>
internal sealed class UdpClientHelper : IDisposable
{
    private readonly Socket _socket;

    public UdpClientHelper(IPEndPoint server, int timeoutMs = 3000)
    {
        _socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = timeoutMs };
        _socket.Connect(server);
    }

    public void Send(ReadOnlySpan<byte> data) => _socket.Send(data);

    public byte[] Receive()
    {
        var buf = new byte[65536];
        int n = _socket.Receive(buf);
        return buf[..n];
    }

    public void Dispose() => _socket.Dispose();
}
