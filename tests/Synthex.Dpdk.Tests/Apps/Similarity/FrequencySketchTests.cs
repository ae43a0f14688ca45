using Synthex.Dpdk.Apps;

namespace Synthex.Dpdk.Tests.Apps.Similarity;

/// <summary>The count-min sketch's promises: never below the true count before aging, saturating at 15, halving on the sample.</summary>
public sealed class FrequencySketchTests
{
    private static ulong Key(int i) => (ulong)i * 0x9E37_79B9_7F4A_7C15UL + 12345;

    [Fact]
    public void Before_aging_an_estimate_is_never_below_the_true_count()
    {
        var sketch = new FrequencySketch(1024);
        var rng = new Random(3);
        var truth = new Dictionary<int, int>();
        int increments = sketch.SampleSize / 2; // well before the first halving
        for (int n = 0; n < increments; n++)
        {
            int key = (int)Math.Min(4000, -Math.Log(1 - rng.NextDouble()) * 300); // skewed: some keys hot, many cold
            truth[key] = truth.GetValueOrDefault(key) + 1;
            sketch.Increment(Key(key));
        }
        Assert.Equal(0, sketch.Resets);
        foreach (var (key, count) in truth)
            Assert.True(sketch.Frequency(Key(key)) >= Math.Min(15, count), $"key {key}: estimate {sketch.Frequency(Key(key))} < true {count}");
        Assert.Equal(0, sketch.Frequency(Key(1_000_000))); // never seen: 0 unless collisions (a sparse table makes them unlikely for one key)
    }

    [Fact]
    public void A_counter_saturates_at_15()
    {
        var sketch = new FrequencySketch(64);
        for (int i = 0; i < 40; i++) sketch.Increment(Key(1));
        Assert.Equal(15, sketch.Frequency(Key(1)));
    }

    [Fact]
    public void Filling_the_sample_halves_every_estimate()
    {
        var sketch = new FrequencySketch(64);
        for (int i = 0; i < 12; i++) sketch.Increment(Key(7));
        int before = sketch.Frequency(Key(7));
        Assert.Equal(12, before);
        // Fill the sample with other keys until the halving happens.
        for (int i = 100; sketch.Resets == 0; i++) sketch.Increment(Key(i));
        Assert.Equal(1, sketch.Resets);
        int after = sketch.Frequency(Key(7));
        // Halved (6), plus what colliding keys added since (each counter halves, so ≥ 6, and small).
        Assert.InRange(after, 6, 8);
        Assert.True(sketch.Size < sketch.SampleSize / 2 + 1, $"size {sketch.Size} after halving");
    }

    [Fact]
    public void Explicit_reset_halves_counts_exactly_for_an_isolated_key()
    {
        var sketch = new FrequencySketch(1024);
        for (int i = 0; i < 9; i++) sketch.Increment(Key(5));
        sketch.Reset();
        Assert.Equal(4, sketch.Frequency(Key(5)));
        sketch.Reset();
        Assert.Equal(2, sketch.Frequency(Key(5)));
    }
}
