using System.Runtime.InteropServices;
using Synthex.Protocol;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// The similarity service's side of the <see cref="ResultCache"/>: a QUERY is looked up on the I/O
/// worker after validation and, on a hit, answered there at once (no slot, no compute round-trip);
/// the compute thread stores every answer it scored. A hit writes the answer with the same
/// <see cref="Matches.WriteOk"/>, request header, epoch and version as the compute thread would,
/// from the very matches the compute thread stored, so its bytes equal a miss's.
/// </summary>
public sealed partial class SimilarityService
{
    private readonly ResultCache? _cache;
    // Per worker (single writer each): where a hit's matches land before they are checked whole,
    // so a lookup that loses a race leaves the request's payload intact for the miss path.
    private readonly Match[]?[] _hitScratch = new Match[]?[MaxWorkers];
    private readonly long[]?[] _cacheCounters = new long[]?[MaxWorkers]; // [hits, misses]

    /// <summary>The matrix version lookups key on: the current one, the value a computed answer
    /// would carry in its tag. Read here only, so a service that reloads changes this one line;
    /// inserts take the version of the batch that scored them (<see cref="CacheAnswers"/>).</summary>
    private ulong CacheVersion => MatrixVersion;

    /// <summary>The result cache, or null with <c>--cache-entries 0</c>.</summary>
    public ResultCache? Cache => _cache;

    private ResultCache? CreateCache(int entries)
        => entries > 0 ? new ResultCache(entries, 4 * _requestFloats, KMax) : null;

    private void RegisterCacheWorker(int worker)
    {
        if (_cache is null) return;
        _hitScratch[worker] = new Match[KMax];
        _cacheCounters[worker] = new long[2];
    }

    /// <summary>I/O worker: a validated QUERY answered from the cache in place; false on a miss.</summary>
    private bool TryAnswerFromCache(Span<byte> buffer, in Header h, ReadOnlySpan<byte> query, int worker, out int length)
    {
        ResultCache cache = _cache!;
        Match[] scratch = _hitScratch[worker]!;
        long[] c = _cacheCounters[worker]!;
        ulong version = CacheVersion;
        int n = cache.TryGet(cache.HashOf(query, h.K, Metric, version), query, h.K, Metric, version, scratch);
        if (n < 0)
        {
            c[1]++;
            length = 0;
            return false;
        }
        length = Matches.WriteOk(buffer, h, Epoch, version, scratch.AsSpan(0, n)); // fits: the caller checked the buffer's room
        c[0]++;
        if (cache.MaintenanceWanted && Volatile.Read(ref _sleeping) != 0) _wake.Set(); // rare: every ~2,048 hits at most
        return true;
    }

    /// <summary>Compute thread: stores the batch's answers (after scoring; the keys are the slots' request bytes)
    /// under <paramref name="version"/>, the version of the matrix that scored them — not the current one,
    /// which a reload may have moved on while the batch ran.</summary>
    private void CacheAnswers(ReadOnlySpan<int> slots, Match[] matches, int[] counts, ulong version)
    {
        if (_cache is not { } cache) return;
        int d = _requestFloats;
        for (int i = 0; i < slots.Length; i++)
        {
            int s = slots[i];
            ReadOnlySpan<byte> query = MemoryMarshal.AsBytes(_requests.AsSpan(s * d, d));
            int k = _headers[s].K;
            cache.Put(cache.HashOf(query, k, Metric, version), query, k, Metric, version, matches.AsSpan(i * KMax, counts[i]));
        }
    }

    private void AddCacheCounters(List<KeyValuePair<string, long>> list)
    {
        if (_cache is not { } cache) return;
        long hits = 0, misses = 0;
        for (int w = 0; w < Volatile.Read(ref _workers) && w < MaxWorkers; w++)
            if (_cacheCounters[w] is { } c) { hits += Volatile.Read(ref c[0]); misses += Volatile.Read(ref c[1]); }
        list.Add(new("cache_hits", hits));
        list.Add(new("cache_misses", misses));
        list.Add(new("cache_inserts", cache.Inserts));
        list.Add(new("cache_admissions", cache.Admissions));
        list.Add(new("cache_rejections", cache.Rejections));
        list.Add(new("cache_evictions", cache.Evictions));
        list.Add(new("cache_entries", cache.Count));
    }
}
