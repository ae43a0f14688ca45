using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Tests.Support;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Tests.Pipeline;

/// <summary>
/// The burst path of port-mapped rewrites (<see cref="IFrameApp.HeadRewriteLength"/>, forward's
/// macswap) must give exactly what the per-packet path gives: bursts mixing plain frames with
/// chained ones, short ones (14–15 bytes: swapped by the scalar path), runts and unrouted inputs,
/// at burst sizes around the four-at-a-time loop, against a reference computed frame by frame.
/// </summary>
public class RewriteBurstTests
{
    private static readonly byte[] Udp4 = FrameBuilder.Pad(new FrameBuilder().Build());

    public static TheoryData<int, int> Cases()
    {
        var data = new TheoryData<int, int>();
        foreach (int burst in new[] { 1, 4, 5, 8, 32 })
            foreach (int seed in new[] { 1, 2, 3 })
                data.Add(burst, seed);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Macswap_bursts_match_the_per_packet_reference(int burst, int seed)
    {
        // Port 2 has no route (map 0:1,1:0): its frames are dropped as no_route.
        using var h = new WorkerHarness(new RunSettings
        {
            Mode = "macswap", Burst = burst, Topology = PortTopology.Map, PortMap = "0:1,1:0",
        }, ports: 3);
        var random = new Random(seed);
        var expected = new Dictionary<int, List<byte[]>> { [0] = [], [1] = [] };
        var drops = new Dictionary<DropReason, long>();
        long rxBytes = 0;
        for (int i = 0; i < 300; i++)
        {
            int port = random.Next(10) == 0 ? 2 : random.Next(2);
            // Mostly plain full frames, so whole bursts take the fast path; the rest break it.
            int kind = random.Next(100) < 85 ? 0 : random.Next(1, 5);
            byte[] frame = kind switch
            {
                1 => Udp4[..random.Next(14, 16)], // short: not plain for the burst path, still swapped
                2 => Udp4[..random.Next(0, 14)],  // runt
                _ => (byte[])Udp4.Clone(),
            };
            if (frame.Length > 0) frame[0] = (byte)i; // tell frames apart
            bool chained = kind == 3;
            h.Network.Enqueue(port, frame, chained);
            rxBytes += frame.Length;

            DropReason reason = chained ? DropReason.MultiSegment
                : frame.Length < 14 ? DropReason.Runt
                : port == 2 ? DropReason.NoRoute
                : DropReason.None;
            if (reason != DropReason.None)
            {
                drops[reason] = drops.GetValueOrDefault(reason) + 1;
                continue;
            }
            var swapped = (byte[])frame.Clone();
            frame.AsSpan(0, 6).CopyTo(swapped.AsSpan(6));
            frame.AsSpan(6, 6).CopyTo(swapped);
            expected[1 - port].Add(swapped);
        }

        h.RunUntilIdle();

        foreach (int port in new[] { 0, 1 })
        {
            var sent = h.Network.Sent.Where(s => s.Port == port).Select(s => s.Frame).ToList();
            Assert.Equal(expected[port].Count, sent.Count);
            for (int i = 0; i < sent.Count; i++) Assert.Equal(expected[port][i], sent[i]);
        }
        Assert.DoesNotContain(h.Network.Sent, s => s.Port == 2);
        foreach (var (reason, count) in drops) Assert.Equal(count, h.Counters.Drops(reason));
        Assert.Equal(300, h.Counters.RxPackets);
        Assert.Equal(rxBytes, h.Counters.RxBytes);
        Accounting.AssertBalanced(h.Counters);
        Assert.Equal(h.Network.Sent.Sum(s => (long)s.Frame.Length), h.Counters.TxBytes);
        Assert.Equal(0, h.Network.InUse);
    }
}
