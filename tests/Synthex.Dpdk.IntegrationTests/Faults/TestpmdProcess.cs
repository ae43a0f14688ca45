using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Synthex.Dpdk.IntegrationTests.Faults;

/// <summary>
/// <c>dpdk-testpmd</c> as synthex's peer for the fault tests: on the client side of a memif
/// socket or as virtio_user on a vhost-user socket, io forwarding with a first burst, statistics
/// every second. The faults are signals: <see cref="Kill"/> (SIGKILL, no goodbye on the link),
/// <see cref="Pause"/>/<see cref="Resume"/> (SIGSTOP/SIGCONT: a peer that stops draining).
/// </summary>
internal sealed partial class TestpmdProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    /// <param name="link">memif or vhost</param>
    /// <param name="prefix">its EAL file prefix (a restarted peer reuses its predecessor's, whose leftovers the EAL then removes)</param>
    public TestpmdProcess(string link, string socket, string prefix)
    {
        var psi = new ProcessStartInfo(SynthexProcess.RestoreSigint[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in SynthexProcess.RestoreSigint.Skip(1).Append("dpdk-testpmd")) psi.ArgumentList.Add(a);
        string[] peer = link == "memif"
            ? ["--vdev", $"net_memif0,role=client,socket={socket}"]
            : ["--single-file-segments", "--vdev", $"virtio_user0,path={socket},queues=1"];
        foreach (var a in new[] { "-l", "0,1", "--no-pci", "--file-prefix", prefix, "--log-level=lib.eal:error" }
                     .Concat(peer).Concat(["--", "--forward-mode=io", "--tx-first", "--stats-period", "1", "--auto-start", "--total-num-mbufs", "8192"]))
            psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>Waits until testpmd forwards and has received <paramref name="packets"/> from synthex (its per-second statistics say so).</summary>
    public async Task<bool> WaitForwarding(long packets = 1, int timeoutSeconds = 40)
    {
        var started = Stopwatch.StartNew();
        while (!_process.HasExited && started.Elapsed < TimeSpan.FromSeconds(timeoutSeconds))
        {
            if (RxPackets().Matches(Log).Select(m => long.Parse(m.Groups[1].Value)).DefaultIfEmpty(0).Max() >= packets) return true;
            await Task.Delay(100);
        }
        return false;
    }

    public void Kill()
    {
        _ = kill(_process.Id, 9);
        _process.WaitForExit();
    }

    public void Pause() => _ = kill(_process.Id, 19);
    public void Resume() => _ = kill(_process.Id, 18);

    /// <summary>Stops with SIGINT (testpmd prints its totals) and returns the packets it received from synthex.</summary>
    public long Stop()
    {
        _ = kill(_process.Id, 2);
        if (!_process.WaitForExit(TimeSpan.FromSeconds(20))) { Kill(); throw new TimeoutException("testpmd did not stop:\n" + Log); }
        _process.WaitForExit();
        var m = AccumulatedRx().Match(Log);
        return m.Success ? long.Parse(m.Groups[1].Value) : throw new InvalidOperationException("no totals from testpmd:\n" + Log);
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }

    [GeneratedRegex(@"RX-packets:\s+(\d+)")]
    private static partial Regex RxPackets();

    [GeneratedRegex(@"Accumulated forward statistics for all ports\+*\s+RX-packets:\s+(\d+)")]
    private static partial Regex AccumulatedRx();

    [LibraryImport("libc")]
    private static partial int kill(int pid, int signal);
}
