using System.Diagnostics;
using System.Numerics;
using Kernel = Synthex.Dpdk.Kernels.Consensus;
using Synthex.Protocol;

namespace Synthex.Dpdk.Apps.Consensus;

/// <summary>
/// The consensus service's state (docs/PROTOCOL.md, "Consensus"): a fixed pool of round slots,
/// the (job, session) admission windows, the completed cache and the queue of answers to send to
/// other contributors. One per worker; single-threaded; allocates only in its constructor.
/// </summary>
/// <remarks>
/// <para>A contribution is read by the codec, checked against the service's limits and the
/// round's shape, and added into its chunk's Σw·r (the SIMD consensus kernel) and Σw (f64). The
/// contribution that brings the chunk to <c>target</c> experts is answered in place; the other
/// contributors' results are queued (<see cref="Originate"/>) and written from the slot, which
/// holds the consensus from then on (the completed cache). Nothing refers to the request's
/// buffer after <see cref="Handle"/> returns.</para>
/// <para>Time is the caller's (<see cref="Stopwatch.GetTimestamp"/> ticks) so tests drive the
/// timeout without sleeping; <see cref="Sweep"/> closes the chunks of rounds past their timeout.</para>
/// </remarks>
public sealed class ConsensusCollector
{
    /// <summary><see cref="Handle"/>: no answer now (absorbed into the chunk, or a retransmission to an open chunk).</summary>
    public const int Absorbed = -1;
    /// <summary><see cref="Handle"/>: dropped unanswered (the codec's drop, counted by name).</summary>
    public const int Dropped = -2;

    /// <summary>Queued answers at most (16 bytes each); a full queue counts <c>originations_overflow</c>.</summary>
    public const int OriginQueueCapacity = 1 << 16;

    private readonly ConsensusLimits _limits;
    private readonly ServiceAuth? _auth;
    private readonly MacContext[]? _macs;   // this collector's (its worker's) key schedules
    private readonly RoundSlot[] _slots;
    private readonly JobEntry[] _jobs;
    private readonly int[] _free;          // stack of free slot indices
    private int _freeCount;
    private readonly int[] _finished;      // FIFO of finished slots: the completed cache, oldest first
    private int _finishedHead, _finishedCount;
    private readonly Origination[] _queue = new Origination[OriginQueueCapacity];
    private int _queueHead, _queueCount;
    private readonly float[] _scratch = new float[Wire.MaxChunk];
    // The low-water marks of the last reclaimed (job, session) entries, a ring overwritten oldest
    // first: a straggler of a reclaimed session is then answered STALE (or from the cache) rather
    // than opening a phantom round that could only end PARTIAL.
    private readonly ReclaimedMark[] _reclaimed = new ReclaimedMark[ReclaimedMarks];
    private int _reclaimedNext;
    private readonly int _window;
    // _window − 1 when the window is a power of two (the default 8): a round's position is then a
    // mask, not a 64-bit division per contribution; -1 otherwise.
    private readonly int _windowMask;
    private readonly long _ticksPerMs;
    private long _nextDeadline = long.MaxValue;

    /// <summary>Low-water marks of reclaimed (job, session) entries remembered (the oldest forgotten first).</summary>
    public const int ReclaimedMarks = 256;

    private struct ReclaimedMark
    {
        public bool Used;
        public uint Job;
        public ulong Session;
        public ulong Mark;
    }

    private enum AnswerKind : byte { Result, ZeroWeight, Aborted }

    private struct Origination
    {
        public int Slot;
        public uint Generation;
        public int Chunk;
        public byte Expert;
        public AnswerKind Kind;
    }

    /// <param name="epoch">This instance's epoch (random, non-zero, new at every start).</param>
    /// <param name="ticksPerSecond">The clock of <c>now</c> arguments (default <see cref="Stopwatch.Frequency"/>).</param>
    /// <param name="auth">The run's keys and replay windows; null: no job has a key.</param>
    public ConsensusCollector(ConsensusLimits limits, uint epoch, long ticksPerSecond = 0, ServiceAuth? auth = null)
    {
        _auth = auth is { Active: true } ? auth : null;
        _macs = _auth?.CreateContexts();
        limits.Validate();
        if (epoch == 0) throw new ArgumentOutOfRangeException(nameof(epoch), "the epoch is never 0 (0 in a request means 'none seen yet')");
        _limits = limits;
        Epoch = epoch;
        _window = limits.MaxRoundsPerJob;
        _windowMask = BitOperations.IsPow2(_window) ? _window - 1 : -1;
        _ticksPerMs = Math.Max(1, (ticksPerSecond > 0 ? ticksPerSecond : Stopwatch.Frequency) / 1000);
        _slots = new RoundSlot[limits.Slots];
        _free = new int[limits.Slots];
        _finished = new int[limits.Slots];
        for (int i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new RoundSlot(i, limits.MaxLength);
            _free[_freeCount++] = _slots.Length - 1 - i;
        }
        _jobs = new JobEntry[limits.MaxJobs];
        for (int j = 0; j < _jobs.Length; j++) _jobs[j] = new JobEntry(_window);
    }

    public uint Epoch { get; }
    public ConsensusLimits Limits => _limits;
    public ConsensusCounters Counters { get; } = new();

    /// <summary>
    /// Each finished round's time from its first contribution to its last chunk closed (complete,
    /// or by its timeout), on the burst clock the collector is given: one record per round, by
    /// the owning worker only.
    /// </summary>
    public LatencyHistogram RoundTimes { get; } = new();

    /// <summary>Rounds open now (for tests and the report).</summary>
    public int OpenRounds { get { int n = 0; foreach (var s in _slots) if (s.State == SlotState.Open) n++; return n; } }

    /// <summary>Answers queued for other contributors.</summary>
    public int PendingOriginations => _queueCount;

    /// <summary>Converts milliseconds to this collector's clock.</summary>
    public long Ticks(int ms) => ms * _ticksPerMs;

    // ------------------------------------------------------------------------------ requests

    /// <summary>
    /// Handles the request in <paramref name="buffer"/>[..<paramref name="length"/>] from
    /// <paramref name="peer"/>; <paramref name="buffer"/> is the room for the answer, written in
    /// place. Returns the answer's length, <see cref="Absorbed"/> or <see cref="Dropped"/>.
    /// </summary>
    public int Handle(Span<byte> buffer, int length, in DatagramPeer peer, long now) => Handle(buffer, length, peer, now, Unchecked);

    /// <summary>
    /// <see cref="Handle(Span{byte}, int, in DatagramPeer, long)"/> for a request whose
    /// authentication another worker has already decided (<see cref="Screen"/> before the
    /// hand-off): <paramref name="key"/> is its verdict — the key it verified with, −1 for a job
    /// without a key — so the MAC is not computed twice and the replay window not consulted twice;
    /// <see cref="Unchecked"/>: check it here.
    /// </summary>
    internal int Handle(Span<byte> buffer, int length, in DatagramPeer peer, long now, int key)
    {
        var verdict = Codec.ReadRequest(buffer[..length], out Message m);
        if (verdict.Drop != Drop.None)
        {
            Counters.CountDropped(verdict.Drop);
            return Dropped;
        }
        bool stale = false;
        if (key == Unchecked) key = Authenticate(buffer[..length], m.Header, out stale);
        if (key == NotAuthentic) return Dropped;
        // A keyed contribution without this instance's epoch: STALE with the epoch, nothing opened.
        int answer = stale && verdict.IsValid
            ? Refuse(Status.Stale, StatusAnswer.Stale(buffer, m.Header, Epoch))
            : Decide(buffer, verdict, m, peer, now, authenticated: key >= 0);
        return key >= 0 && answer > 0 ? _auth!.Sign(buffer, answer, key, _macs) : answer;
    }

    /// <summary>
    /// The receiving worker's check of a contribution it hands to another worker: the codec's
    /// verdict and, for a valid request, its authentication (MAC and replay, counted here as the
    /// owner would count them). Returns the key for <see cref="Handle(Span{byte}, int, in DatagramPeer, long, int)"/>
    /// (≥ 0 verified, −1 a job without a key), <see cref="NotAuthentic"/> (dropped and counted: it
    /// must not take an inbox slot), or <see cref="Unchecked"/> for what the codec drops or refuses
    /// (answered here statelessly, as the owner would).
    /// </summary>
    internal int Screen(ReadOnlySpan<byte> datagram, out bool staleEpoch)
    {
        staleEpoch = false;
        var verdict = Codec.ReadRequest(datagram, out Message m);
        if (!verdict.IsValid) return Unchecked;
        return Authenticate(datagram, m.Header, out staleEpoch);
    }

    /// <summary>A request <see cref="Screen"/> found authentic but without this instance's epoch:
    /// STALE with the epoch, signed with <paramref name="key"/>, answered in place by whichever
    /// worker received it (it opens nothing, so it needs no owner).</summary>
    internal int AnswerStaleEpoch(Span<byte> buffer, int length, int key)
    {
        Codec.ReadRequest(buffer[..length], out Message m);
        int answer = Refuse(Status.Stale, StatusAnswer.Stale(buffer, m.Header, Epoch));
        return answer > 0 ? _auth!.Sign(buffer, answer, key, _macs) : answer;
    }

    /// <summary>The key of an authentic request (its answer is signed with it), −1 for a request
    /// of a job without a key, or <see cref="NotAuthentic"/>: dropped and counted (docs/PROTOCOL.md,
    /// "Authentication trailer"). A request of another version is left to the codec's
    /// UNSUPPORTED_VERSION (64 bytes, whatever the job), as every client must be able to read it.</summary>
    /// <param name="staleEpoch">Set for an authentic CONTRIBUTE of a keyed job that does not carry
    /// this instance's epoch (returned with its key): it must be answered STALE and open nothing.</param>
    private int Authenticate(ReadOnlySpan<byte> datagram, in Header h, out bool staleEpoch)
    {
        staleEpoch = false;
        if (_auth is null || h.Version != Wire.Version) return -1;
        switch (_auth.Check(datagram, h, out int key, _macs, Epoch))
        {
            case AuthOutcome.Verified: Counters.Authenticated(); return key;
            case AuthOutcome.StaleEpoch: Counters.Authenticated(); Counters.EpochStale(); staleEpoch = true; return key;
            case AuthOutcome.Missing: Counters.AuthMissing(); return NotAuthentic;
            case AuthOutcome.Failed: Counters.AuthFailed(); return NotAuthentic;
            case AuthOutcome.Replayed: Counters.Replayed(); return NotAuthentic;
            case AuthOutcome.UnknownJob: Counters.UnknownJob(); return NotAuthentic;
            default: return -1;   // Open, or NoKey (answered UNAUTHENTICATED in order below)
        }
    }

    /// <summary><see cref="Screen"/> and <see cref="Authenticate"/>: dropped, counted, never answered.</summary>
    internal const int NotAuthentic = -2;

    /// <summary>A hand-off's authentication not decided yet: the owner checks it.</summary>
    internal const int Unchecked = -3;

    /// <summary>
    /// A request another worker could not hand to this collector's owner (its inbox full) or that
    /// arrived after stop: answered <paramref name="status"/> (BUSY or ABORTED) without touching
    /// any round — after the same codec and authentication checks as <see cref="Handle(Span{byte}, int, in DatagramPeer, long)"/>
    /// (unless <paramref name="key"/> says they were made: <see cref="Screen"/>), so a forged or
    /// unauthenticated message of a keyed job is dropped here too.
    /// </summary>
    internal int AnswerStateless(Span<byte> buffer, int length, Status status, ushort retryAfterMs, long now, int key = Unchecked)
    {
        Verdict verdict = Codec.ReadRequest(buffer[..length], out Message m);
        if (!verdict.IsValid) return Handle(buffer, length, default, now);   // stateless: a drop or the codec's refusal
        bool stale = false;
        if (key == Unchecked) key = Authenticate(buffer[..length], m.Header, out stale);
        if (key == NotAuthentic) return Dropped;
        Header h = m.Header;
        if (stale) status = Status.Stale;
        if (key < 0 && h.HasMac) return Refuse(Status.Unauthenticated, StatusAnswer.Unauthenticated(buffer, h, Epoch));
        int answer = Refuse(status, status switch
        {
            Status.Busy => StatusAnswer.Busy(buffer, h, Epoch, retryAfterMs),
            Status.Stale => StatusAnswer.Stale(buffer, h, Epoch),
            _ => StatusAnswer.Aborted(buffer, h, Epoch),
        });
        return key >= 0 && answer > 0 ? _auth!.Sign(buffer, answer, key, _macs) : answer;
    }

    private int Decide(Span<byte> buffer, Verdict verdict, Message m, in DatagramPeer peer, long now, bool authenticated)
    {
        Header h = m.Header;
        if (verdict.IsRefused) return Refuse(verdict.Answer, StatusAnswer.Refuse(buffer, h, Epoch, verdict));
        if (h.Operation != Operation.Contribute) return Refuse(Status.UnknownOperation, StatusAnswer.UnknownOperation(buffer, h, Epoch));
        if (h.HasMac && !authenticated) return Refuse(Status.Unauthenticated, StatusAnswer.Unauthenticated(buffer, h, Epoch));
        if (h.Epoch != 0 && h.Epoch != Epoch) return Refuse(Status.Stale, StatusAnswer.Stale(buffer, h, Epoch));
        if (h.Length > (uint)_limits.MaxLength) return Refuse(Status.TooLarge, StatusAnswer.TooLarge(buffer, h, Epoch, Field.Length));
        // One-chunk rounds (the common shape) skip the division.
        uint chunkCount = h.Length <= h.Chunk ? (h.Length == 0 ? 0u : 1u) : Chunks.Count(h.Length, h.Chunk);
        if (chunkCount > ConsensusLimits.MaxChunksPerRound) return Refuse(Status.BadRequest, StatusAnswer.BadRequest(buffer, h, Epoch, Field.Chunk));

        int jobIndex = FindJob(h, now);
        if (jobIndex < 0) return Refuse(Status.Busy, StatusAnswer.Busy(buffer, h, Epoch, RetryAfter(EarliestDeadline(-1), now)));
        JobEntry job = _jobs[jobIndex];
        job.LastActive = now;

        ulong r = h.Round;
        if (r < job.Mark) return AnswerOld(buffer, h);
        if (r - job.Mark >= (ulong)_window)
        {
            ulong newMark = r - (ulong)_window + 1;
            int blocking = LowestOpenBelow(job, jobIndex, newMark);
            if (blocking >= 0) return Refuse(Status.Busy, StatusAnswer.Busy(buffer, h, Epoch, RetryAfter(_slots[blocking].Deadline, now)));
            Slide(job, newMark);
        }

        int position = Position(r);
        RoundSlot? slot = SlotOf(job, jobIndex, position, r);
        if (slot is null)
        {
            if (((job.FinishedBits >> (int)(r - job.Mark)) & 1) != 0)
                return Refuse(Status.Stale, StatusAnswer.Stale(buffer, h, Epoch));   // finished, since evicted
            slot = TakeSlot();
            int timeout = h.Timeout != 0 ? Math.Min(h.Timeout, _limits.RoundTimeoutMs) : _limits.RoundTimeoutMs;
            long deadline = now + timeout * _ticksPerMs;
            slot.Open(jobIndex, h, (int)chunkCount, deadline);
            slot.Opened = now;
            job.SlotByPosition[position] = slot.Index;
            job.Open++;
            if (deadline < _nextDeadline) _nextDeadline = deadline;
            Counters.RoundOpened();
        }
        else
        {
            // The round's first contribution fixed its shape.
            if (h.Target != slot.Shape.Target) return Refuse(Status.BadRequest, StatusAnswer.BadRequest(buffer, h, Epoch, Field.Target));
            if (h.Length != slot.Shape.Length) return Refuse(Status.BadRequest, StatusAnswer.BadRequest(buffer, h, Epoch, Field.Length));
            if (h.Chunk != slot.Shape.Chunk) return Refuse(Status.BadRequest, StatusAnswer.BadRequest(buffer, h, Epoch, Field.Chunk));
        }

        int index = h.Offset < h.Chunk ? 0 : (int)Chunks.Index(h.Offset, h.Chunk);
        if (slot.States[index] != ChunkState.Open) return AnswerClosed(buffer, h, slot, index);

        ulong bit = 1UL << h.Expert;
        slot.Peers[h.Expert] = peer;
        slot.Retransmits[h.Expert] = h.Retransmit;
        if ((slot.Bitmaps[index] & bit) != 0)
        {
            Counters.Retransmission();   // counted once already: absorbed, answered when the chunk closes
            return Absorbed;
        }

        Span<float> acc = slot.ChunkValues(index);
        if (slot.Bitmaps[index] == 0)
        {
            acc.Clear();
            Counters.ChunkOpened();
        }
        Kernel.Accumulate(acc, h.Weight, m.Values);
        slot.WeightSums[index] += h.Weight;
        slot.Bitmaps[index] |= bit;
        Counters.Aggregated();
        if (BitOperations.PopCount(slot.Bitmaps[index]) < h.Target) return Absorbed;

        // Complete: the consensus into the slot (the cache), queued to the others, this one in place.
        ChunkState state = Close(slot, index, complete: true, except: h.Expert);
        int answer = state == ChunkState.Ok
            ? WriteResult(buffer, h, slot, index)
            : StatusAnswer.BadRequest(buffer, h, Epoch, Field.Weight);
        if (slot.ChunksOpen == 0) FinishRound(slot, now);
        return answer;
    }

    private int Refuse(Status status, int answerLength)
    {
        Counters.CountRefused(status);
        return answerLength;
    }

    /// <summary>The (job, session)'s entry; a new one when free, or reclaimed from the idle one active longest ago; -1 when every entry has open rounds.</summary>
    private int FindJob(in Header h, long now)
    {
        int free = -1, idle = -1;
        for (int j = 0; j < _jobs.Length; j++)
        {
            JobEntry e = _jobs[j];
            if (!e.InUse) { if (free < 0) free = j; continue; }
            if (e.Job == h.Job && e.Session == h.Session) return j;
            if (e.Open == 0 && (idle < 0 || e.LastActive < _jobs[idle].LastActive)) idle = j;
        }
        int take = free >= 0 ? free : idle;
        if (take < 0) return -1;
        if (free < 0)
        {
            Counters.JobReclaimed();
            JobEntry old = _jobs[take];
            _reclaimed[_reclaimedNext] = new ReclaimedMark { Used = true, Job = old.Job, Session = old.Session, Mark = old.Mark };
            _reclaimedNext = (_reclaimedNext + 1) % _reclaimed.Length;
        }
        JobEntry entry = _jobs[take];
        entry.Start(h.Job, h.Session, h.Round, now);
        // A session seen before keeps its mark: rounds it finished or passed over stay below it.
        ulong remembered = RememberedMark(h.Job, h.Session);
        if (remembered > entry.Mark) entry.Mark = remembered;
        Counters.JobOpened();
        return take;
    }

    /// <summary>The highest mark remembered for a reclaimed (job, session), 0 when none.</summary>
    private ulong RememberedMark(uint job, ulong session)
    {
        ulong mark = 0;
        foreach (ref readonly ReclaimedMark r in _reclaimed.AsSpan())
            if (r.Used && r.Job == job && r.Session == session && r.Mark > mark) mark = r.Mark;
        return mark;
    }

    private RoundSlot? SlotOf(JobEntry job, int jobIndex, int position, ulong round)
    {
        int s = job.SlotByPosition[position];
        if (s < 0) return null;
        RoundSlot slot = _slots[s];
        return slot.State != SlotState.Free && slot.JobIndex == jobIndex && slot.Round == round
               && slot.Job == job.Job && slot.Session == job.Session ? slot : null;
    }

    /// <summary>The slot of the job's lowest open round below <paramref name="bound"/>, or -1.</summary>
    private int LowestOpenBelow(JobEntry job, int jobIndex, ulong bound)
    {
        if (job.Open == 0) return -1;
        ulong end = Math.Min(bound, job.Mark + (ulong)_window);
        for (ulong r = job.Mark; r < end; r++)
        {
            RoundSlot? s = SlotOf(job, jobIndex, Position(r), r);
            if (s is not null && s.State == SlotState.Open) return s.Index;
        }
        return -1;
    }

    /// <summary>Moves the window up to <paramref name="newMark"/>: the rounds passed over that never finished are never opened now.</summary>
    private void Slide(JobEntry job, ulong newMark)
    {
        ulong shift = newMark - job.Mark;
        ulong inWindow = Math.Min(shift, (ulong)_window);
        ulong mask = inWindow >= 64 ? ulong.MaxValue : (1UL << (int)inWindow) - 1;
        long finished = BitOperations.PopCount(job.FinishedBits & mask);
        Counters.CountSkipped((long)(shift - (ulong)finished));
        job.FinishedBits = shift >= 64 ? 0 : job.FinishedBits >> (int)shift;
        job.Mark = newMark;
        job.AdvanceOverFinished();
    }

    private RoundSlot TakeSlot()
    {
        if (_freeCount > 0) return _slots[_free[--_freeCount]];
        // Every job holds at most its window of open rounds, and the pool has a window per job
        // plus the cache, so with no free slot at least one finished round is cached: evict the oldest.
        if (_finishedCount == 0) Environment.FailFast("consensus: no free slot and no finished round (the pool invariant is broken)");
        int s = _finished[_finishedHead];
        if (++_finishedHead == _finished.Length) _finishedHead = 0;   // a wrap, not a division per eviction
        _finishedCount--;
        _slots[s].State = SlotState.Free;
        Counters.RoundEvicted();
        return _slots[s];
    }

    private void FinishRound(RoundSlot slot, long now)
    {
        RoundTimes.Record(now - slot.Opened);
        slot.State = SlotState.Finished;
        JobEntry job = _jobs[slot.JobIndex];
        job.Open--;
        job.FinishedBits |= 1UL << (int)(slot.Round - job.Mark);
        job.AdvanceOverFinished();
        int tail = _finishedHead + _finishedCount;
        if (tail >= _finished.Length) tail -= _finished.Length;
        _finished[tail] = slot.Index;
        _finishedCount++;
        Counters.RoundFinished();
    }

    /// <summary>
    /// Closes chunk <paramref name="index"/>: OK when complete, else PARTIAL (timeout); Σw = 0
    /// closes it ZeroWeight; no expert at all closes it Empty. Queues the answer to every
    /// contributor but <paramref name="except"/> (the one answered in place; -1: none).
    /// </summary>
    private ChunkState Close(RoundSlot slot, int index, bool complete, int except)
    {
        ulong bitmap = slot.Bitmaps[index];
        ChunkState state;
        if (bitmap == 0) { state = ChunkState.Empty; Counters.ChunkExpiredEmpty(); }
        else if (slot.WeightSums[index] == 0) { state = ChunkState.ZeroWeight; Counters.ChunkZeroWeight(); }
        else
        {
            state = complete ? ChunkState.Ok : ChunkState.Partial;
            if (complete) Counters.ChunkCompleted(); else Counters.ChunkPartial();
            // Into scratch, then back: the kernel's overlapping tail load must not read what it wrote.
            Span<float> acc = slot.ChunkValues(index);
            Span<float> result = _scratch.AsSpan(0, acc.Length);
            Kernel.Finalize(acc, (float)slot.WeightSums[index], result);
            result.CopyTo(acc);
        }
        slot.States[index] = state;
        slot.ChunksOpen--;
        if (state != ChunkState.Empty)
            Queue(slot, index, bitmap, except, state == ChunkState.ZeroWeight ? AnswerKind.ZeroWeight : AnswerKind.Result);
        return state;
    }

    private void Queue(RoundSlot slot, int index, ulong bitmap, int except, AnswerKind kind)
    {
        if (except >= 0) bitmap &= ~(1UL << except);
        while (bitmap != 0)
        {
            int e = BitOperations.TrailingZeroCount(bitmap);
            bitmap &= bitmap - 1;
            if (_queueCount == _queue.Length) { Counters.OriginationOverflow(); continue; }
            _queue[(_queueHead + _queueCount) & (OriginQueueCapacity - 1)] = new Origination
            {
                Slot = slot.Index, Generation = slot.Generation, Chunk = index, Expert = (byte)e, Kind = kind,
            };
            _queueCount++;
            Counters.OriginationQueued();
        }
    }

    /// <summary>A contribution to a closed chunk: its answer again (the result from the cache).</summary>
    private int AnswerClosed(Span<byte> buffer, in Header h, RoundSlot slot, int index)
    {
        switch (slot.States[index])
        {
            case ChunkState.Ok:
            case ChunkState.Partial:
                Counters.CacheResend();
                return WriteResult(buffer, h, slot, index);
            case ChunkState.ZeroWeight:
                return Refuse(Status.BadRequest, StatusAnswer.BadRequest(buffer, h, Epoch, Field.Weight));
            default:   // Empty or Aborted: the round is over for this chunk
                return Refuse(Status.Stale, StatusAnswer.Stale(buffer, h, Epoch));
        }
    }

    /// <summary>A round below the job's mark: its result from the completed cache, else STALE.</summary>
    private int AnswerOld(Span<byte> buffer, in Header h)
    {
        foreach (RoundSlot s in _slots)
        {
            if (s.State == SlotState.Finished && s.Round == h.Round && s.Job == h.Job && s.Session == h.Session)
            {
                if (h.Target != s.Shape.Target || h.Length != s.Shape.Length || h.Chunk != s.Shape.Chunk) break;
                return AnswerClosed(buffer, h, s, (int)Chunks.Index(h.Offset, h.Chunk));
            }
        }
        return Refuse(Status.Stale, StatusAnswer.Stale(buffer, h, Epoch));
    }

    /// <summary>The RESULT (OK or PARTIAL) of a closed chunk, answering <paramref name="request"/>.</summary>
    private int WriteResult(Span<byte> buffer, in Header request, RoundSlot slot, int index)
    {
        Span<float> dst = Result.Values(buffer, request);
        Span<float> values = slot.ChunkValues(index);
        if (dst.Length != values.Length) return 0;
        values.CopyTo(dst);
        float w = (float)slot.WeightSums[index];
        ulong bitmap = slot.Bitmaps[index];
        return slot.States[index] == ChunkState.Ok
            ? Result.WriteOk(buffer, request, Epoch, w, bitmap)
            : Result.WritePartial(buffer, request, Epoch, w, bitmap);
    }

    // ------------------------------------------------------------------------------ time and stop

    /// <summary>
    /// Closes every chunk of every round past its timeout: PARTIAL to each contributor (or
    /// BAD_REQUEST weight when Σw = 0). Cheap when nothing is due: one comparison.
    /// </summary>
    public void Sweep(long now)
    {
        if (now < _nextDeadline) return;
        long next = long.MaxValue;
        foreach (RoundSlot slot in _slots)
        {
            if (slot.State != SlotState.Open) continue;
            if (slot.Deadline > now)
            {
                next = Math.Min(next, slot.Deadline);
                continue;
            }
            for (int i = 0; i < slot.ChunkCount; i++)
                if (slot.States[i] == ChunkState.Open) Close(slot, i, complete: false, except: -1);
            FinishRound(slot, now);
        }
        _nextDeadline = next;
    }

    /// <summary>At stop: every open chunk with contributors is answered ABORTED to each of them (queued).</summary>
    public void Abort()
    {
        foreach (RoundSlot slot in _slots)
        {
            if (slot.State != SlotState.Open) continue;
            for (int i = 0; i < slot.ChunkCount; i++)
            {
                if (slot.States[i] != ChunkState.Open || slot.Bitmaps[i] == 0) continue;
                slot.States[i] = ChunkState.Aborted;
                Counters.ChunkAborted();
                Queue(slot, i, slot.Bitmaps[i], -1, AnswerKind.Aborted);
            }
        }
        _nextDeadline = long.MaxValue;
    }

    // ------------------------------------------------------------------------------ originations

    /// <summary>
    /// Writes the next queued answer into <paramref name="payload"/> and says whom it goes to;
    /// -1 when nothing waits. An answer whose round was evicted meanwhile is skipped and counted.
    /// </summary>
    public int Originate(Span<byte> payload, out DatagramPeer to)
    {
        while (_queueCount > 0)
        {
            Origination o = _queue[_queueHead];
            _queueHead = (_queueHead + 1) & (OriginQueueCapacity - 1);
            _queueCount--;
            RoundSlot slot = _slots[o.Slot];
            if (slot.Generation != o.Generation || slot.State == SlotState.Free)
            {
                Counters.OriginationLost();
                continue;
            }
            to = slot.Peers[o.Expert];
            Header h = slot.AnswerHeader(o.Chunk, o.Expert);
            int n = o.Kind switch
            {
                AnswerKind.Result => WriteResult(payload, h, slot, o.Chunk),
                AnswerKind.ZeroWeight => StatusAnswer.BadRequest(payload, h, Epoch, Field.Weight),
                _ => StatusAnswer.Aborted(payload, h, Epoch),
            };
            // A keyed job's contributions were all authenticated: its answers are signed too.
            if (n > 0 && _auth is not null) n = _auth.SignFor(payload, n, h.Job, _macs);
            if (n > 0) return n;
            Counters.OriginationLost();   // the pool's buffer cannot hold it
        }
        to = default;
        return -1;
    }

    // ------------------------------------------------------------------------------ helpers

    /// <summary>Round <paramref name="round"/>'s position in its job's window (round mod W).</summary>
    private int Position(ulong round) => _windowMask >= 0 ? (int)round & _windowMask : (int)(round % (ulong)_window);

    private long EarliestDeadline(int jobIndex)
    {
        long d = long.MaxValue;
        foreach (RoundSlot s in _slots)
            if (s.State == SlotState.Open && (jobIndex < 0 || s.JobIndex == jobIndex)) d = Math.Min(d, s.Deadline);
        return d;
    }

    /// <summary>Retry-after in ms: until <paramref name="deadline"/> (the round holding the window times out at the latest), 1..65,535.</summary>
    private ushort RetryAfter(long deadline, long now)
    {
        if (deadline == long.MaxValue) return (ushort)Math.Clamp(_limits.RoundTimeoutMs, 1, ushort.MaxValue);
        long ms = (deadline - now + _ticksPerMs - 1) / _ticksPerMs;
        return (ushort)Math.Clamp(ms, 1, ushort.MaxValue);
    }
}
