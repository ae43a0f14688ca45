using System.Net.Sockets;
using System.Text;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Operations;

/// <summary>
/// <c>Type=notify</c> as systemd sees it: a real synthex run with <c>NOTIFY_SOCKET</c> pointing at
/// a real AF_UNIX datagram socket (in the abstract namespace, as systemd's own is) sends
/// <c>READY=1</c> once it serves, <c>STATUS=</c> with its live lines, and <c>STOPPING=1</c> on SIGTERM.
/// </summary>
[Collection(Fallback.FallbackCollection.Name)]
public class SystemdNotifyTests
{
    [Fact]
    public void A_run_under_notify_says_ready_when_it_serves_its_live_line_as_status_and_stopping_at_the_end()
    {
        string name = $"n{Guid.NewGuid().ToString("N")[..8]}", dir = TempDir(); // the control socket's path must stay under 108 bytes
        using var systemd = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        systemd.Bind(new UnixDomainSocketEndPoint("\0" + name));
        systemd.ReceiveTimeout = 60_000;
        int udp = FreeUdpPort();
        using var synthex = SynthexProcess.Start(
            ["run", "--app", "reflect", "--backend", "socket", "--listen", $"127.0.0.1:{udp}", "--workers", "1",
             "--stats-interval", "0.5", "--run-dir", Path.Combine(dir, "run"), "--name", name],
            environment: new Dictionary<string, string> { ["NOTIFY_SOCKET"] = "@" + name });

        string Next()
        {
            var buffer = new byte[4096];
            try { return Encoding.UTF8.GetString(buffer, 0, systemd.Receive(buffer)); }
            catch (SocketException e) { throw new Xunit.Sdk.XunitException($"no notification ({e.Message}):\n{synthex.Output}"); }
        }

        string ready = Next();
        Assert.StartsWith("READY=1\n", ready);
        Assert.Contains($"MAINPID={synthex.Pid}", ready);
        Assert.Contains("STATUS=running reflect on socket", ready);
        // READY comes once the workers serve: a datagram sent now is answered.
        Assert.Contains("synthex: running", synthex.Stdout);
        using (var client = new UdpClient())
        {
            client.Client.ReceiveTimeout = 10_000;
            client.Send("ping"u8.ToArray(), new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, udp));
            var from = new System.Net.IPEndPoint(System.Net.IPAddress.Any, 0);
            Assert.Equal("ping"u8.ToArray(), client.Receive(ref from));
        }

        string status = Next();
        Assert.StartsWith("STATUS=", status);
        Assert.Contains("] socket rx ", status); // the live line, as the log prints it
        Assert.DoesNotContain("\n", status);

        synthex.Signal(SynthexProcess.SIGTERM);
        string last;
        do last = Next(); while (last.StartsWith("STATUS=", StringComparison.Ordinal)); // live lines until the signal lands
        Assert.StartsWith("STOPPING=1\nSTATUS=stopping (", last);
        Assert.Equal(0, synthex.WaitForExit(30_000));
    }
}
