using System.Buffers.Binary;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Apps.Consensus;

namespace Synthex.Dpdk.Tests.Apps.Consensus;

/// <summary>The lock-free MPSC inbox: order, full, wrap-around, oversize, and N producers × 1 consumer with forced interleavings.</summary>
public class HandoffInboxTests
{
    private static DatagramPeer Peer(int n) => new(UdpEndpoint.V4(0x0A000000u + (uint)n, (ushort)(1000 + n)), default, 0, 0, 0);

    private static byte[] Datagram(int value, int length)
    {
        var d = new byte[length];
        BinaryPrimitives.WriteInt32LittleEndian(d, value);
        for (int i = 4; i < length; i++) d[i] = (byte)(value + i);
        return d;
    }

    private static int Take(HandoffInbox inbox, out int length, out DatagramPeer peer)
    {
        Assert.True(inbox.TryPeek(out int slot));
        length = inbox.Length(slot);
        peer = inbox.Peer(slot);
        Span<byte> d = inbox.Room(slot)[..length];
        int value = BinaryPrimitives.ReadInt32LittleEndian(d);
        for (int i = 4; i < length; i++) Assert.Equal((byte)(value + i), d[i]);
        inbox.Release();
        return value;
    }

    [Fact]
    public void Datagrams_come_out_in_order_with_their_length_and_source()
    {
        var inbox = new HandoffInbox(8, 64);
        for (int i = 0; i < 5; i++) Assert.True(inbox.TryEnqueue(Datagram(i, 10 + i), Peer(i)));
        Assert.Equal(5, inbox.Count);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(i, Take(inbox, out int length, out DatagramPeer peer));
            Assert.Equal(10 + i, length);
            Assert.Equal(Peer(i), peer);
        }
        Assert.False(inbox.TryPeek(out _));
        Assert.Equal(0, inbox.Count);
    }

    [Fact]
    public void A_full_inbox_refuses_until_the_consumer_releases_a_slot()
    {
        var inbox = new HandoffInbox(4, 16);
        for (int i = 0; i < 4; i++) Assert.True(inbox.TryEnqueue(Datagram(i, 8), Peer(i)));
        Assert.False(inbox.TryEnqueue(Datagram(99, 8), Peer(9)));
        Assert.Equal(4, inbox.Count);
        Assert.Equal(0, Take(inbox, out _, out _));
        Assert.True(inbox.TryEnqueue(Datagram(4, 8), Peer(4)));
        Assert.False(inbox.TryEnqueue(Datagram(99, 8), Peer(9)));
        for (int i = 1; i <= 4; i++) Assert.Equal(i, Take(inbox, out _, out _));
    }

    [Fact]
    public void A_datagram_longer_than_a_slot_is_refused_and_nothing_is_taken()
    {
        var inbox = new HandoffInbox(4, 16);
        Assert.False(inbox.TryEnqueue(new byte[17], Peer(0)));
        Assert.Equal(0, inbox.Count);
        Assert.True(inbox.TryEnqueue(Datagram(1, 16), Peer(0)));
        Assert.Equal(1, Take(inbox, out int length, out _));
        Assert.Equal(16, length);
    }

    [Fact]
    public void Wrapping_around_many_laps_keeps_every_datagram_intact()
    {
        var inbox = new HandoffInbox(4, 32);
        int next = 0, expect = 0;
        var rng = new Random(3);
        for (int step = 0; step < 10_000; step++)
        {
            if (rng.Next(2) == 0 && inbox.Count < 4) Assert.True(inbox.TryEnqueue(Datagram(next, 4 + next % 29), Peer(next % 7)), "room was there");
            else if (inbox.Count > 0)
            {
                Assert.Equal(expect, Take(inbox, out int length, out DatagramPeer peer));
                Assert.Equal(4 + expect % 29, length);
                Assert.Equal(Peer(expect % 7), peer);
                expect++;
                continue;
            }
            else continue;
            next++;
        }
        Assert.True(expect > 1000);
    }

    [Theory]
    [InlineData(2, 4, 20_000, false)]
    [InlineData(4, 8, 10_000, true)]
    [InlineData(3, 2, 2_000, true)]
    public void N_producers_and_one_consumer_see_each_value_exactly_once_in_each_producers_order(int producers, int capacity, int each, bool interleave)
    {
        var inbox = new HandoffInbox(capacity, 16);
        if (interleave)
        {
            // Forced interleavings at the claim/publish points: yields and spins of random length.
            inbox.Interleave = () =>
            {
                int x = Random.Shared.Next(16);
                if (x == 0) Thread.Yield();
                else if (x < 4) Thread.SpinWait(x * 16);
            };
        }
        long full = 0;
        var threads = new Thread[producers];
        for (int p = 0; p < producers; p++)
        {
            int id = p;
            threads[p] = new Thread(() =>
            {
                for (int i = 0; i < each; i++)
                {
                    byte[] d = Datagram(id * 1_000_000 + i, 8 + i % 9);
                    while (!inbox.TryEnqueue(d, Peer(id))) { Interlocked.Increment(ref full); Thread.Yield(); }
                }
            }) { IsBackground = true };
            threads[p].Start();
        }
        var last = new int[producers];
        Array.Fill(last, -1);
        int total = producers * each;
        // A hang guard, not a timing assertion: fails only after a minute without any progress
        // (the machine is shared and loaded; a whole run may take minutes).
        var stalledSince = DateTime.UtcNow;
        for (int got = 0; got < total;)
        {
            if (!inbox.TryPeek(out _))
            {
                Assert.True(DateTime.UtcNow - stalledSince < TimeSpan.FromMinutes(1), $"consumer stuck after {got} of {total}");
                Thread.Yield();
                continue;
            }
            stalledSince = DateTime.UtcNow;
            int v = Take(inbox, out int length, out DatagramPeer peer);
            int p = v / 1_000_000, i = v % 1_000_000;
            Assert.Equal(Peer(p), peer);
            Assert.Equal(8 + i % 9, length);
            Assert.Equal(last[p] + 1, i);   // each producer's values in its order, none twice, none missing
            last[p] = i;
            got++;
        }
        foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromMinutes(1)));
        Assert.All(last, l => Assert.Equal(each - 1, l));
        Assert.False(inbox.TryPeek(out _));
        Assert.Equal(0, inbox.Count);
    }
}
