using System.Net;
using Synthex.Client;
using Synthex.Dpdk.IntegrationTests.Dpdk;
using Synthex.Dpdk.IntegrationTests.Endpoint;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Consensus;

/// <summary>
/// The real client (Synthex.Client) against <c>synthex run --app consensus</c> on DPDK: the
/// service behind the endpoint on <c>net_tap</c>, the experts' sockets inside the test namespace
/// on the tap's Linux side (created on a thread that joined the namespace), so every datagram
/// crosses the kernel's stack, ARP/ND and the endpoint. Without loss and with ~5 % loss each way
/// through a lossy relay inside the namespace (this kernel has no sch_netem, so <c>tc netem</c>
/// is not an option): every round completes with the f64 reference's consensus, through
/// retransmission where the relay lost something, and the report counts it.
/// </summary>
[Collection(nameof(DpdkCollection))]
public class ConsensusTapTests
{
    public static TheoryData<bool, double> Cases()
    {
        var d = new TheoryData<bool, double>();
        foreach (bool v6 in new[] { false, true })
            foreach (double loss in new[] { 0.0, 0.05 })
                d.Add(v6, loss);
        return d;
    }

    [Theory, MemberData(nameof(Cases))]
    public async Task Experts_in_a_namespace_get_every_rounds_consensus_over_dpdk(bool v6, double loss)
    {
        Assert.True(IsRoot, "needs root for ip netns, setns and net_tap (CI runs tests as root)");
        const int experts = 4, rounds = 10, length = 1000, chunks = 4;   // 4 chunks of 256 a round
        using var tap = new TapEndpoint("consensus", ["--round-timeout", "20000"]);
        var server = new IPEndPoint(IPAddress.Parse(v6 ? tap.ServerV6 : tap.ServerV4), tap.Port);
        ulong session = (ulong)Random.Shared.NextInt64();

        var relays = loss > 0
            ? NamespaceThread.Create(tap.Namespace, () => Enumerable.Range(0, experts).Select(e => new LossyRelay(server, loss, 300 + e)).ToArray())
            : null;
        var clients = NamespaceThread.Create(tap.Namespace, () => Enumerable.Range(0, experts).Select(e =>
            new ConsensusClient(relays?[e].EndPoint ?? server, new ConsensusClientOptions
            {
                Job = 5, Session = session, Expert = (byte)e, Chunk = 256, RetransmitDelay = TimeSpan.FromMilliseconds(30),
            })).ToArray());
        var results = new ConsensusResult[experts][];
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await Task.WhenAll(Enumerable.Range(0, experts).Select(async e =>
            {
                results[e] = new ConsensusResult[rounds];
                for (ulong r = 0; r < rounds; r++)
                    results[e][r] = await clients[e].ContributeAsync(r, experts, Vector(e, r, length), Weight(e), timeout.Token);
            }));
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
            foreach (var relay in relays ?? []) relay.Dispose();
        }

        for (ulong r = 0; r < rounds; r++)
            for (int e = 0; e < experts; e++)
            {
                var result = results[e][r];
                Assert.True(result.Complete, $"round {r} expert {e}: {string.Join(", ", result.Chunks)}");
                Assert.Equal(chunks, result.Chunks.Length);
                Assert.All(result.Chunks, c => Assert.Equal(0b1111UL, c.Experts));
                AssertConsensus(result.Values, experts, r, length);
            }
        if (relays is not null)
        {
            Assert.True(relays.Sum(x => x.Dropped) > 0, "the relay lost nothing: the loss case tested nothing");
            Assert.True(clients.Sum(c => c.Retransmissions) > 0, "datagrams were lost but no client retransmitted");
        }

        var doc = tap.Stop();
        var service = doc.GetProperty("service");
        Assert.Equal(rounds * chunks, service.GetProperty("chunks_completed").GetInt64());
        Assert.Equal(rounds, service.GetProperty("rounds_finished").GetInt64());
        Assert.Equal(rounds * chunks * experts, service.GetProperty("aggregated").GetInt64());
        Assert.Equal(0, service.GetProperty("chunks_partial").GetInt64());
        var totals = doc.GetProperty("totals");
        Assert.True(totals.GetProperty("accounted").GetBoolean(), doc.ToString());
        // Every expert but the completing one gets its result originated from the service's pool.
        Assert.True(totals.GetProperty("originated").GetInt64() >= rounds * chunks * (experts - 1), doc.ToString());
        if (relays is not null)
        {
            // A lost answer makes the expert send its chunk again: the service sees it as a
            // retransmission (absorbed into the open chunk, or answered again from the cache).
            long dropped = relays.Sum(x => x.Dropped);
            Assert.True(service.GetProperty("retransmissions").GetInt64() > 0, $"relays dropped {dropped}; service: {service}");
        }
    }

    private static float Value(int e, ulong r, int i) => MathF.Sin(i * 0.01f * (e + 1) + r) * (e + 1);

    private static float Weight(int e) => 0.5f + e;

    private static float[] Vector(int e, ulong r, int length) => Enumerable.Range(0, length).Select(i => Value(e, r, i)).ToArray();

    /// <summary>Each element within the bound PROTOCOL.md states against the f64 reference: 2(n+1)·2⁻²⁴·Σ|w·r| / Σw.</summary>
    private static void AssertConsensus(float[] values, int experts, ulong r, int length)
    {
        Assert.Equal(length, values.Length);
        double sumW = Enumerable.Range(0, experts).Sum(e => (double)Weight(e));
        for (int i = 0; i < length; i++)
        {
            double num = 0, abs = 0;
            for (int x = 0; x < experts; x++) { num += Weight(x) * (double)Value(x, r, i); abs += Weight(x) * Math.Abs((double)Value(x, r, i)); }
            double bound = 2.0 * (experts + 1) * Math.Pow(2, -24) * abs / sumW;
            Assert.True(Math.Abs(values[i] - num / sumW) <= bound, $"round {r} element {i}: {values[i]} vs {num / sumW}");
        }
    }
}
