using System.Net;
using System.Net.Sockets;
using Synthex.Dpdk.Apps.RateLimit;
using Synthex.Dpdk.Fallback;
using Synthex.Dpdk.Fuzz;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Tests.Fallback;
using Synthex.Dpdk.Tests.Support;

namespace Synthex.Dpdk.Tests.Apps.RateLimit;

/// <summary>
/// <c>--rate-limit</c> through real backends: io_uring and sockets with real UDP clients on two
/// loopback addresses, and the DPDK worker loop (the endpoint stage over the in-memory port) in
/// front of the real consensus and similarity services. A flooding source is cut to its burst and
/// counted <c>rate_limited</c>; another source is answered in full.
/// </summary>
[Collection(OsServerCollection.Name)]
public class RateLimitBackendTests
{
    public static TheoryData<OsBackendKind> Kinds => [OsBackendKind.IoUring, OsBackendKind.Socket];

    // One datagram per 100 s after a burst of 5: no test here runs long enough to earn a sixth.
    private static readonly RateLimitSpec FiveThenHardlyAny = new(0.01, 5);

    [Theory, MemberData(nameof(Kinds))]
    public void A_source_over_its_rate_is_dropped_and_counted_and_another_source_is_answered(OsBackendKind kind)
    {
        var limiter = new SourceRateLimiter(FiveThenHardlyAny);
        using var server = OsServer.Start(kind, new OsBackendOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), Workers = 1 },
                                          new RateLimited<UpperEcho>(new UpperEcho(), limiter));
        using var flooder = Client(IPAddress.Parse("127.0.0.1"), server.LocalEndPoint);
        using var other = Client(IPAddress.Parse("127.0.0.2"), server.LocalEndPoint);

        for (int i = 0; i < 20; i++) flooder.Send("flood"u8);
        int flooderReplies = Drain(flooder);
        for (int i = 0; i < 5; i++)
        {
            other.Send("other"u8);
            var buffer = new byte[64];
            Assert.Equal("OTHER", System.Text.Encoding.ASCII.GetString(buffer, 0, other.Receive(buffer)));
        }

        server.Stop();
        var c = server.Counters[0];
        Assert.Equal(5, flooderReplies);
        Assert.Equal(25, c.RxPackets);
        Assert.Equal(15, c.Drops(DropReason.RateLimited));
        Assert.Equal(10, c.TxPackets);
        Accounting.AssertBalanced(c);
        Assert.Null(server.Failure);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void The_limited_worker_loop_allocates_nothing_whether_it_allows_or_drops(OsBackendKind kind)
    {
        const int window = 64, total = 320 * window;
        foreach (var (spec, allowed) in new[] { (new RateLimitSpec(RateLimitSpec.MaxRate, 1_000_000), true), (FiveThenHardlyAny, false) })
        {
            using var server = OsServer.Start(kind, new OsBackendOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), Workers = 1 },
                                              new RateLimited<Synthex.Dpdk.Apps.Reflect>(new Synthex.Dpdk.Apps.Reflect(), new SourceRateLimiter(spec)));
            using var client = new UdpTestClient(server.LocalEndPoint);
            var payload = new byte[32];
            var reply = new byte[2048];
            var c = server.Counters[0];
            for (int sent = 0; sent < total; sent += window)
            {
                for (int i = 0; i < window; i++) client.Socket.Send(payload);
                if (allowed) { for (int i = 0; i < window; i++) client.Socket.Receive(reply); continue; }
                // Nothing comes back past the burst: wait until the worker has taken the window (no socket overflow).
                var deadline = DateTime.UtcNow.AddSeconds(20);
                while (c.RxPackets < sent + window && DateTime.UtcNow < deadline) Thread.Sleep(1);
            }
            server.Stop();
            Assert.Equal(total, c.RxPackets);
            Assert.Equal(allowed ? 0 : total - 5, c.Drops(DropReason.RateLimited));
            Assert.Equal(0, c.LoopAllocatedBytes);
        }
    }

    [Fact]
    public void Behind_the_endpoint_the_services_see_only_what_is_within_the_rate()
    {
        using var rig = new ServiceRig(s => s with { RateLimit = "0.01/5" });
        var query = Query();
        int answered = 0;
        for (int i = 0; i < 20; i++)
        {
            rig.Enqueue(source: 1, ipv6: i % 2 == 0, query); // one source's two families are two addresses
            rig.RunUntilIdle();
        }
        for (int i = 0; i < 5; i++) rig.Enqueue(source: 2, ipv6: false, query);
        rig.RunUntilIdle();
        var deadline = DateTime.UtcNow.AddSeconds(20); // the compute thread answers QUERY off the I/O path
        while (DateTime.UtcNow < deadline && answered < 15)
        {
            answered += rig.PollSent().Count;
            Thread.Sleep(1);
        }
        var s = rig.Snapshot();
        Assert.Equal(25, s.RxPackets);
        Assert.Equal(10, s.Drops[(int)DropReason.RateLimited]); // source 1: 5 of each family pass, 5 of each are limited
        Assert.Equal(15, answered);
        Assert.True(s.Accounted);
    }

    /// <summary>PROTOCOL.md's QUERY example: 4 floats, k = 2 (the rig's matrix has D = 4).</summary>
    internal static byte[] Query()
    {
        var q = new byte[64 + 16];
        "SX"u8.CopyTo(q);
        q[2] = 1; q[3] = 2; q[12] = 7; q[16] = 9; q[36] = 4; q[52] = 2;
        for (int i = 0; i < 4; i++) BitConverter.TryWriteBytes(q.AsSpan(64 + 4 * i), 0.5f);
        return q;
    }

    private static Socket Client(IPAddress local, IPEndPoint server)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 5000 };
        s.Bind(new IPEndPoint(local, 0));
        s.Connect(server);
        return s;
    }

    private static int Drain(Socket s)
    {
        int n = 0;
        var buffer = new byte[64];
        s.ReceiveTimeout = 1000;
        try { while (true) { s.Receive(buffer); n++; } }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut) { }
        s.ReceiveTimeout = 5000;
        return n;
    }
}
