using System.Diagnostics;
using System.Text.Json;
using Synthex.Dpdk.IntegrationTests.Dpdk;

namespace Synthex.Dpdk.IntegrationTests.Operations;

/// <summary>DPDK's own <c>dpdk-telemetry.py</c> (the real script) lists and reads synthex's commands from a running instance.</summary>
public class DpdkTelemetryTests
{
    private static List<JsonElement> Telemetry(string prefix, params string[] commands)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("/usr/bin/dpdk-telemetry.py");
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add(prefix);
        using var p = Process.Start(psi)!;
        foreach (var c in commands) p.StandardInput.WriteLine(c);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(30_000), "dpdk-telemetry.py did not finish");
        string output = stdout.GetAwaiter().GetResult();
        var answers = output.Split('\n').Where(l => l.TrimStart().StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.True(answers.Count == commands.Length, $"expected {commands.Length} answers:\n{output}\n{stderr.GetAwaiter().GetResult()}");
        return answers;
    }

    [Fact]
    public void Dpdk_telemetry_py_lists_and_reads_synthex_stats_from_a_running_instance()
    {
        string prefix = SynthexRun.UniquePrefix(), name = "tel-" + Guid.NewGuid().ToString("N")[..8];
        string dir = Fallback.FallbackFixture.TempDir(), runDir = Path.Combine(dir, "run"), report = Path.Combine(dir, "report.json");
        using var synthex = SynthexRun.Start(
            ["run", "--app", "forward", "--mode", "io", "--stats-interval", "0", "--name", name, "--run-dir", runDir, "--stats-json", report, "--", .. SynthexRun.NoHugeEal(prefix), "--vdev", "net_null0", "--vdev", "net_null1"]);
        Assert.True(synthex.WaitFor("synthex: running", 60_000), synthex.Output);

        var answers = Telemetry(prefix, "/", "/synthex/stats", "/synthex/lcores", "/synthex/ports", "/synthex/ports,1", "/mempool/info,sx_mbuf_s0");
        Thread.Sleep(500); // the worker may be off its CPU for a while on a loaded machine
        answers.AddRange(Telemetry(prefix, "/synthex/stats"));

        var commands = answers[0].GetProperty("/").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("/synthex/stats", commands);
        Assert.Contains("/synthex/lcores", commands);
        Assert.Contains("/ethdev/stats", commands); // DPDK's own, beside ours

        var first = answers[1].GetProperty("/synthex/stats");
        var later = answers[6].GetProperty("/synthex/stats");
        Assert.True(first.GetProperty("rx_packets").GetInt64() > 0, answers[1].ToString());
        Assert.True(later.GetProperty("rx_packets").GetInt64() > first.GetProperty("rx_packets").GetInt64(), "the counters do not move");
        Assert.True(first.TryGetProperty("drops_tx_full", out _), "every drop reason is listed: " + answers[1]);
        Assert.True(answers[2].GetProperty("/synthex/lcores").GetProperty("lcore1_polls").GetInt64() > 0, answers[2].ToString());
        Assert.Contains("/synthex/ports", commands);

        // /synthex/ports: every port by id, each with its identity, link, queues and device counters.
        var ports = answers[3].GetProperty("/synthex/ports");
        Assert.Equal(["0", "1"], ports.EnumerateObject().Select(p => p.Name).ToArray());
        for (int id = 0; id < 2; id++)
        {
            var port = ports.GetProperty(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal($"net_null{id}", port.GetProperty("name").GetString());
            Assert.Equal("net_null", port.GetProperty("driver").GetString());
            Assert.Matches("^([0-9a-f]{2}:){5}[0-9a-f]{2}$", port.GetProperty("mac").GetString());
            Assert.Equal("up", port.GetProperty("link").GetString());
            Assert.Equal(1, port.GetProperty("rx_queues").GetInt64());
            Assert.Equal(1, port.GetProperty("tx_queues").GetInt64()); // one worker, one TX queue each
            Assert.True(port.GetProperty("rx_descriptors").GetInt64() > 0, port.ToString());
            Assert.True(port.GetProperty("rx_packets").GetInt64() > 0, port.ToString());
            foreach (var counter in (string[])["tx_packets", "rx_bytes", "tx_bytes", "rx_missed", "rx_errors", "tx_errors", "rx_nombuf"])
                Assert.True(port.TryGetProperty(counter, out _), $"{counter} missing: {port}");
        }
        var one = answers[4].GetProperty("/synthex/ports");
        Assert.Equal("net_null1", one.GetProperty("name").GetString()); // "/synthex/ports,1": that port alone

        // Mbufs in use: read from the pool when asked, never more than the pool. net_null holds
        // none between bursts (its RX allocates per burst, its TX frees at once), so a reading
        // between two bursts is 0 (CI saw it): the bar is the range, not "some are out".
        long inUse = first.GetProperty("mbuf_in_use").GetInt64(), capacity = first.GetProperty("mbuf_capacity").GetInt64();
        Assert.True(capacity > 0 && inUse >= 0 && inUse <= capacity, $"mbuf_in_use {inUse} of {capacity}");
        Assert.Equal(inUse, first.GetProperty("mbuf_in_use_sx_mbuf_s0").GetInt64());
        Assert.Equal(answers[5].GetProperty("/mempool/info").GetProperty("size").GetInt64(), capacity); // DPDK's own view of the pool

        // The same gauge in synthex status, as JSON (under the report) and as text.
        using (var json = SynthexProcess.Start(["status", "--run-dir", runDir, "--name", name, "--json"]))
        {
            Assert.True(json.WaitForExit(30_000) == 0, json.Output);
            var pool = Assert.Single(JsonDocument.Parse(json.Stdout).RootElement.GetProperty("report").GetProperty("mbuf_pools").EnumerateArray());
            Assert.Equal("sx_mbuf_s0", pool.GetProperty("name").GetString());
            Assert.Equal(capacity, pool.GetProperty("capacity").GetInt64());
            Assert.InRange(pool.GetProperty("in_use").GetInt64(), 0, capacity);
        }
        using (var text = SynthexProcess.Start(["status", "--run-dir", runDir, "--name", name]))
        {
            Assert.True(text.WaitForExit(30_000) == 0, text.Output);
            Assert.Matches($@"  mbufs    sx_mbuf_s0: \d+ of {capacity} in use", text.Stdout);
        }

        synthex.Signal(SynthexProcess.SIGTERM);
        Assert.Equal(0, synthex.WaitForExit(30_000));
        // The report's pools: read after the workers stopped; what the stopped ports still hold is in use, never more than the pool.
        var final = Assert.Single(SynthexRun.Report(report).GetProperty("mbuf_pools").EnumerateArray());
        Assert.InRange(final.GetProperty("in_use").GetInt64(), 0, capacity);
    }
}
