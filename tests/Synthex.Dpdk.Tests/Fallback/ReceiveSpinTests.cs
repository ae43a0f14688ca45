using System.Globalization;
using System.Net;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Fallback;
using Synthex.Dpdk.Tests.Support;
using Xunit.Abstractions;

namespace Synthex.Dpdk.Tests.Fallback;

/// <summary>
/// The OS workers' receive spin: the decision (<see cref="ReceiveSpin"/>: spin only after a gap
/// shorter than the window), and on both real backends that a worker that served traffic and then
/// has nothing to do blocks again — it switches out voluntarily (its 100 ms receive timeout) and
/// uses a small share of a core — and answers the next datagram.
/// </summary>
[Collection(OsServerCollection.Name)]
public class ReceiveSpinTests(ITestOutputHelper output)
{
    // The decision takes its timestamps from the worker: synthetic ones here, so nothing below
    // depends on how the test is scheduled. W = one window.
    private const long T0 = 1_000_000_000;

    [Fact]
    public void A_worker_that_has_seen_no_traffic_blocks()
    {
        var spin = new ReceiveSpin(50);
        Assert.False(spin.OutOfWork(T0));
    }

    [Fact]
    public void A_datagram_within_the_window_makes_the_next_wait_a_spin()
    {
        var spin = new ReceiveSpin(50);
        long w = spin.WindowTicks;
        Assert.False(spin.OutOfWork(T0));
        spin.Arrived(T0 + w);
        Assert.True(spin.OutOfWork(T0 + w + 1));
        Assert.Equal(T0 + 2 * w + 1, spin.Deadline);
    }

    [Fact]
    public void A_gap_longer_than_the_window_makes_the_next_wait_block()
    {
        var spin = new ReceiveSpin(50);
        long w = spin.WindowTicks;
        spin.OutOfWork(T0);
        spin.Arrived(T0 + w + 1);
        Assert.False(spin.OutOfWork(T0 + 2 * w));
    }

    [Fact]
    public void A_spin_that_ran_out_blocks_until_a_datagram_comes_within_the_window_again()
    {
        var spin = new ReceiveSpin(50);
        long w = spin.WindowTicks;
        spin.OutOfWork(T0);
        spin.Arrived(T0 + 1);
        Assert.True(spin.OutOfWork(T0 + 2));
        spin.Missed(T0 + 2 + w);
        Assert.False(spin.OutOfWork(T0 + 2 + w)); // the same gap: now blocking
        spin.Arrived(T0 + 5 * w);                 // long after: still blocking next time
        Assert.False(spin.OutOfWork(T0 + 5 * w + 1));
        spin.Arrived(T0 + 5 * w + 2);             // within the window of its gap
        Assert.True(spin.OutOfWork(T0 + 5 * w + 3));
    }

    [Fact]
    public void A_spin_taken_off_the_cpu_backs_off_for_100_ms()
    {
        var spin = new ReceiveSpin(50);
        long w = spin.WindowTicks, ms = System.Diagnostics.Stopwatch.Frequency / 1000;
        spin.OutOfWork(T0);
        spin.Arrived(T0 + 1);
        Assert.True(spin.OutOfWork(T0 + 2));
        spin.Missed(T0 + 2 + 3 * w); // saw its deadline only three windows in: it was preempted
        spin.Arrived(T0 + 2 + 3 * w + 1);
        for (long t = T0 + 10 * w; t < T0 + 2 + 3 * w + 100 * ms; t += 10 * ms)
        {
            spin.OutOfWork(t);
            spin.Arrived(t + 1); // gaps within the window: would spin, but the backoff holds
            Assert.False(spin.OutOfWork(t + 2), $"spins {(t - T0) / ms} ms after the preempted spin");
            spin.Arrived(t + 3);
        }
        spin.OutOfWork(T0 + 200 * ms);
        spin.Arrived(T0 + 200 * ms + 1);
        Assert.True(spin.OutOfWork(T0 + 200 * ms + 2));
    }

    [Fact]
    public void A_spin_whose_datagram_came_after_two_windows_backs_off_too()
    {
        var spin = new ReceiveSpin(50);
        long w = spin.WindowTicks;
        spin.OutOfWork(T0);
        spin.Arrived(T0 + 1);
        Assert.True(spin.OutOfWork(T0 + 2));
        spin.Arrived(T0 + 2 + 2 * w + 1); // off the CPU between its last deadline check and now
        spin.OutOfWork(T0 + 3 * w);
        spin.Arrived(T0 + 3 * w + 1);
        Assert.False(spin.OutOfWork(T0 + 3 * w + 2));
    }

    [Fact]
    public void An_overshoot_backs_off_only_when_another_thread_took_the_cpu()
    {
        // The thread's involuntary switches, as getrusage would report them.
        long switches = 7;
        var spin = new ReceiveSpin(50, () => switches);
        spin.Begin();
        long w = spin.WindowTicks, ms = System.Diagnostics.Stopwatch.Frequency / 1000;
        spin.OutOfWork(T0);
        spin.Arrived(T0 + 1);
        Assert.True(spin.OutOfWork(T0 + 2));
        spin.Missed(T0 + 2 + 3 * w);        // three windows late, but no switch: an interrupt, the hypervisor
        spin.Arrived(T0 + 2 + 3 * w + 1);   // (not flowing: the gap from the spin's start is long)
        spin.OutOfWork(T0 + 10 * w);
        spin.Arrived(T0 + 10 * w + 1);
        Assert.True(spin.OutOfWork(T0 + 10 * w + 2)); // no backoff: spins at once
        Assert.Equal(0, spin.Backoffs);

        switches++;                         // this time another thread ran on the worker's CPU
        spin.Arrived(T0 + 10 * w + 2 + 3 * w);
        Assert.Equal(1, spin.Backoffs);
        spin.OutOfWork(T0 + 20 * w);
        spin.Arrived(T0 + 20 * w + 1);
        Assert.False(spin.OutOfWork(T0 + 20 * w + 2)); // backing off
        spin.Arrived(T0 + 20 * w + 3);
        spin.OutOfWork(T0 + 200 * ms);
        spin.Arrived(T0 + 200 * ms + 1);
        Assert.True(spin.OutOfWork(T0 + 200 * ms + 2)); // 100 ms later it spins again
    }

    [Fact]
    public void The_involuntary_switch_count_is_the_calling_threads_ru_nivcsw()
    {
        // Checked against the kernel's own per-thread figure, so a wrong struct offset shows.
        long ours = -1, kernel = -1;
        var t = new Thread(() =>
        {
            for (int i = 0; i < 50; i++) Thread.Yield(); // a yield that switches counts as involuntary
            ours = Synthex.Dpdk.Fallback.Interop.Libc.ThreadInvoluntarySwitches();
            foreach (var line in File.ReadAllLines("/proc/thread-self/status"))
                if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    kernel = long.Parse(line.AsSpan(27).Trim(), CultureInfo.InvariantCulture);
        });
        t.Start();
        t.Join();
        Assert.True(ours >= 0, "getrusage(RUSAGE_THREAD) failed");
        Assert.InRange(kernel - ours, 0, 2); // the file read itself may be preempted once or twice
    }

    [Fact]
    public void Hits_misses_and_backoffs_are_counted()
    {
        // The xstats spin_hits/spin_misses/spin_backoffs: what shows whether a run's datagrams
        // were picked up by the spin or waited for a wake-up.
        var spin = new ReceiveSpin(50);
        long w = spin.WindowTicks;
        spin.OutOfWork(T0);
        spin.Arrived(T0 + 1);                 // blocked (no traffic seen before): no hit
        Assert.True(spin.OutOfWork(T0 + 2));
        spin.Arrived(T0 + 3);                 // spun, and the datagram came: a hit
        Assert.True(spin.OutOfWork(T0 + 4));
        spin.Missed(T0 + 4 + w);              // the window ran out on time: a miss, no backoff
        Assert.Equal((1, 1, 0), (spin.Hits, spin.Misses, spin.Backoffs));
        spin.Arrived(T0 + 4 + w + 1);         // after the window: the next wait blocks
        Assert.False(spin.OutOfWork(T0 + 5 + w));
        spin.Arrived(T0 + 6 + w);             // blocked, not a hit; but within the window
        Assert.True(spin.OutOfWork(T0 + 7 + w));
        spin.Missed(T0 + 7 + 4 * w);          // saw its deadline three windows late: a backoff
        Assert.Equal((1, 2, 1), (spin.Hits, spin.Misses, spin.Backoffs));
    }

    [Fact]
    public void A_zero_window_never_spins()
    {
        var spin = new ReceiveSpin(0);
        for (long t = T0; t < T0 + 3; t++)
        {
            Assert.False(spin.OutOfWork(t));
            spin.Arrived(t);
        }
        Assert.False(spin.OutOfWork(T0 + 10));
    }

    [Fact]
    public void Arrivals_while_the_worker_never_ran_out_change_nothing()
    {
        var spin = new ReceiveSpin(50);
        spin.Arrived(T0);
        spin.Arrived(T0 + 1);
        Assert.False(spin.OutOfWork(T0 + 2));
    }

    [Fact]
    public void The_poll_returns_what_a_try_found_and_ends_at_the_deadline_even_if_tries_keep_finding_nothing()
    {
        // Real clock: a deadline half an hour away, then one already past.
        var spin = new ReceiveSpin(int.MaxValue);
        spin.OutOfWork(System.Diagnostics.Stopwatch.GetTimestamp());
        var after = new FindsAfter(1000, 3);
        Assert.Equal(3, spin.PollUntil(ref after));
        Assert.Equal(1000, after.Tries);
        var failing = new FindsAfter(5, -1);
        Assert.Equal(-1, spin.PollUntil(ref failing)); // a failure ends the poll at once
        Assert.Equal(5, failing.Tries);

        var brief = new ReceiveSpin(1);
        brief.OutOfWork(System.Diagnostics.Stopwatch.GetTimestamp() - System.Diagnostics.Stopwatch.Frequency);
        var never = new FindsAfter(int.MaxValue, 1);
        Assert.Equal(0, brief.PollUntil(ref never));
        Assert.Equal(0, never.Tries); // the deadline is read first: past it, nothing is tried
    }

    /// <summary>Finds nothing (0) for <c>n - 1</c> tries, then returns <c>result</c>.</summary>
    private struct FindsAfter(int n, int result) : ISpinPoll
    {
        public int Tries;
        public int Try() => ++Tries >= n ? result : 0;
    }

    public static TheoryData<OsBackendKind> Kinds => [OsBackendKind.IoUring, OsBackendKind.Socket];

    [Theory, MemberData(nameof(Kinds))]
    public void After_traffic_stops_the_worker_blocks_again_and_answers_the_next_datagram(OsBackendKind kind)
    {
        var options = new OsBackendOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) };
        Assert.True(options.SpinMicroseconds > 0, "the default spins");
        using var server = OsServer.Start(kind, options, new Reflect());
        using var client = new UdpTestClient(server.LocalEndPoint);
        int tid = WorkerThread(kind == OsBackendKind.IoUring ? "synthex-uring-0" : "synthex-sock-0");

        // Ping-pong: back-to-back round trips, the traffic the worker spins for.
        var payload = new byte[64];
        var reply = new byte[2048];
        for (int i = 0; i < 5000; i++)
        {
            client.Socket.Send(payload);
            client.Socket.Receive(reply);
        }

        Thread.Sleep(200); // the traffic has stopped; any spin window has long ended
        var before = Read(tid);
        Thread.Sleep(2000);
        var after = Read(tid);
        long voluntary = after.Voluntary - before.Voluntary;
        double share = (after.CpuTicks - before.CpuTicks) / 100.0 / 2.0; // USER_HZ = 100, over 2 s
        output.WriteLine($"{kind}: idle 2 s after 5000 round trips: {voluntary} voluntary switches, {share:P1} of a core");
        // Blocked, the worker wakes for its 100 ms receive timeout and goes back to sleep: ~20
        // voluntary switches in 2 s. A worker that kept spinning would make none; on a quiet
        // machine it would also take the whole core.
        Assert.True(voluntary >= 5, $"{kind}: the idle worker switched out voluntarily only {voluntary} times in 2 s: it does not block");
        Assert.True(share < 0.25, $"{kind}: the idle worker used {share:P0} of a core");

        client.Send("after the pause"u8);
        Assert.Equal("after the pause"u8.ToArray(), client.Receive());
        server.Stop();
        Assert.Equal(5001, server.Counters[0].RxPackets);
        Assert.Equal(5001, server.Counters[0].TxPackets);
        Assert.Null(server.Failure);
    }

    private static int WorkerThread(string name)
    {
        var tids = Directory.GetDirectories("/proc/self/task")
            .Select(d => int.Parse(Path.GetFileName(d), CultureInfo.InvariantCulture))
            .Where(t => ReadOrEmpty($"/proc/self/task/{t}/comm").Trim() == name)
            .ToArray();
        Assert.True(tids.Length == 1, $"{tids.Length} threads named {name} in this process");
        return tids[0];
    }

    private static string ReadOrEmpty(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return ""; } // a thread that ended meanwhile
    }

    private static (long Voluntary, long CpuTicks) Read(int tid)
    {
        long voluntary = long.Parse(File.ReadAllLines($"/proc/self/task/{tid}/status")
            .First(l => l.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)).Split(':')[1].Trim(), CultureInfo.InvariantCulture);
        string stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture); // utime + stime
        return (voluntary, ticks);
    }
}
