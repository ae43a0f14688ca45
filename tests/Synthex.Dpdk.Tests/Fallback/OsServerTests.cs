using System.Net;
using System.Text;
using Synthex.Dpdk.Fallback;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Tests.Support;

namespace Synthex.Dpdk.Tests.Fallback;

/// <summary>
/// Both OS backends serving real UDP clients over loopback, in process: replies, in-place
/// rewrite, every drop reason the kernel path has, a burst larger than the buffer ring, and
/// accounting (<c>rx = replied + absorbed + dropped</c>, <c>tx = replied + originated</c>) after the drain.
/// </summary>
[Collection(OsServerCollection.Name)]
public class OsServerTests
{
    public static TheoryData<OsBackendKind> Kinds => [OsBackendKind.IoUring, OsBackendKind.Socket];

    private static OsBackendOptions Options(IPAddress address, int workers = 1) =>
        new() { Listen = new IPEndPoint(address, 0), Workers = workers };

    [Theory, MemberData(nameof(Kinds))]
    public void Replies_to_ipv4_and_ipv6_clients_with_the_payload_rewritten_in_place(OsBackendKind kind)
    {
        foreach (var address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            using var server = OsServer.Start(kind, Options(address), new UpperEcho());
            using var client = new UdpTestClient(server.LocalEndPoint);
            for (int i = 0; i < 100; i++)
            {
                client.Send(Encoding.ASCII.GetBytes($"hello {i}"));
                Assert.Equal($"HELLO {i}", Encoding.ASCII.GetString(client.Receive() ?? throw new Xunit.Sdk.XunitException($"no reply {i}")));
            }
            server.Stop();
            var c = server.Counters[0];
            Assert.Equal(100, c.RxPackets);
            Assert.Equal(100, c.TxPackets);
            Assert.Equal(c.RxBytes, c.TxBytes);
            Assert.Equal(0, c.Dropped);
            Assert.Null(server.Failure);
        }
    }

    [Theory, MemberData(nameof(Kinds))]
    public void Dual_stack_listener_serves_ipv4_clients(OsBackendKind kind)
    {
        using var server = OsServer.Start(kind, Options(IPAddress.IPv6Any), new UpperEcho());
        using var client = new UdpTestClient(new IPEndPoint(IPAddress.Loopback, server.LocalEndPoint.Port));
        client.Send("v4 via [::]"u8);
        Assert.Equal("V4 VIA [::]", Encoding.ASCII.GetString(client.Receive()!));
    }

    [Theory, MemberData(nameof(Kinds))]
    public void Oversized_and_zero_length_datagrams_are_counted_under_their_own_reasons(OsBackendKind kind)
    {
        var options = Options(IPAddress.Loopback);
        int room = options.BufferSize - ReceiveLayout.PayloadOffset;
        using var server = OsServer.Start(kind, options, new GatedEcho());
        using var client = new UdpTestClient(server.LocalEndPoint, timeoutMs: 300);

        client.Send(new byte[room]);            // exactly fits: answered
        Assert.Equal(room, client.Receive()!.Length);
        client.Send(new byte[room + 1]);        // one byte too many: truncated, dropped
        client.Send(new byte[9000]);            // jumbo: truncated, dropped
        client.Send([]);                        // zero-length: dropped
        client.Send("Drop me"u8);               // the app's own drop reason
        Assert.Null(client.Receive());
        client.Send("x"u8);                     // still serving
        Assert.Equal("x", Encoding.ASCII.GetString(client.Receive()!));

        server.Stop();
        var c = server.Counters[0];
        Assert.Equal(6, c.RxPackets);
        Assert.Equal(2, c.TxPackets);
        Assert.Equal(2, c.Drops(DropReason.TruncatedDatagram));
        Assert.Equal(1, c.Drops(DropReason.EmptyDatagram));
        Assert.Equal(1, c.Drops(DropReason.BadPayload));
        Accounting.AssertBalanced(c);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void A_burst_larger_than_the_ring_and_the_socket_queue_is_counted_and_recovered_from(OsBackendKind kind)
    {
        // 16 buffers and a 64 KiB socket queue (about a hundred datagrams of kernel overhead):
        // 3000 datagrams sent while the worker is stuck in the app overflow both.
        var options = Options(IPAddress.Loopback) with { BufferCount = 16, SocketBufferBytes = 64 << 10 };
        GatedEcho.Gate.Reset();
        GatedEcho.Entered.Reset();
        try
        {
            using var server = OsServer.Start(kind, options, new GatedEcho());
            using var client = new UdpTestClient(server.LocalEndPoint);
            client.Send("Gate"u8);
            Assert.True(GatedEcho.Entered.Wait(5000), "the worker never reached the app");
            var payload = new byte[100];
            const int burst = 3000;
            for (int i = 0; i < burst; i++) client.Send(payload);
            GatedEcho.Gate.Set();

            int replies = client.Drain();
            // Recovery: the worker serves again, and this datagram carries the kernel's final
            // drop count (SO_RXQ_OVFL) for the burst.
            client.Socket.ReceiveTimeout = 2000;
            client.Send("after"u8);
            Assert.Equal("after", Encoding.ASCII.GetString(client.Receive()!));
            replies++;

            server.Stop();
            var c = server.Counters[0];
            Assert.Equal(1 + burst + 1, c.RxPackets);                 // every datagram sent is accounted for...
            Assert.True(c.Drops(DropReason.NoBuffer) > 0, "the kernel must have dropped part of the burst");
            Accounting.AssertBalanced(c);       // ...as a reply or a counted drop
            Assert.Equal(c.Drops(DropReason.NoBuffer), c.Dropped);
            Assert.Equal(c.TxPackets, replies);
            if (kind == OsBackendKind.IoUring)
                Assert.True(server.NoBufferStalls > 0, "the multishot receive must have run out of buffers and been re-armed");
        }
        finally
        {
            GatedEcho.Gate.Set();
        }
    }

    [Theory, MemberData(nameof(Kinds))]
    public void Reuseport_spreads_flows_over_workers_each_with_its_own_socket(OsBackendKind kind)
    {
        using var server = OsServer.Start(kind, Options(IPAddress.Loopback, workers: 2) with { PinCpus = true }, new UpperEcho());
        var clients = Enumerable.Range(0, 16).Select(_ => new UdpTestClient(server.LocalEndPoint)).ToArray();
        try
        {
            foreach (var client in clients)
            {
                client.Send("ab"u8);
                Assert.Equal("AB", Encoding.ASCII.GetString(client.Receive()!));
            }
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
        server.Stop();
        Assert.Equal(2, server.Counters.Count);
        Assert.All(server.Counters, c => Assert.True(c.RxPackets > 0, $"worker {c.WorkerId} got no flow"));
        Assert.Equal(16, server.Counters.Sum(c => c.TxPackets));
    }

    [Theory, MemberData(nameof(Kinds))]
    public void Stop_drains_and_the_counters_balance_under_load(OsBackendKind kind)
    {
        var server = OsServer.Start(kind, Options(IPAddress.Loopback), new UpperEcho());
        using var client = new UdpTestClient(server.LocalEndPoint);
        using var cts = new CancellationTokenSource();
        var blaster = new Thread(() =>
        {
            var payload = new byte[64];
            while (!cts.IsCancellationRequested) client.Send(payload);
        });
        blaster.Start();
        Thread.Sleep(300);
        server.Stop();
        cts.Cancel();
        blaster.Join();
        var c = server.Counters[0];
        Assert.True(c.RxPackets > 1000, $"only {c.RxPackets} received");
        Accounting.AssertBalanced(c);
        server.Dispose();
    }

    [Fact]
    public void Zero_copy_sends_reply_and_give_their_buffers_back_on_the_notification()
    {
        // 16 buffers, 500 round trips: a buffer not returned after its SENDMSG_ZC notification
        // would exhaust the ring within the first 16.
        var options = Options(IPAddress.Loopback) with { BufferCount = 16, SendZeroCopy = true };
        using var server = OsServer.Start(OsBackendKind.IoUring, options, new UpperEcho());
        using var client = new UdpTestClient(server.LocalEndPoint);
        for (int i = 0; i < 500; i++)
        {
            client.Send("zc"u8);
            Assert.Equal("ZC", Encoding.ASCII.GetString(client.Receive() ?? throw new Xunit.Sdk.XunitException($"no reply {i}")));
        }
        server.Stop();
        var c = server.Counters[0];
        Assert.Equal(500, c.TxPackets);
        Assert.Equal(0, c.Dropped);
        Assert.Equal(0, server.NoBufferStalls);
    }

    [Fact]
    public void A_port_in_use_is_a_clear_setup_error()
    {
        using var first = OsServer.Start(OsBackendKind.Socket, Options(IPAddress.Loopback), new UpperEcho());
        // Not SO_REUSEPORT-compatible: a plain socket holds the port.
        using var holder = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
            System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var taken = (IPEndPoint)holder.LocalEndPoint!;
        var e = Assert.Throws<OsBackendException>(() =>
            OsServer.Start(OsBackendKind.IoUring, new OsBackendOptions { Listen = taken }, new UpperEcho()));
        Assert.Contains("bind", e.Message);
        Assert.Contains("Address already in use", e.Message);
    }
}

/// <summary>Kernel server tests share the gate app's statics and the machine's two cores: run them one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class OsServerCollection
{
    public const string Name = "OS servers";
}
