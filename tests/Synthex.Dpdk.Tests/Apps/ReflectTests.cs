using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Pipeline;

namespace Synthex.Dpdk.Tests.Apps;

/// <summary><c>reflect</c> as a datagram app: the payload rules. The backends run it in EndpointTests and the fallback tests.</summary>
public class ReflectTests
{
    [Fact]
    public void Datagram_sockperf_reply_clears_the_client_flag()
    {
        // sockperf ping: seq 7, flags CLIENT|PONG_REQUEST, length 14 (big-endian).
        byte[] ping = [0, 0, 0, 0, 0, 0, 0, 7, 0, 3, 0, 0, 0, 14];
        Assert.Equal(DatagramVerdict.Reply(14), new Reflect().Process(ping.AsSpan(), ping.Length, default));
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 0, 7, 0, 2, 0, 0, 0, 14 }, ping);
    }

    [Fact]
    public void Datagram_that_is_not_sockperf_goes_back_unchanged()
    {
        byte[] data = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
        var copy = (byte[])data.Clone();
        Assert.Equal(DatagramVerdict.Reply(15), new Reflect().Process(data.AsSpan(), data.Length, default));
        Assert.Equal(copy, data);
    }
}
