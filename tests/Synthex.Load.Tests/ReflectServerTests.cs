using System.Net;
using Synthex.Dpdk.IntegrationTests;
using Synthex.Load.Tests.Support;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Load.Tests;

/// <summary>
/// <c>synthex load --scenario reflect</c> (the real binary) against real servers on loopback:
/// <c>sockperf server</c>, and <c>synthex run --app reflect</c> on the io_uring and socket
/// backends, over IPv4 and IPv6. Every answer is verified byte for byte: zero mismatches, and
/// every request answered.
/// </summary>
public class ReflectServerTests
{
    [Fact]
    public void Against_sockperf_server_every_answer_verifies()
    {
        int port = FreeUdpPort();
        using var server = ExternalServer.SockperfServer(port);
        Assert.True(Probe.AnswersSockperf(new IPEndPoint(IPAddress.Loopback, port)), "sockperf server never answered");
        AssertCleanRun($"127.0.0.1:{port}", "--concurrency", "16", "--threads", "2");
    }

    public static TheoryData<string, string> Servers => new()
    {
        { "socket", "127.0.0.1" }, { "socket", "::1" }, { "io-uring", "127.0.0.1" },
    };

    [Theory, MemberData(nameof(Servers))]
    public void Against_synthex_reflect_every_answer_verifies(string backend, string address)
    {
        int port = FreeUdpPort(address == "::1" ? null : IPAddress.Loopback);
        string endpoint = address.Contains(':') ? $"[{address}]:{port}" : $"{address}:{port}";
        using var server = SynthexProcess.Start(["run", "--app", "reflect", "--backend", backend, "--listen", endpoint,
                                                 "--workers", "1", "--stats-interval", "0"]);
        Assert.True(server.WaitFor("synthex: running"), server.Output);
        // Open loop this time, with a warm-up, and odd-sized messages.
        AssertCleanRun(endpoint, "--rate", "5000", "--warmup", "0.5", "--size", "333");
        server.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, server.WaitForExit());
    }

    /// <summary>Loopback loses nothing unless a socket buffer overflows, which neither load
    /// here comes near; the 5 s timeout covers a server starved of CPU by a busy machine.</summary>
    private static void AssertCleanRun(string target, params string[] shape)
    {
        var (code, output, report, _) = LoadCli.RunWithReports(["--scenario", "reflect", "--to", target, "--duration", "2", "--timeout", "5", "--max-error-rate", "0", .. shape]);
        Assert.True(code == 0, output);
        long sent = report.GetProperty("sent").GetInt64();
        Assert.True(sent > 1000, output);
        Assert.Equal(sent, report.GetProperty("answered").GetInt64());
        Assert.Equal(0, report.GetProperty("mismatches").GetInt64());
        Assert.Equal(0, report.GetProperty("timeouts").GetInt64());
        Assert.Equal(0, report.GetProperty("errors").GetInt64());
        Assert.Equal(0, report.GetProperty("unexpected").GetInt64());
        Assert.True(report.GetProperty("latency_us").GetProperty("p50").GetDouble() > 0, output);
        // The live line came once a second.
        Assert.Contains("] sent ", output);
        Assert.Contains("PASS", output);
    }
}
