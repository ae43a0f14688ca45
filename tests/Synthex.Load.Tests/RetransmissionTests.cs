using Synthex.Dpdk.IntegrationTests;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Load.Tests;

/// <summary>
/// The runner's retransmission (<c>--retries</c>) and deliberate loss (<c>--loss</c>) with any
/// scenario: reflect against the real <c>synthex run --app reflect</c>.
/// </summary>
public class RetransmissionTests
{
    [Fact]
    public void Dropped_requests_are_resent_and_every_one_is_answered()
    {
        int port = FreeUdpPort();
        using var server = SynthexProcess.Start(["run", "--app", "reflect", "--backend", "socket", "--listen", $"127.0.0.1:{port}",
                                                 "--workers", "1", "--stats-interval", "0"]);
        Assert.True(server.WaitFor("synthex: running"), server.Output);
        var (code, output, report, _) = LoadCli.RunWithReports(
            ["--scenario", "reflect", "--to", $"127.0.0.1:{port}", "--concurrency", "8", "--duration", "2", "--interval", "0",
             "--loss", "0.1", "--retries", "10", "--timeout", "0.2", "--max-error-rate", "0"]);
        Assert.True(code == 0, output);
        long sent = report.GetProperty("sent").GetInt64(), dropped = report.GetProperty("client_dropped").GetInt64();
        Assert.True(sent > 100, output);
        Assert.Equal(sent, report.GetProperty("answered").GetInt64());
        Assert.Equal(0, report.GetProperty("timeouts").GetInt64());
        Assert.Equal(0, report.GetProperty("mismatches").GetInt64());
        // About a tenth of the datagrams were dropped, and each was sent again.
        Assert.True(dropped > 0, output);
        Assert.True(report.GetProperty("retransmissions").GetInt64() >= dropped, output);
        Assert.Equal(10, report.GetProperty("retries").GetInt32());
        Assert.False(report.TryGetProperty("unit", out _));   // reflect has no unit above a request
        Assert.Contains("retransmissions", output);
        Assert.Contains("dropped by the client", output);
    }

    [Fact]
    public void Without_retries_a_dropped_request_is_a_timeout()
    {
        int port = FreeUdpPort();
        using var server = SynthexProcess.Start(["run", "--app", "reflect", "--backend", "socket", "--listen", $"127.0.0.1:{port}",
                                                 "--workers", "1", "--stats-interval", "0"]);
        Assert.True(server.WaitFor("synthex: running"), server.Output);
        var (code, output, report, _) = LoadCli.RunWithReports(
            ["--scenario", "reflect", "--to", $"127.0.0.1:{port}", "--concurrency", "8", "--duration", "2", "--interval", "0",
             "--loss", "0.1", "--timeout", "0.2"]);
        Assert.True(code == 1, output);   // ~10 % timeouts, above the default --max-error-rate 1 %
        long dropped = report.GetProperty("client_dropped").GetInt64();
        Assert.True(dropped > 0, output);
        // Every dropped request timed out (an answer slower than 0.2 s on a busy machine would add one).
        Assert.True(report.GetProperty("timeouts").GetInt64() >= dropped, output);
        Assert.Equal(0, report.GetProperty("retransmissions").GetInt64());
        Assert.True(report.GetProperty("accounted").GetBoolean(), output);
    }

    [Theory]
    [InlineData("--loss", "1")]
    [InlineData("--loss", "-0.1")]
    [InlineData("--retries", "256")]
    public void Bad_loss_or_retries_exit_2_naming_the_option(string option, string value)
    {
        var (code, output) = LoadCli.Run("--scenario", "reflect", "--to", "127.0.0.1:9", "--duration", "1", option, value);
        Assert.True(code == 2, output);
        Assert.Contains(option, output);
    }
}
