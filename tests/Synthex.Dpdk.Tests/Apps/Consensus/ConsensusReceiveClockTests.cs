using System.Diagnostics;
using Synthex.Dpdk.Apps.Consensus;
using static Synthex.Dpdk.Tests.Apps.Consensus.CollectorHarness;

namespace Synthex.Dpdk.Tests.Apps.Consensus;

/// <summary>
/// The worker's receive clock (<see cref="ConsensusWorker.Handle(Span{byte}, int, in Synthex.Dpdk.Apps.DatagramPeer)"/>):
/// read once per burst, not per datagram, but never the poll's own timestamp, which a blocking
/// backend (sockets, io_uring, the sleep idle mode) may have taken a whole wait earlier.
/// </summary>
public class ConsensusReceiveClockTests
{
    [Fact]
    public void The_first_datagram_after_a_poll_reads_the_clock_so_a_round_does_not_inherit_the_polls_old_timestamp()
    {
        var run = new ConsensusRun(new ConsensusLimits(MaxLength: 64, RoundTimeoutMs: 60_000), Epoch);
        ConsensusWorker worker = run.RegisterWorker();
        byte[] buffer = new byte[1024];

        // The backend polled an hour ago, then waited: the round opened now must time out 60 s from now.
        worker.Poll(Stopwatch.GetTimestamp() - 3600 * Stopwatch.Frequency);
        int n = Synthex.Protocol.Contribute.Write(buffer, Contribution(0, 2, 2, 0, 2, 1f), [1f, 2f]);
        Assert.Equal(ConsensusCollector.Absorbed, worker.Handle(buffer, n, PeerOf(0)));

        worker.Poll(Stopwatch.GetTimestamp());
        Assert.Equal(1, worker.Collector.OpenRounds);
        Assert.Equal(0, worker.Collector.Counters.ChunksPartial);

        // The same burst clock serves the round's second expert, which completes it in place.
        n = Synthex.Protocol.Contribute.Write(buffer, Contribution(1, 2, 2, 0, 2, 3f), [5f, 6f]);
        Assert.True(worker.Handle(buffer, n, PeerOf(1)) > 0);
        Assert.Equal(1, worker.Collector.Counters.ChunksCompleted);
        Assert.Equal(0, worker.Collector.OpenRounds);
    }
}
