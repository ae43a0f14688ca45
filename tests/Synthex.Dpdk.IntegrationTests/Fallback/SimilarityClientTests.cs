using System.Net;
using Synthex.Client;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Kernels;
using Synthex.Protocol;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Fallback;

/// <summary>
/// The real <see cref="SimilarityClient"/> against <c>synthex run --app similarity</c> on the OS
/// backends: answers equal the in-process scorer's, a repeated query is a cache hit (the report's
/// counters) with the same answer, PROJECT equals P·x within the f32 bound, refusals throw naming
/// the status and field.
/// </summary>
[Collection(FallbackCollection.Name)]
public class SimilarityClientTests
{
    public static TheoryData<string> Backends => ["io-uring", "socket"];

    private const int N = 1500, D = 40, M = 6;

    [Theory, MemberData(nameof(Backends))]
    public async Task The_client_gets_exact_answers_and_a_repeated_query_is_a_cache_hit(string backend)
    {
        string dir = TempDir(), report = Path.Combine(dir, "report.json");
        string matrixPath = Path.Combine(dir, "m.npy"), projectionPath = Path.Combine(dir, "p.npy");
        var r = new Random(23);
        float[] Random(int n) { var v = new float[n]; for (int i = 0; i < n; i++) v[i] = (float)(r.NextDouble() * 2 - 1); return v; }
        NpyWriter.Write(matrixPath, Random(N * D), N, D);
        float[] p = Random(M * D);
        NpyWriter.Write(projectionPath, p, M, D);
        int port = FreeUdpPort();
        using var synthex = SynthexProcess.Start(
        [
            "run", "--app", "similarity", "--matrix", matrixPath, "--projection", projectionPath, "--metric", "dot", "--k-max", "12",
            "--cache-entries", "256", "--backend", backend, "--listen", $"127.0.0.1:{port}", "--stats-interval", "0",
            "--stats-json", report, "--workers", "1",
        ]);
        Assert.True(synthex.WaitFor("synthex: running"), synthex.Output);
        Assert.Contains("result cache: 256 entries", synthex.Stdout);

        using var matrix = StoredMatrix.Load(matrixPath);
        var reference = new TopKScorer(matrix, SimilarityMetric.Dot, 1, 12);
        var options = new SimilarityClientOptions { Job = 4, RetransmitDelay = TimeSpan.FromSeconds(2) }; // a loaded machine: few needless resends
        var queries = new List<(float[] Q, int K, Match[] Answer)>();
        await using (var client = new SimilarityClient(new IPEndPoint(IPAddress.Loopback, port), options))
        {
            for (int i = 0; i < 12; i++)
            {
                float[] q = Random(D);
                int k = 1 + i;
                SimilarityResult result = await client.QueryAsync(q, k);
                var want = new Match[12]; var counts = new int[1];
                reference.Score(q, [k], want, counts);
                Assert.Equal(want[..k], result.Matches); // bit for bit
                Assert.Equal(1UL, result.MatrixVersion);
                queries.Add((q, k, result.Matches));
            }
            // Every query again: answered from the cache, identical.
            foreach (var (q, k, answer) in queries)
                Assert.Equal(answer, (await client.QueryAsync(q, k)).Matches);

            float[] x = Random(D);
            ProjectionResult y = await client.ProjectAsync(x);
            Assert.Equal(M, y.Values.Length);
            for (int i = 0; i < M; i++)
            {
                double exact = 0, abs = 0;
                for (int j = 0; j < D; j++) { exact += (double)p[i * D + j] * x[j]; abs += Math.Abs((double)p[i * D + j] * x[j]); }
                Assert.True(Math.Abs(y.Values[i] - exact) <= (D + 2) * abs / (1 << 24), $"y[{i}] = {y.Values[i]}, reference {exact}");
            }

            var wrongD = await Assert.ThrowsAsync<SimilarityException>(() => client.QueryAsync(new float[D - 1], 2));
            Assert.Equal((Status.BadRequest, Field.Length), (wrongD.Status, wrongD.Field));
            var bigK = await Assert.ThrowsAsync<SimilarityException>(() => client.QueryAsync(Random(D), 13));
            Assert.Equal((Status.TooLarge, Field.K), (bigK.Status, bigK.Field));
        }
        synthex.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, synthex.WaitForExit());
        var service = ReadReport(report).GetProperty("service");
        // Retransmissions on a loaded machine may add hits or misses; at least every repeat is a hit.
        Assert.True(service.GetProperty("cache_hits").GetInt64() >= 12, service.ToString());
        Assert.Equal(12, service.GetProperty("cache_inserts").GetInt64());
        Assert.Equal(service.GetProperty("scored").GetInt64(), service.GetProperty("cache_misses").GetInt64());
    }
}
