using System.Net;
using Synthex.Client;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.IntegrationTests.Fallback;
using Synthex.Dpdk.Tests.Support;
using Synthex.Protocol;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Combined;

/// <summary>
/// <c>synthex run --app consensus,similarity</c> as a child process on the OS backends: one
/// instance, one port, answers a consensus round (three real clients) and similarity queries sent
/// at the same time, each exactly; the report carries both services' counters under their prefixes.
/// </summary>
[Collection(FallbackCollection.Name)]
public class CombinedServiceTests
{
    public static TheoryData<string> Backends => ["io-uring", "socket"];

    private const int N = 500, D = 32, Length = 600, Experts = 3, Queries = 20;

    [Theory, MemberData(nameof(Backends))]
    public async Task One_instance_answers_a_consensus_round_and_queries_side_by_side(string backend)
    {
        string dir = TempDir(), report = Path.Combine(dir, "report.json"), matrixPath = Path.Combine(dir, "m.npy");
        var r = new Random(23);
        float[] values = new float[N * D];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(r.NextDouble() * 2 - 1);
        NpyWriter.Write(matrixPath, values, N, D);
        int port = FreeUdpPort();
        using var synthex = SynthexProcess.Start(
        [
            "run", "--app", "consensus,similarity", "--matrix", matrixPath, "--metric", "dot", "--k-max", "8", "--backend", backend,
            "--listen", $"127.0.0.1:{port}", "--stats-interval", "0", "--stats-json", report, "--round-timeout", "20000",
        ]);
        Assert.True(synthex.WaitFor("synthex: running consensus,similarity"), synthex.Output);
        var server = new IPEndPoint(IPAddress.Loopback, port);

        // The round: three experts through the real client.
        float Value(int e, int i) => MathF.Sin(i * 0.01f * (e + 1)) * (e + 1);
        float Weight(int e) => 0.5f + e;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        ulong session = (ulong)Random.Shared.NextInt64() | 1;
        var round = Task.WhenAll(Enumerable.Range(0, Experts).Select(async e =>
        {
            await using var client = new ConsensusClient(server, new ConsensusClientOptions
            {
                Job = 5, Session = session, Expert = (byte)e, Chunk = 256, RetransmitDelay = TimeSpan.FromMilliseconds(50),
            });
            return await client.ContributeAsync(0, Experts, Enumerable.Range(0, Length).Select(i => Value(e, i)).ToArray(), Weight(e), timeout.Token);
        }));

        // Meanwhile the queries, on the same port.
        using var matrix = StoredMatrix.Load(matrixPath);
        var reference = new TopKScorer(matrix, SimilarityMetric.Dot, 1, 8);
        var buffer = new byte[65536];
        using (var client = new UdpTestClient(server, timeoutMs: 10_000))
        {
            for (int i = 0; i < Queries; i++)
            {
                float[] q = new float[D];
                for (int j = 0; j < D; j++) q[j] = (float)(r.NextDouble() * 2 - 1);
                ushort k = (ushort)(1 + i % 8);
                int n = Query.Write(buffer, Query.Header(3, 77, (ulong)i, D, k), q);
                client.Send(buffer.AsSpan(0, n));
                Assert.True(Codec.ReadAnswer(client.Receive(), out Message a).IsValid);
                Assert.Equal((Operation.Matches, Status.Ok, (ulong)i, k), (a.Header.Operation, a.Header.Status, a.Header.Round, a.Header.Items));
                var want = new Match[8]; var counts = new int[1];
                reference.Score(q, [k], want, counts);
                Assert.Equal(want[..k], a.Matches.ToArray());
            }
        }

        var results = await round;
        double sumW = Enumerable.Range(0, Experts).Sum(e => (double)Weight(e));
        foreach (var result in results)
        {
            Assert.True(result.Complete, string.Join(", ", result.Chunks));
            for (int i = 0; i < Length; i++)
            {
                double want = Enumerable.Range(0, Experts).Sum(e => (double)Weight(e) * Value(e, i)) / sumW;
                Assert.True(Math.Abs(result.Values[i] - want) <= 1e-5 * (1 + Math.Abs(want)), $"element {i}: {result.Values[i]} vs {want}");
            }
        }

        synthex.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, synthex.WaitForExit());
        var json = ReadReport(report);
        Assert.True(json.GetProperty("totals").GetProperty("accounted").GetBoolean());
        var service = json.GetProperty("service");
        Assert.Equal(Queries, service.GetProperty("similarity.queries").GetInt64());
        Assert.Equal(Queries, service.GetProperty("similarity.answered").GetInt64());
        Assert.Equal(0, service.GetProperty("similarity.unknown_operation").GetInt64());
        Assert.Equal(0, service.GetProperty("similarity.unattached").GetInt64());
        Assert.Equal(3, service.GetProperty("consensus.chunks_completed").GetInt64()); // 600 floats in chunks of 256
        Assert.Equal(0, service.GetProperty("consensus.refused_unknown_operation").GetInt64());
    }
}
