using System.Diagnostics;
using System.Net;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Fallback;
using Synthex.Dpdk.Tests.Support;
using Xunit.Abstractions;

namespace Synthex.Dpdk.Tests.Fallback;

/// <summary>
/// The OS backends' steady state allocates nothing: over a million datagrams answered by the
/// real <c>reflect</c> app, the worker thread's allocated bytes do not grow
/// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>, taken by the worker itself at loop entry
/// and exit) and no garbage collection happens.
/// </summary>
[Collection(OsServerCollection.Name)]
public class ZeroAllocationTests(ITestOutputHelper output)
{
    public static TheoryData<OsBackendKind> Kinds => [OsBackendKind.IoUring, OsBackendKind.Socket];

    /// <summary>With the receive spin (the default) and without it (the loop that always blocks; fewer datagrams: it is the slower one).</summary>
    public static TheoryData<OsBackendKind, int, int> KindsAndSpins => new()
    {
        { OsBackendKind.IoUring, Synthex.Dpdk.Runtime.RunSettings.DefaultSpinMicroseconds, 1_000_000 },
        { OsBackendKind.Socket, Synthex.Dpdk.Runtime.RunSettings.DefaultSpinMicroseconds, 1_000_000 },
        { OsBackendKind.IoUring, 0, 200_000 },
        { OsBackendKind.Socket, 0, 200_000 },
    };

    [Theory, MemberData(nameof(KindsAndSpins))]
    public void Datagrams_answered_allocate_nothing_on_the_worker_and_collect_nothing(OsBackendKind kind, int spinMicroseconds, int total)
    {
        const int window = 64;
        var options = new OsBackendOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), SpinMicroseconds = spinMicroseconds };
        using var server = OsServer.Start(kind, options, new Reflect());
        using var client = new UdpTestClient(server.LocalEndPoint);
        var payload = new byte[32];
        var reply = new byte[2048];

        // Start the window with an empty gen0, so earlier tests' garbage cannot be what trips a
        // collection inside it; anything collected from here on was allocated in the window.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        int gcBefore = GC.CollectionCount(0);
        long start = Stopwatch.GetTimestamp();
        // Windowed ping-pong: keeps the worker busy with batches, and the client's own sends and
        // receives on spans allocate nothing either.
        for (int sent = 0; sent < total; sent += window)
        {
            for (int i = 0; i < window; i++) client.Socket.Send(payload);
            for (int i = 0; i < window; i++) client.Socket.Receive(reply);
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        server.Stop();
        int collections = GC.CollectionCount(0) - gcBefore;

        var c = server.Counters[0];
        output.WriteLine($"{kind}, spin {spinMicroseconds} µs: {total} datagrams in {elapsed.TotalSeconds:F2}s ({total / elapsed.TotalSeconds:F0}/s), " +
                         $"worker allocated {c.LoopAllocatedBytes} B, gen0 collections {collections}");
        Assert.Equal(total, c.RxPackets);
        Assert.Equal(total, c.TxPackets);
        Assert.Equal(0, c.LoopAllocatedBytes);
        Assert.Equal(0, collections);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void Absorbing_and_originating_allocate_nothing_on_the_worker(OsBackendKind kind)
    {
        // Rendezvous pairs datagrams in arrival order: from one client, each pair comes back to it
        // as two originated datagrams, sent from the worker's origin slots. One pair at a time: a
        // third datagram while a pair waits to be sent is a no_buffer drop by design.
        const int total = 100_000, window = 2;
        var options = new OsBackendOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) };
        using var server = OsServer.Start(kind, options, new Rendezvous());
        using var client = new UdpTestClient(server.LocalEndPoint);
        var payload = new byte[32];
        var reply = new byte[2048];
        for (int sent = 0; sent < total; sent += window)
        {
            for (int i = 0; i < window; i++) client.Socket.Send(payload);
            for (int i = 0; i < window; i++) client.Socket.Receive(reply);
        }
        server.Stop();
        var c = server.Counters[0];
        output.WriteLine($"{kind}: rendezvous {total} datagrams, worker allocated {c.LoopAllocatedBytes} B");
        Assert.Equal(total, c.Absorbed);
        Assert.Equal(total, c.OriginatedPackets);
        Assert.Equal(0, c.LoopAllocatedBytes);
    }
}
