using System.Runtime.CompilerServices;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Kernels;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Tests.Support;

namespace Synthex.Dpdk.Tests.Pipeline;

/// <summary>
/// <see cref="FrameMeta.RssHash"/>: the device's hash when the packet carries one, else, for apps
/// that ask (<see cref="IFrameApp.UsesFlowHash"/>), <see cref="FlowHash"/> — the Toeplitz kernel
/// with DPDK's default key over the tuple a NIC hashes — else 0.
/// </summary>
public class RssHashTests
{
    [Fact]
    public void Flow_hash_matches_microsofts_rss_verification_vectors()
    {
        // Microsoft's RSS verification suite, first row: 66.9.149.187:2794 -> 161.142.100.80:1766.
        var tcp = new FrameBuilder
        {
            IpSrc = [66, 9, 149, 187], IpDst = [161, 142, 100, 80], SrcPort = 2794, DstPort = 1766, Protocol = IpProtocol.Tcp,
        };
        Assert.Equal(0x51ccc178u, FlowHash.Of(tcp.Build()));
        var icmp = new FrameBuilder { IpSrc = [66, 9, 149, 187], IpDst = [161, 142, 100, 80], Protocol = IpProtocol.Icmp };
        Assert.Equal(0x323e8fc2u, FlowHash.Of(icmp.Build())); // no ports: the 2-tuple
    }

    [Theory]
    [InlineData(false, IpProtocol.Udp, 0)]
    [InlineData(false, IpProtocol.Tcp, 2)]
    [InlineData(true, IpProtocol.Udp, 1)]
    [InlineData(true, IpProtocol.Tcp, 0)]
    [InlineData(true, IpProtocol.Icmp, 1)]
    public void Flow_hash_equals_the_toeplitz_kernel_for_the_default_key(bool ipv6, byte protocol, int vlans)
    {
        var b = new FrameBuilder { Ipv6 = ipv6, Protocol = protocol, SrcPort = 40000, DstPort = 53, Vlans = vlans == 0 ? [] : Enumerable.Repeat((ushort)7, vlans).ToArray() };
        var key = ToeplitzKey.Microsoft;
        bool ports = protocol != IpProtocol.Icmp;
        uint expected = (ipv6, ports) switch
        {
            (false, true) => Toeplitz.HashIpv4(0x0A000001, 0x0A000002, 40000, 53, key),
            (false, false) => Toeplitz.HashIpv4(0x0A000001, 0x0A000002, key),
            (true, true) => Toeplitz.HashIpv6(b.Ip6Src, b.Ip6Dst, 40000, 53, key),
            (true, false) => Toeplitz.HashIpv6(b.Ip6Src, b.Ip6Dst, key),
        };
        Assert.Equal(expected, FlowHash.Of(b.Build()));
    }

    [Fact]
    public void Fragments_hash_on_addresses_and_non_ip_or_broken_frames_hash_to_zero()
    {
        var first = new FrameBuilder().Build();
        first[14 + 6] = 0x20; // MF, offset 0: the UDP length is the whole datagram's
        first[14 + 3] -= 4; // and this packet is shorter than it says in UDP
        Assert.Equal(Toeplitz.HashIpv4(0x0A000001, 0x0A000002, ToeplitzKey.Microsoft), FlowHash.Of(first[..^4]));
        var later = new FrameBuilder().Build();
        later[14 + 7] = 0x10; // offset 16 bytes: no UDP header here
        Assert.Equal(Toeplitz.HashIpv4(0x0A000001, 0x0A000002, ToeplitzKey.Microsoft), FlowHash.Of(later));

        Assert.Equal(0u, FlowHash.Of(FrameBuilder.Arp()));
        Assert.Equal(0u, FlowHash.Of(new FrameBuilder().Build()[..20])); // IPv4 header cut
        Assert.Equal(0u, FlowHash.Of([]));
    }

    /// <summary>Records the hash each frame came with; the list lives outside the struct the worker copies.</summary>
    private struct HashRecorder<TAsk>(List<uint> seen) : IFrameApp where TAsk : struct, IAsk
    {
        public Fate Process(Span<byte> frame, in FrameMeta meta)
        {
            seen.Add(meta.RssHash);
            return Fate.Drop(DropReason.NotForUs);
        }

        public static bool UsesFlowHash => TAsk.Value;
    }

    private interface IAsk { static abstract bool Value { get; } }
    private struct Asks : IAsk { public static bool Value => true; }
    private struct DoesNotAsk : IAsk { public static bool Value => false; }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_worker_passes_the_device_hash_on_and_computes_one_only_for_apps_that_ask(bool asks)
    {
        var seen = new List<uint>();
        using var h = new WorkerHarness(ports: 1, poolSize: 64, capacity: 2048, burst: 32,
            f => asks ? f.Accept(new HashRecorder<Asks>(seen)) : f.Accept(new HashRecorder<DoesNotAsk>(seen)));
        byte[] udp = new FrameBuilder().Build();
        h.Network.Enqueue(0, udp, rssHash: 0xDEADBEEF); // the device's hash wins, even over software's
        h.Network.Enqueue(0, udp, rssHash: 0);          // a device hash of 0 is still the device's
        h.Network.Enqueue(0, udp);                      // no device hash
        h.Network.Enqueue(0, FrameBuilder.Arp());       // no device hash, not IP

        h.RunUntilIdle();

        uint software = asks ? Toeplitz.HashIpv4(0x0A000001, 0x0A000002, 1234, 9000, ToeplitzKey.Microsoft) : 0;
        Assert.Equal([0xDEADBEEF, 0u, software, 0u], seen);
        Assert.Equal(4, h.Counters.Drops(DropReason.NotForUs));
        Assert.Equal(0, h.Network.InUse);
    }
}
