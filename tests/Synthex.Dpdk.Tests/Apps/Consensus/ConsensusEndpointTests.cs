using Synthex.Dpdk.Apps.Consensus;
using Synthex.Dpdk.Tests.Endpoint;
using Synthex.Dpdk.Tests.Support;
using Synthex.Protocol;

namespace Synthex.Dpdk.Tests.Apps.Consensus;

/// <summary>
/// <c>consensus</c> behind the endpoint stage on the in-memory port (the DPDK worker loop): the
/// completing contribution is answered in place, the other contributor's result is originated
/// from the pool, the round timeout runs in the worker's poll, and every packet is accounted for.
/// </summary>
public class ConsensusEndpointTests
{
    private const int PayloadOffset = 14 + 20 + 8;

    private static byte[] Frame(byte expert, byte target, float weight, float[] values, ushort timeout = 0)
    {
        var h = Synthex.Protocol.Contribute.Header(9, 77, 1, expert, target, (uint)values.Length, 0, (ushort)values.Length, weight, timeout);
        var payload = new byte[Wire.HeaderSize + values.Length * 4];
        Assert.Equal(payload.Length, Synthex.Protocol.Contribute.Write(payload, h, values));
        var frame = new FrameBuilder { IpSrc = [10, 0, 0, (byte)(10 + expert)], SrcPort = (ushort)(5000 + expert), PayloadLength = payload.Length, UdpChecksum = false }.Build();
        payload.CopyTo(frame, PayloadOffset);
        return frame;
    }

    private static Message Read(byte[] frame, out Header h)
    {
        var v = Codec.ReadAnswer(frame.AsSpan(PayloadOffset), out Message m);
        Assert.True(v.IsValid, v.ToString());
        h = m.Header;
        return m;
    }

    [Fact]
    public void The_completing_contribution_is_replied_in_place_and_the_other_is_originated()
    {
        var run = new ConsensusRun(new ConsensusLimits(MaxLength: 1024), 0x1234);
        using var w = EndpointTests.Harness(new ConsensusService(run), EndpointTests.Addresses("10.0.0.2/24"));
        w.Network.Enqueue(0, Frame(0, 2, 1f, [1f, 2f, 3f]));
        w.Network.Enqueue(0, Frame(1, 2, 3f, [5f, 6f, 7f]));
        w.RunUntilIdle();

        var sent = w.Network.Sent.Select(s => s.Frame).ToArray();
        Assert.Equal(2, sent.Length);
        foreach (var frame in sent)
        {
            Assert.True(EndpointTests.ChecksumsValid(frame, v6: false));
            var m = Read(frame, out Header h);
            Assert.Equal(Status.Ok, h.Status);
            Assert.Equal(0b11UL, h.Tag);
            Assert.Equal(new[] { 4f, 5f, 6f }, m.Values.ToArray());
            Assert.Equal(10 + h.Expert, frame[33]);                  // to that expert's address ...
            Assert.Equal(5000 + h.Expert, (frame[36] << 8) | frame[37]); // ... and port
        }
        Assert.Equal(2, w.Counters.RxPackets);
        Assert.Equal(1, w.Counters.Absorbed);
        Assert.Equal(1, w.Counters.Replied);
        Assert.Equal(1, w.Counters.OriginatedPackets);
        Accounting.AssertBalanced(w.Counters);
    }

    [Fact]
    public void A_full_size_ipv4_chunk_is_originated_not_lost_to_ipv6_header_room()
    {
        // 352 floats: 64 + 1,408 = 1,472 bytes of UDP payload, exactly an IPv4 packet of MTU 1500
        // (an IPv6 packet would be 20 bytes over). The answer to the expert that did not complete
        // the chunk is originated from the pool and must get the IPv4 room, not the IPv6 one.
        var values = Enumerable.Range(0, 352).Select(i => (float)i).ToArray();
        var run = new ConsensusRun(new ConsensusLimits(MaxLength: 1024), 0x1234);
        using var w = EndpointTests.Harness(new ConsensusService(run), EndpointTests.Addresses("10.0.0.2/24"), mtu: 1500);
        w.Network.Enqueue(0, Frame(0, 2, 1f, values));
        w.Network.Enqueue(0, Frame(1, 2, 1f, values));
        w.RunUntilIdle();

        var sent = w.Network.Sent.Select(s => s.Frame).ToArray();
        Assert.Equal(2, sent.Length);
        foreach (var frame in sent)
        {
            Assert.Equal(14 + 1500, frame.Length);
            Assert.True(EndpointTests.ChecksumsValid(frame, v6: false));
            var m = Read(frame, out Header h);
            Assert.Equal(Status.Ok, h.Status);
            Assert.Equal(values, m.Values.ToArray());
        }
        Assert.Equal(1, w.Counters.OriginatedPackets);
        Assert.Equal(0, w.Counters.OriginDropped);
        Assert.Equal(0, run.Snapshot().Single(c => c.Key == "originations_lost").Value);
        Accounting.AssertBalanced(w.Counters);
    }

    [Fact]
    public void The_round_timeout_runs_in_the_workers_poll_and_answers_partial()
    {
        var run = new ConsensusRun(new ConsensusLimits(MaxLength: 1024), 0x1234);
        using var w = EndpointTests.Harness(new ConsensusService(run), EndpointTests.Addresses("10.0.0.2/24"));
        w.Network.Enqueue(0, Frame(3, 2, 1f, [8f], timeout: 1));
        w.RunUntilIdle();
        Assert.Empty(w.Network.Sent);
        Thread.Sleep(20);
        w.Worker.PollOnce();
        w.Worker.Drain();
        var frame = Assert.Single(w.Network.Sent).Frame;
        var m = Read(frame, out Header h);
        Assert.Equal(Status.Partial, h.Status);
        Assert.Equal(1, h.Count);
        Assert.Equal(new[] { 8f }, m.Values.ToArray());
        Assert.Equal(1, run.Worker(0).Collector.Counters.ChunksPartial);
    }

    [Fact]
    public void A_datagram_the_codec_drops_is_a_bad_payload_drop()
    {
        var run = new ConsensusRun(new ConsensusLimits(MaxLength: 1024), 0x1234);
        using var w = EndpointTests.Harness(new ConsensusService(run), EndpointTests.Addresses("10.0.0.2/24"));
        w.Network.Enqueue(0, new FrameBuilder { PayloadLength = 20 }.Build());   // shorter than the header
        w.RunUntilIdle();
        Assert.Empty(w.Network.Sent);
        Assert.Equal(1, w.Counters.Drops(Synthex.Dpdk.Packets.DropReason.BadPayload));
        Assert.Equal(1, run.Worker(0).Collector.Counters.Dropped(Drop.TooShort));
        Accounting.AssertBalanced(w.Counters);
    }
}
