using System.Diagnostics;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Kernels;
using Synthex.Protocol;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// The similarity service's shared state for one run: the stored matrix (and projection), a fixed
/// pool of request slots, and the compute thread that scores them off the I/O path.
/// </summary>
/// <remarks>
/// <para>Flow of a request (all queues bounded and lock-free, <see cref="IndexQueue"/>): the I/O
/// worker validates it, takes a slot from <c>free</c> (none: <c>BUSY</c>), copies header, peer and
/// floats into it and puts its index on <c>todo</c> — the datagram is absorbed and its buffer goes
/// back at once. The compute thread takes everything on <c>todo</c> (up to <see cref="MaxBatch"/>),
/// scores the queries in one kernel pass and the projections in one GEMM, writes each answer into
/// its slot and puts the index on the done queue of the worker that received it; that worker
/// originates the answer from its pool at its next poll and frees the slot. So a scan of tens of
/// milliseconds never holds an RX ring: ARP, echo and other apps keep being answered.</para>
/// <para>The compute thread sleeps when there is nothing to do: it raises <c>_sleeping</c>,
/// checks <c>todo</c> once more, then waits on an event; a worker sets the event only when it
/// sees the flag, so under load (the thread busy) enqueuing costs no system call.</para>
/// <para>Counters: per worker (single writer, its own array) for what the workers decide; the
/// compute thread's own for batches. <see cref="Counters"/> sums them for the report.</para>
/// </remarks>
public sealed partial class SimilarityService : IDisposable
{
    /// <summary>Queries scored per kernel pass at most: 64 (a 4-row tile grid of 16; 64 × D floats stay in L1/L2 while the matrix streams).</summary>
    public const int MaxBatch = 64;

    /// <summary>Workers a run may have (the done queues are made per worker at creation).</summary>
    public const int MaxWorkers = 256;

    internal enum Kind : byte { Query, Project }

    /// <summary>Worker-side counters, one array per worker (single writer).</summary>
    internal enum WorkerCounter
    {
        Queries, Projects, Busy, BadDimension, KZero, KTooLarge, AmplificationRefused, UnknownOperation,
        Unauthenticated, CodecRefused, CodecDropped, Answered, AnswerTooLarge, Unattached,
        Authenticated, AuthFailed, AuthMissing, Replayed, UnknownJob, Count,
    }

    private static readonly string[] WorkerCounterNames =
    [
        "queries", "projects", "busy", "bad_dimension", "k_zero", "k_too_large", "amplification_refused", "unknown_operation",
        "unauthenticated", "codec_refused", "codec_dropped", "answered", "answer_too_large", "unattached",
        "authenticated", "auth_failed", "auth_missing", "replayed", "unknown_job",
    ];

    /// <summary>The worker index of an app copy no backend worker attached (a start-up probe's).</summary>
    public const int Unattached = -1;

    private readonly ServiceAuth? _auth;
    private readonly MacContext[]?[] _macs = new MacContext[]?[MaxWorkers];   // per worker: its key schedules
    private readonly int _slotCount;
    private readonly int _requestFloats;
    private readonly int _answerBytes;
    private readonly float[] _requests;     // slot × _requestFloats
    private readonly byte[] _answers;       // slot × _answerBytes
    private readonly int[] _answerLength;
    private readonly Header[] _headers;
    private readonly DatagramPeer[] _peers;
    private readonly int[] _worker;
    private readonly Kind[] _kind;
    private readonly IndexQueue _free;
    private readonly IndexQueue _todo;
    private readonly IndexQueue?[] _done = new IndexQueue?[MaxWorkers];
    private readonly long[]?[] _workerCounters = new long[]?[MaxWorkers];
    // Query service time, receive → answer written, one histogram per worker (its only writer):
    // two clock reads per queued query (~30 ns each here) against a scan of the whole matrix
    // (≥ 0.3 ms at N = 100 k), so per query rather than per burst.
    private readonly LatencyHistogram?[] _queryTimes = new LatencyHistogram?[MaxWorkers];
    private readonly long[] _admitted;      // slot: when its request was received (Stopwatch ticks)
    private int _workers;
    // Counters of app copies never attached to a worker (should stay 0; shared, so only ever a test's).
    private readonly long[] _unattachedCounters = new long[(int)WorkerCounter.Count];

    // The matrix in use: swapped whole by a reload (one atomic store); read by the compute thread
    // once per batch, between its QSBR online and offline marks.
    private MatrixGeneration _current;
    private readonly QuiescentReaders _readers = new(1);
    private readonly int _computeReader;
    private readonly object _reloadGate = new(); // reloads one at a time (control path only; readers never take it)
    private long _reloads, _reloadFailed, _lastReloadWaitTicks;
    private readonly Thread _compute;
    private readonly ManualResetEventSlim _wake = new(false);
    private int _sleeping;
    private volatile bool _stopping;
    private string? _computeFailure;

    // Compute-thread counters (single writer; read by the control thread for the report).
    private long _batches, _scored, _projected, _maxBatchSeen, _computeTicks;
    private volatile int _lastBatchMs = 1;

    /// <summary>The matrix now serving (a reload may replace it at any moment; its shape's D never changes).</summary>
    public StoredMatrix Matrix => Volatile.Read(ref _current).Matrix;

    /// <summary>The generation now serving: matrix, scorer and version.</summary>
    public MatrixGeneration Current => Volatile.Read(ref _current);
    public StoredMatrix? Projection { get; }
    public SimilarityMetric Metric { get; }
    public int KMax { get; }
    /// <summary>
    /// The version of the matrix now serving, the one a new query will be scored on (unless a reload
    /// swaps first) and every answer names in its <c>tag</c>: 1 for the matrix loaded at start, one
    /// more per successful reload. What a result cache keys on.
    /// </summary>
    public uint MatrixVersion => Volatile.Read(ref _current).Version;
    /// <summary>This instance's epoch: random and non-zero, new at every start.</summary>
    public uint Epoch { get; }

    /// <param name="slots">Requests queued or being scored at most, a power of two; beyond it, <c>BUSY</c>.</param>
    /// <param name="cacheEntries">Answers the <see cref="ResultCache"/> holds; 0: no cache.</param>
    /// <param name="auth">The job keys (<c>--keys</c>) and replay windows; null: no job has a key.</param>
    public SimilarityService(StoredMatrix matrix, StoredMatrix? projection, SimilarityMetric metric, int kMax, int slots = 1024, int cacheEntries = 0,
                             ServiceAuth? auth = null)
    {
        _auth = auth is { Active: true } ? auth : null;
        if (projection is not null && projection.Columns != matrix.Columns)
            throw new ConfigurationException("projection", $"'{projection.Path}' has {projection.Columns} columns; the matrix has D = {matrix.Columns} (P must be M × D)");
        (Projection, Metric, KMax, _slotCount) = (projection, metric, kMax, slots);
        _current = new MatrixGeneration(matrix, metric, MaxBatch, kMax, 1);
        _computeReader = _readers.Register();
        Epoch = (uint)Random.Shared.Next(1, int.MaxValue);
        _requestFloats = matrix.Columns;
        // Room for k-max matches whatever N a reloaded matrix has.
        _answerBytes = Math.Max(Matches.Size(kMax), Wire.HeaderSize + 4 * (projection?.Rows ?? 0));
        _requests = new float[slots * _requestFloats];
        _answers = new byte[slots * _answerBytes];
        _answerLength = new int[slots];
        _admitted = new long[slots];
        _headers = new Header[slots];
        _peers = new DatagramPeer[slots];
        _worker = new int[slots];
        _kind = new Kind[slots];
        _free = new IndexQueue(slots);
        _todo = new IndexQueue(slots);
        for (int i = 0; i < slots; i++) _free.TryEnqueue(i);
        _cache = CreateCache(cacheEntries);
        _compute = new Thread(ComputeLoop) { Name = "similarity-compute", IsBackground = true };
        _compute.Start();
    }

    /// <summary>Why the compute thread stopped on its own, or null.</summary>
    public string? ComputeFailure => _computeFailure;

    /// <summary>Workers registered so far (<see cref="SimilarityDatagrams.AttachWorker"/>): the backend's real workers only.</summary>
    public int RegisteredWorkers => Volatile.Read(ref _workers);

    /// <summary>Makes a worker's done queue and counters; called once per real worker, when the backend builds it.</summary>
    public int RegisterWorker()
    {
        int w = Interlocked.Increment(ref _workers) - 1;
        if (w >= MaxWorkers) throw new ConfigurationException("workers", $"the similarity service serves at most {MaxWorkers} workers");
        _done[w] = new IndexQueue(_slotCount);
        _workerCounters[w] = new long[(int)WorkerCounter.Count];
        _queryTimes[w] = new LatencyHistogram();
        _macs[w] = _auth?.CreateContexts();
        RegisterCacheWorker(w);
        return w;
    }

    internal long[] CountersOf(int worker) => _workerCounters[worker]!;

    /// <summary>
    /// Queries' service time, receive → answer written into the outgoing buffer (queued and scored;
    /// answers from the result cache, written in place at once, are not in it), every worker's added up.
    /// </summary>
    public HistogramSnapshot QueryTimes()
    {
        var histograms = new List<LatencyHistogram>();
        for (int w = 0; w < Math.Min(RegisteredWorkers, MaxWorkers); w++)
            if (Volatile.Read(ref _queryTimes[w]) is { } h) histograms.Add(h);
        return LatencyHistogram.Sum(histograms);
    }
    internal IndexQueue DoneOf(int worker) => _done[worker]!;

    /// <summary>Validates a request against the stored shapes and queues it; returns the verdict for the I/O worker.</summary>
    internal DatagramVerdict Accept(Span<byte> buffer, int length, in DatagramMeta meta, int worker)
    {
        long[] c = worker < 0 ? _unattachedCounters : _workerCounters[worker]!;
        Verdict verdict = Codec.ReadRequest(buffer[..length], out Message m);
        if (verdict.Drop != Drop.None)
        {
            c[(int)WorkerCounter.CodecDropped]++;
            return DatagramVerdict.Drop(Packets.DropReason.BadPayload);
        }
        MacContext[]? macs = worker < 0 ? null : _macs[worker];
        int key = Authenticate(buffer[..length], m.Header, c, macs);
        if (key == NotAuthentic) return DatagramVerdict.Drop(Packets.DropReason.BadPayload);
        DatagramVerdict decided = Decide(buffer, length, meta, worker, c, verdict, m, authenticated: key >= 0);
        if (key < 0 || !decided.IsReply) return decided;
        // An authentic request's answer is signed with its job's key (0: no room for the trailer).
        return DatagramVerdict.Reply(_auth!.Sign(buffer, decided.ReplyLength, key, macs) is > 0 and var signed ? signed : -1);
    }

    private const int NotAuthentic = -2;

    /// <summary>The key of an authentic request, −1 for a job without a key, or <see cref="NotAuthentic"/>
    /// (dropped, counted): docs/PROTOCOL.md, "Authentication trailer". Another version is left to the
    /// codec's UNSUPPORTED_VERSION, which every client must be able to read.</summary>
    private int Authenticate(ReadOnlySpan<byte> datagram, in Header h, long[] c, MacContext[]? macs)
    {
        if (_auth is null || h.Version != Wire.Version) return -1;
        switch (_auth.Check(datagram, h, out int key, macs))
        {
            case AuthOutcome.Verified: c[(int)WorkerCounter.Authenticated]++; return key;
            case AuthOutcome.Missing: c[(int)WorkerCounter.AuthMissing]++; return NotAuthentic;
            case AuthOutcome.Failed: c[(int)WorkerCounter.AuthFailed]++; return NotAuthentic;
            case AuthOutcome.Replayed: c[(int)WorkerCounter.Replayed]++; return NotAuthentic;
            case AuthOutcome.UnknownJob: c[(int)WorkerCounter.UnknownJob]++; return NotAuthentic;
            default: return -1;   // Open, or NoKey: UNAUTHENTICATED below
        }
    }

    private DatagramVerdict Decide(Span<byte> buffer, int length, in DatagramMeta meta, int worker, long[] c, Verdict verdict, Message m, bool authenticated)
    {
        Header h = m.Header; // a copy: the buffer may be overwritten by the answer
        if (verdict.IsRefused)
        {
            // The codec refuses k = 0 (BAD_REQUEST naming k) and NaN payloads before we see them.
            c[(int)(verdict.Field == Field.K ? WorkerCounter.KZero : WorkerCounter.CodecRefused)]++;
            return DatagramVerdict.Reply(StatusAnswer.Refuse(buffer, h, Epoch, verdict));
        }
        if (h.HasMac && !authenticated)
        {
            // The MAC flag for a job with no key (--keys): PROTOCOL.md's UNAUTHENTICATED.
            c[(int)WorkerCounter.Unauthenticated]++;
            return DatagramVerdict.Reply(StatusAnswer.Unauthenticated(buffer, h, Epoch));
        }
        Kind kind;
        if (h.Operation == Operation.Query)
        {
            if (h.Length != _requestFloats) { c[(int)WorkerCounter.BadDimension]++; return DatagramVerdict.Reply(StatusAnswer.BadRequest(buffer, h, Epoch, Field.Length)); }
            if (h.K > KMax) { c[(int)WorkerCounter.KTooLarge]++; return DatagramVerdict.Reply(StatusAnswer.TooLarge(buffer, h, Epoch, Field.K)); }
            // Amplification: to a source that has not authenticated, the answer may not be larger than
            // the request. A verified query (its job's key) gets its whole top-k: the rule is about
            // sources that proved nothing (docs/PROTOCOL.md, "Amplification").
            // Rows of the generation now serving (a plain field, readable even after a reload released its mapping).
            int answerSize = Matches.Size(Math.Min(h.K, Volatile.Read(ref _current).Rows));
            if (!authenticated && !Amplification.Allows(length, answerSize))
            {
                c[(int)WorkerCounter.AmplificationRefused]++;
                return DatagramVerdict.Reply(StatusAnswer.TooLarge(buffer, h, Epoch, Field.K));
            }
            // A hit is written in place: only when it fits the receive buffer with its trailer (an
            // authenticated answer may be larger than the query); otherwise the compute thread's
            // answer goes out from the pool, which says TOO_LARGE if even that cannot carry it.
            if (_cache is not null && answerSize + (authenticated ? Wire.MacSize : 0) <= buffer.Length
                && TryAnswerFromCache(buffer, h, m.Payload, worker, out int cached))
                return DatagramVerdict.Reply(cached);
            kind = Kind.Query;
        }
        else if (h.Operation == Operation.Project && Projection is { } p)
        {
            if (h.Length != p.Columns) { c[(int)WorkerCounter.BadDimension]++; return DatagramVerdict.Reply(StatusAnswer.BadRequest(buffer, h, Epoch, Field.Length)); }
            if (!authenticated && !Amplification.Allows(length, Wire.HeaderSize + 4 * p.Rows))
            {
                c[(int)WorkerCounter.AmplificationRefused]++;
                return DatagramVerdict.Reply(StatusAnswer.TooLarge(buffer, h, Epoch, Field.Length));
            }
            kind = Kind.Project;
        }
        else
        {
            // CONTRIBUTE, or PROJECT with no --projection: not served by this instance.
            c[(int)WorkerCounter.UnknownOperation]++;
            return DatagramVerdict.Reply(StatusAnswer.UnknownOperation(buffer, h, Epoch));
        }

        if (worker < 0)
        {
            // No worker would ever send the answer: refuse it now rather than lose it in a queue.
            c[(int)WorkerCounter.Unattached]++;
            return DatagramVerdict.Reply(StatusAnswer.Busy(buffer, h, Epoch, (ushort)Math.Clamp(_lastBatchMs, 1, ushort.MaxValue)));
        }
        if (!_free.TryDequeue(out int slot))
        {
            c[(int)WorkerCounter.Busy]++;
            return DatagramVerdict.Reply(StatusAnswer.Busy(buffer, h, Epoch, (ushort)Math.Clamp(_lastBatchMs, 1, ushort.MaxValue)));
        }
        m.Values.CopyTo(_requests.AsSpan(slot * _requestFloats, _requestFloats));
        _headers[slot] = h;
        _peers[slot] = meta.Peer;
        _worker[slot] = worker;
        _kind[slot] = kind;
        _admitted[slot] = Stopwatch.GetTimestamp();
        c[(int)(kind == Kind.Query ? WorkerCounter.Queries : WorkerCounter.Projects)]++;
        _todo.TryEnqueue(slot); // never full: it holds at most every slot once
        if (Volatile.Read(ref _sleeping) != 0) _wake.Set();
        return DatagramVerdict.Absorbed;
    }

    /// <summary>The worker's next answer: copied into <paramref name="payload"/>, its slot freed. -1 when none waits.</summary>
    internal int Originate(int worker, Span<byte> payload, out DatagramPeer to)
    {
        if (!_done[worker]!.TryDequeue(out int slot)) { to = default; return -1; }
        long[] c = _workerCounters[worker]!;
        to = _peers[slot];
        int n = _answerLength[slot];
        // The request was authentic (a keyed job; the others' MAC flag is answered UNAUTHENTICATED): sign the answer.
        bool sign = _auth is not null && _headers[slot].HasMac;
        if (n + (sign ? Wire.MacSize : 0) > payload.Length)
        {
            // The backend's buffers cannot carry this answer (k too large for the path): say so.
            n = StatusAnswer.TooLarge(payload, _headers[slot], Epoch, _kind[slot] == Kind.Query ? Field.K : Field.Length);
            c[(int)WorkerCounter.AnswerTooLarge]++;
        }
        else
        {
            _answers.AsSpan(slot * _answerBytes, n).CopyTo(payload);
            c[(int)WorkerCounter.Answered]++;
            if (_kind[slot] == Kind.Query) _queryTimes[worker]!.Record(Stopwatch.GetTimestamp() - _admitted[slot]);
        }
        if (sign) n = _auth!.SignFor(payload, n, _headers[slot].Job, _macs[worker]);
        _free.TryEnqueue(slot);
        return n;
    }

    private void ComputeLoop()
    {
        int[] batch = new int[MaxBatch];
        int[] queries = new int[MaxBatch], projects = new int[MaxBatch];
        float[] x = new float[MaxBatch * _requestFloats];
        int[] ks = new int[MaxBatch], counts = new int[MaxBatch];
        var matches = new Match[MaxBatch * KMax];
        float[] y = new float[MaxBatch * (Projection?.Rows ?? 0)];
        try
        {
            while (!_stopping)
            {
                int n = 0;
                while (n < MaxBatch && _todo.TryDequeue(out int slot)) batch[n++] = slot;
                if (n == 0) { _cache?.Maintain(); Sleep(); continue; }
                long started = Stopwatch.GetTimestamp();
                // QSBR: online before reading the generation, offline after the batch (so also while sleeping).
                _readers.Online(_computeReader, Volatile.Read(ref _current).Version);
                MatrixGeneration g = Volatile.Read(ref _current);
                int nq = 0, np = 0;
                for (int i = 0; i < n; i++)
                    if (_kind[batch[i]] == Kind.Query) queries[nq++] = batch[i]; else projects[np++] = batch[i];
                if (nq > 0) ScoreQueries(g, queries.AsSpan(0, nq), x, ks, counts, matches);
                if (np > 0) Project(g.Version, projects.AsSpan(0, np), x, y);
                _readers.Offline(_computeReader);
                for (int i = 0; i < n; i++) _done[_worker[batch[i]]]!.TryEnqueue(batch[i]);
                long ticks = Stopwatch.GetTimestamp() - started;
                _computeTicks += ticks;
                _lastBatchMs = (int)Math.Min(int.MaxValue, 1 + ticks * 1000 / Stopwatch.Frequency);
                _batches++;
                _scored += nq;
                _projected += np;
                if (n > _maxBatchSeen) _maxBatchSeen = n;
            }
        }
        catch (Exception e)
        {
            // Never expected (shapes are checked at admission); recorded so the run reports it rather than hangs.
            _computeFailure = e.ToString();
        }
    }

    private void Sleep()
    {
        _wake.Reset();
        // A full fence (not a volatile store, which a later load may pass): either the worker's
        // enqueue is visible to the check below, or the flag is visible to the worker, which sets the event.
        Interlocked.Exchange(ref _sleeping, 1);
        if (_todo.Count == 0 && !_stopping) _wake.Wait(100);
        Volatile.Write(ref _sleeping, 0);
    }

    private void ScoreQueries(MatrixGeneration g, ReadOnlySpan<int> slots, float[] x, int[] ks, int[] counts, Match[] matches)
    {
        int d = _requestFloats, nq = slots.Length;
        for (int i = 0; i < nq; i++)
        {
            _requests.AsSpan(slots[i] * d, d).CopyTo(x.AsSpan(i * d, d));
            ks[i] = _headers[slots[i]].K;
        }
        g.Scorer.Score(x.AsSpan(0, nq * d), ks.AsSpan(0, nq), matches, counts);
        for (int i = 0; i < nq; i++)
        {
            int s = slots[i];
            _answerLength[s] = Matches.WriteOk(_answers.AsSpan(s * _answerBytes, _answerBytes), _headers[s], Epoch, g.Version,
                                               matches.AsSpan(i * KMax, counts[i]));
        }
        CacheAnswers(slots, matches, counts, g.Version); // the version these answers carry in their tag
    }

    /// <summary>Y (n × M) = X (n × D) · Pᵀ: the whole batch in one GEMM call.</summary>
    /// <param name="version">The matrix version of the batch: the tag of every answer it gives (P itself is not reloaded).</param>
    private void Project(uint version, ReadOnlySpan<int> slots, float[] x, float[] y)
    {
        StoredMatrix p = Projection!;
        int d = p.Columns, mRows = p.Rows, n = slots.Length;
        for (int i = 0; i < n; i++) _requests.AsSpan(slots[i] * d, d).CopyTo(x.AsSpan(i * d, d));
        Gemm.MultiplyTransposed(x.AsSpan(0, n * d), p.Values, y.AsSpan(0, n * mRows), n, d, mRows);
        for (int i = 0; i < n; i++)
        {
            int s = slots[i];
            _answerLength[s] = Projected.WriteOk(_answers.AsSpan(s * _answerBytes, _answerBytes), _headers[s], Epoch, version,
                                                 y.AsSpan(i * mRows, mRows));
        }
    }

    /// <summary>
    /// Maps <paramref name="path"/> beside the matrix now serving and swaps it in: one atomic
    /// store, so the next batch scores on the new version while a batch already running finishes
    /// on the old; the old mapping is released once the compute thread has passed a quiescent
    /// point (between batches, or asleep). No query waits for the load, and none is lost. A file
    /// that does not load, or whose D differs (queued queries were checked against D), leaves the
    /// old version serving; the reason is logged and counted (<c>reload_failed</c>).
    /// </summary>
    /// <returns>The version serving afterwards and whether it is new.</returns>
    public (uint Version, bool Swapped) Reload(string path, TextWriter log, string cause = "reload")
    {
        lock (_reloadGate)
        {
            MatrixGeneration old = Volatile.Read(ref _current);
            StoredMatrix? loaded = null;
            try
            {
                loaded = StoredMatrix.Load(path, "matrix");
                if (loaded.Columns != _requestFloats)
                    throw new ConfigurationException("matrix", $"'{path}' has D = {loaded.Columns}; the running matrix has D = {_requestFloats} (D cannot change without a restart)");
                var next = new MatrixGeneration(loaded, Metric, MaxBatch, KMax, old.Version + 1);
                Interlocked.Exchange(ref _current, next); // a full fence: QuiescentReaders' writer side
                long swapped = Stopwatch.GetTimestamp();
                // The compute thread publishes its version per batch and never blocks inside one,
                // so this wait is at most one batch; a minute means it is wedged: keep the old mapped.
                if (!_readers.WaitFor(next.Version, TimeSpan.FromMinutes(1)))
                    log.WriteLine($"synthex: similarity: {cause}: the compute thread did not pass a quiescent point in a minute; version {old.Version} stays mapped");
                else
                    old.Dispose();
                long waited = Stopwatch.GetTimestamp() - swapped;
                Volatile.Write(ref _lastReloadWaitTicks, waited);
                Interlocked.Increment(ref _reloads);
                log.WriteLine(FormattableString.Invariant(
                    $"synthex: similarity: {cause}: version {next.Version} serving: '{path}' N = {loaded.Rows}, D = {loaded.Columns}, loaded in {loaded.LoadTime.TotalMilliseconds:F1} ms; version {old.Version} released after {waited * 1e6 / Stopwatch.Frequency:F0} µs"));
                return (next.Version, true);
            }
            catch (Exception e) when (e is ConfigurationException or EnvironmentException or IOException or UnauthorizedAccessException)
            {
                loaded?.Dispose();
                Interlocked.Increment(ref _reloadFailed);
                log.WriteLine($"synthex: similarity: {cause} refused, version {old.Version} keeps serving: {e.Message}");
                return (old.Version, false);
            }
        }
    }

    /// <summary>The service's counters summed over workers, for the report (name → value).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Counters
    {
        get
        {
            var sums = new long[(int)WorkerCounter.Count];
            for (int i = 0; i < sums.Length; i++) sums[i] = Volatile.Read(ref _unattachedCounters[i]);
            for (int w = 0; w < Volatile.Read(ref _workers) && w < MaxWorkers; w++)
                if (_workerCounters[w] is { } c)
                    for (int i = 0; i < sums.Length; i++) sums[i] += Volatile.Read(ref c[i]);
            var list = new List<KeyValuePair<string, long>>();
            for (int i = 0; i < sums.Length; i++) list.Add(new(WorkerCounterNames[i], sums[i]));
            list.Add(new("batches", Volatile.Read(ref _batches)));
            list.Add(new("scored", Volatile.Read(ref _scored)));
            list.Add(new("projected", Volatile.Read(ref _projected)));
            list.Add(new("max_batch", Volatile.Read(ref _maxBatchSeen)));
            list.Add(new("compute_us", Volatile.Read(ref _computeTicks) * 1_000_000 / Stopwatch.Frequency));
            list.Add(new("queued", _todo.Count));
            list.Add(new("matrix_version", MatrixVersion));
            list.Add(new("reloads", Volatile.Read(ref _reloads)));
            list.Add(new("reload_failed", Volatile.Read(ref _reloadFailed)));
            list.Add(new("last_reload_wait_us", Volatile.Read(ref _lastReloadWaitTicks) * 1_000_000 / Stopwatch.Frequency));
            list.Add(new("unsent_answers", UnsentAnswers()));
            AddCacheCounters(list);
            return list;
        }
    }

    private long UnsentAnswers()
    {
        long n = 0;
        for (int w = 0; w < Volatile.Read(ref _workers) && w < MaxWorkers; w++) n += _done[w]?.Count ?? 0;
        return n;
    }

    /// <summary>Stops the compute thread (after the workers have stopped) and unmaps the matrices.</summary>
    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        _compute.Join();
        _wake.Dispose();
        Volatile.Read(ref _current).Dispose();
        Projection?.Dispose();
    }
}
