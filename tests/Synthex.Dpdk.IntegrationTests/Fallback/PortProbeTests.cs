using System.Net;
using System.Net.Sockets;

namespace Synthex.Dpdk.IntegrationTests.Fallback;

/// <summary>
/// A port another socket holds is refused at start (exit 3 naming the port), even when that
/// socket set SO_REUSEPORT and the workers' SO_REUSEPORT sockets could have joined it: sharing
/// would let the other socket take some flows, so a client's datagrams would silently never
/// reach synthex.
/// </summary>
[Collection(FallbackCollection.Name)]
public class PortProbeTests
{
    private const int SolSocket = 1, SoReuseAddr = 2, SoReusePort = 15;

    public static TheoryData<string, string> Cases()
    {
        var d = new TheoryData<string, string>();
        foreach (var backend in new[] { "socket", "io-uring" })
            foreach (var foreign in new[] { "127.0.0.1", "0.0.0.0" })
                d.Add(backend, foreign);
        return d;
    }

    /// <summary>A socket as another process would open it to share a port: SO_REUSEADDR and SO_REUSEPORT.</summary>
    private static Socket SharingSocket(IPAddress address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
        socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
        socket.Bind(new IPEndPoint(address, 0));
        return socket;
    }

    [Theory, MemberData(nameof(Cases))]
    public void A_port_held_by_a_foreign_reuseport_socket_exits_3_naming_the_port(string backend, string foreign)
    {
        using var holder = SharingSocket(IPAddress.Parse(foreign));
        int port = ((IPEndPoint)holder.LocalEndPoint!).Port;
        // The sharing socket is really joinable: a second one like it binds (so without the probe
        // synthex's SO_REUSEPORT workers would have joined too and shared the port's datagrams).
        using (var joiner = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            joiner.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            joiner.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
            joiner.Bind(new IPEndPoint(IPAddress.Parse(foreign), port));
        }

        using var synthex = SynthexProcess.Start(["run", "--app", "reflect", "--backend", backend, "--listen", $"127.0.0.1:{port}",
            "--workers", "1", "--duration", "1", "--stats-interval", "0"]);
        Assert.True(synthex.WaitForExit(30_000) == 3, synthex.Output);
        Assert.Contains($"UDP port {port} is held by another socket", synthex.Stderr);
        Assert.Contains("SO_REUSEPORT", synthex.Stderr);
        Assert.DoesNotContain("synthex: running", synthex.Stdout);
    }
}
