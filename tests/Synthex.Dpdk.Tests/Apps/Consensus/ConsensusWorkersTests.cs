using System.Collections.Concurrent;
using System.Numerics;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Apps.Consensus;
using Synthex.Protocol;
using static Synthex.Dpdk.Tests.Apps.Consensus.CollectorHarness;

namespace Synthex.Dpdk.Tests.Apps.Consensus;

/// <summary>
/// Several workers over one <see cref="ConsensusRun"/>: threads acting as workers, each fed a
/// shuffled share of many experts' contributions (duplicates included) for many jobs and rounds,
/// with random yields and spins forced at the ownership claim and at every hand-off. Every chunk
/// must end OK with every expert counted exactly once and values within the documented bound of
/// the f64 reference, and every datagram must be accounted for.
/// </summary>
public class ConsensusWorkersTests
{
    private const int Jobs = 4, Rounds = 16, Experts = 8, Length = 96, Chunk = 32, ChunksPerRound = Length / Chunk;

    private sealed record Send(int Job, int Round, int Expert, int Chunk, bool Duplicate);

    private readonly record struct Key(int Job, int Round, int Chunk, int Expert);

    private static ulong SessionOf(int job) => 0xABCD_0000UL + (ulong)job * 7919;

    public static TheoryData<int> Seeds()
    {
        var d = new TheoryData<int>();
        for (int s = 0; s < 24; s++) d.Add(s);
        return d;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_chunk_completes_with_each_expert_once_and_every_datagram_is_accounted(int seed)
    {
        var rng = new Random(seed);
        int workers = 2 + seed % 3;                      // 2..4 threads on a 2-core machine: preemption helps
        int inbox = seed % 4 == 0 ? 2 : seed % 4 == 1 ? 8 : 256;   // small inboxes force BUSY and retries
        bool byFlow = seed % 2 == 0;                      // SO_REUSEPORT/RSS: one expert's datagrams on one worker; else random

        // Vectors and weights per (job, round, expert), and every contribution with ~10 % sent twice.
        var values = new float[Jobs, Rounds, Experts][];
        var weights = new float[Jobs, Rounds, Experts];
        var shares = new List<Send>[workers];
        for (int w = 0; w < workers; w++) shares[w] = [];
        int sent = 0, duplicates = 0;
        for (int j = 0; j < Jobs; j++)
            for (int r = 0; r < Rounds; r++)
                for (int e = 0; e < Experts; e++)
                {
                    weights[j, r, e] = (float)(0.25 + rng.NextDouble() * 2);
                    var v = values[j, r, e] = new float[Length];
                    for (int i = 0; i < Length; i++) v[i] = (float)(rng.NextDouble() * 200 - 100);
                    for (int c = 0; c < ChunksPerRound; c++)
                    {
                        int copies = rng.Next(10) == 0 ? 2 : 1;
                        for (int k = 0; k < copies; k++)
                        {
                            int w = byFlow ? (e * 31 + j) % workers : rng.Next(workers);
                            shares[w].Add(new Send(j, r, e, c, k > 0));
                            sent++;
                            if (k > 0) duplicates++;
                        }
                    }
                }
        for (int w = 0; w < workers; w++) shares[w] = shares[w].OrderBy(_ => rng.Next()).ToList();

        // Rounds 0..15 of a window of 16 per (job, session): all admitted at once, never BUSY from the window.
        var limits = new ConsensusLimits(MaxJobs: Jobs, MaxRoundsPerJob: Rounds, MaxLength: Length, CompletedCache: Jobs * Rounds, RoundTimeoutMs: 60_000);
        var run = new ConsensusRun(limits, Epoch, ticksPerSecond: 1000, inboxCapacity: inbox)
        {
            Interleave = () =>
            {
                int x = Random.Shared.Next(12);
                if (x == 0) Thread.Yield();
                else if (x < 3) Thread.SpinWait(x * 32);
            },
        };
        var answers = new ConcurrentBag<(Key Key, Header Header, float[] Values, bool InPlace)>();
        int busyRetries = 0, feeding = workers;
        var failures = new ConcurrentQueue<Exception>();
        var threads = new Thread[workers];
        var registered = new ConsensusWorker[workers];
        for (int w = 0; w < workers; w++) registered[w] = run.RegisterWorker();
        for (int w = 0; w < workers; w++)
        {
            ConsensusWorker me = registered[w];
            List<Send> share = shares[w];
            threads[w] = new Thread(() =>
            {
                try { WorkerLoop(me, share); }
                catch (Exception ex) { failures.Enqueue(ex); Interlocked.Exchange(ref feeding, -1000); }
            }) { IsBackground = true, Name = $"consensus-test-worker-{w}" };
        }
        foreach (var t in threads) t.Start();
        foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromMinutes(3)), "a worker thread hung");
        Assert.Empty(failures);

        // Every (job, round, chunk) completed OK; every contributor got the same result; each
        // expert counted exactly once (bitmap and Σw); values within the bound of the f64 reference.
        var byChunk = answers.GroupBy(a => (a.Key.Job, a.Key.Round, a.Key.Chunk)).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(Jobs * Rounds * ChunksPerRound, byChunk.Count);
        ulong all = (1UL << Experts) - 1;
        foreach (var ((j, r, c), list) in byChunk)
        {
            Assert.All(list, a => Assert.Equal(Status.Ok, a.Header.Status));
            for (int e = 0; e < Experts; e++) Assert.Contains(list, a => a.Key.Expert == e);
            float sumW = 0;
            double sumWd = 0;
            for (int e = 0; e < Experts; e++) sumWd += weights[j, r, e];
            foreach (var a in list)
            {
                Assert.Equal(all, a.Header.Tag);
                Assert.Equal(Experts, a.Header.Count);
                Assert.Equal(list[0].Values, a.Values);
                sumW = a.Header.Weight;
            }
            Assert.True(Math.Abs(sumW - sumWd) <= 1e-6 * sumWd, $"Σw {sumW} vs {sumWd}: an expert counted twice or missed");
            float[] got = list[0].Values;
            Assert.Equal(Chunk, got.Length);
            for (int i = 0; i < got.Length; i++)
            {
                double num = 0, abs = 0;
                for (int e = 0; e < Experts; e++)
                {
                    double x = (double)weights[j, r, e] * values[j, r, e][c * Chunk + i];
                    num += x;
                    abs += Math.Abs(x);
                }
                double reference = num / sumWd;
                double bound = 2.0 * (Experts + 1) * Math.Pow(2, -24) * abs / sumWd + 1e-30;
                Assert.True(Math.Abs(got[i] - reference) <= bound, $"job {j} round {r} chunk {c} [{i}]: {got[i]} vs {reference} (bound {bound})");
            }
        }

        // Accounting: each datagram fed ends once where it was received (aggregated, retransmission,
        // cache re-send, refused, dropped or handed off), and each handed-off one once more at its owner.
        long aggregated = 0, retrans = 0, cache = 0, refused = 0, dropped = 0, handedOff = 0, served = 0, busy = 0;
        for (int w = 0; w < workers; w++)
        {
            ConsensusCounters k = run.Worker(w).Collector.Counters;
            aggregated += k.AggregatedContributions;
            retrans += k.Retransmissions;
            cache += k.CacheResends;
            for (int s = 1; s < 10; s++) refused += k.Refused((Status)s);
            for (int d = 1; d < 7; d++) dropped += k.Dropped((Drop)d);
            handedOff += k.HandedOffContributions;
            served += k.HandoffServed;
            busy += k.HandoffBusyAnswers;
            Assert.Equal(0, run.Worker(w).Inbox.Count);
            Assert.Equal(0, run.Worker(w).Collector.OpenRounds);
        }
        Assert.Equal(Jobs * Rounds * Experts * ChunksPerRound, aggregated);   // every expert exactly once per chunk
        Assert.Equal(duplicates, retrans + cache);
        Assert.Equal(busyRetries, busy);
        Assert.Equal(busy, refused);                                          // nothing else refused
        Assert.Equal(0, dropped);
        Assert.Equal(handedOff, served);
        Assert.Equal(sent + busyRetries + handedOff, aggregated + retrans + cache + refused + dropped + handedOff);
        if (workers > 1) Assert.True(handedOff > 0, "no contribution was handed off: the test did not exercise the hand-off");

        void WorkerLoop(ConsensusWorker me, List<Send> share)
        {
            byte[] buffer = new byte[4096];
            byte[] origin = new byte[4096];
            var retry = new Queue<Send>();
            int next = 0;
            bool done = false;
            while (true)
            {
                Send? s = retry.Count > 0 && (next >= share.Count || rng2().Next(4) == 0) ? retry.Dequeue()
                        : next < share.Count ? share[next++] : null;
                if (s is not null)
                {
                    var h = Contribution(s.Expert, Experts, Length, (uint)(s.Chunk * Chunk), Chunk, weights[s.Job, s.Round, s.Expert],
                                         round: (ulong)s.Round, job: (uint)(100 + s.Job), session: SessionOf(s.Job), retransmit: (byte)(s.Duplicate ? 1 : 0));
                    int n = Synthex.Protocol.Contribute.Write(buffer, h, values[s.Job, s.Round, s.Expert].AsSpan(s.Chunk * Chunk, Chunk));
                    int r = me.Handle(buffer, n, PeerOf(s.Expert), 0);
                    if (r > 0 && Record(buffer.AsSpan(0, r), s.Expert, inPlace: true) == Status.Busy)
                    {
                        Interlocked.Increment(ref busyRetries);
                        retry.Enqueue(s);
                    }
                }
                else
                {
                    if (!done) Interlocked.Decrement(ref feeding);
                    done = true;
                    Thread.Yield();
                }
                me.Poll(0);
                while (me.PendingOriginations > 0)
                {
                    int n = me.Originate(origin, out DatagramPeer to);
                    if (n < 0) break;
                    Assert.NotEqual(Status.Busy, Record(origin.AsSpan(0, n), ExpertOf(to), inPlace: false));
                }
                // Nobody hands off once every thread has fed its share: then drain and leave.
                if (done && Volatile.Read(ref feeding) <= 0 && me.Inbox.Count == 0 && me.PendingOriginations == 0) return;
                if (Volatile.Read(ref feeding) < -100) return;
            }
        }

        Random rng2() => Random.Shared;

        Status Record(ReadOnlySpan<byte> bytes, int expert, bool inPlace)
        {
            var v = Codec.ReadAnswer(bytes, out Message m);
            Assert.True(v.IsValid, $"an invalid answer: {v}");
            Assert.Equal(expert, m.Header.Expert);
            Assert.Equal(Epoch, m.Header.Epoch);
            if (m.Header.Status != Status.Busy)
                answers.Add((new Key((int)m.Header.Job - 100, (int)m.Header.Round, (int)(m.Header.Offset / Chunk), expert), m.Header, m.Values.ToArray(), inPlace));
            return m.Header.Status;
        }
    }

    [Fact]
    public void The_first_worker_to_see_a_job_owns_it_and_the_others_hand_its_contributions_over()
    {
        var run = new ConsensusRun(new ConsensusLimits(MaxLength: 64), Epoch, ticksPerSecond: 1000);
        ConsensusWorker a = run.RegisterWorker(), b = run.RegisterWorker();
        byte[] buffer = new byte[1024], origin = new byte[1024];
        float[] v = [1f, 2f];
        int n = Synthex.Protocol.Contribute.Write(buffer, Contribution(0, 2, 2, 0, 2, 1f), v);
        Assert.Equal(ConsensusCollector.Absorbed, b.Handle(buffer, n, PeerOf(0), 0));   // b claims (7, session)
        n = Synthex.Protocol.Contribute.Write(buffer, Contribution(1, 2, 2, 0, 2, 3f), [5f, 6f]);
        Assert.Equal(ConsensusCollector.Absorbed, a.Handle(buffer, n, PeerOf(1), 0));   // handed to b
        Assert.Equal(1, a.Collector.Counters.HandedOffContributions);
        Assert.Equal(0, a.Collector.Counters.AggregatedContributions);
        Assert.Equal(1, b.Inbox.Count);
        Assert.Equal(-1, a.Originate(origin, out _));

        // b completes the chunk from its inbox: the completing (handed-off) contribution's answer to expert 1, then expert 0's.
        var got = new List<(int Expert, Header Header, float[] Values)>();
        while (b.PendingOriginations > 0)
        {
            int m = b.Originate(origin, out DatagramPeer to);
            if (m < 0) break;
            Assert.True(Codec.ReadAnswer(origin.AsSpan(0, m), out Message msg).IsValid);
            got.Add((ExpertOf(to), msg.Header, msg.Values.ToArray()));
        }
        Assert.Equal([1, 0], got.Select(g => g.Expert));
        Assert.All(got, g => Assert.Equal(Status.Ok, g.Header.Status));
        Assert.All(got, g => Assert.Equal(new[] { 4f, 5f }, g.Values));
        Assert.Equal(2, b.Collector.Counters.AggregatedContributions);
        Assert.Equal(1, b.Collector.Counters.HandoffServed);
        var snapshot = run.Snapshot().ToDictionary(k => k.Key, k => k.Value);
        Assert.Equal(2, snapshot["workers"]);
        Assert.Equal(1, snapshot["handed_off"]);
        Assert.Equal(2, snapshot["aggregated"]);
        Assert.Equal(0, snapshot["handoff_pending"]);
    }

    [Fact]
    public void A_full_inbox_answers_busy_and_a_non_contribution_is_handled_where_it_arrives()
    {
        var run = new ConsensusRun(new ConsensusLimits(MaxLength: 64), Epoch, ticksPerSecond: 1000, inboxCapacity: 2);
        ConsensusWorker a = run.RegisterWorker(), b = run.RegisterWorker();
        byte[] buffer = new byte[1024];
        int n = Synthex.Protocol.Contribute.Write(buffer, Contribution(0, 8, 2, 0, 2, 1f), [1f, 2f]);
        b.Handle(buffer, n, PeerOf(0), 0);
        for (int e = 1; e <= 2; e++)
        {
            n = Synthex.Protocol.Contribute.Write(buffer, Contribution(e, 8, 2, 0, 2, 1f), [1f, 2f]);
            Assert.Equal(ConsensusCollector.Absorbed, a.Handle(buffer, n, PeerOf(e), 0));
        }
        n = Synthex.Protocol.Contribute.Write(buffer, Contribution(3, 8, 2, 0, 2, 1f), [1f, 2f]);
        int r = a.Handle(buffer, n, PeerOf(3), 0);
        Assert.True(r > 0);
        Assert.True(Codec.ReadAnswer(buffer.AsSpan(0, r), out Message m).IsValid);
        Assert.Equal(Status.Busy, m.Header.Status);
        Assert.Equal(ConsensusRun.InboxBusyRetryAfterMs, m.Header.Detail);
        Assert.Equal(1, a.Collector.Counters.HandoffBusyAnswers);
        Assert.Equal(1, a.Collector.Counters.Busy);

        // Too short to be a contribution: dropped by a's own collector, nothing handed off.
        Assert.Equal(ConsensusCollector.Dropped, a.Handle(buffer, 10, PeerOf(4), 0));
        Assert.Equal(1, a.Collector.Counters.Dropped(Drop.TooShort));
        Assert.Equal(2, b.Inbox.Count);
    }

    [Fact]
    public void After_stop_a_handed_off_contribution_is_answered_aborted()
    {
        var run = new ConsensusRun(new ConsensusLimits(MaxLength: 64), Epoch, ticksPerSecond: 1000);
        ConsensusWorker a = run.RegisterWorker(), b = run.RegisterWorker();
        byte[] buffer = new byte[1024], origin = new byte[1024];
        int n = Synthex.Protocol.Contribute.Write(buffer, Contribution(0, 3, 2, 0, 2, 1f), [1f, 2f]);
        b.Handle(buffer, n, PeerOf(0), 0);
        b.Stop();
        n = Synthex.Protocol.Contribute.Write(buffer, Contribution(1, 3, 2, 0, 2, 1f), [1f, 2f]);
        Assert.Equal(ConsensusCollector.Absorbed, a.Handle(buffer, n, PeerOf(1), 0));
        var statuses = new List<(int, Status)>();
        while (b.PendingOriginations > 0)
        {
            int m = b.Originate(origin, out DatagramPeer to);
            if (m < 0) break;
            Assert.True(Codec.ReadAnswer(origin.AsSpan(0, m), out Message msg).IsValid);
            statuses.Add((ExpertOf(to), msg.Header.Status));
        }
        Assert.Equal([(1, Status.Aborted), (0, Status.Aborted)], statuses);
        Assert.Equal(1, b.Collector.Counters.ChunksAborted);
        Assert.Equal(1, b.Collector.Counters.Refused(Status.Aborted));   // the handed-off one, after stop
    }

    private static readonly byte[] Key7 = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

    /// <param name="keyed">Job 7 has a key: every contribution is signed and verified on the worker
    /// that receives it before the hand-off, and a forgery a round is dropped there.</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Once_warmed_the_hand_off_path_allocates_nothing(bool keyed)
    {
        var run = new ConsensusRun(new ConsensusLimits(MaxRoundsPerJob: 4, CompletedCache: 4, MaxLength: 256), Epoch, ticksPerSecond: 1000,
                                   auth: keyed ? new ServiceAuth(JobKeys.Of((7, Key7))) : null);
        ConsensusWorker owner = run.RegisterWorker(), other = run.RegisterWorker();
        byte[] buffer = new byte[4096], origin = new byte[4096];
        float[] values = new float[256];
        byte[]? key = keyed ? Key7 : null;
        HandOffRounds(run, owner, other, buffer, origin, values, 0, 3000, key);   // long warm-up: tiering and OSR settle first
        // Windows of 1,000 rounds: at least one of five allocates nothing (tiered compilation may
        // land in a window under load; an allocation per hand-off would show in every window).
        var windows = new List<long>();
        for (ulong w = 0; w < 5 && (windows.Count == 0 || windows[^1] != 0); w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            HandOffRounds(run, owner, other, buffer, origin, values, 3000 + w * 1000, 4000 + w * 1000, key);
            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.True(windows[^1] == 0, $"bytes allocated per window of 1,000 rounds: {string.Join(", ", windows)}");
        int rounds = 3000 + 1000 * windows.Count;
        Assert.Equal(rounds, owner.Collector.Counters.ChunksCompleted);
        Assert.Equal(3 * rounds, other.Collector.Counters.HandedOffContributions);
        Assert.Equal(3 * rounds, owner.Collector.Counters.HandoffServed);
        if (keyed)
        {
            Assert.Equal(rounds, other.Collector.Counters.AuthFailures);                 // the forgeries, at the receiving worker
            Assert.Equal(3 * rounds, other.Collector.Counters.AuthenticatedRequests);    // verified before the hand-off
            Assert.Equal(rounds, owner.Collector.Counters.AuthenticatedRequests);        // its own expert 0 only: not again
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void HandOffRounds(ConsensusRun run, ConsensusWorker owner, ConsensusWorker other, byte[] buffer, byte[] origin, float[] values,
                                      ulong from, ulong to, byte[]? key = null)
    {
        var peer = PeerOf(1);
        for (ulong round = from; round < to; round++)
        {
            for (int e = 0; e < 4; e++)
            {
                var h = Synthex.Protocol.Contribute.Header(7, 9, round, (byte)e, 4, 256, 0, 256, 1f, epoch: key is null ? 0 : Epoch);
                int n = Synthex.Protocol.Contribute.Write(buffer, h, values);
                if (key is not null) n = MessageAuth.Sign(buffer, n, key);
                // Expert 0 on the owner (it claimed the job in the first round), the rest handed over.
                if (e == 0) owner.Handle(buffer, n, peer, (long)round);
                else other.Handle(buffer, n, peer, (long)round);
                if (key is not null && e == 3)
                {
                    buffer[100] ^= 1;   // the same again, forged: dropped by the receiving worker
                    other.Handle(buffer, n, peer, (long)round);
                }
            }
            while (owner.Originate(origin, out _) > 0) { }
            owner.Poll((long)round);
        }
        _ = run;
    }
}
