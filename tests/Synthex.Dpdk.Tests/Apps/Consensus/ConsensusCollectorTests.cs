using Synthex.Dpdk.Apps.Consensus;
using Synthex.Protocol;
using static Synthex.Dpdk.Tests.Apps.Consensus.CollectorHarness;

namespace Synthex.Dpdk.Tests.Apps.Consensus;

/// <summary>The collector's semantics, one rule of docs/PROTOCOL.md ("Consensus") per test.</summary>
public class ConsensusCollectorTests
{
    [Fact]
    public void The_completing_contribution_is_answered_in_place_and_the_others_are_originated()
    {
        var t = new CollectorHarness();
        float[][] r = [[1f, 2f], [3f, 4f], [5f, -6f]];
        float[] w = [0.5f, 1f, 2.5f];
        Assert.Null(t.Contribute(Contribution(0, 3, 2, 0, 2, w[0]), r[0]));
        Assert.Null(t.Contribute(Contribution(1, 3, 2, 0, 2, w[1]), r[1]));
        Assert.Equal(0, t.Collector.PendingOriginations);
        Answer? last = t.Contribute(Contribution(2, 3, 2, 0, 2, w[2]), r[2]);

        Assert.NotNull(last);
        Assert.True(last.InPlace);
        Assert.Equal(Status.Ok, last.Header.Status);
        Assert.Equal(3, last.Header.Count);
        Assert.Equal(0b111UL, last.Header.Tag);
        Assert.Equal(4f, last.Header.Weight);
        float[] expected = [(0.5f * 1 + 3 + 2.5f * 5) / 4, (0.5f * 2 + 4 - 2.5f * 6) / 4];
        Assert.Equal(expected, last.Values);
        var others = t.Drain();
        Assert.Equal([0, 1], others.Select(a => a.Expert).Order());
        Assert.All(others, a => Assert.Equal(expected, a.Values));
        Assert.All(others, a => Assert.Equal(Status.Ok, a.Header.Status));
        Assert.Equal(1, t.Counters.ChunksCompleted);
        Assert.Equal(1, t.Counters.RoundsFinished);
        Assert.Equal(3, t.Counters.AggregatedContributions);
    }

    [Fact]
    public void A_long_vector_streams_chunk_by_chunk()
    {
        var t = new CollectorHarness();
        // 10 elements in chunks of 4: chunk 1 completes while chunk 0 is still open.
        Assert.Null(t.Contribute(Contribution(0, 2, 10, 4, 4, 1f), [1, 1, 1, 1]));
        Answer? a = t.Contribute(Contribution(1, 2, 10, 4, 4, 1f), [3, 3, 3, 3]);
        Assert.Equal([2f, 2f, 2f, 2f], a!.Values);
        Assert.Equal(4u, a.Header.Offset);
        Assert.Single(t.Drain());
        Assert.Equal(1, t.Collector.OpenRounds);
        Assert.Equal(0, t.Counters.RoundsFinished);
    }

    [Fact]
    public void A_retransmission_never_aggregates_twice_and_gets_the_result_from_the_cache_once_complete()
    {
        var t = new CollectorHarness();
        Assert.Null(t.Contribute(Contribution(0, 2, 1, 0, 1, 1f), [10f]));
        Assert.Null(t.Contribute(Contribution(0, 2, 1, 0, 1, 1f, retransmit: 1), [1000f]));   // absorbed, not added
        Assert.Equal(1, t.Counters.Retransmissions);
        Answer? done = t.Contribute(Contribution(1, 2, 1, 0, 1, 1f), [20f]);
        Assert.Equal([15f], done!.Values);
        var toZero = Assert.Single(t.Drain());
        Assert.Equal(1, toZero.Header.Retransmit);   // echoes its latest contribution
        Answer? again = t.Contribute(Contribution(0, 2, 1, 0, 1, 1f, retransmit: 2), [10f]);
        Assert.Equal([15f], again!.Values);
        Assert.Equal(1, t.Counters.CacheResends);
        Assert.Equal(2, t.Counters.AggregatedContributions);
    }

    [Theory]
    [InlineData(3, 2u, (ushort)2, Field.Target)]
    [InlineData(2, 4u, (ushort)2, Field.Length)]
    [InlineData(2, 2u, (ushort)1, Field.Chunk)]
    public void A_contribution_that_disagrees_with_the_rounds_shape_is_refused_naming_the_field(int target, uint length, ushort chunk, Field field)
    {
        var t = new CollectorHarness();
        Assert.Null(t.Contribute(Contribution(0, 2, 2, 0, 2, 1f), [1f, 1f]));
        Answer? a = t.Contribute(Contribution(1, target, length, 0, chunk, 1f), new float[Math.Min(chunk, (int)length)]);
        Assert.Equal(Status.BadRequest, a!.Header.Status);
        Assert.Equal((ushort)field, a.Header.Detail);
        Assert.Equal(1, t.Counters.Refused(Status.BadRequest));
        Assert.Equal(1, t.Counters.AggregatedContributions);
    }

    [Fact]
    public void The_round_timeout_closes_open_chunks_partial_with_count_and_bitmap()
    {
        var t = new CollectorHarness(new ConsensusLimits(RoundTimeoutMs: 100));
        t.Contribute(Contribution(0, 4, 3, 0, 2, 1f, timeout: 50), [2f, 4f]);   // asks for less: 50 ms
        t.Contribute(Contribution(3, 4, 3, 0, 2, 3f), [6f, 8f]);
        t.Contribute(Contribution(3, 4, 3, 2, 2, 3f), [1f]);
        t.NowMs = 49;
        t.Sweep();
        Assert.Empty(t.Drain());
        t.NowMs = 50;
        t.Sweep();
        var answers = t.Drain();
        Assert.Equal(3, answers.Count);
        Assert.All(answers, a => Assert.Equal(Status.Partial, a.Header.Status));
        var chunk0 = answers.Where(a => a.Header.Offset == 0).ToList();
        Assert.Equal([0, 3], chunk0.Select(a => a.Expert).Order());
        Assert.All(chunk0, a => Assert.Equal(0b1001UL, a.Header.Tag));
        Assert.All(chunk0, a => Assert.Equal([5f, 7f], a.Values));
        Assert.Equal(2, t.Counters.ChunksPartial);
        Assert.Equal(1, t.Counters.RoundsFinished);
        // A late contribution gets the partial result from the cache; nothing reopens.
        Answer? late = t.Contribute(Contribution(1, 4, 3, 0, 2, 1f), [0f, 0f]);
        Assert.Equal(Status.Partial, late!.Header.Status);
        Assert.Equal(0, t.Collector.OpenRounds);
    }

    [Fact]
    public void A_chunk_whose_weights_sum_to_zero_is_answered_bad_request_naming_weight()
    {
        var t = new CollectorHarness();
        t.Contribute(Contribution(0, 2, 1, 0, 1, 0f), [1f]);
        Answer? a = t.Contribute(Contribution(1, 2, 1, 0, 1, 0f), [1f]);
        Assert.Equal(Status.BadRequest, a!.Header.Status);
        Assert.Equal((ushort)Field.Weight, a.Header.Detail);
        Assert.Equal(Status.BadRequest, Assert.Single(t.Drain()).Header.Status);
        Assert.Equal(1, t.Counters.ChunksZeroWeight);
    }

    [Fact]
    public void Rounds_above_the_window_are_busy_with_a_retry_after_until_the_window_moves()
    {
        var t = new CollectorHarness(new ConsensusLimits(MaxRoundsPerJob: 2, RoundTimeoutMs: 300));
        t.Contribute(Contribution(0, 2, 1, 0, 1, 1f, round: 10), [1f]);
        t.Contribute(Contribution(0, 2, 1, 0, 1, 1f, round: 11), [1f]);
        t.NowMs = 100;
        Answer? busy = t.Contribute(Contribution(0, 2, 1, 0, 1, 1f, round: 12), [1f]);
        Assert.Equal(Status.Busy, busy!.Header.Status);
        Assert.Equal(200, busy.Header.Detail);   // round 10 times out at 300 ms at the latest
        Assert.Equal(1, t.Counters.Busy);
        t.Contribute(Contribution(1, 2, 1, 0, 1, 1f, round: 10), [1f]);   // round 10 completes
        t.Drain();
        Assert.Null(t.Contribute(Contribution(0, 2, 1, 0, 1, 1f, round: 12), [1f]));   // admitted now
        Assert.Equal(2, t.Collector.OpenRounds);
    }

    [Fact]
    public void Below_the_mark_a_round_is_stale_once_evicted_and_no_phantom_round_opens()
    {
        var t = new CollectorHarness(new ConsensusLimits(MaxJobs: 1, MaxRoundsPerJob: 1, CompletedCache: 0));
        for (ulong round = 1; round <= 2; round++)
        {
            t.Contribute(Contribution(0, 1, 1, 0, 1, 1f, round: round), [round]);
        }
        // Round 1 was evicted to open round 2 (no cache): its retransmission is STALE, not a new round.
        Answer? stale = t.Contribute(Contribution(0, 1, 1, 0, 1, 1f, round: 1), [1f]);
        Assert.Equal(Status.Stale, stale!.Header.Status);
        // Round 2 is still cached (its slot is free to take, but nobody took it yet).
        Assert.Equal([2f], t.Contribute(Contribution(0, 1, 1, 0, 1, 1f, round: 2), [2f])!.Values);
        Assert.Equal(2, t.Counters.RoundsOpened);
        Assert.Equal(1, t.Counters.Stale);
        Assert.Equal(0, t.Collector.OpenRounds);
    }

    [Fact]
    public void A_request_of_another_epoch_is_stale_and_opens_nothing()
    {
        var t = new CollectorHarness();
        Answer? a = t.Contribute(Contribution(0, 2, 1, 0, 1, 1f, epoch: 0x1234), [1f]);
        Assert.Equal(Status.Stale, a!.Header.Status);
        Assert.Equal(Epoch, a.Header.Epoch);
        Assert.Equal(0, t.Counters.RoundsOpened);
        Assert.Null(t.Contribute(Contribution(0, 2, 1, 0, 1, 1f, epoch: Epoch), [1f]));
        Assert.Equal(1, t.Counters.RoundsOpened);
    }

    [Fact]
    public void One_flooding_job_cannot_starve_another()
    {
        var t = new CollectorHarness(new ConsensusLimits(MaxJobs: 2, MaxRoundsPerJob: 4, CompletedCache: 0));
        // Job 1 floods: thousands of rounds that never complete (target 2, one expert).
        int busy = 0;
        for (ulong round = 0; round < 5000; round++)
            if (t.Contribute(Contribution(0, 2, 1, 0, 1, 1f, job: 1, round: round), [1f]) is { } a && a.Header.Status == Status.Busy) busy++;
        Assert.Equal(5000 - 4, busy);
        // Job 2 keeps completing its rounds meanwhile.
        for (ulong round = 0; round < 100; round++)
        {
            Assert.Null(t.Contribute(Contribution(0, 2, 1, 0, 1, 1f, job: 2, round: round), [1f]));
            Assert.Equal(Status.Ok, t.Contribute(Contribution(1, 2, 1, 0, 1, 1f, job: 2, round: round), [3f])!.Header.Status);
        }
        Assert.Equal(100, t.Counters.ChunksCompleted);
    }

    [Fact]
    public void A_straggler_of_a_reclaimed_session_is_stale_not_a_phantom_round()
    {
        // One job entry, two slots, no cache beyond them: job 1 finishes rounds 0 and 1, job 2
        // takes the entry and evicts job 1's finished rounds; then job 1's round 1 comes again.
        var t = new CollectorHarness(new ConsensusLimits(MaxJobs: 1, MaxRoundsPerJob: 2, CompletedCache: 0));
        for (ulong r = 0; r < 2; r++)
            Assert.Equal(Status.Ok, t.Contribute(Contribution(0, 1, 1, 0, 1, 1f, job: 1, round: r), [1f])!.Header.Status);
        for (ulong r = 0; r < 2; r++)
            Assert.Equal(Status.Ok, t.Contribute(Contribution(0, 1, 1, 0, 1, 1f, job: 2, round: r), [1f])!.Header.Status);
        Assert.Equal(1, t.Counters.JobsReclaimed);
        Assert.Equal(2, t.Counters.RoundsEvicted);
        long opened = t.Counters.RoundsOpened;
        Assert.Equal(Status.Stale, t.Contribute(Contribution(0, 1, 1, 0, 1, 1f, job: 1, round: 1), [1f])!.Header.Status);
        Assert.Equal(opened, t.Counters.RoundsOpened);   // nothing opened: no phantom round
        // The session goes on above its old mark as usual.
        Assert.Equal(Status.Ok, t.Contribute(Contribution(0, 1, 1, 0, 1, 1f, job: 1, round: 2), [1f])!.Header.Status);
    }

    [Fact]
    public void A_full_job_table_is_busy_and_an_idle_entry_is_reclaimed()
    {
        var t = new CollectorHarness(new ConsensusLimits(MaxJobs: 1, RoundTimeoutMs: 100));
        t.Contribute(Contribution(0, 2, 1, 0, 1, 1f, job: 1), [1f]);
        Answer? busy = t.Contribute(Contribution(0, 2, 1, 0, 1, 1f, job: 2), [1f]);
        Assert.Equal(Status.Busy, busy!.Header.Status);
        Assert.InRange(busy.Header.Detail, 1, 100);
        t.NowMs = 100;
        t.Sweep();   // job 1's round times out: its entry is idle
        t.Drain();
        Assert.Null(t.Contribute(Contribution(0, 2, 1, 0, 1, 1f, job: 2), [1f]));
        Assert.Equal(1, t.Counters.JobsReclaimed);
    }

    [Fact]
    public void Abort_answers_every_open_chunk_to_each_of_its_contributors()
    {
        var t = new CollectorHarness();
        t.Contribute(Contribution(0, 3, 4, 0, 2, 1f), [1f, 1f]);
        t.Contribute(Contribution(1, 3, 4, 0, 2, 1f), [1f, 1f]);
        t.Contribute(Contribution(1, 3, 4, 2, 2, 1f), [1f, 1f]);
        t.Collector.Abort();
        var answers = t.Drain();
        Assert.Equal(3, answers.Count);
        Assert.All(answers, a => Assert.Equal(Status.Aborted, a.Header.Status));
        Assert.Equal(2, t.Counters.ChunksAborted);
    }

    [Fact]
    public void Bad_input_is_answered_with_its_status_or_dropped_and_counted()
    {
        var t = new CollectorHarness(new ConsensusLimits(MaxLength: 100));
        int n = Synthex.Protocol.Contribute.Write(t.Buffer, Contribution(0, 2, 10, 8, 4, 1f), [1f, 2f]);
        Assert.Null(t.Raw(12, 0));                                       // shorter than the header: dropped
        Assert.Equal(1, t.Counters.Dropped(Drop.TooShort));
        Assert.Equal(Status.BadRequest, t.Raw(n - 3, 0)!.Header.Status);   // truncated (the answer overwrote it)
        Synthex.Protocol.Contribute.Write(t.Buffer, Contribution(0, 2, 10, 8, 4, 1f), [1f, 2f]);
        t.Buffer[2] = 2;
        Assert.Equal(Status.UnsupportedVersion, t.Raw(n, 0)!.Header.Status);
        Synthex.Protocol.Contribute.Write(t.Buffer, Contribution(0, 2, 10, 8, 4, 1f), [1f, 2f]);
        t.Buffer[0] = 0;
        Assert.Null(t.Raw(n, 0));
        Assert.Equal(1, t.Counters.Dropped(Drop.BadMagic));
        Answer? big = t.Contribute(Contribution(0, 2, 101, 0, 4, 1f), [1f, 1f, 1f, 1f]);
        Assert.Equal(Status.TooLarge, big!.Header.Status);
        Assert.Equal((ushort)Field.Length, big.Header.Detail);
        Answer? nan = t.Contribute(Contribution(0, 2, 4, 0, 4, 1f), [1f, float.NaN, 1f, 1f]);
        Assert.Equal(Status.BadRequest, nan!.Header.Status);
        Assert.Equal((ushort)Field.Payload, nan.Header.Detail);
        int q = Query.Write(t.Buffer, Query.Header(7, 1, 1, 2, 1), [1f, 1f]);
        Assert.Equal(Status.UnknownOperation, t.Raw(q, 0)!.Header.Status);
        Assert.Equal(0, t.Counters.RoundsOpened);
        Assert.Equal(0, t.Counters.AggregatedContributions);
    }

    [Fact]
    public void Too_many_chunks_per_round_is_refused_naming_chunk()
    {
        var t = new CollectorHarness(new ConsensusLimits(MaxLength: 10_000));
        Answer? a = t.Contribute(Contribution(0, 2, (uint)ConsensusLimits.MaxChunksPerRound + 1, 0, 1, 1f), [1f]);
        Assert.Equal(Status.BadRequest, a!.Header.Status);
        Assert.Equal((ushort)Field.Chunk, a.Header.Detail);
    }

    [Fact]
    public void Once_warmed_a_contribution_allocates_nothing()
    {
        var c = new ConsensusCollector(new ConsensusLimits(MaxRoundsPerJob: 4, CompletedCache: 4), CollectorHarness.Epoch, 1000);
        byte[] buffer = new byte[4096];
        byte[] origin = new byte[4096];
        float[] values = new float[256];
        var peer = PeerOf(1);
        void Rounds(ulong from, ulong to)
        {
            for (ulong round = from; round < to; round++)
            {
                for (int e = 0; e < 4; e++)
                {
                    var h = Synthex.Protocol.Contribute.Header(7, 9, round, (byte)e, 4, 256, 0, 256, 1f);
                    int n = Synthex.Protocol.Contribute.Write(buffer, h, values);
                    c.Handle(buffer, n, peer, (long)round);
                }
                while (c.Originate(origin, out _) > 0) { }
                c.Sweep((long)round);
            }
        }
        // A long warm-up, then windows of 1,000 rounds: the steady state allocates nothing in at
        // least one of five windows. Tiered compilation (a rejit or an OSR transition landing in
        // the window under load) once cost a run 6,848 bytes; an allocation per contribution would
        // show in every window.
        Rounds(0, 3000);
        var windows = new List<long>();
        for (ulong w = 0; w < 5 && (windows.Count == 0 || windows[^1] != 0); w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Rounds(3000 + w * 1000, 4000 + w * 1000);
            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.True(windows[^1] == 0, $"bytes allocated per window of 1,000 rounds: {string.Join(", ", windows)}");
        Assert.Equal(3000 + 1000 * windows.Count, c.Counters.ChunksCompleted);
    }
}
