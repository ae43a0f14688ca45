using System.Text.RegularExpressions;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.IntegrationTests.Dpdk;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Endpoint;

/// <summary>
/// <c>--app consensus,similarity</c> on DPDK (net_tap, a real Linux host in a namespace on the
/// other side): while a long scan runs — 512 queries over a 100,000 × 256 matrix, queued in one
/// burst — a consensus contribution and ping are answered, the host has resolved synthex by ARP,
/// and then every query is answered. Ordering, not timing, is what is checked: the consensus
/// answer and the pings come back while query answers are still outstanding.
/// </summary>
[Collection(nameof(DpdkCollection))]
public class ServicesTapTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private const int N = 100_000, D = 256, Queries = 512;

    private const string Script = """
        import random, socket, struct, subprocess, sys, threading, time
        HEADER = struct.Struct("<HBBBBHIIQQBBBBIIHHfHHQ")  # docs/PROTOCOL.md, 64 bytes
        host, port, D, NQ = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        rng = random.Random(5)
        q = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); q.settimeout(120)
        q.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        answers = []
        def reader():
            while len(answers) < NQ:
                a = q.recv(65536)
                assert a[3] == 0x82 and a[5] == 0, ("query answer", a[3], a[5])
                answers.append(a)
        queries = [HEADER.pack(0x5853, 1, 0x02, 0, 0, 0, 0, 7, i, 99, 0, 0, 0, 0, D, 0, 0, 0, 0.0, 5, 0, 0)
                   + struct.pack(f"<{D}f", *[rng.uniform(-1, 1) for _ in range(D)]) for i in range(NQ)]
        t = threading.Thread(target=reader); t.start()
        for m in queries:
            q.sendto(m, (host, port))
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.settimeout(10)
        c.sendto(HEADER.pack(0x5853, 1, 0x01, 0, 0, 0, 0, 3, 1, 77, 0, 1, 0, 0, 4, 0, 4, 0, 1.0, 0, 0, 0)
                 + struct.pack("<4f", 1, 2, 3, 4), (host, port))
        a = c.recv(65536)
        pending_c = NQ - len(answers)
        assert a[3] == 0x81 and a[5] == 0 and struct.unpack_from("<4f", a, 64) == (1.0, 2.0, 3.0, 4.0), ("consensus answer", a[3], a[5])
        p = subprocess.run(["ping", "-c", "2", "-i", "0.2", "-W", "3", host], capture_output=True, text=True)
        pending_p = NQ - len(answers)
        assert "2 received" in p.stdout, p.stdout
        t.join()
        print(f"consensus answered with {pending_c} queries pending; ping answered with {pending_p} pending")
        print("queries answered", len(answers))
        """;

    [Fact]
    public void Consensus_ping_and_arp_are_answered_while_a_long_scan_runs()
    {
        Assert.True(IsRoot, "needs root for ip netns and net_tap (CI runs tests as root)");
        string matrix = Path.Combine(TempDir(), "big.npy");
        var r = new Random(41);
        float[] values = new float[N * D];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(r.NextDouble() * 2 - 1);
        NpyWriter.Write(matrix, values, N, D);
        values = [];

        using var tap = new TapEndpoint("consensus,similarity", ["--matrix", matrix, "--metric", "dot", "--k-max", "5"]);
        var (code, output) = tap.Client("python3", "-c", Script, tap.ServerV4, $"{tap.Port}", $"{D}", $"{Queries}");
        Assert.True(code == 0, output + tap.Output);
        log.WriteLine(output);
        var m = Regex.Match(output, @"consensus answered with (\d+) queries pending; ping answered with (\d+) pending");
        Assert.True(m.Success, output);
        Assert.True(int.Parse(m.Groups[1].Value) > 0, "the consensus answer came only after the scan: " + output);
        Assert.True(int.Parse(m.Groups[2].Value) > 0, "the pings came only after the scan: " + output);
        Assert.Contains($"queries answered {Queries}", output);

        (_, output) = tap.Client("ip", "neigh", "show", "dev", tap.Interface);
        Assert.Matches($@"{Regex.Escape(tap.ServerV4)} lladdr [0-9a-f:]{{17}} (REACHABLE|STALE|DELAY|PROBE)", output);

        var report = tap.Stop();
        Assert.True(report.GetProperty("totals").GetProperty("accounted").GetBoolean(), report.GetProperty("totals").ToString());
        var service = report.GetProperty("service");
        Assert.Equal(Queries, service.GetProperty("similarity.answered").GetInt64());
        Assert.Equal(0, service.GetProperty("similarity.busy").GetInt64());
        Assert.Equal(0, service.GetProperty("similarity.unattached").GetInt64());
        Assert.Equal(1, service.GetProperty("consensus.chunks_completed").GetInt64());
    }
}
