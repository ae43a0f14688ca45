using System.Net;
using System.Net.Sockets;

namespace Synthex.Dpdk.Tests.Support;

/// <summary>
/// A connected UDP client for loopback tests, with a receive timeout so a lost reply fails the
/// test instead of hanging it. One client for the unit tests (an OsServer in the test process)
/// and the integration tests (synthex as a child process), which link this file.
/// </summary>
internal sealed class UdpTestClient : IDisposable
{
    private readonly IPEndPoint _server;

    public Socket Socket { get; }

    /// <param name="timeoutMs">Generous by default: integration tests share a loaded machine.</param>
    public UdpTestClient(IPEndPoint server, int timeoutMs = 3000)
    {
        _server = server;
        Socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp)
        {
            ReceiveTimeout = timeoutMs,
            ReceiveBufferSize = 4 << 20,
        };
        Socket.Connect(server);
    }

    public void Send(ReadOnlySpan<byte> data) => Socket.Send(data);

    /// <summary>Receives one datagram; fails the test when none comes within the timeout.</summary>
    public byte[] Receive(int max = 65536)
        => TryReceive(max) ?? throw new Xunit.Sdk.XunitException($"no reply from {_server} within {Socket.ReceiveTimeout} ms");

    /// <summary>Receives one datagram; null on timeout (for tests that expect none).</summary>
    public byte[]? TryReceive(int max = 65536)
    {
        var buf = new byte[max];
        try
        {
            int n = Socket.Receive(buf);
            return buf[..n];
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            return null;
        }
    }

    /// <summary>Receives until <paramref name="quietMs"/> pass with nothing; returns how many came.</summary>
    public int Drain(int quietMs = 300)
    {
        Socket.ReceiveTimeout = quietMs;
        var buf = new byte[65536];
        int n = 0;
        try
        {
            while (true) { Socket.Receive(buf); n++; }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            return n;
        }
    }

    public void Dispose() => Socket.Dispose();
}
