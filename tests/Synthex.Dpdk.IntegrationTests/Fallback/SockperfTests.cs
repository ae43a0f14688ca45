using System.Globalization;
using System.Text.RegularExpressions;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Fallback;

/// <summary>
/// sockperf, the standard UDP latency tool, against <c>synthex run --app reflect</c> on both kernel
/// backends: ping-pong must see every message answered (reflect clears sockperf's client flag),
/// and throughput must be received and accounted for.
/// </summary>
[Collection(FallbackCollection.Name)]
public partial class SockperfTests
{
    public static TheoryData<string> Backends => ["io-uring", "socket"];

    [Theory, MemberData(nameof(Backends))]
    public void Ping_pong_gets_every_message_answered_with_sane_latency(string backend)
    {
        using var server = StartServer(backend, out int port, out string report);
        var (code, output) = Run("sockperf", "ping-pong", "-i", "127.0.0.1", "-p", $"{port}", "-t", "1", "-m", "64");
        Assert.True(code == 0, output);

        var valid = ValidLine().Match(output);
        Assert.True(valid.Success, output);
        long sent = long.Parse(valid.Groups[1].Value, CultureInfo.InvariantCulture);
        long received = long.Parse(valid.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.True(received > 1000, output);
        Assert.Equal(sent, received);
        Assert.Contains("# dropped messages = 0;", output);
        double latency = double.Parse(LatencyLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(latency, 1, 5000); // µs: loopback round trips on a busy 2-core CI box

        Stop(server, report, expectRx: null);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Throughput_is_received_and_accounted_for(string backend)
    {
        using var server = StartServer(backend, out int port, out string report);
        var (code, output) = Run("sockperf", "throughput", "-i", "127.0.0.1", "-p", $"{port}", "-t", "1", "-m", "256");
        Assert.True(code == 0, output);
        var rate = RateLine().Match(output);
        Assert.True(rate.Success, output);
        Assert.True(double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture) > 1000, output);
        long sent = long.Parse(SentLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);

        var totals = Stop(server, report, expectRx: null);
        // Warm-up messages come on top of the test's; datagrams the kernel dropped at synthex's
        // socket are counted as no_buffer, so nothing sent goes missing from the report.
        Assert.True(totals.GetProperty("rx_packets").GetInt64() >= sent, $"rx {totals} < sent {sent}");
    }

    private static SynthexProcess StartServer(string backend, out int port, out string report)
    {
        report = Path.Combine(TempDir(), "report.json");
        port = FreeUdpPort();
        var synthex = SynthexProcess.Start(["run", "--app", "reflect", "--backend", backend, "--listen", $"127.0.0.1:{port}",
            "--workers", "1", "--stats-interval", "0", "--stats-json", report]);
        Assert.True(synthex.WaitFor("synthex: running"), synthex.Output);
        return synthex;
    }

    private static System.Text.Json.JsonElement Stop(SynthexProcess synthex, string report, long? expectRx)
    {
        synthex.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, synthex.WaitForExit());
        var totals = ReadReport(report).GetProperty("totals");
        Assert.True(totals.GetProperty("accounted").GetBoolean(), synthex.Output);
        if (expectRx is { } rx) Assert.Equal(rx, totals.GetProperty("rx_packets").GetInt64());
        return totals;
    }

    [GeneratedRegex(@"\[Valid Duration\] RunTime=[\d.]+ sec; SentMessages=(\d+); ReceivedMessages=(\d+)")]
    private static partial Regex ValidLine();

    [GeneratedRegex(@"Summary: Latency is ([\d.]+) usec")]
    private static partial Regex LatencyLine();

    [GeneratedRegex(@"Summary: Message Rate is (\d+) \[msg/sec\]")]
    private static partial Regex RateLine();

    [GeneratedRegex(@"Total of (\d+) messages sent")]
    private static partial Regex SentLine();
}
