using System.Text.Json;
using Synthex.Dpdk.IntegrationTests.Dpdk;
using Synthex.Dpdk.Operations;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Faults;

/// <summary>
/// Faults at synthex's peers on DPDK links, the peer being <c>dpdk-testpmd</c>:
/// killed (SIGKILL) and restarted on memif and on vhost-user — synthex keeps running, counts what it
/// could not send while the peer was gone (<c>tx_full</c>), and forwards again to the new peer;
/// a memif peer that stops draining (SIGSTOP) — its ring fills, synthex counts <c>tx_full</c> and
/// the other port pair keeps forwarding.
/// </summary>
[Collection(nameof(DpdkCollection))]
public class PeerFaultTests
{
    private static string Vdev(string link, string socket)
        => link == "memif" ? $"net_memif0,role=server,socket={socket}" : $"net_vhost0,iface={socket},queues=1";

    [Theory]
    [InlineData("memif")]
    [InlineData("vhost")]
    public async Task A_peer_killed_and_restarted_is_survived_counted_and_served_again(string link)
    {
        string prefix = SynthexRun.UniquePrefix();
        string socket = Path.Combine(Path.GetTempPath(), $"{prefix}.sock");
        string report = Path.Combine(TempDir(), "report.json");
        // memif and vhost need DPDK's multi-process channel: hugepages with a file prefix, not --in-memory.
        using var synthex = SynthexRun.Start(["run", "--app", "frame-reflect", "--stats-interval", "0", "--stats-json", report, "--",
            "-l", "0,1", "--no-pci", "--file-prefix", prefix, "--log-level=lib.eal:error", "--vdev", Vdev(link, socket)]);
        Assert.True(synthex.WaitFor("synthex: running", 30_000), synthex.Output);

        using (var first = new TestpmdProcess(link, socket, prefix + "-peer"))
        {
            Assert.True(await first.WaitForwarding(1000), $"the first peer did not get packets back\n{first.Log}\n{synthex.Output}");
            first.Kill(); // mid-run, packets circulating
        }
        Assert.False(synthex.TryWaitForExit(TimeSpan.FromSeconds(2)), "synthex exited when its peer died:\n" + synthex.Output);

        long second;
        using (var restarted = new TestpmdProcess(link, socket, prefix + "-peer"))
        {
            Assert.True(await restarted.WaitForwarding(1000), $"the restarted peer got nothing back\n{restarted.Log}\n{synthex.Output}");
            second = restarted.Stop();
        }
        Assert.True(second >= 1000, $"the restarted peer received {second}");

        synthex.Signal(SynthexProcess.SIGTERM);
        Assert.True(synthex.TryWaitForExit(TimeSpan.FromSeconds(30)), synthex.Output);
        Assert.True(synthex.ExitCode == 0, synthex.Output);
        var totals = SynthexRun.Report(report).GetProperty("totals");
        Assert.True(totals.GetProperty("accounted").GetBoolean(), totals.ToString());
        var drops = totals.GetProperty("drops");
        // frame-reflect answers every frame; what it could not send to a dead peer is tx_full, nothing else.
        Assert.Equal(totals.GetProperty("rx_packets").GetInt64(), totals.GetProperty("tx_packets").GetInt64() + drops.GetProperty("tx_full").GetInt64());
        Assert.Equal(totals.GetProperty("dropped").GetInt64(), drops.GetProperty("tx_full").GetInt64());
        File.Delete(socket);
    }

    [Fact]
    public async Task A_memif_peer_that_stops_draining_costs_tx_full_and_does_not_stall_the_other_ports()
    {
        string prefix = SynthexRun.UniquePrefix();
        string socket = Path.Combine(Path.GetTempPath(), $"{prefix}.sock");
        string report = Path.Combine(TempDir(), "report.json");
        string runDir = TempDir(), name = "bp-" + prefix;
        // Ports 0 (net_null) <-> 1 (memif to testpmd), 2 <-> 3 (net_null): net_null receives without end.
        using var synthex = SynthexRun.Start(["run", "--app", "forward", "--mode", "io", "--topology", "paired", "--name", name, "--run-dir", runDir,
            "--stats-interval", "0", "--stats-json", report, "--",
            "-l", "0,1", "--no-pci", "--file-prefix", prefix, "--log-level=lib.eal:error",
            "--vdev", "net_null0", "--vdev", Vdev("memif", socket), "--vdev", "net_null1", "--vdev", "net_null2"]);
        Assert.True(synthex.WaitFor("synthex: running", 30_000), synthex.Output);

        using var peer = new TestpmdProcess("memif", socket, prefix + "-peer");
        Assert.True(await peer.WaitForwarding(1000), $"testpmd got nothing\n{peer.Log}\n{synthex.Output}");

        JsonElement Report()
        {
            var bytes = StatusClient.Read(RunDirectory.SocketPath(runDir, name), TimeSpan.FromSeconds(10), out var failure, out var detail)
                ?? throw new InvalidOperationException($"status: {failure} {detail}\n{synthex.Output}");
            return JsonDocument.Parse(bytes).RootElement.GetProperty("report").Clone();
        }
        long PortTx(JsonElement r, int port) => r.GetProperty("ports")[port].GetProperty("tx_packets").GetInt64();
        long TxFull(JsonElement r) => r.GetProperty("totals").GetProperty("drops").GetProperty("tx_full").GetInt64();

        peer.Pause();
        await Task.Delay(1000); // the ring towards the stopped peer fills
        var before = Report();
        await Task.Delay(1500);
        var during = Report();
        peer.Resume();
        Assert.True(await peer.WaitForwarding(2000), $"testpmd did not forward after SIGCONT\n{peer.Log}");
        await Task.Delay(1000);
        var after = Report();

        // Stopped: at most a ring and a burst more went to memif, tx_full counted the rest, the other pair went on.
        Assert.InRange(PortTx(during, 1) - PortTx(before, 1), 0, 2048);
        Assert.True(TxFull(during) > TxFull(before), $"no tx_full while the peer was stopped: {during.GetProperty("totals")}");
        Assert.True(PortTx(during, 3) > PortTx(before, 3), "port 3 stalled while port 1's peer was stopped");
        Assert.True(PortTx(after, 1) > PortTx(during, 1) + 2048, "memif did not carry traffic again after SIGCONT");
        peer.Stop();

        synthex.Signal(SynthexProcess.SIGTERM);
        Assert.True(synthex.TryWaitForExit(TimeSpan.FromSeconds(30)), synthex.Output);
        Assert.True(synthex.ExitCode == 0, synthex.Output);
        Assert.True(SynthexRun.Report(report).GetProperty("totals").GetProperty("accounted").GetBoolean());
        File.Delete(socket);
    }
}
