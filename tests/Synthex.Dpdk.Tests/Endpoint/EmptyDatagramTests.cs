using Synthex.Dpdk.Fuzz;

namespace Synthex.Dpdk.Tests.Endpoint;

/// <summary>
/// Regression (found by the <c>service</c> fuzz target, 2026-12-07): a UDP datagram with an
/// empty payload in a frame that ends at the UDP header — IPv6's is 62 bytes, above Ethernet's
/// 60-byte minimum, so no NIC pads it — made the endpoint index one past the frame
/// (IndexOutOfRangeException in the worker loop). It is now handed to the app as a 0-byte
/// payload, which the services drop as too short, counted.
/// </summary>
public class EmptyDatagramTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_empty_datagram_to_the_service_port_is_a_counted_drop_not_a_crash(bool ipv6)
    {
        using var rig = new ServiceRig();
        var answers = rig.Send(0, ipv6, []);
        Assert.Empty(answers);
        var s = rig.Snapshot();
        Assert.Equal(1, s.RxPackets);
        Assert.Equal(1, s.Dropped);
        Assert.True(s.Accounted);
        Assert.Equal(0, rig.Network.InUse);
        // Still serving.
        Assert.Single(rig.Send(0, ipv6, Apps.RateLimit.RateLimitBackendTests.Query()[..64]));
    }
}
