using System.Net;
using Synthex.Dpdk.Apps;
using Synthex.Protocol;
using Synthex.Dpdk.Tests.Support;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Fallback;

/// <summary>
/// <c>synthex run --app similarity</c> as a child process on the OS backends: real UDP queries
/// answered exactly (the same scorer in this process is the reference), bad input answered with
/// its status and counted in the report, bad matrix files refused with exit 2.
/// </summary>
[Collection(FallbackCollection.Name)]
public class SimilarityServiceTests
{
    public static TheoryData<string> Backends => ["io-uring", "socket"];

    private const int N = 2000, D = 48;

    [Theory, MemberData(nameof(Backends))]
    public void Queries_over_udp_are_answered_exactly_and_bad_input_is_counted(string backend)
    {
        string dir = TempDir(), report = Path.Combine(dir, "report.json"), matrixPath = Path.Combine(dir, "m.npy");
        var r = new Random(17);
        float[] values = new float[N * D];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(r.NextDouble() * 2 - 1);
        NpyWriter.Write(matrixPath, values, N, D);
        int port = FreeUdpPort();
        using var synthex = SynthexProcess.Start(
        [
            "run", "--app", "similarity", "--matrix", matrixPath, "--metric", "cosine", "--k-max", "16", "--backend", backend,
            "--listen", $"127.0.0.1:{port}", "--stats-interval", "0", "--stats-json", report, "--workers", "1",
        ]);
        Assert.True(synthex.WaitFor("synthex: running"), synthex.Output);
        Assert.Contains($"matrix '{matrixPath}': N = {N}, D = {D}, {N * D * 4} bytes mapped read-only", synthex.Stdout);

        using var matrix = StoredMatrix.Load(matrixPath);
        var reference = new TopKScorer(matrix, SimilarityMetric.Cosine, 1, 16);
        var buffer = new byte[65536];
        using (var client = new UdpTestClient(new IPEndPoint(IPAddress.Loopback, port), timeoutMs: 10_000))
        {
            for (int i = 0; i < 40; i++)
            {
                float[] q = new float[D];
                for (int j = 0; j < D; j++) q[j] = (float)(r.NextDouble() * 2 - 1);
                ushort k = (ushort)(1 + i % 16);
                int n = Query.Write(buffer, Query.Header(3, 77, (ulong)i, D, k), q);
                client.Send(buffer.AsSpan(0, n));
                byte[] answer = client.Receive();
                Assert.True(Codec.ReadAnswer(answer, out Message a).IsValid);
                Assert.Equal((Operation.Matches, Status.Ok, (ulong)i, (ushort)k, 1UL), (a.Header.Operation, a.Header.Status, a.Header.Round, a.Header.Items, a.Header.Tag));
                var want = new Match[16]; var counts = new int[1];
                reference.Score(q, [k], want, counts);
                Assert.Equal(want[..k], a.Matches.ToArray()); // bit for bit: the same kernel and order
            }
            // Wrong D, then k above --k-max: each answered with its status, naming the field.
            int bad = Query.Write(buffer, Query.Header(3, 77, 100, D - 1, 2), new float[D - 1]);
            client.Send(buffer.AsSpan(0, bad));
            Assert.True(Codec.ReadAnswer(client.Receive(), out Message wrongD).IsValid);
            Assert.Equal((Status.BadRequest, (ushort)Field.Length), (wrongD.Header.Status, wrongD.Header.Detail));
            bad = Query.Write(buffer, Query.Header(3, 77, 101, D, 17), new float[D]);
            client.Send(buffer.AsSpan(0, bad));
            Assert.True(Codec.ReadAnswer(client.Receive(), out Message bigK).IsValid);
            Assert.Equal((Status.TooLarge, (ushort)Field.K), (bigK.Header.Status, bigK.Header.Detail));
        }
        synthex.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, synthex.WaitForExit());
        var json = ReadReport(report);
        var totals = json.GetProperty("totals");
        Assert.Equal(42, totals.GetProperty("rx_packets").GetInt64());
        Assert.Equal(40, totals.GetProperty("absorbed").GetInt64());
        Assert.Equal(40, totals.GetProperty("originated").GetInt64());
        Assert.True(totals.GetProperty("accounted").GetBoolean());
        var app = json.GetProperty("service");
        Assert.Equal(40, app.GetProperty("queries").GetInt64());
        Assert.Equal(40, app.GetProperty("answered").GetInt64());
        Assert.Equal(1, app.GetProperty("bad_dimension").GetInt64());
        Assert.Equal(1, app.GetProperty("k_too_large").GetInt64());
        Assert.Equal(40, app.GetProperty("scored").GetInt64());
    }

    [Theory, MemberData(nameof(Backends))]
    public void Two_workers_each_register_their_own_answer_queue_and_every_query_is_answered(string backend)
    {
        // Each OS worker attaches its own copy of the app (its own answer queue): answers go out from
        // the worker that took the query. 8 client sockets spread over the two SO_REUSEPORT sockets.
        string dir = TempDir(), report = Path.Combine(dir, "report.json"), matrixPath = Path.Combine(dir, "m.npy");
        var r = new Random(29);
        float[] values = new float[N * D];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(r.NextDouble() * 2 - 1);
        NpyWriter.Write(matrixPath, values, N, D);
        int port = FreeUdpPort();
        using var synthex = SynthexProcess.Start(
        [
            "run", "--app", "similarity", "--matrix", matrixPath, "--metric", "dot", "--k-max", "4", "--backend", backend,
            "--listen", $"127.0.0.1:{port}", "--stats-interval", "0", "--stats-json", report, "--workers", "2",
        ]);
        Assert.True(synthex.WaitFor("synthex: running"), synthex.Output);
        using var matrix = StoredMatrix.Load(matrixPath);
        var reference = new TopKScorer(matrix, SimilarityMetric.Dot, 1, 4);
        var buffer = new byte[65536];
        for (int c = 0; c < 8; c++)
        {
            using var client = new UdpTestClient(new IPEndPoint(IPAddress.Loopback, port), timeoutMs: 10_000);
            for (int i = 0; i < 5; i++)
            {
                float[] q = new float[D];
                for (int j = 0; j < D; j++) q[j] = (float)(r.NextDouble() * 2 - 1);
                int n = Query.Write(buffer, Query.Header(3, 77, (ulong)(c * 100 + i), D, 4), q);
                client.Send(buffer.AsSpan(0, n));
                Assert.True(Codec.ReadAnswer(client.Receive(), out Message a).IsValid);
                Assert.Equal((Status.Ok, (ulong)(c * 100 + i)), (a.Header.Status, a.Header.Round));
                var want = new Match[4]; var counts = new int[1];
                reference.Score(q, [4], want, counts);
                Assert.Equal(want, a.Matches.ToArray());
            }
        }
        synthex.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, synthex.WaitForExit());
        var app = ReadReport(report).GetProperty("service");
        Assert.Equal(40, app.GetProperty("answered").GetInt64());
        Assert.Equal(0, app.GetProperty("unattached").GetInt64());
        Assert.Equal(0, app.GetProperty("unsent_answers").GetInt64());
    }

    [Fact]
    public void A_bad_matrix_file_exits_2_naming_the_file_and_the_problem()
    {
        string dir = TempDir(), path = Path.Combine(dir, "f8.npy");
        File.WriteAllBytes(path, [.. NpyWriter.Header("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }"), 0, 0, 0, 0, 0, 0, 0, 0]);
        using var synthex = SynthexProcess.Start(["run", "--app", "similarity", "--matrix", path, "--backend", "socket", "--listen", $"127.0.0.1:{FreeUdpPort()}"]);
        Assert.Equal(2, synthex.WaitForExit());
        Assert.Contains($"matrix: '{path}': dtype '<f8' is not little-endian float32", synthex.Stderr);

        using var none = SynthexProcess.Start(["run", "--app", "similarity", "--backend", "socket", "--listen", $"127.0.0.1:{FreeUdpPort()}"]);
        Assert.Equal(2, none.WaitForExit());
        Assert.Contains("matrix: the similarity app needs --matrix FILE", none.Stderr);
    }
}
