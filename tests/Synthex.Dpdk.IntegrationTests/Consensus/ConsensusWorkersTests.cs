using Xunit.Abstractions;
using System.Net;
using Synthex.Client;
using Synthex.Dpdk.IntegrationTests.Fallback;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Consensus;

/// <summary>
/// The real client against <c>synthex run --app consensus --workers 2</c> on io_uring and sockets:
/// twelve experts, each its own socket (its own source port), so SO_REUSEPORT spreads them over
/// both workers' sockets and one chunk's contributions arrive on both; every round completes with
/// the f64 reference's consensus and the report shows contributions handed to the owning worker.
/// </summary>
[Collection(FallbackCollection.Name)]
public class ConsensusWorkersTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData("io-uring")]
    [InlineData("socket")]
    public async Task Experts_spread_over_two_workers_get_the_consensus_of_every_round(string backend)
    {
        // 12 experts hashed over 2 sockets: all on the owner's worker with probability 2^-11.
        const int experts = 12, rounds = 8, length = 600;   // 3 chunks of 256 a round
        int port = FreeUdpPort();
        string report = Path.Combine(TempDir(), "report.json");
        using var synthex = SynthexProcess.Start(["run", "--app", "consensus", "--backend", backend, "--listen", $"127.0.0.1:{port}",
            "--workers", "2", "--stats-interval", "0", "--stats-json", report, "--round-timeout", "30000"]);
        Assert.True(synthex.WaitFor("synthex: running", 30_000), synthex.Output);
        var server = new IPEndPoint(IPAddress.Loopback, port);
        ulong session = (ulong)Random.Shared.NextInt64();
        float Value(int e, ulong r, int i) => MathF.Cos(i * 0.02f * (e + 1) - r) * (e + 1);
        float Weight(int e) => 0.25f + e * 0.5f;
        var results = new ConsensusResult[experts][];
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await Task.WhenAll(Enumerable.Range(0, experts).Select(async e =>
        {
            await using var client = new ConsensusClient(server, new ConsensusClientOptions
            {
                Job = 5, Session = session, Expert = (byte)e, Chunk = 256, RetransmitDelay = TimeSpan.FromMilliseconds(50),
            });
            results[e] = new ConsensusResult[rounds];
            for (ulong r = 0; r < rounds; r++)
            {
                float[] v = Enumerable.Range(0, length).Select(i => Value(e, r, i)).ToArray();
                results[e][r] = await client.ContributeAsync(r, experts, v, Weight(e), timeout.Token);
            }
        }));

        double sumW = Enumerable.Range(0, experts).Sum(e => (double)Weight(e));
        ulong all = (1UL << experts) - 1;
        for (ulong r = 0; r < rounds; r++)
            for (int e = 0; e < experts; e++)
            {
                var result = results[e][r];
                Assert.True(result.Complete, $"round {r} expert {e}: {string.Join(", ", result.Chunks)}");
                Assert.All(result.Chunks, c => Assert.Equal(all, c.Experts));
                for (int i = 0; i < length; i++)
                {
                    double num = 0, abs = 0;
                    for (int x = 0; x < experts; x++) { num += Weight(x) * (double)Value(x, r, i); abs += Weight(x) * Math.Abs((double)Value(x, r, i)); }
                    double bound = 2.0 * (experts + 1) * Math.Pow(2, -24) * abs / sumW;
                    Assert.True(Math.Abs(result.Values[i] - num / sumW) <= bound, $"round {r} element {i}: {result.Values[i]} vs {num / sumW}");
                }
            }

        synthex.Signal(SynthexProcess.SIGTERM);
        Assert.Equal(0, synthex.WaitForExit(30_000));
        var doc = ReadReport(report);
        var service = doc.GetProperty("service");
        Assert.Equal(2, service.GetProperty("workers").GetInt64());
        Assert.Equal(rounds * 3, service.GetProperty("chunks_completed").GetInt64());
        Assert.Equal(rounds, service.GetProperty("rounds_finished").GetInt64());
        Assert.Equal(rounds * 3 * experts, service.GetProperty("aggregated").GetInt64());
        log.WriteLine($"service: {service}");
        long handedOff = service.GetProperty("handed_off").GetInt64();
        Assert.True(handedOff > 0, $"nothing was handed off: the experts all landed on one worker ({service})");
        Assert.Equal(handedOff, service.GetProperty("handoff_served").GetInt64());
        Assert.Equal(0, service.GetProperty("handoff_pending").GetInt64());
        Assert.True(doc.GetProperty("totals").GetProperty("accounted").GetBoolean(), doc.ToString());
    }
}
