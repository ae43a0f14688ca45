using System.Net;
using System.Net.Sockets;
using Synthex.Protocol;

namespace Synthex.Client;

/// <summary>
/// What every Synthex client shares (<see cref="ConsensusClient"/>, <see cref="SimilarityClient"/>):
/// one UDP socket connected to the server (IPv4 or IPv6, the server's family), a receive loop that
/// verifies and decodes each answer and hands it to the client, the server's epoch as last seen,
/// and the send, retransmission, unmatched and forged counters.
/// </summary>
/// <remarks>
/// Construction is in three steps, and the order is the contract (tests/…/Client/ClientLifecycleTests):
/// <list type="number">
/// <item>the derived client validates its options in the expression that calls this constructor,
/// so a bad option throws before a socket exists;</item>
/// <item>this constructor opens and connects the socket; answers that arrive now wait in its buffer;</item>
/// <item>the derived constructor sets its own state, then calls <see cref="StartReceiving"/>: only then
/// can <see cref="OnAnswer"/> run, so it never sees a half-built client.</item>
/// </list>
/// Only this assembly can derive (the constructor is <c>private protected</c>): the wire rules each
/// client keeps are in the derived classes, and no outside class can skip the steps above.
/// </remarks>
public abstract class SynthexClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _closing = new();
    private readonly byte[]? _key;
    private Task _receiver = Task.CompletedTask;
    private uint _epoch;
    private long _sent, _retransmissions, _unmatched, _forged;

    /// <param name="server">The service's address.</param>
    /// <param name="key">The job's MAC key: requests are signed and answers verified (docs/PROTOCOL.md); null: neither.</param>
    private protected SynthexClient(IPEndPoint server, byte[]? key)
    {
        ArgumentNullException.ThrowIfNull(server);
        Server = server;
        _key = key;
        _socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try { _socket.Connect(server); }
        catch { _socket.Dispose(); throw; }
    }

    /// <summary>The service's address.</summary>
    public IPEndPoint Server { get; }

    /// <summary>The server's epoch as last seen (0 before its first answer).</summary>
    public uint Epoch
    {
        get => Volatile.Read(ref _epoch);
        private protected set => Volatile.Write(ref _epoch, value);
    }

    /// <summary>Datagrams sent, retransmissions (and BUSY re-sends) among them.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Datagrams sent again: unanswered in time, or after a BUSY's retry-after.</summary>
    public long Retransmissions => Interlocked.Read(ref _retransmissions);

    /// <summary>Answers dropped as malformed or matching nothing outstanding (late duplicates, another client's).</summary>
    public long Unmatched => Interlocked.Read(ref _unmatched);

    /// <summary>Answers dropped as forged: with a key, one without a MAC or with one that does not verify.</summary>
    public long Forged => Interlocked.Read(ref _forged);

    /// <summary>Called on the receive loop for every authentic, well-formed answer; false: it matched nothing outstanding (counted in <see cref="Unmatched"/>).</summary>
    private protected abstract bool OnAnswer(Message answer);

    /// <summary>Starts the receive loop: the last step of a derived constructor, once the state <see cref="OnAnswer"/> reads exists.</summary>
    private protected void StartReceiving()
    {
        if (!_receiver.IsCompleted) throw new InvalidOperationException("the receive loop is already running");
        _receiver = Task.Run(ReceiveLoop);
    }

    /// <summary>Bytes a request needs beyond its message: the trailer when signing.</summary>
    private protected int TrailerBytes => _key is null ? 0 : Wire.MacSize;

    /// <summary>Signs the request of <paramref name="length"/> bytes in <paramref name="buffer"/> (room for the trailer: <see cref="TrailerBytes"/>); its new length.</summary>
    private protected int Seal(byte[] buffer, int length) => _key is null ? length : MessageAuth.Sign(buffer, length, _key);

    private protected ValueTask<int> SendAsync(ReadOnlyMemory<byte> datagram, bool retransmission, CancellationToken ct)
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
            if (!Codec.ReadAnswer(buffer.AsSpan(0, n), out Message m).IsValid || !OnAnswer(m))
                Interlocked.Increment(ref _unmatched);
        }
    }

    /// <summary>Stops the receive loop and closes the socket; requests still in flight end with their timeouts or cancellation.</summary>
    public async ValueTask DisposeAsync()
    {
        _closing.Cancel();
        _socket.Dispose();
        try { await _receiver.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _closing.Dispose();
        GC.SuppressFinalize(this);
    }
}
