using System.Diagnostics;
using Synthex.Protocol;

namespace Synthex.Dpdk.Apps.Consensus;

/// <summary>
/// One run of the consensus service over any number of workers, without locks: each
/// (job, session) is owned by one worker, which alone touches its rounds; a worker that receives
/// a contribution for a (job, session) another owns copies it into the owner's
/// <see cref="HandoffInbox"/>, and the owner handles it as if it had received it (docs/PROTOCOL.md,
/// "Consensus", "Several workers").
/// </summary>
/// <remarks>
/// <para>Ownership: (job, session) hashes to one of <see cref="Buckets"/> buckets; a bucket's owner
/// is claimed with one CAS by the first worker that sees a contribution for it and never changes
/// in the run. So all of a (job, session)'s state — its admission window, round slots, completed
/// cache and answer queue — lives in one single-threaded <see cref="ConsensusCollector"/>, and the
/// collector's rules (each expert once per chunk, STALE, BUSY, PARTIAL) hold unchanged.</para>
/// <para>Why not per-worker partial sums merged by an atomic completion count (the other scheme
/// issue 11 names): a chunk's bitmap, its window and its cache would be shared state written by
/// several workers — dedup of a retransmission that lands on another worker, the window slide and
/// the eviction all become multi-writer races, and merging partial sums costs a pass over every
/// worker's vector per completion. A hand-off costs one copy of the datagram (its size, once) and
/// leaves every rule single-threaded.</para>
/// <para>Workers attach themselves: the first call on a thread registers that thread as a worker
/// (its collector and inbox; the first is allocated with the run, before the backend starts), so
/// every backend works unchanged whether it gives each worker its own app struct or one copy.</para>
/// </remarks>
public sealed class ConsensusRun
{
    /// <summary>Ownership buckets ((job, session) hashed): a power of two.</summary>
    public const int Buckets = 4096;

    /// <summary>Workers a run serves at most.</summary>
    public const int MaxWorkers = 256;

    /// <summary>Slots of each worker's inbox (a full inbox answers BUSY).</summary>
    public const int DefaultInboxCapacity = 256;

    /// <summary>Retry-after (ms) of the BUSY a full inbox answers: the owner drains it every poll.</summary>
    public const ushort InboxBusyRetryAfterMs = 2;

    [ThreadStatic] private static ConsensusWorker? t_worker;

    private readonly int[] _owners = new int[Buckets];
    private readonly ConsensusWorker?[] _workers = new ConsensusWorker?[MaxWorkers];
    private int _workerCount;
    private ConsensusWorker? _spare;

    /// <param name="epoch">This instance's epoch (random, non-zero, new at every start).</param>
    /// <param name="ticksPerSecond">The clock of <c>now</c> arguments (default <see cref="Stopwatch.Frequency"/>).</param>
    /// <param name="inboxCapacity">Slots of each worker's inbox, a power of two.</param>
    /// <param name="auth">The job keys (<c>--keys</c>) and replay windows, shared by every worker; null: no job has a key.</param>
    public ConsensusRun(ConsensusLimits limits, uint epoch, long ticksPerSecond = 0, int inboxCapacity = DefaultInboxCapacity, ServiceAuth? auth = null)
    {
        limits.Validate();
        Auth = auth;
        Limits = limits;
        Epoch = epoch;
        TicksPerSecond = ticksPerSecond;
        InboxCapacity = inboxCapacity;
        // A slot holds the longest contribution this service can accept; a longer one is refused
        // TOO_LARGE (stateless) wherever it arrives, so it is never handed off.
        SlotSize = Wire.HeaderSize + Wire.MacSize + Math.Min(limits.MaxLength, Wire.MaxChunk) * sizeof(float);
        Array.Fill(_owners, -1);
        _spare = new ConsensusWorker(this, -1);   // the first worker's state, allocated before the run starts
    }

    public ConsensusLimits Limits { get; }
    /// <summary>The run's authentication (keys, replay windows); null: none.</summary>
    public ServiceAuth? Auth { get; }
    public uint Epoch { get; }
    internal long TicksPerSecond { get; }
    public int InboxCapacity { get; }

    /// <summary>Bytes an inbox slot holds: the longest contribution the limits allow.</summary>
    public int SlotSize { get; }

    /// <summary>Workers registered so far.</summary>
    public int WorkerCount => Volatile.Read(ref _workerCount);

    /// <summary>Worker <paramref name="index"/> (registered), for tests and the report.</summary>
    public ConsensusWorker Worker(int index) => Volatile.Read(ref _workers[index]) ?? throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>Test hook: called inside the ownership claim and every inbox's hand-off (see <see cref="HandoffInbox.Interleave"/>).</summary>
    internal Action? Interleave { get; set; }

    /// <summary>The calling thread's worker, registered on its first call (the backends call the app on each worker's own thread).</summary>
    public ConsensusWorker Current
    {
        get
        {
            ConsensusWorker? w = t_worker;
            if (w is not null && ReferenceEquals(w.Run, this)) return w;
            return t_worker = Attach();
        }
    }

    /// <summary>
    /// The calling thread's worker when it has one in this run (a thread that drives two runs in
    /// turn, as a test or a benchmark may, finds its own again), else a new one bound to it.
    /// </summary>
    private ConsensusWorker Attach()
    {
        int thread = Environment.CurrentManagedThreadId;
        int count = Math.Min(WorkerCount, MaxWorkers);
        for (int i = 0; i < count; i++)
            if (Volatile.Read(ref _workers[i]) is { } known && known.ThreadId == thread) return known;
        ConsensusWorker w = RegisterWorker();
        w.ThreadId = thread;
        return w;
    }

    /// <summary>Adds a worker (its collector and inbox). Any thread; the worker is then driven by one thread.</summary>
    public ConsensusWorker RegisterWorker()
    {
        int index = Interlocked.Increment(ref _workerCount) - 1;
        if (index >= MaxWorkers)
        {
            Interlocked.Decrement(ref _workerCount);
            throw new ConfigurationException("workers", $"the consensus service serves at most {MaxWorkers} workers");
        }
        ConsensusWorker w = Interlocked.Exchange(ref _spare, null)?.Bind(index) ?? new ConsensusWorker(this, index);
        w.Inbox.Interleave = Interleave;
        Volatile.Write(ref _workers[index], w);
        return w;
    }

    /// <summary>
    /// The owner of (<paramref name="job"/>, <paramref name="session"/>): the worker that claimed
    /// its bucket, or <paramref name="claimant"/> when nobody had (claimed now, with one CAS).
    /// </summary>
    internal int OwnerOf(uint job, ulong session, int claimant)
    {
        ref int owner = ref _owners[Bucket(job, session)];
        int o = Volatile.Read(ref owner);
        if (o >= 0) return o;
        Interleave?.Invoke();
        o = Interlocked.CompareExchange(ref owner, claimant, -1);
        return o < 0 ? claimant : o;
    }

    /// <summary>The bucket of a (job, session): a multiplicative hash of both, top bits.</summary>
    public static int Bucket(uint job, ulong session)
    {
        ulong x = (session ^ ((ulong)job * 0x9E3779B97F4A7C15UL)) * 0xD6E8FEB86659FD93UL;
        x ^= x >> 32;
        return (int)((x * 0x9E3779B97F4A7C15UL) >> (64 - 12));
    }

    /// <summary>Round completion times, every worker's histogram added up (allocates: for readers).</summary>
    public HistogramSnapshot RoundTimes()
    {
        var histograms = new List<LatencyHistogram>();
        int count = Math.Min(WorkerCount, MaxWorkers);
        for (int i = 0; i < count; i++)
            if (Volatile.Read(ref _workers[i]) is { } w) histograms.Add(w.Collector.RoundTimes);
        return LatencyHistogram.Sum(histograms);
    }

    /// <summary>The counters of every worker summed, by name, with the run's own (allocates: for the report).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Snapshot()
    {
        var sums = new List<KeyValuePair<string, long>>();
        long pending = 0;
        int count = Math.Min(WorkerCount, MaxWorkers);
        for (int i = 0; i < count; i++)
        {
            ConsensusWorker? w = Volatile.Read(ref _workers[i]);
            if (w is null) continue;
            pending += w.Inbox.Count;
            var one = w.Collector.Counters.Snapshot();
            if (sums.Count == 0) { sums.AddRange(one); continue; }
            for (int k = 0; k < one.Count; k++) sums[k] = new(sums[k].Key, sums[k].Value + one[k].Value);
        }
        if (sums.Count == 0) sums.AddRange((_spare?.Collector.Counters ?? new ConsensusCounters()).Snapshot());
        sums.Add(new("workers", count));
        // Handed-off contributions still in an inbox when the report is read (0 once a run has drained).
        sums.Add(new("handoff_pending", pending));
        return sums;
    }
}
