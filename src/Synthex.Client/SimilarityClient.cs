using System.Collections.Concurrent;
using System.Net;
using Synthex.Client.Internal;
using Synthex.Protocol;

namespace Synthex.Client;

/// <summary>
/// A client of the similarity service (docs/PROTOCOL.md, "Similarity"): <see cref="QueryAsync"/>
/// asks for the top k rows of the stored matrix, <see cref="ProjectAsync"/> for y = P·x. A request
/// is one datagram (the whole vector); unanswered, it is resent with exponential backoff and
/// jitter (QUERY and PROJECT keep no server state, so a duplicate is harmless); BUSY waits the
/// server's retry-after; other refusals throw <see cref="SimilarityException"/>. Thread-safe: any
/// number of requests may be in flight, told apart by their request ids.
/// </summary>
public sealed class SimilarityClient : SynthexClient
{
    private readonly SimilarityClientOptions _options;
    private readonly ConcurrentDictionary<ulong, Call> _calls = new();
    private long _nextId;

    /// <exception cref="ArgumentOutOfRangeException">An option out of its range (before any socket is opened).</exception>
    public SimilarityClient(IPEndPoint server, SimilarityClientOptions? options = null)
        : base(server, Validated(options ??= new SimilarityClientOptions()).Key)
    {
        _options = options;
        StartReceiving();
    }

    private static SimilarityClientOptions Validated(SimilarityClientOptions options)
    {
        if (options.MaxSends < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxSends ≥ 1");
        return options;
    }

    /// <summary>The <paramref name="k"/> rows of the stored matrix most similar to <paramref name="vector"/> (D floats, finite), and the matrix version.</summary>
    /// <exception cref="SimilarityException">A refusal resending cannot fix (wrong D, k above --k-max, ...).</exception>
    /// <exception cref="TimeoutException">No answer after <see cref="SimilarityClientOptions.MaxSends"/> sends.</exception>
    public async Task<SimilarityResult> QueryAsync(ReadOnlyMemory<float> vector, int k, CancellationToken cancellationToken = default)
    {
        if (vector.Length == 0 || vector.Length > Wire.MaxLength) throw new ArgumentOutOfRangeException(nameof(vector));
        if (k is < 1 or > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(k), "1..65535");
        Call call = await RunAsync(Operation.Query, vector, (ushort)k, cancellationToken).ConfigureAwait(false);
        return new SimilarityResult(call.Matches!, call.Version);
    }

    /// <summary>y = P·<paramref name="x"/> for the server's stored projection P, and the version.</summary>
    /// <exception cref="SimilarityException">A refusal resending cannot fix (no --projection: UNKNOWN_OPERATION; wrong length; ...).</exception>
    /// <exception cref="TimeoutException">No answer after <see cref="SimilarityClientOptions.MaxSends"/> sends.</exception>
    public async Task<ProjectionResult> ProjectAsync(ReadOnlyMemory<float> x, CancellationToken cancellationToken = default)
    {
        if (x.Length == 0 || x.Length > Wire.MaxLength) throw new ArgumentOutOfRangeException(nameof(x));
        Call call = await RunAsync(Operation.Project, x, 0, cancellationToken).ConfigureAwait(false);
        return new ProjectionResult(call.Values!, call.Version);
    }

    private async Task<Call> RunAsync(Operation operation, ReadOnlyMemory<float> vector, ushort k, CancellationToken ct)
    {
        ulong id = (ulong)Interlocked.Increment(ref _nextId);
        var call = new Call(operation);
        _calls[id] = call;
        try
        {
            byte[] buffer = new byte[Wire.HeaderSize + vector.Length * sizeof(float) + TrailerBytes];
            var rng = new Random(HashCode.Combine(id, _options.Session));
            int sends = 0;
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if (sends >= _options.MaxSends)
                    throw new TimeoutException($"{operation} {id}: no answer after {sends} sends");
                byte retransmit = (byte)Math.Min(sends, 255);
                Header h = operation == Operation.Query
                    ? Query.Header(_options.Job, _options.Session, id, (uint)vector.Length, k, retransmit, Epoch)
                    : Project.Header(_options.Job, _options.Session, id, (uint)vector.Length, retransmit, Epoch);
                int size = Seal(buffer, operation == Operation.Query ? Query.Write(buffer, h, vector.Span) : Project.Write(buffer, h, vector.Span));
                await SendAsync(buffer.AsMemory(0, size), sends > 0, ct).ConfigureAwait(false);
                sends++;
                long wait = Retransmission.DelayMs(_options.RetransmitDelay, _options.MaxRetransmitDelay, sends, rng);
                // Wait for an answer or the retransmission time; a BUSY answer moves the time.
                while (true)
                {
                    bool signalled = await call.Signal.WaitAsync((int)Math.Clamp(wait, 1, int.MaxValue), ct).ConfigureAwait(false);
                    if (call.Failure is { } failure) throw failure;
                    if (call.Done) return call;
                    if (!signalled) break; // timed out: resend
                    long busyUntil = Interlocked.Exchange(ref call.BusyUntil, 0);
                    if (busyUntil != 0)
                    {
                        wait = Math.Max(1, busyUntil - Environment.TickCount64);
                        await Task.Delay((int)wait, ct).ConfigureAwait(false);
                        break; // resend after the retry-after
                    }
                }
            }
        }
        finally
        {
            _calls.TryRemove(id, out _);
        }
    }

    /// <summary>The receive loop's handler: MATCHES / PROJECTED, or a status answer, for one of this client's requests.</summary>
    private protected override bool OnAnswer(Message m)
    {
        Header h = m.Header;
        if (h.Operation is not (Operation.Matches or Operation.Projected) || h.Job != _options.Job || h.Session != _options.Session
            || !_calls.TryGetValue(h.Round, out Call? call)
            || h.Operation != (call.Operation == Operation.Query ? Operation.Matches : Operation.Projected))
            return false;
        if (h.Epoch != 0) Epoch = h.Epoch;
        lock (call)
        {
            if (call.Done || call.Failure is not null) return true; // a duplicate answer (a retransmission's)
            switch (h.Status)
            {
                case Status.Ok when h.Operation == Operation.Matches:
                    call.Matches = m.Matches.ToArray();
                    call.Version = h.Tag;
                    call.Done = true;
                    break;
                case Status.Ok:
                    call.Values = m.Values.ToArray();
                    call.Version = h.Tag;
                    call.Done = true;
                    break;
                case Status.Busy:
                    Interlocked.Exchange(ref call.BusyUntil, Environment.TickCount64 + Retransmission.BusyDelayMs(h.Detail, Random.Shared));
                    break;
                default:
                    call.Failure = new SimilarityException(h.Status, (Field)h.Detail,
                        $"{call.Operation} {h.Round}: the server answered {h.Status}" + (h.Detail != 0 ? $" naming field at offset {h.Detail}" : ""));
                    break;
            }
        }
        call.Signal.Release();
        return true;
    }

    private sealed class Call(Operation operation)
    {
        public readonly Operation Operation = operation;
        public readonly SemaphoreSlim Signal = new(0);
        public long BusyUntil;
        public bool Done;
        public Match[]? Matches;
        public float[]? Values;
        public ulong Version;
        public Exception? Failure;
    }
}
