using Synthex.Dpdk.IntegrationTests.Dpdk;
using Synthex.Dpdk.IntegrationTests.Endpoint;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Faults;

/// <summary>
/// Fault: the RX pool runs out (<c>--mbufs</c>), a Linux host in a namespace flooding a reflect
/// service. Two PMDs, two behaviours, both pinned here:
/// <list type="bullet">
/// <item>net_tap with 72 mbufs (64 sit in its RX queue, one per descriptor, so a burst of more than
/// 8 empties the pool): the PMD drops what it cannot buffer and counts it as <c>rx_nombuf</c>;
/// synthex stays up, holds no mbuf (rx = replied + dropped) and exits 0 with every mbuf back. Found
/// here: DPDK 22.11's tap PMD does not receive again after an exhaustion until the port stops — it
/// reads only after a SIGIO, marks the signal seen when a burst ends short, and the kernel's full
/// tun queue raises no new one (docs/RELIABILITY.md); the test asserts the counted drops and the
/// clean end, not a recovery.</item>
/// <item>net_af_packet on a veth pair with 4 mbufs: packets wait in the kernel's ring while the
/// pool is empty (beyond it the kernel drops them, a count DPDK does not read), and once the flood
/// is over every request is answered again — buffers came back.</item>
/// </list>
/// </summary>
[Collection(nameof(DpdkCollection))]
public class TinyMempoolTests
{
    private const string Script = """
        import socket, sys, time
        host, port, check = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "check"
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        payload = b"x" * 900
        s.sendto(b"warm", (host, port)); time.sleep(0.5)  # ARP resolved before the flood
        sent = 0
        for i in range(30000):
            try:
                s.sendto(payload, (host, port)); sent += 1
            except OSError:
                time.sleep(0.0005)
        time.sleep(1)
        print("flood sent", sent)
        if not check: sys.exit(0)
        try:
            while True: s.recv(65536)
        except BlockingIOError:
            pass
        s.setblocking(True); s.settimeout(3)
        for i in range(50):
            msg = b"after %d" % i
            s.sendto(msg, (host, port))
            while True:
                a = s.recv(65536)
                if a == msg: break
        print("recovered 50 of 50")
        """;

    [Fact]
    public void Net_tap_counts_an_exhausted_rx_pool_as_rx_nombuf_and_synthex_ends_clean()
    {
        Assert.True(IsRoot, "needs root for ip netns and net_tap (CI runs tests as root)");
        using var tap = new TapEndpoint("reflect", ["--mbufs", "72", "--rx-descriptors", "64", "--tx-descriptors", "64", "--burst", "32"]);
        var (code, output) = tap.Client("python3", "-c", Script, tap.ServerV4, $"{tap.Port}", "flood");
        Assert.True(code == 0, output + tap.Output);

        var report = tap.Stop();
        var totals = report.GetProperty("totals");
        Assert.True(totals.GetProperty("accounted").GetBoolean(), totals.ToString());
        Assert.Equal(totals.GetProperty("rx_packets").GetInt64(), totals.GetProperty("replied").GetInt64() + totals.GetProperty("dropped").GetInt64());
        Assert.True(report.GetProperty("ports")[0].GetProperty("rx_nombuf").GetInt64() > 0, $"the pool never ran out under the flood: {output}\n{report}");
        Assert.Matches(@"synthex: mbufs: all 72 back in their pool", tap.Output);
    }

    [Fact]
    public void Af_packet_with_a_four_mbuf_pool_answers_again_after_a_flood()
    {
        Assert.True(IsRoot, "needs root for veth and ip netns (CI runs tests as root)");
        string id = Guid.NewGuid().ToString("N")[..8], ours = $"sxa{id}", theirs = $"sxb{id}", ns = $"sxaf-{id}";
        int a = Random.Shared.Next(0, 250), b = Random.Shared.Next(0, 256), port = Random.Shared.Next(20000, 60000);
        string server = $"10.{a}.{b}.1", client = $"10.{a}.{b}.2", report = Path.Combine(TempDir(), "report.json");
        MustRun("ip", "link", "add", ours, "type", "veth", "peer", "name", theirs);
        try
        {
            MustRun("ip", "netns", "add", ns);
            MustRun("ip", "link", "set", theirs, "netns", ns);
            MustRun("ip", "link", "set", ours, "up");
            MustRun("ip", "netns", "exec", ns, "ip", "addr", "add", $"{client}/24", "dev", theirs);
            MustRun("ip", "netns", "exec", ns, "ip", "link", "set", theirs, "up");
            using var synthex = SynthexRun.Start(["run", "--app", "reflect", "--address", $"{server}/24", "--listen", $"0.0.0.0:{port}",
                "--mbufs", "4", "--burst", "32", "--stats-interval", "0", "--stats-json", report, "--",
                .. SynthexRun.NoHugeEal(SynthexRun.UniquePrefix()), "--vdev", $"net_af_packet0,iface={ours}"]);
            Assert.True(synthex.WaitFor("synthex: running", 60_000), synthex.Output);
            var (code, output) = Run("ip", "netns", "exec", ns, "python3", "-c", Script, server, $"{port}", "check");
            Assert.True(code == 0, output + synthex.Output);
            Assert.Contains("recovered 50 of 50", output);

            synthex.Signal(SynthexProcess.SIGTERM);
            Assert.Equal(0, synthex.WaitForExit(30_000));
            var totals = ReadReport(report).GetProperty("totals");
            Assert.True(totals.GetProperty("accounted").GetBoolean(), totals.ToString());
            Assert.True(totals.GetProperty("replied").GetInt64() >= 50, totals.ToString());
            Assert.Matches(@"synthex: mbufs: all 4 back in their pool", synthex.Output);
        }
        finally
        {
            Run("ip", "netns", "del", ns);
            Run("ip", "link", "del", ours);
        }
    }
}
