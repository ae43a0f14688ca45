using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Synthex.Load.Tests.Support;

/// <summary>
/// An in-process UDP server on loopback with a chosen behaviour, for what no real service does on
/// purpose: a sink that never answers, an echo that stalls once for a known time, an echo that
/// corrupts some answers. Echoes answer as sockperf server does (client flag cleared).
/// Bound to an ephemeral port before it is used, so parallel tests never collide.
/// </summary>
internal sealed class TestPeer : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _thread;
    private readonly Func<TestPeer, byte[], int, int> _behaviour;
    private volatile bool _stop;
    private long _received;

    /// <param name="behaviour">Given the datagram (in a buffer) and its length, returns the answer's
    /// length (the buffer is sent back), or -1 for no answer.</param>
    private TestPeer(Func<TestPeer, byte[], int, int> behaviour)
    {
        _behaviour = behaviour;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 8 << 20 };
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.ReceiveTimeout = 100;
        _thread = new Thread(Loop) { IsBackground = true, Name = "test-peer" };
        _thread.Start();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;
    public long Received => Interlocked.Read(ref _received);
    public Stopwatch SinceFirst { get; } = new();

    /// <summary>Receives and counts; never answers.</summary>
    public static TestPeer Sink() => new((_, _, _) => -1);

    /// <summary>Answers like sockperf server; once, <paramref name="after"/> into the traffic, stops
    /// for <paramref name="stall"/> before answering (a GC pause, a full queue, a slow disk).</summary>
    public static TestPeer StallingEcho(TimeSpan after, TimeSpan stall)
    {
        bool stalled = false;
        return new((peer, buffer, length) =>
        {
            if (!stalled && peer.SinceFirst.Elapsed >= after)
            {
                stalled = true;
                Thread.Sleep(stall);
            }
            return Echo(buffer, length);
        });
    }

    /// <summary>Answers like sockperf server, but flips a payload byte of every
    /// <paramref name="every"/>-th answer: a wrong server.</summary>
    public static TestPeer PerturbingEcho(int every)
    {
        long n = 0;
        return new((_, buffer, length) =>
        {
            int answer = Echo(buffer, length);
            if (++n % every == 0 && length > 14) buffer[length - 1] ^= 0x5A;
            return answer;
        });
    }

    private static int Echo(byte[] buffer, int length)
    {
        if (length >= 14) buffer[9] &= 0xFE; // sockperf flags (big-endian, low byte): clear "client"
        return length;
    }

    private void Loop()
    {
        var buffer = new byte[65536];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop)
        {
            int length;
            try { length = _socket.ReceiveFrom(buffer, ref from); }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock) { continue; }
            catch (ObjectDisposedException) { return; }
            if (Interlocked.Increment(ref _received) == 1) SinceFirst.Start();
            int answer = _behaviour(this, buffer, length);
            if (answer >= 0) _socket.SendTo(buffer.AsSpan(0, answer), from);
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join(2000);
        _socket.Dispose();
    }
}
