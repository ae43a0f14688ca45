using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Synthex.Dpdk.Tests.Support;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Operations;

/// <summary>
/// What an operator reaches a running synthex through: the Prometheus endpoint (<c>--metrics</c>)
/// scraped over real HTTP, and <c>synthex status</c> over the real control socket, both against a
/// real <c>synthex run --app reflect</c> on the socket backend answering real UDP datagrams.
/// </summary>
[Collection(Fallback.FallbackCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class OperationsTests
{
    private const int SIGKILL = 9;

    private static int FreeTcpPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static string UniqueName() => $"t{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";

    private static string[] ReflectArgs(int udpPort, string runDir, string name, string report, params string[] extra) =>
    [
        "run", "--app", "reflect", "--backend", "socket", "--listen", $"127.0.0.1:{udpPort}", "--workers", "1",
        "--stats-interval", "0.5", "--stats-json", report, "--run-dir", runDir, "--name", name, .. extra,
    ];

    private static void Reflect(int udpPort, int count)
    {
        using var client = new UdpTestClient(new IPEndPoint(IPAddress.Loopback, udpPort));
        for (int i = 0; i < count; i++)
        {
            byte[] sent = Encoding.ASCII.GetBytes($"datagram {i}");
            client.Send(sent);
            Assert.Equal(sent, client.Receive());
        }
    }

    private static string Scrape(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return http.GetStringAsync($"http://127.0.0.1:{port}/metrics").GetAwaiter().GetResult();
    }

    /// <summary>The samples of the text exposition format: (name, labels, value); comments skipped.</summary>
    private static List<(string Name, Dictionary<string, string> Labels, double Value)> Parse(string text)
    {
        var samples = new List<(string, Dictionary<string, string>, double)>();
        foreach (var raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            int brace = line.IndexOf('{');
            int space = line.LastIndexOf(' ');
            var labels = new Dictionary<string, string>();
            string name;
            string rest;
            if (brace >= 0 && brace < line.IndexOf(' '))
            {
                name = line[..brace];
                int close = line.LastIndexOf('}');
                foreach (var pair in line[(brace + 1)..close].Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    int eq = pair.IndexOf('=');
                    labels[pair[..eq]] = pair[(eq + 1)..].Trim('"');
                }
                rest = line[(close + 1)..].Trim();
            }
            else
            {
                name = line[..line.IndexOf(' ')];
                rest = line[(line.IndexOf(' ') + 1)..];
            }
            // "value" or "value timestamp"
            string value = rest.Split(' ')[0];
            _ = space;
            samples.Add((name, labels, double.Parse(value, CultureInfo.InvariantCulture)));
        }
        return samples;
    }

    private static double Sum(List<(string Name, Dictionary<string, string> Labels, double Value)> samples, string name)
        => samples.Where(s => s.Name == name).Sum(s => s.Value);

    [Fact]
    public void Metrics_move_during_a_run_under_conventional_names_and_equal_the_report_at_the_end()
    {
        string dir = TempDir(), report = Path.Combine(dir, "report.json");
        int udp = FreeUdpPort(), http = FreeTcpPort();
        using var synthex = SynthexProcess.Start(ReflectArgs(udp, dir, UniqueName(), report, "--metrics", $"127.0.0.1:{http}"));
        Assert.True(synthex.WaitFor("synthex: running"), synthex.Output);
        Assert.Contains($"metrics at http://127.0.0.1:{http}/metrics", synthex.Stdout);

        Reflect(udp, 300);
        string first = Scrape(http);
        var a = Parse(first);
        Assert.Contains("# TYPE synthex_rx_packets_total counter", first);
        Assert.Contains("# TYPE synthex_drops_total counter", first);
        Assert.Equal(300, Sum(a, "synthex_rx_packets_total"));
        Assert.Equal(300, Sum(a, "synthex_tx_packets_total"));
        Assert.Contains(a, s => s.Name == "synthex_rx_packets_total" && s.Labels.GetValueOrDefault("worker") == "0");
        Assert.Contains(a, s => s.Name == "synthex_drops_total" && s.Labels.GetValueOrDefault("reason") == "tx_full");
        Assert.Contains(a, s => s.Name == "synthex_port_rx_packets_total" && s.Labels.GetValueOrDefault("port") == "0");
        Assert.Contains(a, s => s.Name == "synthex_rx_bytes_total");
        Assert.Contains(a, s => s.Name == "synthex_uptime_seconds");

        Reflect(udp, 200);
        // The counters move between scrapes. Scrapes within 100 ms share one capture (LiveState.ReuseFor),
        // so a quick second scrape may still show 300: scrape until the new figure shows (bounded).
        var b = Parse(Scrape(http));
        for (var deadline = DateTime.UtcNow.AddSeconds(10); Sum(b, "synthex_rx_packets_total") < 500 && DateTime.UtcNow < deadline;)
        {
            Thread.Sleep(50);
            b = Parse(Scrape(http));
        }
        Assert.Equal(500, Sum(b, "synthex_rx_packets_total"));
        double rxBytes = Sum(b, "synthex_rx_bytes_total"), txPackets = Sum(b, "synthex_tx_packets_total"), drops = Sum(b, "synthex_drops_total");

        synthex.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, synthex.WaitForExit());
        var totals = ReadReport(report).GetProperty("totals");
        Assert.Equal(totals.GetProperty("rx_packets").GetInt64(), (long)Sum(b, "synthex_rx_packets_total"));
        Assert.Equal(totals.GetProperty("rx_bytes").GetInt64(), (long)rxBytes);
        Assert.Equal(totals.GetProperty("tx_packets").GetInt64(), (long)txPackets);
        Assert.Equal(totals.GetProperty("dropped").GetInt64(), (long)drops);
    }

    [Fact]
    public void Metrics_on_a_busy_port_refuse_to_start_with_exit_3()
    {
        string dir = TempDir();
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        int busy = ((IPEndPoint)holder.LocalEndpoint).Port;
        using var synthex = SynthexProcess.Start(ReflectArgs(FreeUdpPort(), dir, UniqueName(), Path.Combine(dir, "r.json"), "--metrics", busy.ToString(CultureInfo.InvariantCulture)));
        Assert.Equal(3, synthex.WaitForExit());
        Assert.Contains($"--metrics {busy}: cannot listen on 127.0.0.1:{busy}", synthex.Stderr);
        Assert.DoesNotContain("synthex: running", synthex.Stdout);
    }

    [Fact]
    public void Metrics_given_a_port_only_are_on_loopback_and_not_reachable_on_the_hosts_other_addresses()
    {
        var other = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(u => u.Address)
            .FirstOrDefault(ip => ip.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(ip));
        Assert.True(other is not null, "this host has no non-loopback IPv4 address to try");

        string dir = TempDir();
        int http = FreeTcpPort();
        using var synthex = SynthexProcess.Start(ReflectArgs(FreeUdpPort(), dir, UniqueName(), Path.Combine(dir, "r.json"), "--metrics", http.ToString(CultureInfo.InvariantCulture)));
        Assert.True(synthex.WaitFor("synthex: running"), synthex.Output);
        Assert.Contains("# TYPE", Scrape(http));
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = Assert.Throws<SocketException>(() => probe.Connect(new IPEndPoint(other!, http)));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        synthex.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, synthex.WaitForExit());
    }

    [Fact]
    public void Status_reads_a_running_instance_as_text_and_json_over_an_owner_only_socket()
    {
        string dir = TempDir(), runDir = Path.Combine(dir, "run"), name = UniqueName();
        int udp = FreeUdpPort();
        using var synthex = SynthexProcess.Start(ReflectArgs(udp, runDir, name, Path.Combine(dir, "r.json")));
        Assert.True(synthex.WaitFor("synthex: running"), synthex.Output);
        Assert.True(synthex.WaitFor($"synthex status --name {name}"), synthex.Output);
        Reflect(udp, 120);

        string socket = Path.Combine(runDir, name + ".sock");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(socket));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(runDir));

        using (var text = SynthexProcess.Start(["status", "--run-dir", runDir]))
        {
            Assert.Equal(0, text.WaitForExit());
            Assert.Contains($"synthex '{name}' (pid {synthex.Pid}): reflect on socket, running, up ", text.Stdout);
            Assert.Contains("] socket rx ", text.Stdout); // the live line
            Assert.Contains("totals   rx 120 pkts", text.Stdout);
            Assert.Contains("worker 0 ", text.Stdout);
        }

        using (var json = SynthexProcess.Start(["status", "--run-dir", runDir, "--name", name, "--json"]))
        {
            Assert.Equal(0, json.WaitForExit());
            var root = JsonDocument.Parse(json.Stdout).RootElement;
            Assert.Equal("synthex-status/1", root.GetProperty("schema").GetString());
            Assert.Equal(name, root.GetProperty("name").GetString());
            Assert.Equal(synthex.Pid, root.GetProperty("pid").GetInt32());
            Assert.Equal("running", root.GetProperty("phase").GetString());
            Assert.True(root.GetProperty("uptime_seconds").GetDouble() > 0);
            var totals = root.GetProperty("report").GetProperty("totals");
            Assert.Equal(120, totals.GetProperty("rx_packets").GetInt64());
            Assert.Equal(120, totals.GetProperty("tx_packets").GetInt64());
            Assert.True(totals.GetProperty("accounted").GetBoolean());
            Assert.Equal(0, totals.GetProperty("drops").GetProperty("tx_full").GetInt64());
            Assert.True(root.GetProperty("report").GetProperty("gc").GetProperty("heap_bytes").GetInt64() > 0);
        }

        // What an answer costs the instance's heap: an idle data path never collects, so a
        // monitor's every probe stays until a GC (the soak's RSS creep, docs/RELIABILITY.md). One
        // writer over a kept buffer: ~7 KB an answer for reflect (two streams: ~25 KB), ~33 KB with consensus and similarity (~85 KB).
        long Allocated()
        {
            using var probe = SynthexProcess.Start(["status", "--run-dir", runDir, "--name", name, "--json"]);
            Assert.Equal(0, probe.WaitForExit());
            return JsonDocument.Parse(probe.Stdout).RootElement.GetProperty("report").GetProperty("gc").GetProperty("allocated_bytes").GetInt64();
        }
        long first = Allocated();
        const int probes = 10;
        for (int i = 1; i < probes; i++) Allocated();
        long perAnswer = (Allocated() - first) / probes;
        Assert.True(perAnswer < 16_000, $"a status answer allocated {perAnswer} bytes");

        synthex.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, synthex.WaitForExit());
        Assert.False(File.Exists(socket), "the control socket outlived its instance");
    }

    [Fact]
    public void Status_with_no_instance_running_says_so_and_exits_3()
    {
        string runDir = Path.Combine(TempDir(), "empty");
        using (var none = SynthexProcess.Start(["status", "--run-dir", runDir]))
        {
            Assert.Equal(3, none.WaitForExit());
            Assert.Contains("no running synthex instance: no control socket in " + runDir, none.Stderr);
        }
        using (var named = SynthexProcess.Start(["status", "--run-dir", runDir, "--name", "nobody"]))
        {
            Assert.Equal(3, named.WaitForExit());
            Assert.Contains("no running instance named 'nobody'", named.Stderr);
        }
    }

    [Fact]
    public void A_socket_left_by_a_dead_instance_is_reported_and_then_replaced_by_the_next_run()
    {
        string dir = TempDir(), runDir = Path.Combine(dir, "run"), name = UniqueName();
        string socket = Path.Combine(runDir, name + ".sock");
        using (var killed = SynthexProcess.Start(ReflectArgs(FreeUdpPort(), runDir, name, Path.Combine(dir, "r0.json"))))
        {
            Assert.True(killed.WaitFor($"synthex status --name {name}"), killed.Output);
            killed.Signal(SIGKILL); // dies without closing anything: its socket file stays
            killed.WaitForExit();
        }
        Assert.True(File.Exists(socket), "a killed instance's socket file should stay behind");

        using (var stale = SynthexProcess.Start(["status", "--run-dir", runDir, "--name", name]))
        {
            Assert.Equal(3, stale.WaitForExit());
            Assert.Contains($"'{name}' is not running", stale.Stderr);
        }

        int udp = FreeUdpPort();
        using var synthex = SynthexProcess.Start(ReflectArgs(udp, runDir, name, Path.Combine(dir, "r.json")));
        Assert.True(synthex.WaitFor($"synthex status --name {name}"), synthex.Output);
        using (var live = SynthexProcess.Start(["status", "--run-dir", runDir, "--name", name, "--json"]))
            Assert.Equal(0, live.WaitForExit());

        // A second instance under the same name while the first answers: refused, exit 3.
        using (var twin = SynthexProcess.Start(ReflectArgs(FreeUdpPort(), runDir, name, Path.Combine(dir, "r2.json"))))
        {
            Assert.Equal(3, twin.WaitForExit());
            Assert.Contains($"another synthex named '{name}' is running", twin.Stderr);
        }
        synthex.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, synthex.WaitForExit());
    }

    [Theory]
    [InlineData("--metrics", "localhost:x", "metrics: 'localhost:x' is not [ADDR:]PORT")]
    [InlineData("--metrics", "70000", "metrics: '70000' is not [ADDR:]PORT")]
    [InlineData("--name", "../etc", "name: '../etc' is not a name")]
    public void Bad_operations_options_exit_2_naming_the_key(string option, string value, string message)
    {
        using var synthex = SynthexProcess.Start(["run", "--app", "reflect", "--backend", "socket", option, value]);
        Assert.Equal(2, synthex.WaitForExit());
        Assert.Contains(message, synthex.Stderr);
    }
}
