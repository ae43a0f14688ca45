using System.Collections.Concurrent;
using System.Net;
using Synthex.Client.Internal;
using Synthex.Protocol;

namespace Synthex.Client;

/// <summary>
/// One expert of a consensus job: contributes a vector with its weight for a round and awaits the
/// consensus (docs/PROTOCOL.md). The vector is sent in chunks; unanswered chunks are retransmitted
/// with exponential backoff and jitter; BUSY waits the server's retry-after; a STALE that carries
/// an epoch the chunk was not sent with (the server restarted, or the first contact of a keyed
/// job, whose contributions must carry the server's epoch) resends it with that epoch; the answer
/// of every chunk ends the round.
/// IPv4 or IPv6 (the server's address family); one UDP socket; thread-safe for concurrent rounds.
/// </summary>
/// <remarks>
/// Rounds must increase, and the server admits a job's rounds within a window of
/// <c>--max-rounds-per-job</c> ids: start round r only once rounds up to r − window have their
/// results (await them in order, or keep at most window rounds in flight).
/// </remarks>
public sealed class ConsensusClient : SynthexClient
{
    private readonly ConsensusClientOptions _options;
    private readonly ConcurrentDictionary<ulong, RoundCall> _rounds = new();

    /// <exception cref="ArgumentOutOfRangeException">An option out of its range (before any socket is opened).</exception>
    public ConsensusClient(IPEndPoint server, ConsensusClientOptions options)
        : base(server, Validated(options).Key)
    {
        _options = options;
        StartReceiving();
    }

    private static ConsensusClientOptions Validated(ConsensusClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Expert >= Wire.MaxExperts) throw new ArgumentOutOfRangeException(nameof(options), "Expert is 0..63");
        if (options.Chunk is 0 or > Wire.MaxChunk) throw new ArgumentOutOfRangeException(nameof(options), $"Chunk is 1..{Wire.MaxChunk}");
        return options;
    }

    /// <summary>
    /// Contributes <paramref name="vector"/> with <paramref name="weight"/> to <paramref name="round"/>,
    /// completed by <paramref name="target"/> distinct experts, and returns the consensus (or the
    /// partial, aborted or stale outcome of each chunk).
    /// </summary>
    /// <exception cref="ConsensusException">A refusal retrying cannot fix.</exception>
    /// <exception cref="TimeoutException">A chunk had no answer after <see cref="ConsensusClientOptions.MaxSends"/> sends.</exception>
    public async Task<ConsensusResult> ContributeAsync(ulong round, byte target, ReadOnlyMemory<float> vector, float weight, CancellationToken cancellationToken = default)
    {
        if (vector.Length == 0 || vector.Length > Wire.MaxLength) throw new ArgumentOutOfRangeException(nameof(vector));
        if (!float.IsFinite(weight) || weight < 0) throw new ArgumentOutOfRangeException(nameof(weight), "finite and ≥ 0");
        var call = new RoundCall(round, target, vector, weight, _options);
        if (!_rounds.TryAdd(round, call)) throw new InvalidOperationException($"round {round} is already in flight");
        try
        {
            byte[] buffer = new byte[Wire.HeaderSize + _options.Chunk * sizeof(float) + TrailerBytes];
            var rng = new Random(HashCode.Combine(round, _options.Expert));
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long now = Environment.TickCount64;
                long nextWake = long.MaxValue;
                for (int c = 0; c < call.ChunkCount; c++)
                {
                    ChunkCall chunk = call.Chunks[c];
                    bool due;
                    lock (call) due = !chunk.Done && chunk.DueAt <= now;
                    if (due)
                    {
                        if (chunk.Sends >= _options.MaxSends)
                            throw new TimeoutException($"round {round} chunk at {c * _options.Chunk}: no answer after {chunk.Sends} sends");
                        await SendChunk(call, c, buffer, cancellationToken).ConfigureAwait(false);
                        long delay = Retransmission.DelayMs(_options.RetransmitDelay, _options.MaxRetransmitDelay, chunk.Sends, rng);
                        lock (call) if (chunk.DueAt <= now) chunk.DueAt = now + delay;
                    }
                    lock (call) if (!chunk.Done) nextWake = Math.Min(nextWake, chunk.DueAt);
                }
                if (call.Failure is { } failure) throw failure;
                if (call.Remaining == 0) return call.Result();
                int wait = (int)Math.Clamp(nextWake - Environment.TickCount64, 1, int.MaxValue);
                await call.Signal.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
                if (call.Failure is { } f) throw f;
                if (call.Remaining == 0) return call.Result();
            }
        }
        finally
        {
            _rounds.TryRemove(round, out _);
        }
    }

    private async ValueTask SendChunk(RoundCall call, int c, byte[] buffer, CancellationToken ct)
    {
        ChunkCall chunk = call.Chunks[c];
        int offset = c * _options.Chunk;
        int n = Math.Min(_options.Chunk, call.Vector.Length - offset);
        var h = Contribute.Header(_options.Job, _options.Session, call.Round, _options.Expert, call.Target,
            (uint)call.Vector.Length, (uint)offset, _options.Chunk, call.Weight, _options.RoundTimeoutMs,
            (byte)Math.Min(chunk.Sends, 255), Epoch);
        int size = Seal(buffer, Contribute.Write(buffer, h, call.Vector.Span.Slice(offset, n)));
        bool retransmission = chunk.Sends > 0;
        lock (call)
        {
            chunk.Epochs.Sent(h.Epoch, chunk.Sends);
        }
        chunk.Sends++;
        await SendAsync(buffer.AsMemory(0, size), retransmission, ct).ConfigureAwait(false);
    }

    /// <summary>The receive loop's handler: a RESULT (or status) for one of this expert's open rounds.</summary>
    private protected override bool OnAnswer(Message m)
    {
        if (m.Header.Operation != Operation.Result || m.Header.Job != _options.Job
            || m.Header.Session != _options.Session || m.Header.Expert != _options.Expert
            || !_rounds.TryGetValue(m.Header.Round, out RoundCall? call))
            return false;
        OnAnswer(call, m.Header, m.Values);
        return true;
    }

    private void OnAnswer(RoundCall call, in Header h, ReadOnlySpan<float> values)
    {
        uint known = Epoch;
        if (h.Epoch != 0 && h.Epoch != known)
        {
            Epoch = h.Epoch;
            // The server restarted: every open round is lost there. Resend them (retransmit 0).
            if (known != 0)
                foreach (var r in _rounds.Values) r.Restart();
            if (known != 0 && h.Status == Status.Stale) return;
        }
        int c = (int)(h.Offset / _options.Chunk);
        lock (call)
        {
            if (c >= call.ChunkCount || call.Chunks[c].Done) return;
            ChunkCall chunk = call.Chunks[c];
            switch (h.Status)
            {
                case Status.Ok or Status.Partial:
                    if (values.Length != Math.Min(_options.Chunk, call.Vector.Length - c * _options.Chunk)) return;
                    values.CopyTo(call.Values.AsSpan(c * _options.Chunk));
                    chunk.Finish(new ChunkOutcome(h.Offset, h.Status, h.Count, h.Tag, h.Weight));
                    break;
                case Status.Busy:
                    chunk.DueAt = Environment.TickCount64 + Retransmission.BusyDelayMs(h.Detail, Random.Shared);
                    break;
                case Status.Stale when chunk.Epochs.Judge(h) == StaleMeaning.SendAgain:
                    // Sent before this epoch was known (0 at the start: a keyed job's contribution
                    // must carry the server's epoch) or to an earlier instance: the round is not
                    // over, the request was. Resend it now with the epoch adopted above.
                    chunk.DueAt = 0;
                    break;
                case Status.Stale when chunk.Epochs.Judge(h) == StaleMeaning.LateForEarlierSend:
                    // A send with this epoch is out already.
                    break;
                case Status.Stale or Status.Aborted:
                    chunk.Finish(new ChunkOutcome(h.Offset, h.Status, 0, 0, 0));
                    break;
                case Status.BadRequest when (Field)h.Detail == Field.Weight:
                    chunk.Finish(new ChunkOutcome(h.Offset, h.Status, 0, 0, 0));
                    break;
                default:
                    call.Failure ??= new ConsensusException(h.Status, (Field)h.Detail,
                        $"round {h.Round} chunk at {h.Offset}: the server answered {h.Status}" + (h.Detail != 0 ? $" naming field at offset {h.Detail}" : ""));
                    break;
            }
            if (chunk.Done) call.Remaining--;
        }
        call.Signal.Release();
    }

    private sealed class ChunkCall
    {
        public long DueAt;
        public int Sends;
        public EpochSends Epochs;     // the epoch its sends carried, to read a STALE by
        public bool Done;
        public ChunkOutcome Outcome;

        public void Finish(ChunkOutcome outcome) { Outcome = outcome; Done = true; }
    }

    private sealed class RoundCall
    {
        public RoundCall(ulong round, byte target, ReadOnlyMemory<float> vector, float weight, ConsensusClientOptions options)
        {
            Round = round;
            Target = target;
            Vector = vector;
            Weight = weight;
            ChunkCount = (vector.Length + options.Chunk - 1) / options.Chunk;
            Chunks = new ChunkCall[ChunkCount];
            for (int c = 0; c < ChunkCount; c++) Chunks[c] = new ChunkCall();
            Remaining = ChunkCount;
            Values = new float[vector.Length];
            Array.Fill(Values, float.NaN);
        }

        public readonly ulong Round;
        public readonly byte Target;
        public readonly ReadOnlyMemory<float> Vector;
        public readonly float Weight;
        public readonly int ChunkCount;
        public readonly ChunkCall[] Chunks;
        public readonly float[] Values;
        public readonly SemaphoreSlim Signal = new(0);
        public int Remaining;
        public Exception? Failure;

        /// <summary>The server restarted: resend every chunk not yet answered, as a first send.</summary>
        public void Restart()
        {
            lock (this)
                for (int c = 0; c < ChunkCount; c++)
                    if (!Chunks[c].Done) { Chunks[c].DueAt = 0; Chunks[c].Sends = 0; }
            Signal.Release();
        }

        public ConsensusResult Result()
        {
            lock (this) return new ConsensusResult(Round, Values, Array.ConvertAll(Chunks, c => c.Outcome));
        }
    }
}
