using System.Diagnostics;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Apps.Consensus;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Tests.Apps.Similarity;
using Synthex.Protocol;

namespace Synthex.Dpdk.Tests.Apps;

/// <summary>
/// The services' authentication (docs/PROTOCOL.md, "Authentication trailer") at the collector and
/// the similarity service: valid messages served and answered signed; forged ones (a bit flipped
/// in header, payload or trailer; another job's key), unsigned ones of a keyed job and replays
/// below the window dropped unanswered and counted; a retransmission inside the window never
/// aggregated twice; the MAC flag for a job without a key answered UNAUTHENTICATED; the verify
/// path allocation-free.
/// </summary>
public sealed class AuthenticationTests : IDisposable
{
    private static readonly byte[] Key7 = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    private static readonly byte[] Key8 = Convert.FromHexString("f0e0d0c0b0a090807060504030201000f1e1d1c1b1a191817161514131211101");
    private static readonly JobKeys Keys = JobKeys.Of((7, Key7), (8, Key8));
    private const uint Epoch = 0x5EED0002;
    private const ulong Session = 0x1122334455667788;

    private readonly byte[] _buffer = new byte[Wire.MaxDatagram];
    private readonly byte[] _origin = new byte[Wire.MaxDatagram];
    private readonly MatrixFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static ConsensusCollector Collector() => new(new ConsensusLimits(MaxLength: 1024), Epoch, 1000, new ServiceAuth(Keys));

    private static DatagramPeer PeerOf(int expert) => new(UdpEndpoint.V4(0x0A000000u + (uint)expert, (ushort)(40000 + expert)), default, 0, 0, 0);

    /// <summary>A contribution of job <paramref name="job"/> in <see cref="_buffer"/>, signed with <paramref name="key"/> (null: unsigned),
    /// carrying the service's epoch (a keyed job's contribution must) unless <paramref name="epoch"/> says otherwise.</summary>
    private int Contribution(int expert, int target, ulong round, byte[]? key, uint job = 7, byte retransmit = 0, uint epoch = Epoch, ulong session = Session)
    {
        var h = Synthex.Protocol.Contribute.Header(job, session, round, (byte)expert, (byte)target, 4, 0, 4, 1f + expert, 0, retransmit, epoch);
        int n = Synthex.Protocol.Contribute.Write(_buffer, h, [1f, 2f, 3f, 4f + expert]);
        return key is null ? n : MessageAuth.Sign(_buffer, n, key);
    }

    private static Message ReadSigned(ReadOnlySpan<byte> answer, byte[] key)
    {
        Assert.True(MessageAuth.Verify(key, answer), "the answer is not signed with the job's key");
        var v = Codec.ReadAnswer(answer, out Message m);
        Assert.True(v.IsValid, v.ToString());
        Assert.True(m.Header.HasMac);
        return m;
    }

    [Fact]
    public void Valid_contributions_are_aggregated_and_every_answer_is_signed_with_the_jobs_key()
    {
        var c = Collector();
        Assert.Equal(ConsensusCollector.Absorbed, c.Handle(_buffer, Contribution(0, 2, 1, Key7), PeerOf(0), 0));
        int n = c.Handle(_buffer, Contribution(1, 2, 1, Key7), PeerOf(1), 0);
        Assert.True(n > 0);
        var inPlace = ReadSigned(_buffer.AsSpan(0, n), Key7);
        Assert.Equal((Status.Ok, 0b11UL), (inPlace.Header.Status, inPlace.Header.Tag));
        Assert.Equal(new[] { 1f, 2f, 3f, (4f * 1 + 5f * 2) / 3f }, inPlace.Values.ToArray());

        int o = c.Originate(_origin, out DatagramPeer to);
        Assert.Equal(40000, to.Remote.Port);
        var other = ReadSigned(_origin.AsSpan(0, o), Key7);
        Assert.Equal(inPlace.Values.ToArray(), other.Values.ToArray());
        Assert.Equal(2, c.Counters.AuthenticatedRequests);
        Assert.Equal(2, c.Counters.AggregatedContributions);
    }

    [Theory]
    [InlineData(16)]   // header: the round id
    [InlineData(48)]   // header: the weight
    [InlineData(70)]   // payload
    [InlineData(64 + 16 + 3)]   // trailer
    public void A_bit_flipped_anywhere_is_dropped_unanswered_and_opens_nothing(int at)
    {
        var c = Collector();
        int n = Contribution(0, 1, 1, Key7);
        _buffer[at] ^= 0x04;
        Assert.Equal(ConsensusCollector.Dropped, c.Handle(_buffer, n, PeerOf(0), 0));
        Assert.Equal(1, c.Counters.AuthFailures);
        Assert.Equal(0, c.Counters.RoundsOpened);
        Assert.Equal(0, c.PendingOriginations);
    }

    [Fact]
    public void Another_jobs_key_is_a_forgery()
    {
        var c = Collector();
        Assert.Equal(ConsensusCollector.Dropped, c.Handle(_buffer, Contribution(0, 1, 1, Key8, job: 7), PeerOf(0), 0));
        Assert.Equal(ConsensusCollector.Dropped, c.Handle(_buffer, Contribution(0, 1, 1, Key7, job: 8), PeerOf(0), 0));
        Assert.Equal(2, c.Counters.AuthFailures);
        Assert.Equal(0, c.Counters.RoundsOpened);
    }

    [Fact]
    public void An_unsigned_message_for_a_keyed_job_is_dropped_and_counted_even_one_the_codec_would_refuse()
    {
        var c = Collector();
        Assert.Equal(ConsensusCollector.Dropped, c.Handle(_buffer, Contribution(0, 1, 1, null), PeerOf(0), 0));
        int n = Contribution(0, 1, 1, null);
        _buffer[5] = 3;   // a status in a request: BAD_REQUEST for an open job, nothing for a keyed one
        Assert.Equal(ConsensusCollector.Dropped, c.Handle(_buffer, n, PeerOf(0), 0));
        Assert.Equal(2, c.Counters.AuthMissingRequests);
        Assert.Equal(0, c.Counters.Refused(Status.BadRequest));
        Assert.Equal(0, c.Counters.RoundsOpened);
    }

    [Fact]
    public void The_mac_flag_for_a_job_without_a_key_is_answered_unauthenticated_and_an_open_job_is_served()
    {
        var c = Collector();
        int n = c.Handle(_buffer, Contribution(0, 1, 1, Key7, job: 9), PeerOf(0), 0);
        Assert.True(Codec.ReadAnswer(_buffer.AsSpan(0, n), out Message m).IsValid);
        Assert.Equal((Status.Unauthenticated, false), (m.Header.Status, m.Header.HasMac));
        Assert.Equal(64, n);   // never larger than the request (amplification)
        n = c.Handle(_buffer, Contribution(0, 1, 1, null, job: 9), PeerOf(0), 0);
        Assert.True(Codec.ReadAnswer(_buffer.AsSpan(0, n), out m).IsValid);
        Assert.Equal((Status.Ok, false), (m.Header.Status, m.Header.HasMac));
        Assert.Equal(1, c.Counters.Refused(Status.Unauthenticated));
    }

    [Fact]
    public void A_retransmission_inside_the_window_is_never_aggregated_twice_and_its_answer_is_signed()
    {
        var c = Collector();
        Assert.Equal(ConsensusCollector.Absorbed, c.Handle(_buffer, Contribution(0, 2, 1, Key7), PeerOf(0), 0));
        Assert.Equal(ConsensusCollector.Absorbed, c.Handle(_buffer, Contribution(0, 2, 1, Key7, retransmit: 1), PeerOf(0), 0));
        Assert.Equal(1, c.Counters.Retransmissions);
        int n = c.Handle(_buffer, Contribution(1, 2, 1, Key7), PeerOf(1), 0);
        Assert.Equal((4f * 1 + 5f * 2) / 3f, ReadSigned(_buffer.AsSpan(0, n), Key7).Values[3]);   // expert 0 counted once
        Assert.Equal(2, c.Counters.AggregatedContributions);
        // After completion the same retransmission gets the result again, from the cache, signed.
        n = c.Handle(_buffer, Contribution(0, 2, 1, Key7, retransmit: 2), PeerOf(0), 0);
        Assert.Equal(Status.Ok, ReadSigned(_buffer.AsSpan(0, n), Key7).Header.Status);
        Assert.Equal(1, c.Counters.CacheResends);
        Assert.Equal(2, c.Counters.AggregatedContributions);
    }

    [Fact]
    public void A_round_below_the_experts_window_is_a_replay_dropped_unanswered()
    {
        var c = Collector();
        int first = Contribution(0, 1, 1, Key7);
        byte[] captured = _buffer[..first];
        Assert.True(c.Handle(_buffer, first, PeerOf(0), 0) > 0);
        ulong high = 1 + ServiceAuth.DefaultWindow;
        Assert.True(c.Handle(_buffer, Contribution(0, 1, high, Key7), PeerOf(0), 0) > 0);
        captured.CopyTo(_buffer, 0);
        Assert.Equal(ConsensusCollector.Dropped, c.Handle(_buffer, captured.Length, PeerOf(0), 0));
        Assert.Equal(1, c.Counters.ReplayedRequests);
        // One inside the window is not a replay (here: a new round; the window is per expert).
        Assert.True(c.Handle(_buffer, Contribution(0, 1, high - ServiceAuth.DefaultWindow + 1, Key7), PeerOf(0), 0) > 0);
        Assert.True(c.Handle(_buffer, Contribution(1, 1, 1, Key7), PeerOf(1), 0) > 0);   // another expert's window
        Assert.Equal(1, c.Counters.ReplayedRequests);
    }

    [Fact]
    public void The_replay_window_is_per_session_and_sessions_only_move_forward_for_contributions()
    {
        var auth = new ServiceAuth(Keys, window: 4);
        AuthOutcome Check(ulong session, ulong round, Operation op = Operation.Contribute, uint epoch = Epoch)
        {
            int n = op == Operation.Contribute
                ? Synthex.Protocol.Contribute.Write(_buffer, Synthex.Protocol.Contribute.Header(7, session, round, 3, 1, 4, 0, 4, 1f, epoch: epoch), [1f, 2f, 3f, 4f])
                : Synthex.Protocol.Query.Write(_buffer, Synthex.Protocol.Query.Header(7, session, round, 4, 1), [1f, 2f, 3f, 4f]);
            n = MessageAuth.Sign(_buffer, n, Key7);
            Codec.ReadRequest(_buffer.AsSpan(0, n), out Message m);
            return auth.Check(_buffer.AsSpan(0, n), m.Header, out _, epoch: Epoch);
        }
        Assert.Equal(AuthOutcome.Verified, Check(100, 10));
        Assert.Equal(AuthOutcome.Verified, Check(100, 7));    // 3 below: inside
        Assert.Equal(AuthOutcome.Replayed, Check(100, 6));    // 4 below: out
        Assert.Equal(AuthOutcome.Verified, Check(100, 20));
        Assert.Equal(AuthOutcome.Replayed, Check(100, 10));
        Assert.Equal(AuthOutcome.Verified, Check(200, 1));    // a restarted client's new (higher) session
        Assert.Equal(AuthOutcome.Verified, Check(200, 2));
        Assert.Equal(AuthOutcome.Replayed, Check(100, 10));   // the old session keeps its own window: not restarted by the new one
        Assert.Equal(AuthOutcome.Verified, Check(100, 19));   // and may still go on (up to 8 sessions of an expert at once)

        // Retired: once 8 higher sessions have been seen, the old one is refused whatever its round,
        // and so is any session lower than all 8 kept (a replay of a session never current here).
        for (ulong s = 201; s <= 207; s++) Assert.Equal(AuthOutcome.Verified, Check(s, 1));
        Assert.Equal(AuthOutcome.Replayed, Check(100, 21));
        Assert.Equal(AuthOutcome.Replayed, Check(150, 1));
        Assert.Equal(AuthOutcome.Verified, Check(300, 1));    // a newer one retires the lowest (200)
        Assert.Equal(AuthOutcome.Replayed, Check(200, 3));

        // A contribution without the service's epoch is stale, whatever its session, and touches no session.
        Assert.Equal(AuthOutcome.StaleEpoch, Check(400, 1, epoch: 0));
        Assert.Equal(AuthOutcome.StaleEpoch, Check(400, 1, epoch: Epoch + 1));
        Assert.Equal(AuthOutcome.Verified, Check(201, 2));    // 201 is still kept: 400 was not recorded

        // QUERY (stateless, many clients of a job): an unknown session is never refused, it takes the lowest's place.
        // (Queries carry expert 0: their own sessions.)
        for (ulong s = 1000; s < 1000 + ServiceAuth.SessionsPerExpert; s++) Assert.Equal(AuthOutcome.Verified, Check(s, 1, Operation.Query));
        Assert.Equal(AuthOutcome.Verified, Check(5, 1, Operation.Query));
        Assert.Equal(AuthOutcome.Verified, Check(5, 2, Operation.Query));
        Assert.Equal(AuthOutcome.Verified, Check(1000, 1, Operation.Query));   // retired by 5, back again: a query is only answered again
        Assert.Equal(AuthOutcome.Verified, Check(5, 9, Operation.Query));
        Assert.Equal(AuthOutcome.Replayed, Check(5, 5, Operation.Query));      // the round window still holds within a kept session
    }

    [Fact]
    public void A_keyed_contribution_without_the_services_epoch_is_answered_stale_signed_and_opens_nothing()
    {
        var c = Collector();
        foreach (uint epoch in new uint[] { 0, Epoch ^ 0x10 })
        {
            int request = Contribution(0, 1, 1, Key7, epoch: epoch);
            int n = c.Handle(_buffer, request, PeerOf(0), 0);
            Assert.True(n > 0 && n <= request, $"answer {n} bytes to a request of {request}");
            var m = ReadSigned(_buffer.AsSpan(0, n), Key7);
            Assert.Equal((Status.Stale, Epoch), (m.Header.Status, m.Header.Epoch));
        }
        Assert.Equal((0L, 0L, 0), (c.Counters.RoundsOpened, c.Counters.JobsOpened, c.PendingOriginations));
        Assert.Equal((2L, 2L), (c.Counters.EpochStaleRequests, c.Counters.Stale));
        // The client adopts the epoch and resends: served.
        int ok = c.Handle(_buffer, Contribution(0, 1, 1, Key7), PeerOf(0), 0);
        Assert.Equal(Status.Ok, ReadSigned(_buffer.AsSpan(0, ok), Key7).Header.Status);
        // An open job is served with epoch 0 as before.
        ok = c.Handle(_buffer, Contribution(0, 1, 1, null, job: 9, epoch: 0), PeerOf(0), 0);
        Assert.True(Codec.ReadAnswer(_buffer.AsSpan(0, ok), out Message open).IsValid);
        Assert.Equal(Status.Ok, open.Header.Status);
    }

    [Fact]
    public void A_recorded_contribution_of_an_older_session_is_a_replay_once_newer_sessions_retired_it_and_a_restarted_client_works()
    {
        var c = Collector();
        const ulong old = 0x1000;
        int n = Contribution(0, 1, 1, Key7, session: old);
        byte[] recorded = _buffer[..n];
        Assert.True(c.Handle(_buffer, n, PeerOf(0), 0) > 0);
        // The expert's client restarts again and again, each time with a higher session (Sessions.New()).
        for (ulong s = 1; s <= ServiceAuth.SessionsPerExpert; s++)
            Assert.Equal(Status.Ok, ReadSigned(_buffer.AsSpan(0, c.Handle(_buffer, Contribution(0, 1, 1, Key7, session: old + s), PeerOf(0), 0)), Key7).Header.Status);
        recorded.CopyTo(_buffer, 0);
        Assert.Equal(ConsensusCollector.Dropped, c.Handle(_buffer, recorded.Length, PeerOf(0), 0));
        Assert.Equal(1, c.Counters.ReplayedRequests);
        // A restarted client with a fresh session from the clock is served.
        n = c.Handle(_buffer, Contribution(0, 1, 1, Key7, session: Sessions.New()), PeerOf(0), 0);
        Assert.Equal(Status.Ok, ReadSigned(_buffer.AsSpan(0, n), Key7).Header.Status);
        Assert.Equal(1, c.Counters.ReplayedRequests);
    }

    [Fact]
    public void Verifying_and_signing_on_the_collector_allocate_nothing()
    {
        var c = Collector();
        void Rounds(ulong from, ulong to)
        {
            for (ulong round = from; round < to; round++)
            {
                int n = Contribution(0, 1, round, Key7);
                c.Handle(_buffer, n, PeerOf(0), (long)round);   // answered in place, signed
                n = Contribution(1, 1, round, Key7);
                _buffer[70] ^= 1;   // and a forgery
                c.Handle(_buffer, n, PeerOf(1), (long)round);
                c.Sweep((long)round);
            }
        }
        Rounds(1, 3000);
        var windows = new List<long>();
        for (ulong w = 0; w < 5 && (windows.Count == 0 || windows[^1] != 0); w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Rounds(3000 + w * 1000, 4000 + w * 1000);
            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.True(windows[^1] == 0, $"bytes allocated per window of 1,000 signed contributions: {string.Join(", ", windows)}");
        Assert.True(c.Counters.AuthFailures >= 3000, $"forgeries counted: {c.Counters.AuthFailures}");
        Assert.True(c.Counters.AuthenticatedRequests >= 3000, $"authentic contributions counted: {c.Counters.AuthenticatedRequests}");
    }

    [Fact]
    public void Forged_unsigned_and_replayed_contributions_at_a_non_owner_never_reach_the_owners_inbox()
    {
        // Inbox of 2: were forgeries handed off, the first two would fill it and the real one be answered BUSY.
        var run = new ConsensusRun(new ConsensusLimits(MaxLength: 1024), Epoch, ticksPerSecond: 1000, inboxCapacity: 2, auth: new ServiceAuth(Keys));
        ConsensusWorker owner = run.RegisterWorker(), other = run.RegisterWorker();
        Assert.Equal(ConsensusCollector.Absorbed, owner.Handle(_buffer, Contribution(0, 2, 1, Key7), PeerOf(0), 0));   // claims (7, Session)
        byte[] replay = _buffer[..Contribution(2, 3, 1, Key7)];
        Assert.True(owner.Handle(_buffer, Contribution(2, 1, 1 + ServiceAuth.DefaultWindow, Key7), PeerOf(2), 0) > 0);   // expert 2 moves on
        for (int i = 0; i < 10; i++)
        {
            int n = Contribution(1, 2, 1, Key7);
            _buffer[70 + i] ^= 0x01;   // forged: a payload bit
            Assert.Equal(ConsensusCollector.Dropped, other.Handle(_buffer, n, PeerOf(1), 0));
            Assert.Equal(ConsensusCollector.Dropped, other.Handle(_buffer, Contribution(1, 2, 1, Key8), PeerOf(1), 0));   // another job's key
            Assert.Equal(ConsensusCollector.Dropped, other.Handle(_buffer, Contribution(1, 2, 1, null), PeerOf(1), 0));   // unsigned
            replay.CopyTo(_buffer, 0);
            Assert.Equal(ConsensusCollector.Dropped, other.Handle(_buffer, replay.Length, PeerOf(2), 0));                 // below expert 2's window
        }
        Assert.Equal(0, owner.Inbox.Count);
        Assert.Equal((20L, 10L, 10L), (other.Collector.Counters.AuthFailures, other.Collector.Counters.AuthMissingRequests, other.Collector.Counters.ReplayedRequests));
        Assert.Equal((0L, 0L), (other.Collector.Counters.HandedOffContributions, other.Collector.Counters.HandoffBusyAnswers));

        // The real one is verified at the receiving worker, handed off, and not verified again by the owner.
        Assert.Equal(ConsensusCollector.Absorbed, other.Handle(_buffer, Contribution(1, 2, 1, Key7), PeerOf(1), 0));
        Assert.Equal((1, 1L, 1L), (owner.Inbox.Count, other.Collector.Counters.HandedOffContributions, other.Collector.Counters.AuthenticatedRequests));
        int answer = owner.Originate(_origin, out DatagramPeer to);
        Assert.Equal(40001, to.Remote.Port);
        Assert.Equal(Status.Ok, ReadSigned(_origin.AsSpan(0, answer), Key7).Header.Status);
        Assert.Equal(2, owner.Collector.Counters.AuthenticatedRequests);   // its own two, not the handed-off one again
        Assert.Equal(1, owner.Collector.Counters.HandoffServed);
        Assert.Equal(0, owner.Collector.Counters.AuthFailures + owner.Collector.Counters.AuthMissingRequests);
    }

    [Fact]
    public void With_require_auth_a_job_without_a_key_is_dropped_unanswered_signed_or_not()
    {
        var c = new ConsensusCollector(new ConsensusLimits(MaxLength: 1024), Epoch, 1000, new ServiceAuth(Keys, requireAll: true));
        Assert.Equal(ConsensusCollector.Dropped, c.Handle(_buffer, Contribution(0, 1, 1, null, job: 9), PeerOf(0), 0));   // would be served open
        Assert.Equal(ConsensusCollector.Dropped, c.Handle(_buffer, Contribution(0, 1, 1, Key7, job: 9), PeerOf(0), 0));   // would be UNAUTHENTICATED
        int n = Contribution(0, 1, 1, null, job: 9);
        _buffer[5] = 3;   // one the codec refuses: still nothing for an unknown job
        Assert.Equal(ConsensusCollector.Dropped, c.Handle(_buffer, n, PeerOf(0), 0));
        Assert.Equal(3, c.Counters.UnknownJobRequests);
        Assert.Equal((0L, 0L, 0), (c.Counters.RoundsOpened, c.Counters.Refused(Status.Unauthenticated), c.PendingOriginations));
        Assert.True(c.Handle(_buffer, Contribution(0, 1, 1, Key7), PeerOf(0), 0) > 0);   // a listed job is served as before
        Assert.Contains(c.Counters.Snapshot(), kv => kv.Key == "unknown_job" && kv.Value == 3);
    }

    // ---------------------------------------------------------------------------- similarity

    private const int N = 20, D = 8;

    private SimilarityService Similarity()
    {
        var matrix = StoredMatrix.Load(_files.Npy(MatrixFiles.Random(3, N * D), N, D));
        return new SimilarityService(matrix, null, SimilarityMetric.Cosine, 10, 16, auth: new ServiceAuth(Keys));
    }

    private int QueryBytes(ulong id, byte[]? key, uint job = 7)
    {
        int n = Synthex.Protocol.Query.Write(_buffer, Synthex.Protocol.Query.Header(job, 99, id, D, 3), MatrixFiles.Random(5, D));
        return key is null ? n : MessageAuth.Sign(_buffer, n, key);
    }

    private static readonly DatagramMeta Meta = new(new DatagramPeer(UdpEndpoint.V4(0x7f000001, 4242), UdpEndpoint.V4(0x7f000001, 9000), 0, 0, 0), 0);

    private static long Counter(SimilarityService s, string name) => s.Counters.Single(c => c.Key == name).Value;

    private static byte[] OriginatedOne(SimilarityService s)
    {
        var payload = new byte[9000];
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            int n = s.Originate(0, payload, out _);
            if (n >= 0) return payload[..n];
            Thread.Sleep(1);
        }
        throw new TimeoutException("no answer from the compute thread in 30 s");
    }

    [Fact]
    public void A_signed_query_is_answered_signed_and_bad_ones_are_dropped_or_refused_by_the_rules()
    {
        using var s = Similarity();
        Assert.Equal(0, s.RegisterWorker());
        Assert.True(s.Accept(_buffer, QueryBytes(1, Key7), Meta, 0).IsAbsorbed);
        var m = ReadSigned(OriginatedOne(s), Key7);
        Assert.Equal((Operation.Matches, Status.Ok, (ushort)3), (m.Header.Operation, m.Header.Status, m.Header.Items));

        int n = QueryBytes(2, Key7);
        _buffer[n - 1] ^= 0x80;   // trailer
        Assert.Equal(DatagramVerdict.Drop(DropReason.BadPayload), s.Accept(_buffer, n, Meta, 0));
        Assert.Equal(DatagramVerdict.Drop(DropReason.BadPayload), s.Accept(_buffer, QueryBytes(3, Key8), Meta, 0));    // job 7, job 8's key
        Assert.Equal(DatagramVerdict.Drop(DropReason.BadPayload), s.Accept(_buffer, QueryBytes(4, null), Meta, 0));    // unsigned, keyed job
        var v = s.Accept(_buffer, QueryBytes(5, Key7, job: 9), Meta, 0);                                               // flag, no key for job 9
        Assert.True(v.IsReply);
        Assert.True(Codec.ReadAnswer(_buffer.AsSpan(0, v.ReplyLength), out Message u).IsValid);
        Assert.Equal(Status.Unauthenticated, u.Header.Status);

        Assert.Equal(1, Counter(s, "authenticated"));
        Assert.Equal(2, Counter(s, "auth_failed"));
        Assert.Equal(1, Counter(s, "auth_missing"));
        Assert.Equal(1, Counter(s, "unauthenticated"));
        Assert.Equal(1, Counter(s, "queries"));
    }

    [Fact]
    public void With_require_auth_a_query_of_a_job_without_a_key_is_dropped_unanswered()
    {
        var matrix = StoredMatrix.Load(_files.Npy(MatrixFiles.Random(3, N * D), N, D));
        using var s = new SimilarityService(matrix, null, SimilarityMetric.Cosine, 10, 16, auth: new ServiceAuth(Keys, requireAll: true));
        Assert.Equal(0, s.RegisterWorker());
        Assert.Equal(DatagramVerdict.Drop(DropReason.BadPayload), s.Accept(_buffer, QueryBytes(1, null, job: 9), Meta, 0));
        Assert.Equal(DatagramVerdict.Drop(DropReason.BadPayload), s.Accept(_buffer, QueryBytes(2, Key7, job: 9), Meta, 0));
        Assert.Equal(2, Counter(s, "unknown_job"));
        Assert.Equal((0L, 0L), (Counter(s, "unauthenticated"), Counter(s, "queries")));
        Assert.True(s.Accept(_buffer, QueryBytes(3, Key7), Meta, 0).IsAbsorbed);
        Assert.Equal(Status.Ok, ReadSigned(OriginatedOne(s), Key7).Header.Status);
    }

    [Fact]
    public void A_verified_query_gets_its_full_top_k_even_larger_than_the_query_and_an_unauthenticated_one_does_not()
    {
        var matrix = StoredMatrix.Load(_files.Npy(MatrixFiles.Random(3, N * D), N, D));
        using var s = new SimilarityService(matrix, null, SimilarityMetric.Cosine, 10, 16, cacheEntries: 16, auth: new ServiceAuth(Keys));
        Assert.Equal(0, s.RegisterWorker());
        byte[] Query(ulong id, byte[]? key, uint job)
        {
            int n = Synthex.Protocol.Query.Write(_buffer, Synthex.Protocol.Query.Header(job, 99, id, D, 10), MatrixFiles.Random(5, D));
            return _buffer[..(key is null ? n : MessageAuth.Sign(_buffer, n, key))];
        }
        // Unauthenticated (job 9 has no key): 64 + 10 x 8 = 144 bytes would answer a 96-byte query: TOO_LARGE.
        byte[] open = Query(1, null, job: 9);
        var v = s.Accept(_buffer, open.Length, Meta, 0);
        Assert.True(v.IsReply && v.ReplyLength <= open.Length);
        Assert.True(Codec.ReadAnswer(_buffer.AsSpan(0, v.ReplyLength), out Message refused).IsValid);
        Assert.Equal((Status.TooLarge, Field.K), (refused.Header.Status, (Field)refused.Header.Detail));
        Assert.Equal(1, Counter(s, "amplification_refused"));

        // Verified (job 7): all ten, signed — 160 bytes for a 112-byte query; computed, then from the cache in place.
        byte[] signed = Query(2, Key7, job: 7);
        Assert.True(s.Accept(_buffer, signed.Length, Meta, 0).IsAbsorbed);
        byte[] computed = OriginatedOne(s);
        var m = ReadSigned(computed, Key7);
        Assert.Equal((Status.Ok, (ushort)10), (m.Header.Status, m.Header.Items));
        Assert.True(computed.Length > signed.Length, $"{computed.Length} vs {signed.Length}");
        signed = Query(3, Key7, job: 7);
        v = s.Accept(_buffer, signed.Length, Meta, 0);
        Assert.True(v.IsReply, "the second, identical query is a cache hit answered in place");
        var hit = ReadSigned(_buffer.AsSpan(0, v.ReplyLength), Key7);
        Assert.Equal((Status.Ok, (ushort)10), (hit.Header.Status, hit.Header.Items));
        Assert.Equal(1, Counter(s, "amplification_refused"));
        Assert.Equal(1, Counter(s, "cache_hits"));
    }

    [Fact]
    public void A_signed_status_answer_and_a_replayed_query_below_the_window()
    {
        using var s = Similarity();
        Assert.Equal(0, s.RegisterWorker());
        // A refusal of an authentic request is signed too: k above --k-max.
        int n = Synthex.Protocol.Query.Write(_buffer, Synthex.Protocol.Query.Header(7, 99, 1, D, 11), MatrixFiles.Random(5, D));
        var v = s.Accept(_buffer, MessageAuth.Sign(_buffer, n, Key7), Meta, 0);
        Assert.True(v.IsReply);
        Assert.Equal(Status.TooLarge, ReadSigned(_buffer.AsSpan(0, v.ReplyLength), Key7).Header.Status);

        int first = QueryBytes(2, Key7);
        byte[] captured = _buffer[..first];
        Assert.True(s.Accept(_buffer, first, Meta, 0).IsAbsorbed);
        OriginatedOne(s);
        Assert.True(s.Accept(_buffer, QueryBytes(2 + ServiceAuth.DefaultWindow, Key7), Meta, 0).IsAbsorbed);
        OriginatedOne(s);
        captured.CopyTo(_buffer, 0);
        Assert.Equal(DatagramVerdict.Drop(DropReason.BadPayload), s.Accept(_buffer, captured.Length, Meta, 0));
        Assert.Equal(1, Counter(s, "replayed"));
    }
}
