using Synthex.Dpdk.Telemetry;

namespace Synthex.Dpdk.Tests.Support;

/// <summary>The accounting identity every test checks: <c>rx = replied + absorbed + dropped</c>, <c>tx = replied + originated</c>.</summary>
public static class Accounting
{
    /// <summary>Asserts both identities on one worker's counters, with <c>replied</c> counted independently of tx where the caller knows it.</summary>
    public static void AssertBalanced(WorkerCounters c, long? replied = null)
    {
        long r = replied ?? c.Replied;
        Assert.Equal(c.RxPackets, r + c.Absorbed + c.Dropped);
        Assert.Equal(c.TxPackets, r + c.OriginatedPackets);
    }
}
