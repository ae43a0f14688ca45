using System.Net;
using System.Net.Sockets;

namespace Synthex.Load.Tests.Support;

/// <summary>
/// A deliberately wrong server for the service scenarios: a UDP relay on loopback in front of the
/// real service that passes requests on and hands every answer to <c>tamper</c> (which may
/// change its bytes) before it goes back to the client — so the answers are the real service's,
/// except where the test makes them wrong. One client (the last source seen) at a time.
/// </summary>
internal sealed class TamperingRelay : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 100 };
    private readonly IPEndPoint _server;
    private readonly Action<byte[], int> _tamper;
    private readonly Thread _thread;
    private volatile bool _stop;

    public TamperingRelay(IPEndPoint server, Action<byte[], int> tamper)
    {
        _server = server;
        _tamper = tamper;
        _socket.ReceiveBufferSize = 8 << 20;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _thread = new Thread(Loop) { IsBackground = true, Name = "tampering-relay" };
        _thread.Start();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;
    public string Address => $"127.0.0.1:{EndPoint.Port}";

    private void Loop()
    {
        var buffer = new byte[65536];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        IPEndPoint? client = null;
        while (!_stop)
        {
            int length;
            try { length = _socket.ReceiveFrom(buffer, ref from); }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.ConnectionReset) { continue; }
            catch (ObjectDisposedException) { return; }
            var source = (IPEndPoint)from;
            if (source.Equals(_server))
            {
                if (client is null) continue;
                _tamper(buffer, length);
                _socket.SendTo(buffer.AsSpan(0, length), client);
            }
            else
            {
                client = source;
                _socket.SendTo(buffer.AsSpan(0, length), _server);
            }
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join(2000);
        _socket.Dispose();
    }
}
