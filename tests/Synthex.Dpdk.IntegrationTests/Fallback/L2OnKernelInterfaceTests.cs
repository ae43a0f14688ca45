using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Fallback;

/// <summary>
/// L2 apps on a kernel interface go through DPDK's own <c>net_af_packet</c> virtual device, not
/// the OS backends: <c>frame-reflect</c> as an L2 app on one end of a veth pair (in its own
/// namespace, with no IP address, so only the packet socket sees the traffic), a plain UDP
/// client in a second namespace on the other end.
/// </summary>
[Collection(FallbackCollection.Name)]
public partial class L2OnKernelInterfaceTests
{
    [Fact]
    public void Reflect_on_net_af_packet_answers_a_udp_client_across_a_veth_pair()
    {
        Assert.True(IsRoot, "needs root for ip netns and DPDK (CI runs tests as root)");
        using var net = new VethPair(serverAddress: false);
        // The client must know the server end's MAC: nothing answers ARP there.
        MustRun("ip", "-n", net.ClientNs, "neigh", "add", net.ServerAddress, "lladdr", net.ServerMac, "dev", net.ClientIf);
        string report = Path.Combine(TempDir(), "report.json");

        using var synthex = SynthexProcess.Start(
            ["run", "--app", "frame-reflect", "--backend", "dpdk", "--stats-interval", "0", "--stats-json", report,
             "--", "-l", "0,1", "--no-huge", "--no-pci", "--no-shconf", $"--vdev=net_af_packet0,iface={net.ServerIf}"],
            wrapper: ["ip", "netns", "exec", net.ServerNs]);
        Assert.True(synthex.WaitFor("synthex: running", 30000), synthex.Output);

        // The client's UDP checksum is left out (SO_NO_CHECK): veth hands a packet socket frames
        // whose checksum the sender's kernel never finished (offload), and reflect keeps the
        // checksum it was given. An unconnected socket ignores stray ICMP.
        const string client = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, 11, 1)  # SO_NO_CHECK
            s.settimeout(2)
            got = 0
            for i in range(50):
                s.sendto(b"l2 %d" % i, (sys.argv[1], 7000))
                data, peer = s.recvfrom(2048)
                assert data == b"l2 %d" % i and peer == (sys.argv[1], 7000), (data, peer)
                got += 1
            print("replies", got)
            """;
        var (code, output) = Run("ip", "netns", "exec", net.ClientNs, "python3", "-c", client, net.ServerAddress);
        Assert.True(code == 0, output + synthex.Output);
        Assert.Contains("replies 50", output);

        synthex.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, synthex.WaitForExit());
        var r = ReadReport(report);
        Assert.Equal("dpdk", r.GetProperty("backend").GetString());
        Assert.True(r.GetProperty("totals").GetProperty("tx_packets").GetInt64() >= 50);
    }
}
