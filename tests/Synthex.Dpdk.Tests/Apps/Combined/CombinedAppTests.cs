using System.Diagnostics;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Apps.Consensus;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Pipeline.Memory;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Tests.Apps.Similarity;
using Synthex.Dpdk.Tests.Endpoint;
using Synthex.Dpdk.Tests.Support;
using Synthex.Protocol;

namespace Synthex.Dpdk.Tests.Apps.Combined;

/// <summary>
/// <c>--app consensus,similarity</c>: the catalogue's pair, the dispatch by operation byte, and
/// both services answering behind one endpoint on the in-memory port (the DPDK worker loop).
/// </summary>
public sealed class CombinedAppTests : IDisposable
{
    private const int PayloadOffset = 14 + 20 + 8;
    private const int N = 40, D = 16;
    private readonly MatrixFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void The_catalogue_knows_the_pair_and_refuses_other_lists()
    {
        Assert.True(AppCatalog.TryFind("consensus,similarity", out var app));
        var pair = Assert.IsType<CombinedApp>(app);
        Assert.Equal("consensus,similarity", pair.Name);
        Assert.Equal(int.MaxValue, pair.MaxWorkers); // neither app limits its workers (consensus hands off to the owner)
        Assert.Equal(BackendLayers.Datagrams, pair.Layers);
        foreach (var bad in new[] { "similarity,consensus", "reflect,similarity", "consensus,similarity,reflect", "consensus,", "," })
        {
            Assert.False(AppCatalog.TryFind(bad, out _), bad);
            var problem = RunSettingsValidator.Problems(new RunSettings { App = bad }).First();
            Assert.Equal("app", problem.Key);
            Assert.Contains("consensus,similarity", problem.Message);
        }
    }

    [Fact]
    public void Both_apps_options_are_valid_together_on_several_workers()
    {
        var ok = new RunSettings { App = "consensus,similarity", Matrix = "m.npy", KMax = 5, MaxJobs = 8 };
        Assert.Empty(RunSettingsValidator.Problems(ok));
        var two = ok with { Workers = 2 };
        Assert.Empty(RunSettingsValidator.Problems(two));
    }

    [Fact]
    public void The_operation_byte_picks_the_app_and_everything_else_goes_to_the_first()
    {
        var app = new OperationDispatch<Tagger, Tagger>(new Tagger(1), new Tagger(2), CombinedApp.SecondOperations);
        var buffer = new byte[Wire.HeaderSize];
        var meta = default(DatagramMeta);
        foreach (var (op, want) in new (byte, byte)[] { (1, 1), (2, 2), (3, 2), (4, 1), (0x82, 1), (0, 1), (0x3F, 1), (0xFF, 1) })
        {
            buffer[3] = op;
            Assert.True(app.Process(buffer, buffer.Length, meta).IsReply);
            Assert.Equal(want, buffer[0]);
        }
        buffer[3] = 2;
        app.Process(buffer, 3, meta); // too short to carry the operation: the first app's to refuse
        Assert.Equal(1, buffer[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => OperationSet.Of(Operation.Result));
    }

    [Fact]
    public void Dispatching_allocates_nothing()
    {
        var app = new OperationDispatch<Tagger, Tagger>(new Tagger(1), new Tagger(2), CombinedApp.SecondOperations);
        var buffer = new byte[Wire.HeaderSize];
        var meta = default(DatagramMeta);
        for (int i = 0; i < 10_000; i++) { buffer[3] = (byte)(i & 3); app.Process(buffer, buffer.Length, meta); } // warm-up: tiered JIT
        long before = GC.GetAllocatedBytesForCurrentThread();
        int second = 0;
        for (int i = 0; i < 100_000; i++)
        {
            buffer[3] = (byte)(i & 3);
            app.Process(buffer, buffer.Length, meta);
            if (buffer[0] == 2) second++;
            app.Poll(0);
            _ = app.PendingOriginations;
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(50_000, second); // operations 2 and 3 of every 4
    }

    /// <summary>Writes its id into byte 0: which app saw the datagram.</summary>
    private readonly struct Tagger(byte id) : IDatagramApp
    {
        public DatagramVerdict Process(Span<byte> buffer, int length, in DatagramMeta meta)
        {
            buffer[0] = id;
            return DatagramVerdict.Reply(1);
        }
    }

    private static RunSettings Settings(string matrix) => new() { App = "consensus,similarity", Matrix = matrix, KMax = 5, Address = "10.0.0.2/24", Listen = "0.0.0.0:9000" };

    private AppDescriptor OpenPair(out float[] values)
    {
        values = MatrixFiles.Random(11, N * D);
        var settings = Settings(_files.Npy(values, N, D));
        return AppCatalog.Find(settings.App).Open(settings.AppOptions, TextWriter.Null);
    }

    private static WorkerHarness Harness(AppDescriptor app, RunSettings settings)
        => new(1, 4096, MemoryNetwork.DefaultCapacity, 32,
               f => FrameApps.Create(app, new FrameAppContext(settings.AppOptions, [new PortInfo(0, "mem0", Synthex.Dpdk.Packets.MacAddress.Read(FrameBuilder.MacB).Value, 0)]), f));

    private static byte[] Frame(byte[] payload, byte host, ushort port)
    {
        var frame = new FrameBuilder { IpSrc = [10, 0, 0, host], SrcPort = port, PayloadLength = payload.Length, UdpChecksum = false }.Build();
        payload.CopyTo(frame, PayloadOffset);
        return frame;
    }

    private static byte[] Contribution(byte expert, float weight, float[] values)
    {
        var h = Synthex.Protocol.Contribute.Header(9, 77, 1, expert, 2, (uint)values.Length, 0, (ushort)values.Length, weight, 0);
        var payload = new byte[Wire.HeaderSize + values.Length * 4];
        Synthex.Protocol.Contribute.Write(payload, h, values);
        return payload;
    }

    private static byte[] QueryPayload(float[] q, ushort k, ulong id)
    {
        var payload = new byte[Wire.HeaderSize + q.Length * 4];
        Synthex.Protocol.Query.Write(payload, Synthex.Protocol.Query.Header(7, 99, id, (uint)q.Length, k), q);
        return payload;
    }

    private sealed record Answer(Header Header, float[] Values, Match[] Matches, byte Host);

    private static Answer Parse(byte[] frame)
    {
        Assert.True(Codec.ReadAnswer(frame.AsSpan(PayloadOffset), out Message m).IsValid);
        bool matches = m.Header.Operation == Operation.Matches && m.Header.Status == Status.Ok;
        bool values = m.Header.Operation == Operation.Result && m.Header.Status == Status.Ok;
        return new Answer(m.Header, values ? m.Values.ToArray() : [], matches ? m.Matches.ToArray() : [], frame[33]);
    }

    private static void PollUntil(WorkerHarness w, int sent)
    {
        var clock = Stopwatch.StartNew();
        while (w.Network.Sent.Count < sent && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            w.Worker.PollOnce();
            w.Worker.Drain();
            if (w.Network.Sent.Count < sent) Thread.Sleep(1);
        }
        Assert.Equal(sent, w.Network.Sent.Count);
    }

    [Fact]
    public void One_endpoint_answers_a_consensus_round_and_a_query_and_refuses_an_unknown_operation()
    {
        var app = OpenPair(out float[] values);
        try
        {
            using var w = Harness(app, Settings("unused"));
            w.Network.Enqueue(0, Frame(Contribution(0, 1f, [1f, 2f, 3f]), 10, 5000));
            float[] q = MatrixFiles.Random(12, D);
            w.Network.Enqueue(0, Frame(QueryPayload(q, 3, 41), 20, 6000));
            w.Network.Enqueue(0, Frame(Contribution(1, 3f, [5f, 6f, 7f]), 11, 5001));
            var unknown = QueryPayload(q, 3, 42);
            unknown[3] = 0x10; // no such operation
            w.Network.Enqueue(0, Frame(unknown, 21, 6001));
            PollUntil(w, 4); // two results, one MATCHES, one UNKNOWN_OPERATION

            var answers = w.Network.Sent.Select(s => s.Frame).ToArray();
            foreach (var f in answers) Assert.True(EndpointTests.ChecksumsValid(f, v6: false));
            var byOp = answers.Select(Parse).ToArray();

            var results = byOp.Where(a => a.Header.Operation == Operation.Result && a.Header.Status == Status.Ok).ToArray();
            Assert.Equal(2, results.Length);
            foreach (var r in results) Assert.Equal(new[] { 4f, 5f, 6f }, r.Values);

            var matches = Assert.Single(byOp, a => a.Header.Operation == Operation.Matches);
            Assert.Equal((Status.Ok, 41UL, (ushort)3), (matches.Header.Status, matches.Header.Round, matches.Header.Items));
            Assert.Equal(20, matches.Host); // back to the querier
            using (var m = StoredMatrix.Load(_files.Npy(values, N, D, "ref.npy")))
            {
                var scorer = new TopKScorer(m, SimilarityMetric.Cosine, 1, 5);
                var want = new Match[5]; var counts = new int[1];
                scorer.Score(q, [3], want, counts);
                Assert.Equal(want[..3], matches.Matches);
            }

            var refused = Assert.Single(byOp, a => a.Header.Status == Status.UnknownOperation);
            Assert.Equal(21, refused.Host);

            var counters = app.ServiceCounters().ToDictionary(kv => kv.Key, kv => kv.Value);
            Assert.Equal(1, counters["similarity.queries"]);
            Assert.Equal(1, counters["similarity.answered"]);
            Assert.Equal(0, counters["similarity.unknown_operation"]); // the unknown operation went to consensus
            Assert.Equal(1, counters["consensus.chunks_completed"]);
            Assert.Equal(0, counters["similarity.unattached"]);
            Assert.DoesNotContain(counters.Keys, k => !k.StartsWith("consensus.", StringComparison.Ordinal) && !k.StartsWith("similarity.", StringComparison.Ordinal));
            Accounting.AssertBalanced(w.Counters);
        }
        finally
        {
            (app as IDisposable)?.Dispose();
        }
    }
}
