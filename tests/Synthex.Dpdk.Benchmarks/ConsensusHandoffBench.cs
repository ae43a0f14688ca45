using System.Diagnostics;
using System.Globalization;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Apps.Consensus;
using Synthex.Protocol;

namespace Synthex.Dpdk.Benchmarks;

/// <summary>
/// <c>consensus-handoff [FLOATS,...]</c>: what handing a contribution to its owning worker costs,
/// side by side on one thread — rounds of 8 experts, target 8, one chunk of FLOATS floats:
/// <list type="bullet">
/// <item>direct: one worker receives and aggregates every contribution (the single-worker service);</item>
/// <item>hand-off: two workers; the owner receives 1 of 8, the other 7 are copied into the owner's
/// inbox by the receiving worker and aggregated when the owner drains it (its originations).</item>
/// </list>
/// Prints ns per contribution for each and the ratio. One thread, so this is the CPU cost of the
/// copy and the ring, without the cross-core cache-line transfers two lcores add.
/// </summary>
internal static class ConsensusHandoffBench
{
    public static int Run(string[] args)
    {
        int[] sizes = args.Length > 1 ? args[1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() : [16, 256, 1024];
        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
        foreach (int floats in sizes)
        {
            double direct = 0, handoff = 0;
            for (int rep = 0; rep < 5; rep++)   // alternating, best of 5 each
            {
                double d = Measure(floats, handOff: false);
                double h = Measure(floats, handOff: true);
                direct = rep == 0 ? d : Math.Min(direct, d);
                handoff = rep == 0 ? h : Math.Min(handoff, h);
            }
            Console.WriteLine(FormattableString.Invariant(
                $"consensus {floats,5} floats/contribution: direct {direct,7:F1} ns, hand-off (7 of 8) {handoff,7:F1} ns per contribution, ratio {handoff / direct:F2}"));
        }
        return 0;
    }

    private static double Measure(int floats, bool handOff)
    {
        var run = new ConsensusRun(new ConsensusLimits(MaxRoundsPerJob: 8, CompletedCache: 8, MaxLength: Math.Max(floats, 16)), 0xBE7C4u);
        ConsensusWorker owner = run.RegisterWorker(), other = run.RegisterWorker();
        byte[] buffer = new byte[Wire.MaxDatagram], origin = new byte[Wire.MaxDatagram];
        float[] values = new float[floats];
        for (int i = 0; i < floats; i++) values[i] = i * 0.5f;
        var peer = new DatagramPeer(UdpEndpoint.V4(0x0A000001, 4000), default, 0, 0, 0);
        ulong round = 0;
        void Rounds(int count)
        {
            for (int k = 0; k < count; k++, round++)
            {
                for (int e = 0; e < 8; e++)
                {
                    var h = Contribute.Header(7, 9, round, (byte)e, 8, (uint)floats, 0, (ushort)floats, 1f + e);
                    int n = Contribute.Write(buffer, h, values);
                    ConsensusWorker at = handOff && e > 0 ? other : owner;
                    at.Handle(buffer, n, peer, 0);
                }
                while (owner.Originate(origin, out _) > 0) { }
            }
        }
        Rounds(2000);   // warm-up: tiering
        long before = Stopwatch.GetTimestamp();
        int rounds = 0;
        while (Stopwatch.GetElapsedTime(before).TotalMilliseconds < 300) { Rounds(200); rounds += 200; }
        double ns = Stopwatch.GetElapsedTime(before).TotalNanoseconds;
        if (owner.Collector.Counters.ChunksCompleted != 2000 + rounds) throw new InvalidOperationException("rounds did not complete");
        return ns / (rounds * 8.0);
    }
}
