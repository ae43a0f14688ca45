using Synthex.Dpdk.Apps;

namespace Synthex.Dpdk.Tests.Apps.Similarity;

public class IndexQueueTests
{
    [Fact]
    public void Fifo_until_full_then_refuses_and_empty_says_so()
    {
        var q = new IndexQueue(4);
        for (int i = 0; i < 4; i++) Assert.True(q.TryEnqueue(i));
        Assert.False(q.TryEnqueue(99));
        Assert.Equal(4, q.Count);
        for (int i = 0; i < 4; i++) { Assert.True(q.TryDequeue(out int v)); Assert.Equal(i, v); }
        Assert.False(q.TryDequeue(out _));
        Assert.True(q.TryEnqueue(5)); // wraps around
        Assert.True(q.TryDequeue(out int w));
        Assert.Equal(5, w);
    }

    [Fact]
    public void Concurrent_producers_and_consumers_pass_every_value_exactly_once()
    {
        var q = new IndexQueue(64);
        const int producers = 3, perProducer = 100_000;
        var seen = new int[producers * perProducer];
        long taken = 0;
        var threads = new List<Thread>();
        for (int p = 0; p < producers; p++)
        {
            int start = p * perProducer;
            threads.Add(new Thread(() => { for (int i = 0; i < perProducer; i++) while (!q.TryEnqueue(start + i)) Thread.Yield(); }));
        }
        for (int c = 0; c < 2; c++)
            threads.Add(new Thread(() =>
            {
                while (Interlocked.Read(ref taken) < producers * perProducer)
                    if (q.TryDequeue(out int v)) { Interlocked.Increment(ref seen[v]); Interlocked.Increment(ref taken); }
                    else Thread.Yield();
            }));
        threads.ForEach(t => t.Start());
        Assert.All(threads, t => Assert.True(t.Join(TimeSpan.FromMinutes(2))));
        Assert.All(seen, n => Assert.Equal(1, n));
    }

    [Fact]
    public void Capacity_must_be_a_power_of_two()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new IndexQueue(6));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IndexQueue(1));
    }
}
