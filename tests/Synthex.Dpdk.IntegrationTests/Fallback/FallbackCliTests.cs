using System.Net;
using System.Text;
using System.Text.Json;
using Synthex.Dpdk.Tests.Support;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Fallback;

/// <summary>
/// <c>synthex run --app reflect</c> on the OS backends, as a child process: real UDP clients,
/// signals mid-load, backend selection and its reasons, exit codes.
/// </summary>
[Collection(FallbackCollection.Name)]
public class FallbackCliTests
{
    public static TheoryData<string> Backends => ["io-uring", "socket"];

    private static string[] RunArgs(string backend, int port, string report, string listen = "127.0.0.1", params string[] extra) =>
    [
        "run", "--app", "reflect", "--backend", backend, "--listen", $"{listen}:{port}",
        "--stats-interval", "0.2", "--stats-json", report, "--workers", "1", .. extra,
    ];

    [Theory, MemberData(nameof(Backends))]
    public void Reflects_datagrams_over_loopback_until_sigint_and_writes_the_report(string backend)
    {
        string dir = TempDir(), report = Path.Combine(dir, "report.json");
        int port = FreeUdpPort();
        using var synthex = SynthexProcess.Start(RunArgs(backend, port, report));
        Assert.True(synthex.WaitFor("synthex: running"), synthex.Output);
        Assert.Contains($"on {backend} ({backend}: asked for with --backend)", synthex.Stdout);

        using (var client = new UdpTestClient(new IPEndPoint(IPAddress.Loopback, port)))
        {
            for (int i = 0; i < 500; i++)
            {
                byte[] sent = Encoding.ASCII.GetBytes($"datagram {i}");
                client.Send(sent);
                Assert.Equal(sent, client.Receive());
            }
        }
        Assert.True(synthex.WaitFor($"] {backend} rx"), "no live line naming the backend\n" + synthex.Output);
        synthex.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, synthex.WaitForExit());
        Assert.Contains("every packet accounted for", synthex.Stdout);

        var r = ReadReport(report);
        Assert.Equal(backend, r.GetProperty("backend").GetString());
        Assert.Equal("SIGINT", r.GetProperty("stop_cause").GetString());
        var totals = r.GetProperty("totals");
        Assert.Equal(500, totals.GetProperty("rx_packets").GetInt64());
        Assert.Equal(500, totals.GetProperty("tx_packets").GetInt64());
        Assert.Equal(0, totals.GetProperty("dropped").GetInt64());
        Assert.True(totals.GetProperty("accounted").GetBoolean());
        Assert.Equal($"udp 127.0.0.1:{port}", r.GetProperty("ports")[0].GetProperty("name").GetString());
        Assert.Equal(0, r.GetProperty("lcores")[0].GetProperty("allocated_bytes").GetInt64());
    }

    [Theory, MemberData(nameof(Backends))]
    public void Sigterm_mid_load_stops_within_a_second_with_every_datagram_accounted_for(string backend)
    {
        string dir = TempDir(), report = Path.Combine(dir, "report.json");
        int port = FreeUdpPort();
        using var synthex = SynthexProcess.Start(RunArgs(backend, port, report));
        Assert.True(synthex.WaitFor("synthex: running"), synthex.Output);

        using var client = new UdpTestClient(new IPEndPoint(IPAddress.Loopback, port));
        using var cts = new CancellationTokenSource();
        var blaster = new Thread(() =>
        {
            var payload = new byte[200];
            try
            {
                while (!cts.IsCancellationRequested) client.Send(payload);
            }
            catch (System.Net.Sockets.SocketException)
            {
                // ECONNREFUSED once synthex has closed its socket (ICMP port unreachable).
            }
        });
        blaster.Start();
        Thread.Sleep(700);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        synthex.Signal(SynthexProcess.SIGTERM);
        int code = synthex.WaitForExit();
        sw.Stop();
        cts.Cancel();
        blaster.Join();

        Assert.Equal(0, code);
        var r = ReadReport(report);
        Assert.Equal("SIGTERM", r.GetProperty("stop_cause").GetString());
        var totals = r.GetProperty("totals");
        Assert.True(totals.GetProperty("rx_packets").GetInt64() > 1000, synthex.Output);
        Assert.True(totals.GetProperty("accounted").GetBoolean(), synthex.Output);
        // Exit includes the runtime's own shutdown; the stop itself takes at most one wait timeout (100 ms).
        Assert.True(sw.ElapsedMilliseconds < 2000, $"exit took {sw.ElapsedMilliseconds} ms");
    }

    [Theory, MemberData(nameof(Backends))]
    public void Buffer_size_from_the_command_line_bounds_the_datagrams_served(string backend)
    {
        // --buffer-size 512 leaves the io_uring path 440 payload bytes after its 72-byte receive
        // header, and the socket path 512: a 1200-byte datagram is a truncated_datagram drop on
        // both, a 300-byte one is answered.
        string dir = TempDir(), report = Path.Combine(dir, "report.json");
        int port = FreeUdpPort();
        using var synthex = SynthexProcess.Start(RunArgs(backend, port, report, extra: ["--buffer-size", "512", "--buffers", "64"]));
        Assert.True(synthex.WaitFor("synthex: running"), synthex.Output);
        using (var client = new UdpTestClient(new IPEndPoint(IPAddress.Loopback, port)))
        {
            client.Send(new byte[1200]);
            byte[] small = Encoding.ASCII.GetBytes(new string('s', 300));
            client.Send(small);
            Assert.Equal(small, client.Receive());
        }
        synthex.Signal(SynthexProcess.SIGTERM);
        Assert.Equal(0, synthex.WaitForExit());
        var totals = ReadReport(report).GetProperty("totals");
        Assert.Equal(2, totals.GetProperty("rx_packets").GetInt64());
        Assert.Equal(1, totals.GetProperty("tx_packets").GetInt64());
        Assert.Equal(1, totals.GetProperty("drops").GetProperty("truncated_datagram").GetInt64());
    }

    [Fact]
    public void Auto_picks_io_uring_and_says_why_the_better_backend_was_passed_over()
    {
        string dir = TempDir(), report = Path.Combine(dir, "report.json");
        int port = FreeUdpPort();
        using var synthex = SynthexProcess.Start(RunArgs("auto", port, report, extra: ["--duration", "1"]));
        Assert.Equal(0, synthex.WaitForExit());
        Assert.Contains("on io-uring (io-uring: passed over dpdk:", synthex.Stdout);
        var r = ReadReport(report);
        Assert.Equal("io-uring", r.GetProperty("backend").GetString());
        Assert.StartsWith("io-uring: passed over dpdk:", r.GetProperty("backend_reason").GetString());
    }

    [Fact]
    public void With_io_uring_forbidden_by_seccomp_auto_falls_back_to_sockets_and_says_why()
    {
        string dir = TempDir(), report = Path.Combine(dir, "report.json");
        int port = FreeUdpPort();
        using var synthex = SynthexProcess.Start(RunArgs("auto", port, report), wrapper: [NoIoUringHelper]);
        Assert.True(synthex.WaitFor("synthex: running"), synthex.Output);
        Assert.Contains("on socket (socket: passed over", synthex.Stdout);
        Assert.Contains("io-uring: io_uring_setup: Operation not permitted", synthex.Stdout);

        using (var client = new UdpTestClient(new IPEndPoint(IPAddress.Loopback, port)))
        {
            client.Send("still served"u8.ToArray());
            Assert.Equal("still served", Encoding.ASCII.GetString(client.Receive()));
        }
        synthex.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, synthex.WaitForExit());
        var r = ReadReport(report);
        Assert.Equal("socket", r.GetProperty("backend").GetString());
        Assert.Contains("Operation not permitted", r.GetProperty("backend_reason").GetString());
        Assert.Equal(1, r.GetProperty("totals").GetProperty("tx_packets").GetInt64());
    }

    [Fact]
    public void Forcing_io_uring_where_seccomp_forbids_it_exits_3_with_the_reason()
    {
        using var synthex = SynthexProcess.Start(RunArgs("io-uring", FreeUdpPort(), "/dev/null", extra: ["--duration", "1"]),
            wrapper: [NoIoUringHelper]);
        Assert.Equal(3, synthex.WaitForExit());
        Assert.Contains("backend 'io-uring' cannot run here: io_uring_setup: Operation not permitted", synthex.Stderr);
    }

    [Fact]
    public void Info_reports_io_uring_usability_and_the_seccomp_refusal()
    {
        using (var ok = SynthexProcess.Start(["info", "--json"]))
        {
            Assert.Equal(0, ok.WaitForExit(30000));
            var info = JsonDocument.Parse(ok.Stdout).RootElement.GetProperty("io_uring");
            Assert.True(info.GetProperty("usable").GetBoolean(), ok.Output);
            Assert.Contains("SINGLE_ISSUER|DEFER_TASKRUN", info.GetProperty("reason").GetString());
        }
        using var denied = SynthexProcess.Start(["info"], wrapper: [NoIoUringHelper]);
        Assert.Equal(0, denied.WaitForExit(30000));
        Assert.Contains("io_uring:   not usable (io_uring_setup: Operation not permitted", denied.Stdout);
    }

    [Theory, MemberData(nameof(Backends))]
    public void An_l2_app_on_a_kernel_backend_is_a_configuration_error(string backend)
    {
        using var synthex = SynthexProcess.Start(["run", "--app", "forward", "--backend", backend, "--listen", "127.0.0.1:9", "--duration", "1"]);
        Assert.Equal(2, synthex.WaitForExit());
        Assert.Contains($"app 'forward' needs L2 frames but backend '{backend}' gives UDP datagrams", synthex.Stderr);
    }

    [Fact]
    public void A_port_in_use_exits_3_naming_bind()
    {
        using var holder = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
            System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)holder.LocalEndPoint!).Port;
        using var synthex = SynthexProcess.Start(RunArgs("socket", port, "/dev/null", extra: ["--duration", "1"]));
        Assert.Equal(3, synthex.WaitForExit());
        Assert.Contains("bind on 127.0.0.1:", synthex.Stderr);
        Assert.Contains("Address already in use", synthex.Stderr);
    }
}

/// <summary>The fallback CLI tests share the machine's two cores and its ports: one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class FallbackCollection
{
    public const string Name = "OS fallback CLI";
}
