using System.Net;
using Synthex.Client;
using Synthex.Dpdk.IntegrationTests.Fallback;
using Synthex.Protocol;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Consensus;

/// <summary>
/// The real client (Synthex.Client) against <c>synthex run --app consensus</c> as a child
/// process, on io_uring and sockets: several experts, rounds of several chunks, with and without
/// loss between them (a lossy relay); every round completes with the f64 reference's consensus,
/// the report counts it, and SIGTERM answers an open round ABORTED.
/// </summary>
[Collection(FallbackCollection.Name)]
public class ConsensusServiceTests
{
    public static TheoryData<string, double> Cases()
    {
        var d = new TheoryData<string, double>();
        foreach (var backend in new[] { "io-uring", "socket" })
            foreach (double loss in new[] { 0.0, 0.05 })
                d.Add(backend, loss);
        return d;
    }

    private static SynthexProcess StartService(string backend, int port, string report, params string[] extra)
    {
        var synthex = SynthexProcess.Start(["run", "--app", "consensus", "--backend", backend, "--listen", $"127.0.0.1:{port}",
            "--workers", "1", "--stats-interval", "0", "--stats-json", report, .. extra]);
        Assert.True(synthex.WaitFor("synthex: running", 30_000), synthex.Output);
        return synthex;
    }

    [Theory, MemberData(nameof(Cases))]
    public async Task Experts_get_the_consensus_of_every_round_even_with_loss(string backend, double loss)
    {
        const int experts = 4, rounds = 12, length = 1000;   // 4 chunks of 256 a round
        int port = FreeUdpPort();
        string report = Path.Combine(TempDir(), "report.json");
        using var synthex = StartService(backend, port, report, "--round-timeout", "20000");
        var server = new IPEndPoint(IPAddress.Loopback, port);
        ulong session = (ulong)Random.Shared.NextInt64();
        var relays = Enumerable.Range(0, experts).Select(e => new LossyRelay(server, loss, 100 + e)).ToArray();
        try
        {
            float Value(int e, ulong r, int i) => MathF.Sin(i * 0.01f * (e + 1) + r) * (e + 1);
            float Weight(int e) => 0.5f + e;
            var results = new ConsensusResult[experts][];
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await Task.WhenAll(Enumerable.Range(0, experts).Select(async e =>
            {
                await using var client = new ConsensusClient(relays[e].EndPoint, new ConsensusClientOptions
                {
                    Job = 3, Session = session, Expert = (byte)e, Chunk = 256, RetransmitDelay = TimeSpan.FromMilliseconds(30),
                });
                results[e] = new ConsensusResult[rounds];
                for (ulong r = 0; r < rounds; r++)
                {
                    float[] v = Enumerable.Range(0, length).Select(i => Value(e, r, i)).ToArray();
                    results[e][r] = await client.ContributeAsync(r, experts, v, Weight(e), timeout.Token);
                }
            }));

            for (ulong r = 0; r < rounds; r++)
            {
                double sumW = Enumerable.Range(0, experts).Sum(e => (double)Weight(e));
                for (int e = 0; e < experts; e++)
                {
                    var result = results[e][r];
                    Assert.True(result.Complete, $"round {r} expert {e}: {string.Join(", ", result.Chunks)}");
                    Assert.All(result.Chunks, c => Assert.Equal(0b1111UL, c.Experts));
                    for (int i = 0; i < length; i++)
                    {
                        double num = 0, abs = 0;
                        for (int x = 0; x < experts; x++) { num += Weight(x) * (double)Value(x, r, i); abs += Weight(x) * Math.Abs((double)Value(x, r, i)); }
                        double bound = 2.0 * (experts + 1) * Math.Pow(2, -24) * abs / sumW;
                        Assert.True(Math.Abs(result.Values[i] - num / sumW) <= bound, $"round {r} element {i}: {result.Values[i]} vs {num / sumW}");
                    }
                }
            }
        }
        finally
        {
            foreach (var relay in relays) relay.Dispose();
        }
        if (loss > 0) Assert.True(relays.Sum(r => r.Dropped) > 0, "the relay lost nothing: the loss case tested nothing");

        synthex.Signal(SynthexProcess.SIGTERM);
        Assert.Equal(0, synthex.WaitForExit(30_000));
        var doc = ReadReport(report);
        var service = doc.GetProperty("service");
        Assert.Equal(rounds * 4, service.GetProperty("chunks_completed").GetInt64());
        Assert.Equal(rounds, service.GetProperty("rounds_finished").GetInt64());
        Assert.Equal(rounds * 4 * experts, service.GetProperty("aggregated").GetInt64());
        Assert.True(doc.GetProperty("totals").GetProperty("accounted").GetBoolean(), doc.ToString());
        if (loss == 0) Assert.Equal(rounds * 4 * (experts - 1), doc.GetProperty("totals").GetProperty("originated").GetInt64());
    }

    [Theory]
    [InlineData("io-uring")]
    [InlineData("socket")]
    public async Task Sigterm_answers_an_open_round_aborted(string backend)
    {
        int port = FreeUdpPort();
        string report = Path.Combine(TempDir(), "report.json");
        using var synthex = StartService(backend, port, report, "--round-timeout", "60000");
        await using var client = new ConsensusClient(new IPEndPoint(IPAddress.Loopback, port), new ConsensusClientOptions { Job = 1, Expert = 2 });
        // Target 2 with one expert: the round stays open until the service stops.
        var pending = client.ContributeAsync(7, 2, new float[600], 1f);
        for (int i = 0; i < 100 && client.Epoch == 0 && !pending.IsCompleted; i++) await Task.Delay(50);
        await Task.Delay(300);   // the three chunks reached the service
        synthex.Signal(SynthexProcess.SIGTERM);
        var result = await pending.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(result.Chunks, c => Assert.Equal(Status.Aborted, c.Status));
        Assert.Equal(3, result.Chunks.Length);
        Assert.Equal(0, synthex.WaitForExit(30_000));
        Assert.Equal(3, ReadReport(report).GetProperty("service").GetProperty("chunks_aborted").GetInt64());
    }
}
