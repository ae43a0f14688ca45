using System.Numerics;
using Synthex.Dpdk.Apps.Consensus;
using Synthex.Protocol;
using static Synthex.Dpdk.Tests.Apps.Consensus.CollectorHarness;

namespace Synthex.Dpdk.Tests.Apps.Consensus;

/// <summary>
/// Random rounds against an f64 reference: target 1..64, length 1..100 k, weights, chunk splits,
/// arrival orders, duplicates and drops. Every chunk ends OK (with the first <c>target</c>
/// distinct experts to arrive), PARTIAL at the timeout (with exactly the experts that arrived),
/// BAD_REQUEST weight (Σw = 0) or unanswered (nobody arrived); the values are within the bound
/// docs/PROTOCOL.md states.
/// </summary>
public class ConsensusPropertyTests
{
    public static TheoryData<int> Seeds()
    {
        var d = new TheoryData<int>();
        for (int s = 0; s < 48; s++) d.Add(s);
        return d;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_chunk_is_the_reference_consensus_or_the_documented_partial(int seed)
    {
        var rng = new Random(seed);
        int target = seed % 8 == 0 ? 64 : rng.Next(1, 65);
        int experts = Math.Min(64, target + rng.Next(0, 3));
        int length = seed % 6 == 0 ? rng.Next(1, 100_001) : rng.Next(1, 3000);
        if ((long)length * experts > 1_500_000) length = 1_500_000 / experts;   // keep one case under a second
        int minChunk = (length + ConsensusLimits.MaxChunksPerRound - 1) / ConsensusLimits.MaxChunksPerRound;
        int chunk = rng.Next(Math.Max(1, minChunk), Math.Min(Wire.MaxChunk, length) + 1);
        if (seed % 3 == 0) chunk = Math.Max(minChunk, Math.Min(length, 256));
        int chunks = (length + chunk - 1) / chunk;
        double dropRate = seed % 2 == 0 ? 0 : 0.15;
        double dupRate = 0.1;

        var values = new float[experts][];
        var weights = new float[experts];
        for (int e = 0; e < experts; e++)
        {
            weights[e] = rng.Next(10) == 0 ? 0f : (float)(rng.NextDouble() * 4);
            values[e] = new float[length];
            for (int i = 0; i < length; i++) values[e][i] = (float)(rng.NextDouble() * 200 - 100);
        }
        if (seed == 5) Array.Fill(weights, 0f);   // one case where every chunk has Σw = 0

        // The messages: every (expert, chunk), some dropped, some sent twice, all shuffled.
        var sends = new List<(int Expert, int Chunk, byte Retransmit)>();
        for (int e = 0; e < experts; e++)
            for (int c = 0; c < chunks; c++)
            {
                if (rng.NextDouble() < dropRate) continue;
                sends.Add((e, c, 0));
                if (rng.NextDouble() < dupRate) sends.Add((e, c, 1));
            }
        var order = sends.OrderBy(_ => rng.Next()).ToList();

        var t = new CollectorHarness(new ConsensusLimits(MaxLength: 100_000, RoundTimeoutMs: 1000));
        var answers = new List<Answer>();
        var closedAt = new int[chunks];       // index in order of the completing arrival; -1: never completed
        Array.Fill(closedAt, -1);
        var arrived = new ulong[chunks];
        var firstT = new ulong[chunks];
        for (int k = 0; k < order.Count; k++)
        {
            var (e, c, rt) = order[k];
            if ((arrived[c] & (1UL << e)) == 0)
            {
                arrived[c] |= 1UL << e;
                if (BitOperations.PopCount(arrived[c]) <= target) firstT[c] |= 1UL << e;
                if (BitOperations.PopCount(arrived[c]) == target) closedAt[c] = k;
            }
            int offset = c * chunk;
            int n = Math.Min(chunk, length - offset);
            var h = Contribution(e, target, (uint)length, (uint)offset, (ushort)chunk, weights[e], retransmit: rt);
            if (t.Contribute(h, values[e].AsSpan(offset, n)) is { } a) answers.Add(a);
            answers.AddRange(t.Drain());
        }
        t.NowMs = 1000;
        t.Sweep();
        answers.AddRange(t.Drain());

        for (int c = 0; c < chunks; c++)
        {
            var mine = answers.Where(a => a.Header.Offset == (uint)(c * chunk)).ToList();
            if (arrived[c] == 0) { Assert.Empty(mine); continue; }
            bool complete = closedAt[c] >= 0;
            ulong counted = complete ? firstT[c] : arrived[c];
            int late = complete ? order.Skip(closedAt[c] + 1).Count(s => s.Chunk == c) : 0;
            Assert.Equal(BitOperations.PopCount(counted) + late, mine.Count);
            // Every counted expert gets its answer; nobody else but late arrivals.
            for (int e = 0; e < experts; e++)
                if ((counted & (1UL << e)) != 0) Assert.Contains(mine, a => a.Expert == e);
            Assert.All(mine, a => Assert.True((arrived[c] & (1UL << a.Expert)) != 0));

            double sumW = 0;
            for (int e = 0; e < experts; e++) if ((counted & (1UL << e)) != 0) sumW += weights[e];
            if (sumW == 0)
            {
                Assert.All(mine, a => Assert.Equal((Status.BadRequest, (ushort)Field.Weight), (a.Header.Status, a.Header.Detail)));
                continue;
            }
            Status expected = complete ? Status.Ok : Status.Partial;
            foreach (var a in mine)
            {
                Assert.Equal(expected, a.Header.Status);
                Assert.Equal(counted, a.Header.Tag);
                Assert.Equal(BitOperations.PopCount(counted), a.Header.Count);
            }
            // Values: within 2·(n + 1)·2^-24 · Σ w|r| / Σ w of the f64 reference (docs/PROTOCOL.md).
            int count = BitOperations.PopCount(counted);
            float[] got = mine[0].Values;
            for (int i = 0; i < got.Length; i++)
            {
                int d = c * chunk + i;
                double num = 0, abs = 0;
                for (int e = 0; e < experts; e++)
                {
                    if ((counted & (1UL << e)) == 0) continue;
                    num += (double)weights[e] * values[e][d];
                    abs += (double)weights[e] * Math.Abs(values[e][d]);
                }
                double bound = 2.0 * (count + 1) * Math.Pow(2, -24) * abs / sumW + 1e-30;
                Assert.True(Math.Abs(got[i] - num / sumW) <= bound,
                    $"chunk {c} element {i}: got {got[i]}, reference {num / sumW}, bound {bound}");
            }
            Assert.All(mine, a => Assert.Equal(got, a.Values));
        }
        // Every datagram is accounted once: added, absorbed as a retransmission, answered from the
        // cache, or refused (late to a chunk whose weights summed to 0).
        Assert.Equal(order.Count, t.Counters.AggregatedContributions + t.Counters.Retransmissions
                                  + t.Counters.CacheResends + t.Counters.Refused(Status.BadRequest));
    }

    [Theory]
    [InlineData(1, 0.0, 4)]
    [InlineData(2, 0.2, 4)]
    [InlineData(3, 0.3, 8)]
    public void Two_experts_racing_through_windows_of_rounds_never_wedge(int seed, double loss, int window)
    {
        // Each expert sends round r only once it has the answers of every round up to r − window
        // (the client's rule), in id order, loses some datagrams both ways and retransmits at random: every round completes,
        // nothing is refused BUSY or STALE.
        var rng = new Random(seed);
        const int rounds = 400;
        var t = new CollectorHarness(new ConsensusLimits(MaxRoundsPerJob: window, CompletedCache: 4, RoundTimeoutMs: 65535));
        var next = new ulong[2];
        var outstanding = new[] { new HashSet<ulong>(), new HashSet<ulong>() };
        var done = new[] { new HashSet<ulong>(), new HashSet<ulong>() };
        var retransmits = new Dictionary<(int, ulong), byte>();
        void Deliver(Answer a)
        {
            if (a.Header.Status != Status.Ok)
            {
                Assert.Fail($"{a.Header.Status} for expert {a.Expert} round {a.Header.Round}: A out {string.Join(",", outstanding[0].Order())} next {next[0]}; B out {string.Join(",", outstanding[1].Order())} next {next[1]}");
            }
            if (rng.NextDouble() < loss) return;
            outstanding[a.Expert].Remove(a.Header.Round);
            done[a.Expert].Add(a.Header.Round);
        }
        for (int step = 0; step < 200_000 && (done[0].Count < rounds || done[1].Count < rounds); step++)
        {
            int e = rng.Next(2);
            ulong round;
            ulong lowest = outstanding[e].Count == 0 ? next[e] : outstanding[e].Min();
            if (next[e] < lowest + (ulong)window && next[e] < rounds && rng.Next(3) != 0) round = next[e]++;
            else if (outstanding[e].Count > 0) round = outstanding[e].ElementAt(rng.Next(outstanding[e].Count));
            else continue;
            outstanding[e].Add(round);
            byte rt = retransmits.TryGetValue((e, round), out byte r) ? (byte)(r + 1) : (byte)0;
            retransmits[(e, round)] = rt;
            if (rng.NextDouble() < loss) continue;
            if (t.Contribute(Contribution(e, 2, 1, 0, 1, 1f, round: round, retransmit: rt), [e]) is { } a) Deliver(a);
            foreach (var o in t.Drain()) Deliver(o);
        }
        Assert.Equal(rounds, done[0].Count);
        Assert.Equal(rounds, done[1].Count);
        Assert.Equal(0, t.Counters.Busy);
        Assert.Equal(0, t.Counters.Stale);
        Assert.Equal(rounds, t.Counters.ChunksCompleted);
    }

    [Fact]
    public void Experts_running_ahead_of_the_window_are_busy_but_never_wedge()
    {
        var rng = new Random(11);
        const int rounds = 200, window = 4;
        var t = new CollectorHarness(new ConsensusLimits(MaxRoundsPerJob: window, RoundTimeoutMs: 65535));
        var pending = new[] { new Queue<ulong>(), new Queue<ulong>() };
        for (ulong r = 0; r < rounds; r++) { pending[0].Enqueue(r); pending[1].Enqueue(r); }
        var completed = new HashSet<ulong>();
        var stale = new HashSet<ulong>();
        // Each expert sends all its rounds at once, far beyond the window; a BUSY round goes to the
        // back of its queue. Rounds both experts were refused may be passed over when the window
        // slides (STALE: the documented cost of ignoring the window); none may hang.
        while (pending[0].Count + pending[1].Count > 0)
        {
            int e = pending[0].Count == 0 ? 1 : pending[1].Count == 0 ? 0 : rng.Next(2);
            ulong round = pending[e].Dequeue();
            var a = t.Contribute(Contribution(e, 2, 1, 0, 1, 1f, round: round), [1f]);
            if (a is { Header.Status: Status.Busy }) pending[e].Enqueue(round);
            else if (a is { Header.Status: Status.Ok }) completed.Add(round);
            else if (a is { Header.Status: Status.Stale }) stale.Add(round);
            else Assert.Null(a);
            foreach (var o in t.Drain()) completed.Add(o.Header.Round);
        }
        Assert.Equal(rounds, completed.Count + stale.Count);
        Assert.NotEmpty(completed);
        Assert.Equal(0, t.Collector.OpenRounds);
        Assert.Equal(stale.Count, t.Counters.RoundsSkipped);
    }
}
