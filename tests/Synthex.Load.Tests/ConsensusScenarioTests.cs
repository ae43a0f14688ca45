using Synthex.Load.Scenarios;
using Synthex.Protocol;
using Verdict = Synthex.Load.Scenarios.Verdict;

namespace Synthex.Load.Tests;

/// <summary>The consensus scenario in process: what it writes, how it matches answers, what it
/// accepts as a consensus, and the admission window it keeps.</summary>
public class ConsensusScenarioTests
{
    private static ConsensusScenario Make(int experts = 3, int length = 10, int chunk = 4, int window = 2, long rounds = 0)
        => new(new ConsensusShape(7, experts, experts, length, chunk, rounds, window, 0), slots: 64, session: 0x1234, roundLimit: rounds);

    /// <summary>The server's answer to a contribution, computed here as the service would: the
    /// weighted mean of every expert's chunk, in f32.</summary>
    internal static byte[] Result(byte[] contribution, int experts, Func<int, float, float>? change = null)
    {
        Assert.True(Codec.ReadRequest(contribution, out Message m).IsValid);
        var h = m.Header;
        int n = m.Values.Length;
        var values = new float[n];
        double weights = 0;
        for (int e = 0; e < experts; e++) weights += ConsensusScenario.Weight(h.Session, (long)h.Round, e);
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int e = 0; e < experts; e++)
                s += ConsensusScenario.Weight(h.Session, (long)h.Round, e) * ConsensusScenario.Value(h.Session, (long)h.Round, e, h.Offset + (uint)i);
            values[i] = (float)(s / weights);
            if (change is not null) values[i] = change(i, values[i]);
        }
        var answer = new byte[contribution.Length];
        contribution.CopyTo(answer, 0);
        values.CopyTo(Synthex.Protocol.Result.Values(answer, h));
        int length = Synthex.Protocol.Result.WriteOk(answer, h, 99, (float)weights, (1UL << experts) - 1);
        Assert.Equal(contribution.Length, length);
        return answer;
    }

    [Fact]
    public void A_round_is_every_expert_of_every_chunk_and_each_answer_verifies()
    {
        var s = Make();
        var sent = new List<(ulong Seq, byte[] Bytes)>();
        for (ulong seq = 1; seq <= 9; seq++)   // 3 chunks (4, 4, 2 elements) x 3 experts
        {
            var buffer = new byte[200];
            int n = s.WriteRequest(seq, 0, buffer);
            Assert.True(n > 0);
            sent.Add((seq, buffer[..n]));
        }
        Assert.True(Codec.ReadRequest(sent[8].Bytes, out Message last).IsValid);
        Assert.Equal((1UL, (byte)2, 8u, 2), (last.Header.Round, last.Header.Expert, last.Header.Offset, last.Values.Length));
        int units = 0;
        foreach (var (seq, bytes) in sent)
        {
            var answer = Result(bytes, 3);
            Assert.True(s.TryReadSequence(answer, out ulong matched));
            Assert.Equal(seq, matched);
            Assert.Equal(Verdict.Ok, s.Verify(seq, answer));
            units += s.Retire(seq, ok: true);
        }
        Assert.Equal(1, units);   // the round completed once, with its last answer
    }

    [Fact]
    public void A_value_off_the_reference_or_a_different_consensus_for_another_expert_is_a_mismatch()
    {
        var s = Make();
        var buffers = new byte[3][];
        for (int e = 0; e < 3; e++)
        {
            buffers[e] = new byte[200];
            buffers[e] = buffers[e][..s.WriteRequest((ulong)(e + 1), 0, buffers[e])];
        }
        // Off by 1e-4 relative: far above the bound 2·(n+1)·2^-24 for n = 3.
        Assert.Equal(Verdict.Mismatch, s.Verify(1, Result(buffers[0], 3, (i, v) => i == 2 ? v * 1.0001f : v)));
        Assert.Equal(Verdict.Ok, s.Verify(2, Result(buffers[1], 3)));
        // Within the bound but not bit-identical to what expert 1 got: still a mismatch.
        Assert.Equal(Verdict.Mismatch, s.Verify(3, Result(buffers[2], 3, (i, v) => i == 0 ? BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(v) + 1) : v)));
    }

    [Fact]
    public void A_partial_is_verified_over_the_experts_it_names_but_does_not_complete_its_round()
    {
        var s = Make(experts: 3, length: 4, chunk: 4);
        var requests = new byte[3][];
        for (int e = 0; e < 3; e++)
        {
            var buffer = new byte[200];
            requests[e] = buffer[..s.WriteRequest((ulong)(e + 1), 0, buffer)];
        }
        // The round timed out with experts 0 and 2: their weighted mean, PARTIAL, bitmap 0b101.
        byte[] Partial(byte[] contribution, float nudge)
        {
            Assert.True(Codec.ReadRequest(contribution, out Message m).IsValid);
            var h = m.Header;
            double w0 = ConsensusScenario.Weight(h.Session, 1, 0), w2 = ConsensusScenario.Weight(h.Session, 1, 2);
            var answer = contribution.ToArray();
            var values = Synthex.Protocol.Result.Values(answer, h);
            for (int i = 0; i < values.Length; i++)
                values[i] = (float)((w0 * ConsensusScenario.Value(h.Session, 1, 0, (uint)i) + w2 * ConsensusScenario.Value(h.Session, 1, 2, (uint)i)) / (w0 + w2)) + nudge;
            Assert.Equal(answer.Length, Synthex.Protocol.Result.WritePartial(answer, h, 99, (float)(w0 + w2), 0b101));
            return answer;
        }
        Assert.Equal(Verdict.Mismatch, s.Verify(1, Partial(requests[0], 0.01f)));
        Assert.Equal(Verdict.Ok, s.Verify(1, Partial(requests[0], 0)));
        Assert.Equal(Verdict.Ok, s.Verify(2, Partial(requests[1], 0)));
        Assert.Equal(Verdict.Ok, s.Verify(3, Partial(requests[2], 0)));
        Assert.Equal(0, s.Retire(1, ok: true) + s.Retire(2, ok: true) + s.Retire(3, ok: true));
    }

    [Fact]
    public void Round_r_waits_until_rounds_up_to_r_minus_window_are_answered()
    {
        var s = Make(experts: 1, length: 4, chunk: 4, window: 2, rounds: 3);
        var buffer = new byte[200];
        Assert.True(s.WriteRequest(1, 0, buffer) > 0);               // round 1
        Assert.True(s.WriteRequest(2, 0, buffer) > 0);               // round 2
        Assert.Equal(IScenario.NotNow, s.WriteRequest(3, 0, buffer)); // round 3 must wait for round 1
        Assert.Equal(1, s.Retire(1, ok: true));
        Assert.True(s.WriteRequest(3, 0, buffer) > 0);               // round 3
        Assert.True(Codec.ReadRequest(buffer.AsSpan(0, 64 + 16), out Message m).IsValid);
        Assert.Equal(3UL, m.Header.Round);
        Assert.Equal(IScenario.Finished, s.WriteRequest(4, 0, buffer)); // --rounds 3 done
    }

    [Fact]
    public void A_retransmission_is_the_same_contribution_with_its_count()
    {
        var s = Make();
        var first = new byte[200];
        var again = new byte[200];
        int n = s.WriteRequest(5, 0, first);
        Assert.Equal(n, s.WriteRequest(5, 2, again));
        Assert.True(Codec.ReadRequest(again.AsSpan(0, n), out Message m).IsValid);
        Assert.Equal(2, m.Header.Retransmit);
        again[34] = 0;
        Assert.Equal(first[..n], again[..n]);
    }
}

/// <summary>The consensus scenario's per-request work allocates nothing once warm.</summary>
public class ConsensusScenarioAllocationTests
{
    [Fact]
    public void Writing_matching_verifying_and_retiring_allocate_nothing()
    {
        var s = new ConsensusScenario(new ConsensusShape(7, 3, 3, 10, 4, 0, 2, 0), slots: 64, session: 0x1234, roundLimit: 0);
        var request = new byte[200];
        var answers = new byte[9][];
        var verdicts = new Verdict[9];
        // Round 0 JITs; a later tier-up can still allocate a few KB once on the thread that trips
        // it: every later round stays under that, and most allocate nothing (a per-call
        // allocation would cost every round).
        var allocatedByRound = new List<long>();
        ulong sequence = 1;
        for (int round = 0; round < 20; round++)
        {
            long allocated = 0;
            // Only the scenario's calls are measured; the test's own answers are built between them.
            for (int i = 0; i < 9; i++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                int n = s.WriteRequest(sequence + (ulong)i, 0, request);
                if (round > 0) allocated += GC.GetAllocatedBytesForCurrentThread() - before;
                answers[i] = ConsensusScenarioTests.Result(request[..n], 3);
            }
            for (int i = 0; i < 9; i++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                s.TryReadSequence(answers[i], out ulong matched);
                verdicts[i] = s.Verify(matched, answers[i]);
                s.Retire(matched, verdicts[i] == Verdict.Ok);
                if (round > 0) allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            }
            Assert.All(verdicts, v => Assert.Equal(Verdict.Ok, v));
            sequence += 9;
            if (round > 0) allocatedByRound.Add(allocated);
        }
        Assert.All(allocatedByRound, a => Assert.True(a < 8 * 1024, $"a round allocated {a} bytes: {string.Join(", ", allocatedByRound)}"));
        Assert.True(allocatedByRound.Count(a => a == 0) >= allocatedByRound.Count - 2, string.Join(", ", allocatedByRound));
    }

    [Fact]
    public void A_stale_answer_with_an_epoch_the_request_was_not_sent_with_asks_for_a_resend_carrying_it()
    {
        var s = new ConsensusScenario(new ConsensusShape(7, 1, 1, 4, 4, 0, 2, 0), slots: 64, session: 0x1234, roundLimit: 0);
        var buffer = new byte[200];
        int n = s.WriteRequest(1, 0, buffer);
        Assert.True(Codec.ReadRequest(buffer.AsSpan(0, n), out Message first).IsValid);
        Assert.Equal(0u, first.Header.Epoch);
        var stale = new byte[64];
        StatusAnswer.Stale(stale, first.Header, 0xE0E0);
        Assert.True(s.TryReadSequence(stale, out ulong seq));
        Assert.Equal(Verdict.Resend, s.Verify(seq, stale));
        n = s.WriteRequest(1, 1, buffer);   // the runner's resend
        Assert.True(Codec.ReadRequest(buffer.AsSpan(0, n), out Message again).IsValid);
        Assert.Equal((0xE0E0u, (byte)1), (again.Header.Epoch, again.Header.Retransmit));
        // STALE again with the epoch it carried: the round really is over for it.
        StatusAnswer.Stale(stale, again.Header, 0xE0E0);
        Assert.Equal(Verdict.ErrorStatus, s.Verify(1, stale));
    }
}
