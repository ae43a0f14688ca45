using System.Net;
using Synthex.Client;
using Synthex.Dpdk.IntegrationTests.Fallback;
using Synthex.Protocol;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Faults;

/// <summary>
/// Fault: an expert vanishes mid-round. Three of four experts contribute a whole round through the
/// real client; the fourth sends its first chunk only and is gone (its socket closed). At the
/// round timeout (docs/PROTOCOL.md, "Consensus": open chunks close PARTIAL) the three get every
/// chunk: the first complete with all four, the rest PARTIAL with the three that came, their
/// values the weighted mean of those three. The unit test of the timeout
/// (<c>ConsensusEndpointTests</c>) runs the collector in process; this is the service as a
/// process, over io_uring, with an expert that really disappears.
/// </summary>
[Collection(FallbackCollection.Name)]
public class ExpertVanishesTests
{
    private const int Experts = 4, Length = 768, Chunk = 256; // three chunks

    [Fact]
    public async Task An_expert_that_vanishes_mid_round_leaves_the_others_a_partial_result_at_the_timeout()
    {
        int port = FreeUdpPort();
        string report = Path.Combine(TempDir(), "report.json");
        using var synthex = SynthexProcess.Start(["run", "--app", "consensus", "--backend", "io-uring", "--listen", $"127.0.0.1:{port}",
            "--workers", "1", "--stats-interval", "0", "--stats-json", report, "--round-timeout", "1500"]);
        Assert.True(synthex.WaitFor("synthex: running", 30_000), synthex.Output);
        var server = new IPEndPoint(IPAddress.Loopback, port);
        ulong session = (ulong)Random.Shared.NextInt64() | 1;
        float Value(int e, int i) => (e + 1) * MathF.Cos(i * 0.02f);
        float Weight(int e) => 1f + e;
        ConsensusClientOptions Options(int e) => new() { Job = 9, Session = session, Expert = (byte)e, Chunk = Chunk, RetransmitDelay = TimeSpan.FromMilliseconds(100) };

        // The vanishing expert: the first chunk of its whole vector (the round's length), then it is gone.
        using (var vanishing = new System.Net.Sockets.UdpClient())
        {
            var buffer = new byte[2048];
            var h = Contribute.Header(9, session, 0, 3, Experts, Length, 0, Chunk, Weight(3));
            int n = Contribute.Write(buffer, h, Enumerable.Range(0, Chunk).Select(i => Value(3, i)).ToArray());
            Assert.True(n > 0);
            vanishing.Send(buffer, n, server);
        }
        await Task.Delay(300); // the chunk reached the service before the others start

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(async e =>
        {
            await using var client = new ConsensusClient(server, Options(e));
            return await client.ContributeAsync(0, Experts, Enumerable.Range(0, Length).Select(i => Value(e, i)).ToArray(), Weight(e), timeout.Token);
        }));

        foreach (var result in results)
        {
            Assert.False(result.Complete);
            Assert.True(result.HasValues, string.Join(", ", result.Chunks));
            Assert.Equal(3, result.Chunks.Length);
            // The vanished expert's one chunk counts: the first chunk is complete with all four.
            Assert.Equal((Status.Ok, 0b1111UL), (result.Chunks[0].Status, result.Chunks[0].Experts));
            for (int c = 1; c < 3; c++)
                Assert.Equal((Status.Partial, 3, 0b0111UL), (result.Chunks[c].Status, result.Chunks[c].Count, result.Chunks[c].Experts));
            for (int i = 0; i < Length; i++)
            {
                int among = i < Chunk ? 4 : 3;
                double num = 0, sumW = 0;
                for (int e = 0; e < among; e++) { num += Weight(e) * (double)Value(e, i); sumW += Weight(e); }
                Assert.True(Math.Abs(result.Values[i] - num / sumW) <= 1e-5 * (1 + Math.Abs(num / sumW)), $"element {i}: {result.Values[i]} vs {num / sumW}");
            }
        }

        synthex.Signal(SynthexProcess.SIGTERM);
        Assert.Equal(0, synthex.WaitForExit(30_000));
        var json = ReadReport(report);
        Assert.True(json.GetProperty("totals").GetProperty("accounted").GetBoolean(), json.ToString());
        Assert.Equal(2, json.GetProperty("service").GetProperty("chunks_partial").GetInt64());
        Assert.Equal(1, json.GetProperty("service").GetProperty("chunks_completed").GetInt64());
    }
}
