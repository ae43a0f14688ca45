using System.Globalization;

namespace Synthex.Dpdk.Apps.RateLimit;

/// <summary>
/// <c>--rate-limit RATE[/BURST]</c>: datagrams per second per source address, and how many a
/// source may send at once (default: one second's worth, RATE rounded up, at least 1).
/// </summary>
public readonly record struct RateLimitSpec(double Rate, int Burst)
{
    public const double MaxRate = 1e9;
    public const int MaxBurst = 1_000_000;

    // A live bucket's timestamp is at most BURST / RATE seconds ahead; the table keeps 48 bits of
    // nanoseconds (78 h, read as ±39 h), so that distance must stay well inside: 10 hours.
    private const double MaxBurstSeconds = 36_000;

    /// <summary>Parses <c>RATE[/BURST]</c> (RATE a positive number, BURST a positive integer); the message says what is wrong.</summary>
    public static bool TryParse(string text, out RateLimitSpec spec, out string problem)
    {
        spec = default;
        string[] parts = text.Split('/');
        if (parts.Length > 2
            || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double rate)
            || !double.IsFinite(rate) || rate <= 0 || rate > MaxRate)
        {
            problem = $"'{text}' is not RATE[/BURST]: RATE datagrams per second per source, a number > 0 and ≤ {MaxRate:0}, e.g. 1000 or 1000/50";
            return false;
        }
        int burst = (int)Math.Min(MaxBurst, Math.Max(1, Math.Ceiling(rate)));
        if (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out burst) || burst < 1 || burst > MaxBurst))
        {
            problem = $"'{text}': BURST must be an integer 1..{MaxBurst}";
            return false;
        }
        if (burst / rate > MaxBurstSeconds)
        {
            problem = $"'{text}': BURST / RATE is {burst / rate:0} s, more than {MaxBurstSeconds:0} s (raise RATE or lower BURST)";
            return false;
        }
        spec = new RateLimitSpec(rate, burst);
        problem = "";
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Rate}/{Burst}");
}
