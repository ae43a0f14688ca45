using System.Net;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Tests.Support;
using Synthex.Protocol;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Fallback;

/// <summary>
/// SIGHUP to a running <c>synthex run --app similarity</c> (and the pair): the new file is
/// swapped in and answers name version 2 and are scored on it; a bad file is refused, logged and
/// counted while version 2 keeps answering. In the file of version v the all-ones query's best
/// row is v, so an answer shows which matrix computed it.
/// </summary>
[Collection(FallbackCollection.Name)]
public class SimilarityReloadTests
{
    private const int N = 64, D = 24, SIGHUP = 1;

    public static TheoryData<string, string> Cases() => new()
    {
        { "io-uring", "similarity" },
        { "socket", "consensus,similarity" },
    };

    private static void WriteVersion(string path, int version)
    {
        var r = new Random(version);
        float[] v = new float[N * D];
        for (int i = 0; i < v.Length; i++) v[i] = (float)(r.NextDouble() - 0.5) * 0.01f;
        for (int j = 0; j < D; j++) v[version * D + j] = 1f;
        string tmp = path + ".tmp";
        NpyWriter.Write(tmp, v, N, D);
        File.Move(tmp, path, overwrite: true);
    }

    private static (ulong Tag, uint Winner) Ask(UdpTestClient client, ulong id)
    {
        var buffer = new byte[2048];
        int n = Query.Write(buffer, Query.Header(1, 2, id, D, 1), Enumerable.Repeat(1f, D).ToArray());
        client.Send(buffer.AsSpan(0, n));
        Assert.True(Codec.ReadAnswer(client.Receive(), out Message a).IsValid);
        Assert.Equal((Operation.Matches, Status.Ok, id), (a.Header.Operation, a.Header.Status, a.Header.Round));
        return (a.Header.Tag, a.Matches[0].Row);
    }

    [Theory, MemberData(nameof(Cases))]
    public void SIGHUP_swaps_in_the_new_matrix_and_a_bad_one_leaves_the_old_serving(string backend, string app)
    {
        string dir = TempDir(), report = Path.Combine(dir, "report.json"), path = Path.Combine(dir, "m.npy");
        WriteVersion(path, 1);
        int port = FreeUdpPort();
        using var synthex = SynthexProcess.Start(
        [
            "run", "--app", app, "--matrix", path, "--metric", "dot", "--k-max", "4", "--backend", backend,
            "--listen", $"127.0.0.1:{port}", "--stats-interval", "0", "--stats-json", report, "--workers", "1",
        ]);
        Assert.True(synthex.WaitFor("synthex: running"), synthex.Output);
        using (var client = new UdpTestClient(new IPEndPoint(IPAddress.Loopback, port), timeoutMs: 10_000))
        {
            Assert.Equal((1UL, 1U), Ask(client, 1));

            WriteVersion(path, 2);
            synthex.Signal(SIGHUP);
            Assert.True(synthex.WaitFor("SIGHUP: version 2 serving"), synthex.Output);
            Assert.Equal((2UL, 2U), Ask(client, 2));

            File.WriteAllText(path + ".tmp", "not a matrix");
            File.Move(path + ".tmp", path, overwrite: true);
            synthex.Signal(SIGHUP);
            Assert.True(synthex.WaitFor("SIGHUP refused, version 2 keeps serving"), synthex.Output);
            Assert.Equal((2UL, 2U), Ask(client, 3));
        }
        synthex.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, synthex.WaitForExit());
        var service = ReadReport(report).GetProperty("service");
        string prefix = app.Contains(',') ? "similarity." : "";
        Assert.Equal(1, service.GetProperty(prefix + "reloads").GetInt64());
        Assert.Equal(1, service.GetProperty(prefix + "reload_failed").GetInt64());
        Assert.Equal(2, service.GetProperty(prefix + "matrix_version").GetInt64());
        // The three queries carry the same bytes: the second (version 2) is scored, not served
        // from version 1's cache entry; the third (still version 2) is the one cache hit.
        Assert.Equal(2, service.GetProperty(prefix + "answered").GetInt64());
        Assert.Equal(1, service.GetProperty(prefix + "cache_hits").GetInt64());
    }
}
