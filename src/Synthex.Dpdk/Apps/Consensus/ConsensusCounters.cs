using System.Runtime.CompilerServices;
using Synthex.Protocol;

namespace Synthex.Dpdk.Apps.Consensus;

/// <summary>
/// What one worker's consensus collector (and its hand-offs) did, counted by that worker with plain stores and read by the
/// stats thread with <see cref="Volatile.Read(ref readonly long)"/> (as <c>WorkerCounters</c>).
/// Every datagram the service sees ends in exactly one of: aggregated, retransmission, cache
/// re-send, refused (by status), dropped (by the codec's drop name) — or, on the worker that
/// received it, handed off to the owner, where it ends in one of those (<c>handoff_served</c>).
/// </summary>
public sealed class ConsensusCounters
{
    private const int Statuses = 10;
    private const int Drops = 7;

    private long _roundsOpened, _roundsFinished, _roundsSkipped, _roundsEvicted;
    private long _chunksOpened, _chunksCompleted, _chunksPartial, _chunksAborted, _chunksZeroWeight, _chunksExpiredEmpty;
    private long _aggregated, _retransmissions, _cacheResends, _jobsOpened, _jobsReclaimed;
    private long _originationsQueued, _originationsLost, _originationsOverflow;
    private long _handedOff, _handoffBusy, _handoffServed;
    private long _authenticated, _authFailed, _authMissing, _replayed, _unknownJob, _epochStale;
    private readonly long[] _refused = new long[Statuses];
    private readonly long[] _dropped = new long[Drops];

    // ---- writer: the owning worker ---------------------------------------------------------
    internal void RoundOpened() => _roundsOpened++;
    internal void RoundFinished() => _roundsFinished++;
    internal void CountSkipped(long n) => _roundsSkipped += n;
    internal void RoundEvicted() => _roundsEvicted++;
    internal void ChunkOpened() => _chunksOpened++;
    internal void ChunkCompleted() => _chunksCompleted++;
    internal void ChunkPartial() => _chunksPartial++;
    internal void ChunkAborted() => _chunksAborted++;
    internal void ChunkZeroWeight() => _chunksZeroWeight++;
    internal void ChunkExpiredEmpty() => _chunksExpiredEmpty++;
    internal void Aggregated() => _aggregated++;
    internal void Retransmission() => _retransmissions++;
    internal void CacheResend() => _cacheResends++;
    internal void JobOpened() => _jobsOpened++;
    internal void JobReclaimed() => _jobsReclaimed++;
    internal void OriginationQueued() => _originationsQueued++;
    internal void OriginationLost() => _originationsLost++;
    internal void OriginationOverflow() => _originationsOverflow++;
    internal void CountHandedOff() => _handedOff++;
    internal void CountHandoffBusy() => _handoffBusy++;
    internal void CountHandoffServed() => _handoffServed++;
    internal void Authenticated() => _authenticated++;
    internal void AuthFailed() => _authFailed++;
    internal void AuthMissing() => _authMissing++;
    internal void Replayed() => _replayed++;
    internal void UnknownJob() => _unknownJob++;
    internal void EpochStale() => _epochStale++;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void CountRefused(Status s) => _refused[(int)s]++;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void CountDropped(Drop d) => _dropped[(int)d]++;

    // ---- reader: any thread ---------------------------------------------------------------
    /// <summary>Rounds opened (a slot taken by a round's first contribution).</summary>
    public long RoundsOpened => Volatile.Read(ref _roundsOpened);
    /// <summary>Rounds whose every chunk closed (OK, PARTIAL or zero weight).</summary>
    public long RoundsFinished => Volatile.Read(ref _roundsFinished);
    /// <summary>Round ids passed over when the admission window slid to a higher round (never opened, now STALE).</summary>
    public long RoundsSkipped => Volatile.Read(ref _roundsSkipped);
    /// <summary>Finished rounds evicted from the completed cache to make room.</summary>
    public long RoundsEvicted => Volatile.Read(ref _roundsEvicted);
    /// <summary>Chunks that received their first contribution.</summary>
    public long ChunksOpened => Volatile.Read(ref _chunksOpened);
    /// <summary>Chunks completed with <c>target</c> experts (RESULT OK).</summary>
    public long ChunksCompleted => Volatile.Read(ref _chunksCompleted);
    /// <summary>Chunks closed by the round timeout with fewer experts (RESULT PARTIAL).</summary>
    public long ChunksPartial => Volatile.Read(ref _chunksPartial);
    /// <summary>Open chunks answered ABORTED at stop.</summary>
    public long ChunksAborted => Volatile.Read(ref _chunksAborted);
    /// <summary>Chunks closed with Σw = 0 (answered BAD_REQUEST naming weight).</summary>
    public long ChunksZeroWeight => Volatile.Read(ref _chunksZeroWeight);
    /// <summary>Chunks of a timed-out round that no expert contributed (nobody to answer).</summary>
    public long ChunksExpiredEmpty => Volatile.Read(ref _chunksExpiredEmpty);
    /// <summary>Contributions added into a chunk's sums.</summary>
    public long AggregatedContributions => Volatile.Read(ref _aggregated);
    /// <summary>Contributions from an expert already counted in an open chunk: absorbed, not added.</summary>
    public long Retransmissions => Volatile.Read(ref _retransmissions);
    /// <summary>Contributions to a closed chunk answered with its result again, from the cache.</summary>
    public long CacheResends => Volatile.Read(ref _cacheResends);
    /// <summary>(job, session) entries opened.</summary>
    public long JobsOpened => Volatile.Read(ref _jobsOpened);
    /// <summary>Idle (job, session) entries reused for a new one.</summary>
    public long JobsReclaimed => Volatile.Read(ref _jobsReclaimed);
    /// <summary>Answers queued for other contributors (results, ABORTED).</summary>
    public long OriginationsQueued => Volatile.Read(ref _originationsQueued);
    /// <summary>Queued answers whose round was evicted before they were sent (not sent).</summary>
    public long OriginationsLost => Volatile.Read(ref _originationsLost);
    /// <summary>Answers not queued because the origination queue was full.</summary>
    public long OriginationsOverflow => Volatile.Read(ref _originationsOverflow);
    /// <summary>Contributions this worker received for a (job, session) another worker owns, copied into the owner's inbox and absorbed here.</summary>
    public long HandedOffContributions => Volatile.Read(ref _handedOff);
    /// <summary>Contributions for another worker's (job, session) answered BUSY because its inbox was full (also in <c>refused_busy</c>).</summary>
    public long HandoffBusyAnswers => Volatile.Read(ref _handoffBusy);
    /// <summary>Contributions taken from this worker's inbox and handled as if received here.</summary>
    public long HandoffServed => Volatile.Read(ref _handoffServed);
    /// <summary>Requests of a keyed job whose MAC verified (then handled as any other).</summary>
    public long AuthenticatedRequests => Volatile.Read(ref _authenticated);
    /// <summary>Requests of a keyed job whose MAC did not verify: dropped, never answered.</summary>
    public long AuthFailures => Volatile.Read(ref _authFailed);
    /// <summary>Requests of a keyed job without a MAC: dropped, never answered.</summary>
    public long AuthMissingRequests => Volatile.Read(ref _authMissing);
    /// <summary>Authentic requests below their (job, expert)'s window of round ids: replays, dropped.</summary>
    public long ReplayedRequests => Volatile.Read(ref _replayed);
    /// <summary>Requests of a job the key file does not list, with <c>--require-auth</c>: dropped, never answered.</summary>
    public long UnknownJobRequests => Volatile.Read(ref _unknownJob);
    /// <summary>Authentic contributions of a keyed job without this instance's epoch (0 or an earlier one): answered STALE, nothing opened (also in <c>refused_stale</c>).</summary>
    public long EpochStaleRequests => Volatile.Read(ref _epochStale);
    /// <summary>Requests refused with <paramref name="status"/> (BUSY and STALE included).</summary>
    public long Refused(Status status) => Volatile.Read(ref _refused[(int)status]);
    /// <summary>Datagrams dropped unanswered under the codec's <paramref name="drop"/> name.</summary>
    public long Dropped(Drop drop) => Volatile.Read(ref _dropped[(int)drop]);
    public long Busy => Refused(Status.Busy);
    public long Stale => Refused(Status.Stale);

    /// <summary>The counters by name, for the report and the live line (allocates: not for the hot path).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Snapshot()
    {
        var list = new List<KeyValuePair<string, long>>
        {
            new("rounds_opened", RoundsOpened), new("rounds_finished", RoundsFinished), new("rounds_skipped", RoundsSkipped),
            new("rounds_evicted", RoundsEvicted), new("chunks_opened", ChunksOpened), new("chunks_completed", ChunksCompleted),
            new("chunks_partial", ChunksPartial), new("chunks_aborted", ChunksAborted), new("chunks_zero_weight", ChunksZeroWeight),
            new("chunks_expired_empty", ChunksExpiredEmpty), new("aggregated", AggregatedContributions),
            new("retransmissions", Retransmissions), new("cache_resends", CacheResends), new("jobs_opened", JobsOpened),
            new("jobs_reclaimed", JobsReclaimed), new("originations_queued", OriginationsQueued),
            new("originations_lost", OriginationsLost), new("originations_overflow", OriginationsOverflow),
            new("handed_off", HandedOffContributions), new("handoff_busy", HandoffBusyAnswers), new("handoff_served", HandoffServed),
            new("authenticated", AuthenticatedRequests), new("auth_failed", AuthFailures), new("auth_missing", AuthMissingRequests),
            new("replayed", ReplayedRequests), new("unknown_job", UnknownJobRequests),
            new("epoch_stale", EpochStaleRequests),
        };
        for (int s = 1; s < Statuses; s++)
            list.Add(new("refused_" + NameOf((Status)s), Refused((Status)s)));
        for (int d = 1; d < Drops; d++)
            list.Add(new("dropped_" + ((Drop)d).ToString(), Dropped((Drop)d)));
        return list;
    }

    private static string NameOf(Status s) => s switch
    {
        Status.Partial => "partial", Status.Busy => "busy", Status.Stale => "stale", Status.Aborted => "aborted",
        Status.BadRequest => "bad_request", Status.TooLarge => "too_large", Status.UnsupportedVersion => "unsupported_version",
        Status.UnknownOperation => "unknown_operation", Status.Unauthenticated => "unauthenticated", _ => s.ToString(),
    };
}
