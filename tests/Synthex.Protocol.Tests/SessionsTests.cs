namespace Synthex.Protocol.Tests;

/// <summary><see cref="Sessions"/>: a later millisecond always draws a higher session (what a keyed
/// service's "sessions only move forward" rule needs from a restarted client), never 0.</summary>
public class SessionsTests
{
    [Fact]
    public void A_session_drawn_a_millisecond_later_is_always_higher_and_none_is_zero()
    {
        var t = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        for (int i = 0; i < 10_000; i++)
        {
            ulong earlier = Sessions.New(t), later = Sessions.New(t.AddMilliseconds(1));
            Assert.True(later > earlier, $"{later:x} after {earlier:x}");
            Assert.NotEqual(0UL, earlier);
            Assert.Equal((ulong)t.ToUnixTimeMilliseconds(), earlier >> Sessions.RandomBits);
            t = t.AddMilliseconds(1);
        }
        Assert.True(Sessions.New() > Sessions.New(DateTimeOffset.UtcNow.AddSeconds(-1)));
    }
}
