using Synthex.Dpdk.Apps;
using Synthex.Protocol;

namespace Synthex.Dpdk.Tests.Apps.Similarity;

/// <summary>
/// The service with its result cache: a repeated QUERY is answered on the I/O worker, in place,
/// with exactly the bytes the compute thread produced for the miss; other k, other bytes still go
/// to the compute thread; hits and misses are counted; the hit path allocates nothing.
/// </summary>
public sealed partial class SimilarityServiceTests
{
    private SimilarityService CachedService(int cacheEntries)
        => new(StoredMatrix.Load(_files.Npy(_values, N, D)), null, SimilarityMetric.Cosine, kMax: 4, slots: 16, cacheEntries: cacheEntries);

    private static byte[] OriginateOne(SimilarityService s) => Originated(s, 1)[0];

    [Fact]
    public void A_repeated_query_is_answered_in_place_with_the_bytes_of_the_miss()
    {
        using var s = CachedService(cacheEntries: 64);
        s.RegisterWorker();
        float[] q = MatrixFiles.Random(1, D);
        Assert.True(s.Accept(_buffer, QueryBytes(q, 3, id: 41), Meta, 0).IsAbsorbed);
        byte[] miss = OriginateOne(s); // stored before it was queued back to the worker

        DatagramVerdict hit = s.Accept(_buffer, QueryBytes(q, 3, id: 41), Meta, 0);
        Assert.True(hit.IsReply, hit.ToString());
        Assert.Equal(miss, _buffer[..hit.ReplyLength]);

        // Another request id: the header echoes it, the matches and the tag are the miss's.
        hit = s.Accept(_buffer, QueryBytes(q, 3, id: 42), Meta, 0);
        Assert.True(Codec.ReadAnswer(_buffer.AsSpan(0, hit.ReplyLength), out Message a).IsValid);
        Assert.True(Codec.ReadAnswer(miss, out Message m).IsValid);
        Assert.Equal((42UL, Status.Ok, m.Header.Tag), (a.Header.Round, a.Header.Status, a.Header.Tag));
        Assert.Equal(m.Matches.ToArray(), a.Matches.ToArray());

        Assert.Equal(2, Counter(s, "cache_hits"));
        Assert.Equal(1, Counter(s, "cache_misses"));
        Assert.Equal(1, Counter(s, "cache_inserts"));
        Assert.Equal(1, Counter(s, "scored"));
        Assert.Equal(1, Counter(s, "queries")); // hits are not queued
    }

    [Fact]
    public void Another_k_or_other_bytes_are_misses_scored_by_the_compute_thread()
    {
        using var s = CachedService(cacheEntries: 64);
        s.RegisterWorker();
        float[] q = MatrixFiles.Random(2, D);
        Assert.True(s.Accept(_buffer, QueryBytes(q, 3, id: 1), Meta, 0).IsAbsorbed);
        OriginateOne(s);
        Assert.True(s.Accept(_buffer, QueryBytes(q, 2, id: 2), Meta, 0).IsAbsorbed);
        OriginateOne(s);
        q[0] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(q[0]) ^ 1); // one bit
        Assert.True(s.Accept(_buffer, QueryBytes(q, 3, id: 3), Meta, 0).IsAbsorbed);
        OriginateOne(s);
        Assert.Equal(0, Counter(s, "cache_hits"));
        Assert.Equal(3, Counter(s, "cache_misses"));
        Assert.Equal(3, Counter(s, "scored"));
    }

    [Fact]
    public void Without_a_cache_a_repeated_query_is_scored_again_and_no_cache_counters_show()
    {
        using var s = CachedService(cacheEntries: 0);
        s.RegisterWorker();
        float[] q = MatrixFiles.Random(3, D);
        Assert.True(s.Accept(_buffer, QueryBytes(q, 3, id: 1), Meta, 0).IsAbsorbed);
        byte[] first = OriginateOne(s);
        Assert.True(s.Accept(_buffer, QueryBytes(q, 3, id: 1), Meta, 0).IsAbsorbed);
        Assert.Equal(first, OriginateOne(s)); // a miss's bytes do not depend on the cache either
        Assert.Null(s.Cache);
        Assert.DoesNotContain(s.Counters, c => c.Key.StartsWith("cache_", StringComparison.Ordinal));
    }

    [Fact]
    public void The_hit_path_allocates_nothing()
    {
        using var s = CachedService(cacheEntries: 64);
        s.RegisterWorker();
        float[] q = MatrixFiles.Random(4, D);
        int length = QueryBytes(q, 3, id: 1);
        var request = _buffer[..length];
        Assert.True(s.Accept(_buffer, length, Meta, 0).IsAbsorbed);
        OriginateOne(s);
        // Round 0 JITs; a later tier-up can still allocate a few KB once on the thread that trips
        // it (see ResultCacheTests): every later round stays under that, and one allocates nothing.
        var allocatedByRound = new List<long>();
        for (int round = 0; round < 6; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++)
            {
                request.CopyTo(_buffer, 0);
                if (!s.Accept(_buffer, length, Meta, 0).IsReply) throw new InvalidOperationException("expected a hit");
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (round > 0) allocatedByRound.Add(allocated);
        }
        Assert.All(allocatedByRound, a => Assert.True(a < 8 * 1024, $"a round allocated {a} bytes: {string.Join(", ", allocatedByRound)}"));
        Assert.Contains(0L, allocatedByRound);
        Assert.Equal(1200, Counter(s, "cache_hits"));
    }
}
