using System.Net;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.IntegrationTests.Fallback;
using Synthex.Dpdk.Tests.Support;
using Synthex.Protocol;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Faults;

/// <summary>
/// Fault: SIGTERM while the similarity service reloads its matrix (a new file seen by
/// <c>--watch</c> and a SIGHUP, the stop arriving 0–300 ms later, while the 100,000 × 128 file is
/// mapped and its norms computed). synthex exits 0 with its report written and accounted, and the
/// report names one whole version: 1 with no reload counted, or 2 with one — never a failed or
/// half-counted reload.
/// </summary>
[Collection(FallbackCollection.Name)]
public class ReloadSigtermTests
{
    private const int N = 100_000, D = 128, SIGHUP = 1;

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(300)]
    public void Sigterm_during_a_matrix_reload_exits_cleanly_with_one_whole_version(int delayMs)
    {
        string dir = TempDir(), report = Path.Combine(dir, "report.json"), path = Path.Combine(dir, "m.npy");
        var r = new Random(delayMs);
        float[] values = new float[N * D];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(r.NextDouble() - 0.5);
        NpyWriter.Write(path, values, N, D);
        NpyWriter.Write(path + ".next", values, N, D);
        int port = FreeUdpPort();
        using var synthex = SynthexProcess.Start(
        [
            "run", "--app", "similarity", "--matrix", path, "--metric", "cosine", "--k-max", "4", "--watch", "true", "--backend", "io-uring",
            "--listen", $"127.0.0.1:{port}", "--stats-interval", "0", "--stats-json", report, "--workers", "1",
        ]);
        Assert.True(synthex.WaitFor("synthex: running", 30_000), synthex.Output);
        using (var client = new UdpTestClient(new IPEndPoint(IPAddress.Loopback, port), timeoutMs: 10_000))
        {
            var buffer = new byte[2048];
            int n = Query.Write(buffer, Query.Header(1, 2, 1, D, 4), values.AsSpan(0, D));
            client.Send(buffer.AsSpan(0, n));
            Assert.True(Codec.ReadAnswer(client.Receive(), out Message a).IsValid);
            Assert.Equal((Status.Ok, 1UL), (a.Header.Status, a.Header.Tag)); // version 1 serves
        }

        File.Move(path + ".next", path, overwrite: true); // --watch sees it
        synthex.Signal(SIGHUP);
        if (delayMs > 0) Thread.Sleep(delayMs);
        synthex.Signal(SynthexProcess.SIGTERM);
        Assert.True(synthex.TryWaitForExit(TimeSpan.FromSeconds(30)), "synthex did not exit after SIGTERM during a reload:\n" + synthex.Output);
        Assert.True(synthex.ExitCode == 0, synthex.Output);

        var json = ReadReport(report);
        Assert.True(json.GetProperty("totals").GetProperty("accounted").GetBoolean(), json.ToString());
        var service = json.GetProperty("service");
        long version = service.GetProperty("matrix_version").GetInt64(), reloads = service.GetProperty("reloads").GetInt64();
        Assert.Equal(0, service.GetProperty("reload_failed").GetInt64());
        Assert.True(version == 1 + reloads, $"version {version} after {reloads} reloads:\n{synthex.Output}");
        Assert.InRange(version, 1, 3); // SIGHUP and the watcher may each have swapped once
        Assert.DoesNotContain("failed:", synthex.Output);
    }
}
