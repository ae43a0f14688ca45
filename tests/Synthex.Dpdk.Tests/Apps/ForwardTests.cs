using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Tests.Support;
using Synthex.Dpdk.Apps;

namespace Synthex.Dpdk.Tests.Apps;

/// <summary>Golden byte-level tests: frames in, exact frames out, through the real poll loop.</summary>
public class ForwardTests
{
    private static readonly byte[] Udp4 = new FrameBuilder().Build();

    [Fact]
    public void Count_bytes_false_is_for_forward_io_alone_and_the_error_says_why()
    {
        Assert.Empty(RunSettingsValidator.Problems(new RunSettings { App = "forward", CountBytes = false }));              // io: forward's default mode
        Assert.Empty(RunSettingsValidator.Problems(new RunSettings { App = "forward", Mode = "io", CountBytes = false }));
        foreach (var settings in new[] { new RunSettings { App = "forward", Mode = "macswap", CountBytes = false }, new RunSettings { App = "reflect", CountBytes = false } })
        {
            var problem = Assert.Single(RunSettingsValidator.Problems(settings));
            Assert.Equal("count-bytes", problem.Key);
            Assert.Contains("only forward --mode io", problem.Message);
        }
    }

    [Fact]
    public void Io_forwards_untouched_to_the_paired_port()
    {
        using var h = new WorkerHarness(new RunSettings { Mode = "io" }, ports: 2);
        h.Network.Enqueue(0, Udp4);
        h.Network.Enqueue(1, FrameBuilder.Arp());
        h.Network.Enqueue(0, [1, 2, 3]); // io does not look: even a runt goes through
        h.RunUntilIdle();
        Assert.Equal([(1, Udp4), (1, [1, 2, 3]), (0, FrameBuilder.Arp())],
            h.Network.Sent.Select(s => (s.Port, s.Frame)).OrderBy(s => s.Port == 0).ToArray(), new FrameComparer());
        Assert.Equal(3, h.Counters.TxPackets);
        Assert.Equal(0, h.Network.InUse);
    }

    [Fact]
    public void Macswap_swaps_exactly_the_twelve_address_bytes()
    {
        using var h = new WorkerHarness(new RunSettings { Mode = "macswap" }, ports: 2);
        var frame = FrameBuilder.Pad(new FrameBuilder { Vlans = [7] }.Build());
        h.Network.Enqueue(1, frame);
        h.RunUntilIdle();
        var expected = (byte[])frame.Clone();
        FrameBuilder.MacA.CopyTo(expected, 0);
        FrameBuilder.MacB.CopyTo(expected, 6);
        var sent = Assert.Single(h.Network.Sent);
        Assert.Equal(0, sent.Port);
        Assert.Equal(expected, sent.Frame);
    }

    [Fact]
    public void Macswap_drops_runts_under_their_reason()
    {
        using var h = new WorkerHarness(new RunSettings { Mode = "macswap" }, ports: 1);
        h.Network.Enqueue(0, new byte[13]);
        h.Network.Enqueue(0, Udp4);
        h.RunUntilIdle();
        Assert.Equal(1, h.Counters.Drops(DropReason.Runt));
        Assert.Equal(0, Assert.Single(h.Network.Sent).Port); // single port loops
        Assert.Equal(0, h.Network.InUse);
    }

    [Fact]
    public void L2fwd_writes_peer_and_own_mac_of_the_output_port()
    {
        ulong[] own = [0x0A0000000000, 0x0A0000000001];
        using var h = new WorkerHarness(new RunSettings { Mode = "l2fwd", PeerMacs = "1=02:11:22:33:44:55" }, ports: 2, macs: own);
        h.Network.Enqueue(0, Udp4); // → port 1: peer configured
        h.Network.Enqueue(1, Udp4); // → port 0: l2fwd default peer 02:00:00:00:00:00
        h.RunUntilIdle();
        var to1 = h.Network.Sent.Single(s => s.Port == 1).Frame;
        var to0 = h.Network.Sent.Single(s => s.Port == 0).Frame;
        Assert.Equal(new byte[] { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x0A, 0, 0, 0, 0, 1 }, to1[..12]);
        Assert.Equal(new byte[] { 0x02, 0, 0, 0, 0, 0, 0x0A, 0, 0, 0, 0, 0 }, to0[..12]);
        Assert.Equal(Udp4[12..], to1[12..]);
    }

    [Fact]
    public void Explicit_map_routes_and_unmapped_inputs_drop_as_no_route()
    {
        using var h = new WorkerHarness(new RunSettings { Mode = "io", Topology = PortTopology.Map, PortMap = "0:2,2:1" }, ports: 3);
        h.Network.Enqueue(0, Udp4);
        h.Network.Enqueue(2, Udp4);
        h.Network.Enqueue(1, Udp4);
        h.RunUntilIdle();
        Assert.Equal([1, 2], h.Network.Sent.Select(s => s.Port).Order());
        Assert.Equal(1, h.Counters.Drops(DropReason.NoRoute));
    }

    [Fact]
    public void Odd_port_count_cannot_be_paired()
    {
        var e = Assert.Throws<ConfigurationException>(() => new WorkerHarness(new RunSettings { Mode = "io" }, ports: 3));
        Assert.Equal("topology", e.Key);
    }

    private sealed class FrameComparer : IEqualityComparer<(int, byte[])>
    {
        public bool Equals((int, byte[]) x, (int, byte[]) y) => x.Item1 == y.Item1 && x.Item2.AsSpan().SequenceEqual(y.Item2);
        public int GetHashCode((int, byte[]) obj) => obj.Item1;
    }
}
