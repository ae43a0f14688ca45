using System.Globalization;
using System.Text.RegularExpressions;
using Synthex.Dpdk.IntegrationTests.Dpdk;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Endpoint;

/// <summary>
/// A real Linux host as the client of the DPDK endpoint (net_tap, the kernel in a test
/// namespace on the other side): it resolves synthex's addresses by ARP and neighbour
/// discovery, <c>ping</c> and <c>ping -6</c> are answered, a UDP client and
/// <c>sockperf ping-pong</c> get every reply from <c>reflect</c>.
/// </summary>
[Collection(nameof(DpdkCollection))]
public partial class EndpointTapTests
{
    [Fact]
    public void A_linux_host_resolves_pings_and_talks_udp_to_the_endpoint()
    {
        Assert.True(IsRoot, "needs root for ip netns and net_tap (CI runs tests as root)");
        using var tap = new TapEndpoint("reflect");

        var (code, output) = tap.Client("ping", "-c", "3", "-i", "0.2", "-W", "3", tap.ServerV4);
        Assert.True(code == 0, output + tap.Output);
        Assert.Contains("3 received", output);
        (code, output) = tap.Client("ping", "-6", "-c", "3", "-i", "0.2", "-W", "3", tap.ServerV6);
        Assert.True(code == 0, output + tap.Output);
        Assert.Contains("3 received", output);

        // The kernel learned synthex's MAC by ARP and by neighbour discovery, not by a static entry.
        (_, output) = tap.Client("ip", "neigh", "show", "dev", tap.Interface);
        Assert.Matches($@"{Regex.Escape(tap.ServerV4)} lladdr [0-9a-f:]{{17}} (REACHABLE|STALE|DELAY|PROBE)", output);
        Assert.Matches($@"{Regex.Escape(tap.ServerV6)} lladdr [0-9a-f:]{{17}} (REACHABLE|STALE|DELAY|PROBE)", output);

        foreach (var server in new[] { tap.ServerV4, tap.ServerV6 })
        {
            (code, output) = tap.Client("python3", "-c", UdpClientScript.Source, "reflect", server, $"{tap.Port}");
            Assert.True(code == 0, output + tap.Output);
            Assert.Contains("answers 50", output);
        }

        (code, output) = tap.Client("sockperf", "ping-pong", "-i", tap.ServerV4, "-p", $"{tap.Port}", "-t", "1", "-m", "64");
        Assert.True(code == 0, output + tap.Output);
        var valid = SockperfValid().Match(output);
        Assert.True(valid.Success, output);
        long sent = long.Parse(valid.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(sent > 100, output);
        Assert.Equal(sent, long.Parse(valid.Groups[2].Value, CultureInfo.InvariantCulture));
        Assert.Contains("# dropped messages = 0;", output);

        var totals = tap.Stop().GetProperty("totals");
        Assert.True(totals.GetProperty("accounted").GetBoolean(), totals.ToString());
        // 6 echoes, 100 datagrams and sockperf's messages, plus ARP and ND answers.
        Assert.True(totals.GetProperty("replied").GetInt64() >= 6 + 100 + sent, totals.ToString());
        Assert.Equal(0, totals.GetProperty("absorbed").GetInt64());
    }

    [Fact]
    public void An_mtu_the_device_cannot_take_is_a_configuration_error_naming_mtu()
    {
        // net_tap takes frames up to 1522 bytes: --mtu 9000 is refused before anything runs
        // (jumbo frames are tested where the device takes them: net_pcap, EndpointPcapTests).
        using var run = SynthexRun.Run(["run", "--app", "reflect", "--mtu", "9000", "--duration", "1", "--",
            .. SynthexRun.NoHugeEal(SynthexRun.UniquePrefix()), "--vdev", $"net_tap0,iface=sx{Guid.NewGuid().ToString("N")[..8]}"]);
        Assert.True(run.ExitCode == 2, run.Output);
        Assert.Contains("mtu:", run.Stderr);
    }

    [GeneratedRegex(@"\[Valid Duration\] RunTime=[\d.]+ sec; SentMessages=(\d+); ReceivedMessages=(\d+)")]
    private static partial Regex SockperfValid();
}
