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
    // Windows far from any scheduling delay, so the decisions below do not depend on timing:
    // "within" is half an hour, "beyond" is 1 µs after a 5 ms sleep.
    private const int HalfAnHourUs = int.MaxValue;
    private const int OneUs = 1;

    [Fact]
    public void A_worker_that_has_seen_no_traffic_blocks()
    {
        var spin = new ReceiveSpin(HalfAnHourUs);
        Assert.False(spin.OutOfWork());
    }

    [Fact]
    public void A_datagram_within_the_window_makes_the_next_wait_a_spin()
    {
        var spin = new ReceiveSpin(HalfAnHourUs);
        Assert.False(spin.OutOfWork());
        spin.Arrived();
        Assert.True(spin.OutOfWork());
    }

    [Fact]
    public void A_gap_longer_than_the_window_makes_the_next_wait_block()
    {
        var spin = new ReceiveSpin(OneUs);
        spin.OutOfWork();
        spin.Arrived();
        spin.OutOfWork();
        Thread.Sleep(5);
        spin.Arrived();
        Assert.False(spin.OutOfWork());
    }

    [Fact]
    public void A_spin_that_ran_out_blocks_until_a_datagram_comes_within_the_window_again()
    {
        var spin = new ReceiveSpin(HalfAnHourUs);
        spin.OutOfWork();
        spin.Arrived();
        Assert.True(spin.OutOfWork());
        spin.Missed();
        Assert.False(spin.OutOfWork());
        spin.Arrived(); // the gap is still measured from when the work ran out: within half an hour
        Assert.True(spin.OutOfWork());
    }

    [Fact]
    public void A_zero_window_never_spins()
    {
        var spin = new ReceiveSpin(0);
        for (int i = 0; i < 3; i++)
        {
            Assert.False(spin.OutOfWork());
            spin.Arrived();
        }
        Assert.False(spin.OutOfWork());
    }

    [Fact]
    public void Arrivals_while_the_worker_never_ran_out_change_nothing()
    {
        var spin = new ReceiveSpin(HalfAnHourUs);
        spin.Arrived();
        spin.Arrived();
        Assert.False(spin.OutOfWork());
    }

    [Fact]
    public void The_spin_returns_when_the_condition_holds_and_gives_up_at_the_deadline()
    {
        var spin = new ReceiveSpin(HalfAnHourUs);
        spin.OutOfWork();
        var after = new AfterChecks(1000);
        Assert.True(spin.SpinUntil(ref after));
        Assert.Equal(1000, after.Checks);

        var brief = new ReceiveSpin(OneUs);
        brief.OutOfWork();
        Thread.Sleep(5); // the deadline has passed
        var never = new AfterChecks(int.MaxValue);
        Assert.False(brief.SpinUntil(ref never));
        Assert.InRange(never.Checks, 1, 16); // the clock is read every 16 checks
    }

    private struct AfterChecks(int n) : ISpinCondition
    {
        public int Checks;
        public bool Holds => ++Checks >= n;
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
