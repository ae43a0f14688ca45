using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Synthex.Dpdk.IntegrationTests.Dpdk;

/// <summary>
/// A real peer: <c>dpdk-testpmd</c> on the other end of a memif link, or of a vhost-user socket
/// (synthex on net_vhost, testpmd on virtio_user, which needs <c>--single-file-segments</c>).
/// synthex is the server; testpmd connects, sends a first burst (<c>--tx-first</c>) and forwards
/// whatever comes back (io mode), so packets circulate between the two and testpmd counts what
/// synthex returned.
/// </summary>
[Collection(nameof(DpdkCollection))]
public partial class TestpmdPeerTests
{
    [Theory]
    [InlineData("memif", "frame-reflect", null)]
    [InlineData("memif", "forward", "macswap")]
    [InlineData("vhost", "frame-reflect", null)]
    public async Task Testpmd_gets_back_what_synthex_returns(string link, string app, string? mode)
    {
        string prefix = SynthexRun.UniquePrefix();
        string socket = Path.Combine(Path.GetTempPath(), $"{prefix}.memif");
        string report = Path.Combine(Path.GetTempPath(), $"{prefix}.json");
        // memif needs DPDK's multi-process channel: hugepages with a file prefix, not --in-memory.
        // No --duration: synthex runs until SIGTERM, once testpmd is done.
        using var synthex = SynthexRun.Start(["run", "--app", app, .. (mode is null ? Array.Empty<string>() : ["--mode", mode]),
            "--stats-interval", "1", "--stats-json", report, "--",
            "-l", "0,1", "--no-pci", "--file-prefix", prefix, "--log-level=lib.eal:error", "--vdev",
            link == "memif" ? $"net_memif0,role=server,socket={socket}" : $"net_vhost0,iface={socket},queues=1"]);
        Assert.True(synthex.WaitFor("synthex: running", 30_000), synthex.Output);

        // Stopped with SIGINT below: started with SIGINT restored, however the suite was launched.
        var psi = new ProcessStartInfo(SynthexProcess.RestoreSigint[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in SynthexProcess.RestoreSigint.Skip(1).Append("dpdk-testpmd")) psi.ArgumentList.Add(a);
        string[] peer = link == "memif"
            ? ["--vdev", $"net_memif0,role=client,socket={socket}"]
            : ["--single-file-segments", "--vdev", $"virtio_user0,path={socket},queues=1"];
        foreach (var a in new[] { "-l", "0,1", "--no-pci", "--file-prefix", prefix + "-peer", "--log-level=lib.eal:error" }
                     .Concat(peer).Concat(["--",
                                  "--forward-mode=io", "--tx-first", "--stats-period", "1", "--auto-start", "--total-num-mbufs", "8192"]))
            psi.ArgumentList.Add(a);
        using var testpmd = Process.Start(psi)!;
        var log = new System.Text.StringBuilder();
        testpmd.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        testpmd.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        testpmd.BeginOutputReadLine();
        testpmd.BeginErrorReadLine();
        string Log() { lock (log) return log.ToString(); }
        // Forwarding runs once testpmd prints its first per-second statistics (EAL start and the
        // link check can take seconds on a loaded host); let packets circulate for 2 s after that.
        var started = Stopwatch.StartNew();
        while (!Log().Contains("Rx-pps") && !testpmd.HasExited && started.Elapsed < TimeSpan.FromSeconds(30))
            await Task.Delay(50);
        Assert.True(Log().Contains("Rx-pps"), $"testpmd did not start forwarding\n{Log()}\n{synthex.Output}");
        await Task.Delay(2000);
        _ = kill(testpmd.Id, 2); // SIGINT: testpmd stops forwarding and prints its totals
        Assert.True(testpmd.WaitForExit(TimeSpan.FromSeconds(20)), "testpmd did not stop");
        testpmd.WaitForExit();
        string text = Log();
        var rx = AccumulatedRx().Match(text);
        Assert.True(rx.Success, text);
        long testpmdRx = long.Parse(rx.Groups[1].Value);

        _ = kill(synthex.Pid, 15); // SIGTERM: synthex stops, drains and writes its report
        Assert.True(synthex.TryWaitForExit(TimeSpan.FromSeconds(30)), synthex.Output);
        Assert.True(synthex.ExitCode == 0, synthex.Output);
        var totals = SynthexRun.Report(report).GetProperty("totals");
        long synthexTx = totals.GetProperty("tx_packets").GetInt64();
        Assert.True(testpmdRx > 0, $"testpmd received nothing\n{text}\n{synthex.Output}");
        // testpmd stops with up to a burst or two still on the wire or in synthex's queues.
        Assert.InRange(testpmdRx, synthexTx - 64, synthexTx);
        Assert.Equal(totals.GetProperty("rx_packets").GetInt64(), synthexTx); // frame-reflect and macswap answer everything testpmd sends
        File.Delete(report);
        File.Delete(socket);
    }

    [GeneratedRegex(@"Accumulated forward statistics for all ports\+*\s+RX-packets:\s+(\d+)")]
    private static partial Regex AccumulatedRx();

    [System.Runtime.InteropServices.LibraryImport("libc")]
    private static partial int kill(int pid, int signal);
}
