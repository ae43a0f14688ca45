using System.Globalization;
using Synthex.Dpdk.IntegrationTests.Dpdk;
using Synthex.Dpdk.IntegrationTests.Endpoint;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Operations;

/// <summary>
/// <c>--idle</c> on a real DPDK worker (net_tap, nothing arriving), read from /proc: a sleeping
/// worker gives its core back (voluntary context switches, a small share of CPU time), a busy
/// one does not; after idling, the first packets (ARP, then ping) are answered.
/// </summary>
/// <remarks>
/// CPU shares on this shared 2-core VM depend on the load (a busy poller gets only its fair
/// share), so the discriminating reading is the worker thread's voluntary context switches:
/// a thread that sleeps switches out voluntarily at every sleep; a busy poller never does. Where
/// it sleeps is read from /proc/PID/task/TID/syscall: epoll_wait in interrupt mode,
/// clock_nanosleep in sleep mode.
/// </remarks>
public class IdleTests
{
    // x86-64 system call numbers, as /proc/PID/task/TID/syscall prints them first.
    private const int EpollWait = 232, ClockNanosleep = 230;
    private const int Samples = 100;

    private static string WorkerTask(int pid)
    {
        foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
            if (File.ReadAllText(Path.Combine(task, "comm")).Trim().StartsWith("lcore-", StringComparison.Ordinal)) return task;
        throw new Xunit.Sdk.XunitException($"no lcore worker thread in /proc/{pid}/task");
    }

    /// <summary>
    /// Samples the system call the worker thread is in, every 20 ms for 2 s: how many of the
    /// <see cref="Samples"/> found it in epoll_wait and how many in clock_nanosleep ("running" when
    /// it was polling, and also when a sleep had ended and the thread waited for a CPU: on this
    /// loaded 2-core VM a 200 µs sleeper is often caught so, hence many samples and low bars).
    /// </summary>
    private static (int Epoll, int Nanosleep) SleepsIn(int pid)
    {
        string task = WorkerTask(pid);
        int epoll = 0, nanosleep = 0;
        for (int i = 0; i < Samples; i++)
        {
            string first = File.ReadAllText(Path.Combine(task, "syscall")).Split(' ')[0].Trim();
            if (int.TryParse(first, CultureInfo.InvariantCulture, out int call))
            {
                if (call == EpollWait) epoll++;
                if (call == ClockNanosleep) nanosleep++;
            }
            Thread.Sleep(20);
        }
        return (epoll, nanosleep);
    }

    private static (long Voluntary, long CpuTicks) Worker(int pid)
    {
        string task = WorkerTask(pid);
        long voluntary = long.Parse(File.ReadAllLines(Path.Combine(task, "status"))
            .First(l => l.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)).Split(':')[1].Trim(), CultureInfo.InvariantCulture);
        string stat = File.ReadAllText(Path.Combine(task, "stat"));
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture); // utime + stime
        return (voluntary, ticks);
    }

    [Theory]
    [InlineData("sleep", true)]
    [InlineData("busy", false)]
    public void An_idle_worker_gives_its_core_back_only_when_asked_and_answers_the_first_packet(string mode, bool sleeps)
    {
        Assert.True(IsRoot, "needs root for ip netns and net_tap (CI runs tests as root)");
        using var tap = new TapEndpoint("reflect", ["--idle", mode]);
        Thread.Sleep(1000); // start-up done; nothing arrives (the namespace's side sends nothing unasked)
        var before = Worker(tap.Pid);
        Thread.Sleep(2000);
        var after = Worker(tap.Pid);
        long switches = after.Voluntary - before.Voluntary;
        double share = (after.CpuTicks - before.CpuTicks) / 100.0 / 2.0; // USER_HZ = 100

        if (sleeps)
        {
            Assert.True(switches > 100, $"--idle sleep: the worker switched out voluntarily only {switches} times in 2 s");
            Assert.True(share < 0.25, $"--idle sleep: the worker used {share:P0} of a core with nothing to do");
        }
        else
        {
            Assert.True(switches < 50, $"--idle busy: the worker switched out voluntarily {switches} times in 2 s; it should never sleep");
        }

        var (code, output) = tap.Client("ping", "-c", "3", "-i", "0.2", "-W", "3", tap.ServerV4);
        Assert.True(code == 0, $"ping after idling failed:\n{output}\n{tap.Output}");
        var report = tap.Stop();
        Assert.True(report.GetProperty("totals").GetProperty("accounted").GetBoolean());
    }

    [Fact]
    public void Interrupt_mode_sleeps_in_epoll_on_the_tap_queue_and_answers_the_first_packet()
    {
        Assert.True(IsRoot, "needs root for ip netns and net_tap (CI runs tests as root)");
        using var tap = new TapEndpoint("reflect", ["--idle", "interrupt"]);
        Assert.DoesNotContain("no RX interrupts", tap.Output); // net_tap has them: no fall-back
        Thread.Sleep(1000);
        var before = Worker(tap.Pid);
        var (epoll, nanosleep) = SleepsIn(tap.Pid); // 2 s
        var after = Worker(tap.Pid);
        long switches = after.Voluntary - before.Voluntary;
        double share = (after.CpuTicks - before.CpuTicks) / 100.0 / 2.0;

        // Idle, the worker is nearly always inside epoll_wait (woken every 10 ms by the timeout at
        // most); under this host's load a sample may catch it running, so only a few are asked for.
        Assert.True(epoll >= 5, $"--idle interrupt: only {epoll} of {Samples} samples found the worker in epoll_wait ({nanosleep} in clock_nanosleep)");
        Assert.Equal(0, nanosleep);
        Assert.True(switches > 20, $"--idle interrupt: the worker switched out voluntarily only {switches} times in 2 s");
        Assert.True(share < 0.25, $"--idle interrupt: the worker used {share:P0} of a core with nothing to do");

        var (code, output) = tap.Client("ping", "-c", "3", "-i", "0.2", "-W", "3", tap.ServerV4);
        Assert.True(code == 0, $"ping after idling in epoll failed:\n{output}\n{tap.Output}");
        var report = tap.Stop();
        Assert.True(report.GetProperty("totals").GetProperty("accounted").GetBoolean());
        Assert.True(report.GetProperty("totals").GetProperty("tx_packets").GetInt64() >= 3, tap.Output); // the echo replies (and ARP)
    }

    [Fact]
    public void On_a_port_without_rx_interrupts_interrupt_mode_says_so_once_and_sleeps_instead()
    {
        // net_ring0 has no interrupt handle (like net_null, memif, pcap) and, with no traffic
        // source, leaves the worker idle: it must sleep in nanosleep, not in epoll and not spin.
        string report = Path.Combine(Path.GetTempPath(), $"{SynthexRun.UniquePrefix()}.json");
        using var run = SynthexRun.Start(["run", "--app", "reflect", "--idle", "interrupt", "--stats-interval", "0", "--stats-json", report, "--",
            .. SynthexRun.NoHugeEal(SynthexRun.UniquePrefix()), "--vdev", "net_ring0"]);
        Assert.True(run.WaitFor("synthex: running", 60_000), run.Output);
        Thread.Sleep(1000);
        var before = Worker(run.Pid);
        var (epoll, nanosleep) = SleepsIn(run.Pid); // 2 s
        long switches = Worker(run.Pid).Voluntary - before.Voluntary;
        run.Signal(SynthexProcess.SIGTERM);
        Assert.True(run.WaitForExit(30_000) == 0, run.Output);

        var lines = run.Stderr.Split('\n').Where(l => l.Contains("no RX interrupts", StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count == 1, $"expected one fall-back line:\n{run.Output}");
        Assert.Contains("port 0 (net_ring0)", lines[0]);
        Assert.Contains("--idle sleep instead", lines[0]);
        Assert.Equal(0, epoll);
        // Sleeping, not spinning: a poller never switches out voluntarily; a 200 µs sleeper does
        // thousands of times. The samples then say where it sleeps (CI saw 1 in 20 under load).
        Assert.True(switches > 100, $"the fallen-back worker switched out voluntarily only {switches} times in 2 s\n{run.Output}");
        Assert.True(nanosleep >= 1, $"none of {Samples} samples found the fallen-back worker in clock_nanosleep\n{run.Output}");
        Assert.True(SynthexRun.Report(report).GetProperty("totals").GetProperty("accounted").GetBoolean());
        File.Delete(report);
    }

    [Fact]
    public void On_net_null_interrupt_mode_falls_back_to_sleep_with_one_line()
    {
        string report = Path.Combine(Path.GetTempPath(), $"{SynthexRun.UniquePrefix()}.json");
        using var run = SynthexRun.Run(["run", "--app", "reflect", "--idle", "interrupt", "--duration", "1", "--stats-interval", "0", "--stats-json", report, "--",
            .. SynthexRun.NoHugeEal(SynthexRun.UniquePrefix()), "--vdev", "net_null0"]);
        Assert.True(run.ExitCode == 0, run.Output);
        var lines = run.Stderr.Split('\n').Where(l => l.Contains("no RX interrupts", StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count == 1, $"expected one fall-back line:\n{run.Output}");
        Assert.Contains("port 0 (net_null0)", lines[0]);
        Assert.True(SynthexRun.Report(report).GetProperty("totals").GetProperty("rx_packets").GetInt64() > 0, run.Output); // still polls and accounts
        File.Delete(report);
    }
}
