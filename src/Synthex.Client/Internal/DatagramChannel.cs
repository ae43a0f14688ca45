using System.Net;
using System.Net.Sockets;
using Synthex.Protocol;

namespace Synthex.Client.Internal;

/// <summary>
/// What every Synthex client shares: one UDP socket connected to the server (IPv4 or IPv6, the
/// server's family), a receive loop that decodes each answer and hands it to the client, the
/// server's epoch as last seen, and the send/retransmission/unmatched counters.
/// </summary>
internal sealed class DatagramChannel : IAsyncDisposable
{
    /// <summary>Called on the receive loop for every well-formed answer; false: it matched nothing outstanding (counted).</summary>
    public delegate bool AnswerHandler(Message answer);

    private readonly Socket _socket;
    private readonly CancellationTokenSource _closing = new();
    private readonly AnswerHandler _onAnswer;
    private Task _receiver = Task.CompletedTask;
    private uint _epoch;
    private long _sent, _retransmissions, _unmatched, _forged;
    private readonly byte[]? _key;

    /// <param name="key">The job's MAC key: requests are signed and answers verified (docs/PROTOCOL.md); null: neither.</param>
    public DatagramChannel(IPEndPoint server, AnswerHandler onAnswer, byte[]? key = null)
    {
        Server = server;
        _key = key;
        _onAnswer = onAnswer;
        _socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Connect(server);
    }

    /// <summary>Starts the receive loop (once the owner's state the handler reads exists).</summary>
    public void Start() => _receiver = Task.Run(ReceiveLoop);

    public IPEndPoint Server { get; }

    /// <summary>The server's epoch as last seen (0 before its first answer).</summary>
    public uint Epoch
    {
        get => Volatile.Read(ref _epoch);
        set => Volatile.Write(ref _epoch, value);
    }

    public long Sent => Interlocked.Read(ref _sent);
    public long Retransmissions => Interlocked.Read(ref _retransmissions);
    public long Unmatched => Interlocked.Read(ref _unmatched);
    /// <summary>Answers dropped because they carried no MAC, or one that does not verify under the job's key.</summary>
    public long Forged => Interlocked.Read(ref _forged);

    /// <summary>Bytes a request needs beyond its message: the trailer when signing.</summary>
    public int TrailerBytes => _key is null ? 0 : Wire.MacSize;

    /// <summary>Signs the request of <paramref name="length"/> bytes in <paramref name="buffer"/> (room for the trailer: <see cref="TrailerBytes"/>); its new length.</summary>
    public int Seal(byte[] buffer, int length) => _key is null ? length : MessageAuth.Sign(buffer, length, _key);

    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> datagram, bool retransmission, CancellationToken ct)
    {
        if (retransmission) Interlocked.Increment(ref _retransmissions);
        Interlocked.Increment(ref _sent);
        return _socket.SendAsync(datagram, SocketFlags.None, ct);
    }

    private async Task ReceiveLoop()
    {
        byte[] buffer = new byte[Wire.MaxDatagram];
        while (!_closing.IsCancellationRequested)
        {
            int n;
            try { n = await _socket.ReceiveAsync(buffer, SocketFlags.None, _closing.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; }   // ICMP unreachable reported on a connected socket: retransmission covers it
            // With a key every answer must be authentic: an unsigned one (even a status) could be anyone's.
            if (_key is not null && !MessageAuth.Verify(_key, buffer.AsSpan(0, n)))
            {
                Interlocked.Increment(ref _forged);
                continue;
            }
            if (!Codec.ReadAnswer(buffer.AsSpan(0, n), out Message m).IsValid || !_onAnswer(m))
                Interlocked.Increment(ref _unmatched);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _closing.Cancel();
        _socket.Dispose();
        try { await _receiver.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _closing.Dispose();
    }
}

/// <summary>The clients' retransmission schedule (docs/PROTOCOL.md, "Client rules").</summary>
internal static class Retransmission
{
    /// <summary>Wait after the <paramref name="sends"/>-th send (≥ 1) before sending again: the first delay doubled per send up to the maximum, ±25 % jitter.</summary>
    public static long DelayMs(TimeSpan first, TimeSpan max, int sends, Random rng)
    {
        double backoff = Math.Min(first.TotalMilliseconds * Math.Pow(2, Math.Min(sends - 1, 16)), max.TotalMilliseconds);
        return (long)(backoff * (0.75 + 0.5 * rng.NextDouble()));
    }

    /// <summary>Wait after a BUSY answer: its retry-after (<c>detail</c>, ms) plus up to a quarter more, so clients told alike do not return together.</summary>
    public static long BusyDelayMs(ushort retryAfter, Random rng) => retryAfter + rng.Next(0, 1 + retryAfter / 4);
}
