using System.Globalization;
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
/// a thread that sleeps switches out voluntarily at every sleep; a busy poller never does.
/// </remarks>
public class IdleTests
{
    private static (long Voluntary, long CpuTicks) Worker(int pid)
    {
        foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            string comm = File.ReadAllText(Path.Combine(task, "comm")).Trim();
            if (!comm.StartsWith("lcore-", StringComparison.Ordinal)) continue;
            long voluntary = long.Parse(File.ReadAllLines(Path.Combine(task, "status"))
                .First(l => l.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)).Split(':')[1].Trim(), CultureInfo.InvariantCulture);
            string stat = File.ReadAllText(Path.Combine(task, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture); // utime + stime
            return (voluntary, ticks);
        }
        throw new Xunit.Sdk.XunitException($"no lcore worker thread in /proc/{pid}/task");
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
}
