using System.Security.Cryptography;

namespace Synthex.Protocol;

/// <summary>
/// Session nonces that increase (docs/PROTOCOL.md, "Authentication trailer", replay rules): the
/// wall clock in milliseconds in the high 44 bits, 20 random bits below. A service keeps, per keyed
/// (job, expert), only the highest sessions it has seen and refuses a CONTRIBUTE of a lower one as
/// a replay, so a restarted run must draw a higher session than its last one: a clock does that
/// without any state on the client, and the random bits keep two runs started in the same
/// millisecond apart (one in 2^20 collide).
/// </summary>
public static class Sessions
{
    /// <summary>Random bits below the clock.</summary>
    public const int RandomBits = 20;

    /// <summary>A new session: (Unix time in ms) · 2^20 + 20 random bits; never 0.</summary>
    public static ulong New() => New(DateTimeOffset.UtcNow);

    /// <summary>A session drawn at <paramref name="now"/> (for tests).</summary>
    public static ulong New(DateTimeOffset now)
        => ((ulong)now.ToUnixTimeMilliseconds() << RandomBits) | (uint)RandomNumberGenerator.GetInt32(1, 1 << RandomBits);
}
