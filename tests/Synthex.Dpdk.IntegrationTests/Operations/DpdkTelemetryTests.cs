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
        string prefix = SynthexRun.UniquePrefix();
        using var synthex = SynthexRun.Start(
            ["run", "--app", "forward", "--mode", "io", "--stats-interval", "0", "--", .. SynthexRun.NoHugeEal(prefix), "--vdev", "net_null0", "--vdev", "net_null1"]);
        Assert.True(synthex.WaitFor("synthex: running", 60_000), synthex.Output);

        var answers = Telemetry(prefix, "/", "/synthex/stats", "/synthex/lcores");
        Thread.Sleep(500); // the worker may be off its CPU for a while on a loaded machine
        answers.AddRange(Telemetry(prefix, "/synthex/stats"));
        var commands = answers[0].GetProperty("/").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("/synthex/stats", commands);
        Assert.Contains("/synthex/lcores", commands);
        Assert.Contains("/ethdev/stats", commands); // DPDK's own, beside ours

        var first = answers[1].GetProperty("/synthex/stats");
        var later = answers[3].GetProperty("/synthex/stats");
        Assert.True(first.GetProperty("rx_packets").GetInt64() > 0, answers[1].ToString());
        Assert.True(later.GetProperty("rx_packets").GetInt64() > first.GetProperty("rx_packets").GetInt64(), "the counters do not move");
        Assert.True(first.TryGetProperty("drops_tx_full", out _), "every drop reason is listed: " + answers[1]);
        Assert.True(answers[2].GetProperty("/synthex/lcores").GetProperty("lcore1_polls").GetInt64() > 0, answers[2].ToString());

        synthex.Signal(SynthexProcess.SIGTERM);
        Assert.Equal(0, synthex.WaitForExit(30_000));
    }
}
