using System.Diagnostics;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Packets;
using Synthex.Protocol;

namespace Synthex.Dpdk.Tests.Apps.Similarity;

/// <summary>
/// The service through its datagram-app face: bad input answered in place with its status and
/// counted; good queries absorbed, scored on the compute thread, and originated exactly as the
/// scorer computes them.
/// </summary>
public sealed partial class SimilarityServiceTests : IDisposable
{
    private const int N = 50, D = 8;
    private readonly MatrixFiles _files = new();
    private readonly float[] _values = MatrixFiles.Random(5, N * D);
    private readonly byte[] _buffer = new byte[9000];
    private static readonly DatagramMeta Meta = new(new DatagramPeer(UdpEndpoint.V4(0x7f000001, 4242), UdpEndpoint.V4(0x7f000001, 9000), 0, 0, 0), 0);

    public void Dispose() => _files.Dispose();

    private SimilarityService Service(int kMax = 10, int slots = 16, float[]? projection = null, int m = 0)
    {
        var matrix = StoredMatrix.Load(_files.Npy(_values, N, D));
        var p = projection is null ? null : StoredMatrix.Load(_files.Npy(projection, m, D, "p.npy"));
        return new SimilarityService(matrix, p, SimilarityMetric.Cosine, kMax, slots);
    }

    private int QueryBytes(float[] q, ushort k, ulong id = 1, uint length = D)
        => Synthex.Protocol.Query.Write(_buffer, Synthex.Protocol.Query.Header(7, 99, id, length, k), q);

    private static float[] Q(int seed) => MatrixFiles.Random(seed, D);

    private (Header Header, byte[] Payload) Answer(DatagramVerdict v)
    {
        Assert.True(v.IsReply, v.ToString());
        Assert.True(Codec.ReadAnswer(_buffer.AsSpan(0, v.ReplyLength), out Message a).IsValid);
        return (a.Header, a.Payload.ToArray());
    }

    private static long Counter(SimilarityService s, string name) => s.Counters.Single(c => c.Key == name).Value;

    /// <summary>Waits for the compute thread to finish <paramref name="count"/> answers for worker 0, and originates them.</summary>
    private static List<byte[]> Originated(SimilarityService s, int count)
    {
        var answers = new List<byte[]>();
        var payload = new byte[9000];
        var clock = Stopwatch.StartNew();
        while (answers.Count < count && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            int n = s.Originate(0, payload, out DatagramPeer to);
            if (n < 0) { Thread.Sleep(1); continue; }
            Assert.Equal(4242, to.Remote.Port);
            answers.Add(payload[..n]);
        }
        Assert.Equal(count, answers.Count);
        return answers;
    }

    [Fact]
    public void A_query_is_absorbed_scored_off_the_worker_and_originated_as_the_scorer_computes_it()
    {
        using var s = Service();
        Assert.Equal(0, s.RegisterWorker());
        float[] q = Q(1);
        Assert.True(s.Accept(_buffer, QueryBytes(q, 3, id: 41), Meta, 0).IsAbsorbed);
        byte[] answer = Originated(s, 1)[0];
        Assert.True(Codec.ReadAnswer(answer, out Message a).IsValid);
        Assert.Equal((Operation.Matches, Status.Ok, 41UL, (ushort)3, 1UL, s.Epoch), (a.Header.Operation, a.Header.Status, a.Header.Round, a.Header.Items, a.Header.Tag, a.Header.Epoch));

        var reference = new TopKScorer(s.Matrix, SimilarityMetric.Cosine, 1, 10);
        var want = new Match[10]; var counts = new int[1];
        reference.Score(q, [3], want, counts);
        Assert.Equal(want[..3], a.Matches.ToArray());
        Assert.Equal(1, Counter(s, "queries"));
        Assert.Equal(1, Counter(s, "answered"));
        Assert.Equal(1, Counter(s, "scored"));
    }

    [Fact]
    public void Bad_input_gets_its_status_in_place_and_is_counted()
    {
        using var s = Service(kMax: 10);
        s.RegisterWorker();

        var (h, _) = Answer(s.Accept(_buffer, QueryBytes(new float[D + 1], 2, length: D + 1), Meta, 0));
        Assert.Equal((Status.BadRequest, (ushort)Field.Length), (h.Status, h.Detail));

        (h, _) = Answer(s.Accept(_buffer, QueryBytes(Q(2), 0), Meta, 0));
        Assert.Equal((Status.BadRequest, (ushort)Field.K), (h.Status, h.Detail));

        (h, _) = Answer(s.Accept(_buffer, QueryBytes(Q(2), 11), Meta, 0));
        Assert.Equal((Status.TooLarge, (ushort)Field.K), (h.Status, h.Detail));

        float[] nan = Q(3); nan[5] = float.NaN;
        (h, _) = Answer(s.Accept(_buffer, QueryBytes(nan, 2), Meta, 0));
        Assert.Equal((Status.BadRequest, (ushort)Field.Payload), (h.Status, h.Detail));

        int full = QueryBytes(Q(4), 2);
        (h, _) = Answer(s.Accept(_buffer, full - 3, Meta, 0)); // truncated
        Assert.Equal((Status.BadRequest, (ushort)Field.Payload), (h.Status, h.Detail));

        Assert.Equal(DropReason.BadPayload, s.Accept(_buffer, 40, Meta, 0).Reason); // shorter than a header: dropped, never answered

        Assert.Equal(1, Counter(s, "bad_dimension"));
        Assert.Equal(1, Counter(s, "k_zero"));
        Assert.Equal(1, Counter(s, "k_too_large"));
        Assert.Equal(2, Counter(s, "codec_refused"));
        Assert.Equal(1, Counter(s, "codec_dropped"));
        Assert.Equal(0, Counter(s, "queries"));
    }

    [Fact]
    public void More_matches_than_an_unauthenticated_query_may_receive_is_too_large()
    {
        // D = 8: a query is 64 + 32 bytes, so at most 4 matches (64 + 8·4) fit the amplification rule.
        using var s = Service(kMax: 10);
        s.RegisterWorker();
        Assert.True(s.Accept(_buffer, QueryBytes(Q(5), 4), Meta, 0).IsAbsorbed);
        var (h, _) = Answer(s.Accept(_buffer, QueryBytes(Q(5), 5), Meta, 0));
        Assert.Equal((Status.TooLarge, (ushort)Field.K), (h.Status, h.Detail));
        Assert.Equal(1, Counter(s, "amplification_refused"));
        Originated(s, 1);
    }

    [Fact]
    public void A_full_slot_pool_answers_busy_with_a_retry_after()
    {
        using var s = Service(slots: 2);
        s.RegisterWorker();
        // Slots are freed only when their answer is originated: two queries fill the pool.
        Assert.True(s.Accept(_buffer, QueryBytes(Q(6), 1), Meta, 0).IsAbsorbed);
        Assert.True(s.Accept(_buffer, QueryBytes(Q(7), 1), Meta, 0).IsAbsorbed);
        var (h, _) = Answer(s.Accept(_buffer, QueryBytes(Q(8), 1), Meta, 0));
        Assert.Equal(Status.Busy, h.Status);
        Assert.True(h.Detail >= 1);
        Assert.Equal(1, Counter(s, "busy"));
        Originated(s, 2);
        Assert.True(s.Accept(_buffer, QueryBytes(Q(8), 1), Meta, 0).IsAbsorbed);
        Originated(s, 1);
    }

    [Fact]
    public void Contribute_a_mac_and_project_without_a_projection_are_refused()
    {
        using var s = Service();
        s.RegisterWorker();
        var ch = Contribute.Header(7, 1, 1, 0, 1, 4, 0, 4, 1f);
        int n = Contribute.Write(_buffer, ch, [1f, 2f, 3f, 4f]);
        Assert.Equal(Status.UnknownOperation, Answer(s.Accept(_buffer, n, Meta, 0)).Header.Status);

        n = Project.Write(_buffer, Project.Header(7, 1, 2, D), Q(9));
        Assert.Equal(Status.UnknownOperation, Answer(s.Accept(_buffer, n, Meta, 0)).Header.Status);

        n = QueryBytes(Q(9), 2);
        _buffer[4] = (byte)Flags.Mac;
        _buffer.AsSpan(n, 16).Fill(0xaa);
        Assert.Equal(Status.Unauthenticated, Answer(s.Accept(_buffer, n + 16, Meta, 0)).Header.Status);
        Assert.Equal(2, Counter(s, "unknown_operation"));
        Assert.Equal(1, Counter(s, "unauthenticated"));
    }

    [Fact]
    public void Project_answers_p_times_x()
    {
        const int m = 3;
        float[] p = MatrixFiles.Random(21, m * D);
        using var s = Service(projection: p, m: m);
        s.RegisterWorker();
        float[] x = Q(22);
        Assert.True(s.Accept(_buffer, Project.Write(_buffer, Project.Header(7, 1, 5, D), x), Meta, 0).IsAbsorbed);
        byte[] answer = Originated(s, 1)[0];
        Assert.True(Codec.ReadAnswer(answer, out Message a).IsValid);
        Assert.Equal((Operation.Projected, (ushort)m), (a.Header.Operation, a.Header.Items));
        for (int i = 0; i < m; i++)
        {
            double y = 0, abs = 0;
            for (int j = 0; j < D; j++) { y += (double)p[i * D + j] * x[j]; abs += Math.Abs((double)p[i * D + j] * x[j]); }
            Assert.True(Math.Abs(a.Values[i] - y) <= (D + 2) * abs / (1 << 24), $"y[{i}] = {a.Values[i]}, reference {y}");
        }
        Assert.Equal(1, Counter(s, "projected"));
    }
}
