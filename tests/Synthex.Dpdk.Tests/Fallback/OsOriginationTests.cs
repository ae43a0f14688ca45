using System.Net;
using System.Text;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Fallback;
using Synthex.Dpdk.Tests.Support;

namespace Synthex.Dpdk.Tests.Fallback;

/// <summary>
/// Absorb and originate on both OS backends, in process, with real UDP clients: the
/// <see cref="Rendezvous"/> service absorbs one datagram from each of two clients and sends each
/// the other's payload from its own buffers (to the address recorded from that client's datagram),
/// over IPv4, IPv6 and a dual-stack listener.
/// </summary>
[Collection(OsServerCollection.Name)]
public class OsOriginationTests
{
    public static TheoryData<OsBackendKind, string, string> Cases()
    {
        var data = new TheoryData<OsBackendKind, string, string>();
        foreach (var kind in new[] { OsBackendKind.IoUring, OsBackendKind.Socket })
        {
            data.Add(kind, "127.0.0.1", "127.0.0.1");
            data.Add(kind, "::1", "::1");
            data.Add(kind, "::", "127.0.0.1"); // dual stack: IPv4 peers answered through mapped addresses
        }
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Each_peer_gets_the_others_payload_originated(OsBackendKind kind, string listen, string connect)
    {
        var options = new OsBackendOptions { Listen = new IPEndPoint(IPAddress.Parse(listen), 0), Workers = 1 };
        using var server = OsServer.Start(kind, options, new Rendezvous());
        var to = new IPEndPoint(IPAddress.Parse(connect), server.LocalEndPoint.Port);
        using var a = new UdpTestClient(to);
        using var b = new UdpTestClient(to);
        for (int round = 0; round < 20; round++)
        {
            a.Send(Encoding.ASCII.GetBytes($"from a {round}"));
            // b's datagram may only go once a's is in, or they could pair across rounds: both
            // are absorbed, nothing comes back until the pair is complete.
            Thread.Sleep(5);
            b.Send(Encoding.ASCII.GetBytes($"from b {round}"));
            Assert.Equal($"from b {round}", Encoding.ASCII.GetString(a.Receive() ?? throw new Xunit.Sdk.XunitException($"a got nothing in round {round}")));
            Assert.Equal($"from a {round}", Encoding.ASCII.GetString(b.Receive() ?? throw new Xunit.Sdk.XunitException($"b got nothing in round {round}")));
        }
        server.Stop();
        var c = server.Counters[0];
        Assert.Equal(40, c.RxPackets);
        Assert.Equal(40, c.Absorbed);
        Assert.Equal(40, c.OriginatedPackets);
        Assert.Equal(0, c.Replied);
        Accounting.AssertBalanced(c);
        Assert.Null(server.Failure);
    }
}
