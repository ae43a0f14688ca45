using System.Net;
using System.Net.Sockets;

namespace Synthex.Dpdk.IntegrationTests.Consensus;

/// <summary>
/// A UDP relay between one client and the server that loses a fraction of the datagrams each way
/// (seeded, so a failure can be replayed): the client talks to <see cref="EndPoint"/>, the server
/// sees the relay's own address as that client. One relay per expert keeps experts apart.
/// The relay listens on every address of the server's family (so it can reach a server that is
/// not on loopback, e.g. synthex over a tap); clients talk to it on loopback.
/// </summary>
internal sealed class LossyRelay : IDisposable
{
    private readonly Socket _socket;
    private readonly IPEndPoint _server;
    private readonly double _loss;
    private readonly Random _random;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private IPEndPoint? _client;

    public LossyRelay(IPEndPoint server, double loss, int seed)
    {
        _server = server;
        _loss = loss;
        _random = new Random(seed);
        bool v6 = server.AddressFamily == AddressFamily.InterNetworkV6;
        _socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
        EndPoint = new IPEndPoint(v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, ((IPEndPoint)_socket.LocalEndPoint!).Port);
        _loop = Task.Run(Loop);
    }

    public IPEndPoint EndPoint { get; }
    public long Dropped;
    public long Forwarded;

    private async Task Loop()
    {
        byte[] buffer = new byte[65536];
        EndPoint any = new IPEndPoint(_server.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try { r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; }
            var from = (IPEndPoint)r.RemoteEndPoint;
            IPEndPoint? to = from.Equals(_server) ? _client : (_client = from) is { } ? _server : null;
            if (to is null) continue;
            if (_random.NextDouble() < _loss) { Interlocked.Increment(ref Dropped); continue; }
            Interlocked.Increment(ref Forwarded);
            await _socket.SendToAsync(buffer.AsMemory(0, r.ReceivedBytes), SocketFlags.None, to);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        try { _loop.Wait(2000); } catch (AggregateException) { }
    }
}
