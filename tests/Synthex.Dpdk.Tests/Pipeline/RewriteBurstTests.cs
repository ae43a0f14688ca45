using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Tests.Support;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Tests.Pipeline;

/// <summary>
/// The burst path of port-mapped rewrites (<see cref="IFrameApp.HeadRewriteLength"/>, forward's
/// macswap and l2fwd) must give exactly what the per-packet path gives: bursts mixing plain frames
/// with chained ones (forwarded, the head of the first segment rewritten: a jumbo frame over
/// scattered RX), chained ones whose first segment is shorter than the Ethernet header (dropped
/// multi_segment), short ones (14–15 bytes: too short for macswap's 16-byte shuffle, so the
/// per-packet path takes them), runts and unrouted inputs,
/// at burst sizes around the four-at-a-time loop, against a reference computed frame by frame.
/// </summary>
public class RewriteBurstTests
{
    private static readonly byte[] Udp4 = FrameBuilder.Pad(new FrameBuilder().Build());

    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (string mode in new[] { "macswap", "l2fwd" })
            foreach (int burst in new[] { 1, 4, 5, 8, 32 })
                foreach (int seed in new[] { 1, 2, 3 })
                    data.Add(mode, burst, seed);
        return data;
    }

    /// <summary>Own MACs of the three ports, and port 0's configured peer (port 1's is l2fwd's default 02:00:00:00:00:01).</summary>
    private static readonly ulong[] OwnMacs = [0x0A1122334400, 0x0A1122334401, 0x0A1122334402];
    private static readonly byte[][] PeerMac = [[0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE], [0x02, 0, 0, 0, 0, 1]];

    /// <summary>What the app does to a frame leaving through <paramref name="output"/>, written byte by byte.</summary>
    private static byte[] Reference(string mode, byte[] frame, int output)
    {
        var rewritten = (byte[])frame.Clone();
        if (mode == "macswap")
        {
            frame.AsSpan(0, 6).CopyTo(rewritten.AsSpan(6));
            frame.AsSpan(6, 6).CopyTo(rewritten);
        }
        else
        {
            PeerMac[output].CopyTo(rewritten, 0);
            for (int b = 0; b < 6; b++) rewritten[6 + b] = (byte)(OwnMacs[output] >> (8 * (5 - b)));
        }
        return rewritten;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rewrite_bursts_match_the_per_packet_reference(string mode, int burst, int seed)
    {
        // Port 2 has no route (map 0:1,1:0): its frames are dropped as no_route.
        using var h = new WorkerHarness(new RunSettings
        {
            Mode = mode, Burst = burst, Topology = PortTopology.Map, PortMap = "0:1,1:0",
            PeerMacs = "0=02:aa:bb:cc:dd:ee",
        }, ports: 3, macs: OwnMacs);
        var random = new Random(seed);
        var expected = new Dictionary<int, List<byte[]>> { [0] = [], [1] = [] };
        var drops = new Dictionary<DropReason, long>();
        long rxBytes = 0;
        for (int i = 0; i < 300; i++)
        {
            int port = random.Next(10) == 0 ? 2 : random.Next(2);
            // Mostly plain full frames, so whole bursts take the fast path; the rest break it.
            int kind = random.Next(100) < 85 ? 0 : random.Next(1, 6);
            byte[] frame = kind switch
            {
                1 => Udp4[..random.Next(14, 16)], // short: too short for macswap's burst path, still rewritten
                2 or 5 => Udp4[..random.Next(0, 14)],  // runt; chained, a header split across segments
                _ => (byte[])Udp4.Clone(),
            };
            // Tell frames apart by a byte no rewrite touches (l2fwd overwrites both MACs).
            if (frame.Length > 12) frame[^1] = (byte)i; else if (frame.Length > 0) frame[0] = (byte)i;
            bool chained = kind is 3 or 5;
            h.Network.Enqueue(port, frame, chained);
            rxBytes += frame.Length;

            DropReason reason = chained && frame.Length < 14 ? DropReason.MultiSegment
                : frame.Length < 14 ? DropReason.Runt
                : port == 2 ? DropReason.NoRoute
                : DropReason.None;
            if (reason != DropReason.None)
            {
                drops[reason] = drops.GetValueOrDefault(reason) + 1;
                continue;
            }
            expected[1 - port].Add(Reference(mode, frame, 1 - port));
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
