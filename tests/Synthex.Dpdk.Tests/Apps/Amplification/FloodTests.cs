using System.Buffers.Binary;
using Synthex.Dpdk.Fuzz;
using Synthex.Dpdk.Packets;
using Synthex.Protocol;
using Xunit.Abstractions;

namespace Synthex.Dpdk.Tests.Apps.Amplification;

/// <summary>
/// A flood of new rounds from many sources (issue 15's fault list) against the real consensus
/// service behind the endpoint, with <c>--rate-limit</c>: the job and round tables fill and the
/// rest is answered BUSY, each source past its burst is dropped <c>rate_limited</c>, every
/// datagram is accounted for, the managed heap stays flat, and a legitimate client is answered
/// once the flood's rounds have timed out.
/// </summary>
[Collection(HeapMeasuringCollection.Name)]
public class FloodTests(ITestOutputHelper output)
{
    private const int Sources = 2000, PerSource = 8, Burst = 3;

    [Fact]
    public void Many_sources_opening_rounds_get_busy_and_rate_limited_and_the_service_still_answers_afterwards()
    {
        using var rig = new ServiceRig(s => s with { RateLimit = $"0.01/{Burst}", RoundTimeout = 20 });
        long busy = 0;
        Flood(rig, sources: 50, ref busy, offset: 60_000); // warm-up (JIT, the tables' first use) from other sources
        long heapBefore = Heap();
        var before = rig.Snapshot();

        busy = 0;
        Flood(rig, Sources, ref busy);

        var after = rig.Snapshot();
        long heapAfter = Heap();
        long rx = after.RxPackets - before.RxPackets;
        long limited = after.Drops[(int)DropReason.RateLimited] - before.Drops[(int)DropReason.RateLimited];
        output.WriteLine($"{rx} datagrams from {Sources} sources: {limited} rate_limited, {busy} BUSY answers; " +
                         $"open rounds {rig.OpenRounds}; managed heap {heapBefore / 1024} KiB -> {heapAfter / 1024} KiB");
        Assert.Equal(Sources * PerSource, rx);
        Assert.Equal(Sources * (PerSource - Burst), limited);               // past each source's burst, none reaches the service
        Assert.True(busy > Sources, $"{busy} BUSY answers");               // the tables are full: most of the rest is refused
        Assert.True(after.Accounted);
        Assert.InRange(rig.OpenRounds, 0, rig.Settings.MaxJobs * rig.Settings.MaxRoundsPerJob);
        Assert.True(heapAfter - heapBefore < 8 << 20, $"managed heap grew {(heapAfter - heapBefore) / 1024} KiB over the flood");
        Assert.Equal(0, rig.Network.InUse);

        // The flood's rounds time out (PARTIAL to their contributors); their jobs become reclaimable.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (rig.OpenRounds > 0 && DateTime.UtcNow < deadline) { Thread.Sleep(25); rig.PollSent(); }
        Assert.Equal(0, rig.OpenRounds);

        var contribution = AmplificationPropertyTests.Contribution(new Random(3), job: 4242, target: 1);
        var answers = rig.Send(Sources + 1, ipv6: true, contribution);
        var (to, answer) = Assert.Single(answers);
        Assert.Equal(Sources + 1, to);
        Assert.Equal((byte)Operation.Contribute | 0x80, answer[3]);
        Assert.Equal((byte)Status.Ok, answer[5]);
        Assert.Equal(contribution.Length, answer.Length);
    }

    private static void Flood(ServiceRig rig, int sources, ref long busy, int offset = 0)
    {
        var random = new Random(sources);
        for (int round = 0; round < PerSource; round++)
        {
            // A burst of 32 from 32 sources at a time, as a NIC would deliver them.
            for (int first = 0; first < sources; first += 32)
            {
                for (int s = first; s < Math.Min(sources, first + 32); s++)
                {
                    // Each source its own job and a new round every time: every datagram asks for new state.
                    var m = AmplificationPropertyTests.Contribution(random, job: 1000 + (uint)s, target: 4);
                    BinaryPrimitives.WriteUInt64LittleEndian(m.AsSpan(16), (ulong)round);
                    rig.Enqueue(offset + s, ipv6: s % 2 == 1, m);
                }
                rig.RunUntilIdle();
                foreach (var (_, answer) in rig.TakeSent())
                    if (answer[5] == (byte)Status.Busy) busy++;
            }
        }
    }

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

/// <summary>Tests that read the process's managed heap run alone: other tests' allocations would blur it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class HeapMeasuringCollection
{
    public const string Name = "heap measuring";
}
