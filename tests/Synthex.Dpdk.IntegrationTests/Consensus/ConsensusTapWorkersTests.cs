using Xunit.Abstractions;
using Synthex.Dpdk.IntegrationTests.Dpdk;
using Synthex.Dpdk.IntegrationTests.Endpoint;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Consensus;

/// <summary>
/// The consensus service on DPDK with two worker lcores: net_tap with two RX queues (the tap's
/// queue count follows <c>--rx-queues</c>; the kernel picks a queue by flow hash), twelve experts
/// in the test namespace each on its own socket, so one chunk's contributions arrive on both
/// lcores. Every round is answered with the reference consensus; both lcores received; the
/// contributions for the (job, session) the other lcore owns were handed to it.
/// </summary>
[Collection(nameof(DpdkCollection))]
public class ConsensusTapWorkersTests(ITestOutputHelper log)
{
    [Fact]
    public void Experts_over_a_tap_spread_on_two_lcores_get_the_consensus_of_every_round()
    {
        Assert.True(IsRoot, "needs root for ip netns and net_tap (CI runs tests as root)");
        // Two worker lcores on one core each way the machine allows (2 cores): 0@0 main, 1@1 and 2@1 workers.
        string prefix = SynthexRun.UniquePrefix();
        List<string> eal = ["--lcores", "0@0,1@1,2@1", "--no-huge", "-m", "256", "--no-shconf", "--no-pci",
                            "--file-prefix", prefix, "--log-level=lib.eal:error"];
        using var tap = new TapEndpoint("consensus", ["--rx-queues", "2", "--round-timeout", "30000"], eal);

        var (code, output) = tap.Client("python3", "-c", ConsensusClientScript.Source, tap.ServerV4, $"{tap.Port}", "12", "10");
        Assert.True(code == 0, output + tap.Output);
        Assert.Contains("rounds 10 ok", output);

        var report = tap.Stop();
        Assert.True(report.GetProperty("totals").GetProperty("accounted").GetBoolean(), report.ToString());
        var lcores = report.GetProperty("lcores").EnumerateArray().ToList();
        Assert.Equal(2, lcores.Count);
        log.WriteLine($"lcores rx: {string.Join(", ", lcores.Select(l => l.GetProperty("rx_packets").GetInt64()))}");
        Assert.All(lcores, l => Assert.True(l.GetProperty("rx_packets").GetInt64() > 0, $"an lcore received nothing: {report}"));
        var service = report.GetProperty("service");
        Assert.Equal(10, service.GetProperty("chunks_completed").GetInt64());
        Assert.Equal(10 * 12, service.GetProperty("aggregated").GetInt64());
        log.WriteLine($"service: {service}");
        long handedOff = service.GetProperty("handed_off").GetInt64();
        Assert.True(handedOff > 0, $"nothing was handed off: {service}");
        Assert.Equal(handedOff, service.GetProperty("handoff_served").GetInt64());
    }
}

/// <summary>
/// A Linux consensus client in Python (the kernel's stack, no .NET in the namespace): N experts,
/// each its own UDP socket (its own source port, new every round), contribute R single-chunk rounds and resend
/// until each gets its RESULT (BUSY: after its retry-after); every answer must be OK with all N
/// experts counted and equal the f64 weighted mean within 1e-5 relative. Usage:
/// <c>python3 -c SCRIPT HOST PORT EXPERTS ROUNDS</c>; prints <c>rounds R ok</c>.
/// </summary>
internal static class ConsensusClientScript
{
    public const string Source = """
        import random, select, socket, struct, sys, time
        HEADER = struct.Struct("<HBBBBHIIQQBBBBIIHHfHHQ")
        host, port, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        job, session, length = 9, random.getrandbits(64), 48
        socks = []
        def msg(e, r, w, v, rt):
            return HEADER.pack(0x5853, 1, 0x01, 0, 0, 0, 0, job, r, session, e, n, rt & 255, 0,
                               length, 0, length, 0, w, 0, 0, 0) + struct.pack(f"<{length}f", *v)
        for r in range(rounds):
            # New sockets (new source ports, new flows) every round: the tap's queue for a flow
            # follows the queue its answers leave from once learned, so old flows would all end
            # on the owner's queue; new ones are spread by their hash again.
            for s in socks: s.close()
            socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(n)]
            for s in socks: s.bind(("0.0.0.0", 0))
            ws = [0.5 + random.random() for _ in range(n)]
            vs = [[random.uniform(-10, 10) for _ in range(length)] for _ in range(n)]
            answers, attempt, start = {}, 0, time.time()
            while len(answers) < n:
                assert time.time() - start < 60, ("round", r, "answers", sorted(answers))
                for e in range(n):
                    if e not in answers: socks[e].sendto(msg(e, r, ws[e], vs[e], attempt), (host, port))
                attempt += 1
                end = time.time() + 0.3
                while len(answers) < n and time.time() < end:
                    ready, _, _ = select.select([socks[e] for e in range(n) if e not in answers], [], [], max(0, end - time.time()))
                    for e in range(n):
                        if socks[e] in ready:
                            data = socks[e].recv(65536)
                            f = HEADER.unpack_from(data)
                            if f[4] == 2: continue   # BUSY: resend next attempt
                            if f[8] != r: continue   # an earlier round's answer to a retransmission (from the cache)
                            assert f[2] == 0x81 and f[4] == 0, ("round", r, "expert", e, "status", f[4], "detail", f[5])
                            assert f[8] == r and f[10] == e and f[13] == n and f[21] == (1 << n) - 1, ("header", f)
                            answers[e] = list(struct.unpack_from(f"<{length}f", data, 64))
            sw = sum(ws)
            ref = [sum(ws[e] * vs[e][i] for e in range(n)) / sw for i in range(length)]
            for e, got in answers.items():
                for i in range(length):
                    assert abs(got[i] - ref[i]) <= 1e-5 * max(1.0, abs(ref[i])), ("round", r, "expert", e, i, got[i], ref[i])
        print("rounds", rounds, "ok")
        """;
}
