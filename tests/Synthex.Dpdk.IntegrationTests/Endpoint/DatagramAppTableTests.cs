using Synthex.Dpdk.IntegrationTests.Dpdk;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Endpoint;

/// <summary>
/// One table: the same datagram-app structs (<c>reflect</c> replies in place; <c>rendezvous</c>
/// absorbs and originates) served by synthex on DPDK (net_tap behind the endpoint), io_uring and
/// sockets, to the same Linux UDP client, with the same accounting. The in-memory port runs the
/// same structs in the unit tests (EndpointTests).
/// </summary>
[Collection(nameof(DpdkCollection))]
public class DatagramAppTableTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var backend in new[] { "dpdk", "io-uring", "socket" })
            foreach (var app in new[] { "reflect", "rendezvous" })
                data.Add(backend, app);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void The_same_datagram_app_answers_on_every_backend(string backend, string app)
    {
        Assert.True(IsRoot, "needs root for ip netns and net_tap (CI runs tests as root)");
        System.Text.Json.JsonElement totals;
        if (backend == "dpdk")
        {
            using var tap = new TapEndpoint(app);
            var (code, output) = tap.Client("python3", "-c", UdpClientScript.Source, app, tap.ServerV4, $"{tap.Port}");
            Assert.True(code == 0, output + tap.Output);
            totals = tap.Stop().GetProperty("totals").Clone();
        }
        else
        {
            int port = FreeUdpPort();
            string report = Path.Combine(TempDir(), "report.json");
            using var synthex = SynthexProcess.Start(["run", "--app", app, "--backend", backend, "--listen", $"127.0.0.1:{port}",
                "--workers", "1", "--stats-interval", "0", "--stats-json", report]);
            Assert.True(synthex.WaitFor("synthex: running"), synthex.Output);
            var (code, output) = Run("python3", "-c", UdpClientScript.Source, app, "127.0.0.1", $"{port}");
            Assert.True(code == 0, output + synthex.Output);
            synthex.Signal(SynthexProcess.SIGTERM);
            Assert.Equal(0, synthex.WaitForExit(30_000));
            totals = ReadReport(report).GetProperty("totals").Clone();
        }

        Assert.True(totals.GetProperty("accounted").GetBoolean(), totals.ToString());
        if (app == "reflect")
        {
            Assert.True(totals.GetProperty("replied").GetInt64() >= 50, totals.ToString());
            Assert.Equal(0, totals.GetProperty("originated").GetInt64());
        }
        else
        {
            Assert.Equal(20, totals.GetProperty("absorbed").GetInt64());
            Assert.Equal(20, totals.GetProperty("originated").GetInt64());
        }
    }
}
