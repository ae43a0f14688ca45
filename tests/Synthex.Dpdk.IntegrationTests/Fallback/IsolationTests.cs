using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Synthex.Dpdk.Tests.Support;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Fallback;

/// <summary>
/// The OS backends where a service owner runs them: as an unprivileged user, with no
/// hugepages and no DPDK shim; and across a real veth link between two network namespaces.
/// </summary>
[Collection(FallbackCollection.Name)]
public partial class IsolationTests
{
    [Fact]
    public void Serves_as_nobody_without_hugepages_or_the_native_shim()
    {
        Assert.True(IsRoot, "needs root to drop to nobody (CI runs tests as root)");
        // A copy of the binaries without libsynthex_shim.so, readable by nobody.
        string bin = TempDir();
        foreach (var file in Directory.GetFiles(SynthexProcess.BinDirectory))
            if (Path.GetFileName(file) != "libsynthex_shim.so")
                File.Copy(file, Path.Combine(bin, Path.GetFileName(file)));
        string report = Path.Combine(TempDir(), "report.json");
        int port = FreeUdpPort();

        using var synthex = SynthexProcess.Start(
            ["run", "--app", "reflect", "--backend", "auto", "--listen", $"127.0.0.1:{port}", "--workers", "1",
             "--stats-interval", "0", "--stats-json", report],
            wrapper: ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all"],
            binDirectory: bin);
        Assert.True(synthex.WaitFor("synthex: running"), synthex.Output);
        Assert.Contains("on io-uring (io-uring: passed over dpdk:", synthex.Stdout);

        string status = File.ReadAllText($"/proc/{synthex.Pid}/status");
        Assert.Matches(@"Uid:\s+65534\s+65534", status);
        Assert.Matches(@"HugetlbPages:\s+0 kB", status);
        Assert.DoesNotContain("libsynthex_shim", File.ReadAllText($"/proc/{synthex.Pid}/maps"));

        using (var client = new UdpTestClient(new IPEndPoint(IPAddress.Loopback, port)))
        {
            client.Send("unprivileged"u8.ToArray());
            Assert.Equal("unprivileged", Encoding.ASCII.GetString(client.Receive()));
        }
        synthex.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, synthex.WaitForExit());
        Assert.Equal(1, ReadReport(report).GetProperty("totals").GetProperty("tx_packets").GetInt64());
    }

    public static TheoryData<string> Backends => ["io-uring", "socket"];

    [Theory, MemberData(nameof(Backends))]
    public void Serves_sockperf_across_a_veth_pair_between_two_namespaces(string backend)
    {
        Assert.True(IsRoot, "needs root for ip netns (CI runs tests as root)");
        using var net = new VethPair();
        string report = Path.Combine(TempDir(), "report.json");
        const int port = 9000; // the server's namespace is fresh: nothing else listens there

        using var synthex = SynthexProcess.Start(
            ["run", "--app", "reflect", "--backend", backend, "--listen", $"{net.ServerAddress}:{port}", "--workers", "1",
             "--stats-interval", "0", "--stats-json", report],
            wrapper: ["ip", "netns", "exec", net.ServerNs]);
        Assert.True(synthex.WaitFor("synthex: running"), synthex.Output);

        var (code, output) = Run("ip", "netns", "exec", net.ClientNs,
            "sockperf", "ping-pong", "-i", net.ServerAddress, "-p", $"{port}", "-t", "1", "-m", "64");
        Assert.True(code == 0, output);
        var valid = ValidLine().Match(output);
        Assert.True(valid.Success, output);
        long received = long.Parse(valid.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.True(received > 100, output);
        Assert.Contains("# dropped messages = 0;", output);

        synthex.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, synthex.WaitForExit());
        var totals = ReadReport(report).GetProperty("totals");
        Assert.True(totals.GetProperty("accounted").GetBoolean());
        Assert.True(totals.GetProperty("tx_packets").GetInt64() >= received);
    }

    [GeneratedRegex(@"\[Valid Duration\] RunTime=[\d.]+ sec; SentMessages=(\d+); ReceivedMessages=(\d+)")]
    private static partial Regex ValidLine();
}

/// <summary>
/// Two network namespaces joined by a veth pair, names unique to this test run, torn down on
/// dispose (deleting a namespace deletes the veth end inside it, and with it the pair).
/// </summary>
internal sealed class VethPair : IDisposable
{
    public string ServerNs { get; }
    public string ClientNs { get; }
    public string ServerAddress { get; }
    public string ClientAddress { get; }
    public string ServerIf { get; }
    public string ClientIf { get; }

    /// <param name="serverAddress">False: leave the server end without an IP address, so its kernel
    /// ignores the traffic and only a packet socket (DPDK's net_af_packet) sees it.</param>
    public VethPair(bool serverAddress = true)
    {
        string id = Guid.NewGuid().ToString("N")[..6];
        int subnet = Random.Shared.Next(1, 250);
        ServerNs = $"sxf-srv-{id}";
        ClientNs = $"sxf-cli-{id}";
        ServerAddress = $"10.213.{subnet}.1";
        ClientAddress = $"10.213.{subnet}.2";
        string a = ServerIf = $"sxfa{id}", b = ClientIf = $"sxfb{id}"; // interface names: 15 characters at most
        try
        {
            FallbackFixture.MustRun("ip", "netns", "add", ServerNs);
            FallbackFixture.MustRun("ip", "netns", "add", ClientNs);
            FallbackFixture.MustRun("ip", "link", "add", a, "netns", ServerNs, "type", "veth", "peer", "name", b, "netns", ClientNs);
            Configure(ServerNs, a, serverAddress ? ServerAddress : null);
            Configure(ClientNs, b, ClientAddress);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private static void Configure(string ns, string dev, string? address)
    {
        if (address is not null) FallbackFixture.MustRun("ip", "-n", ns, "addr", "add", $"{address}/24", "dev", dev);
        FallbackFixture.MustRun("ip", "-n", ns, "link", "set", dev, "up");
        FallbackFixture.MustRun("ip", "-n", ns, "link", "set", "lo", "up");
    }

    /// <summary>The MAC address of the server end.</summary>
    public string ServerMac
    {
        get
        {
            var (_, output) = FallbackFixture.Run("ip", "-n", ServerNs, "-br", "link", "show", ServerIf);
            return output.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];
        }
    }

    public void Dispose()
    {
        FallbackFixture.Run("ip", "netns", "del", ServerNs);
        FallbackFixture.Run("ip", "netns", "del", ClientNs);
    }
}
