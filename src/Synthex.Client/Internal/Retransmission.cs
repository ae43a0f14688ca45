namespace Synthex.Client.Internal;

/// <summary>The clients' retransmission schedule (docs/PROTOCOL.md, "Client rules").</summary>
internal static class Retransmission
{
    /// <summary>Wait after the <paramref name="sends"/>-th send (≥ 1) before sending again: the first delay doubled per send up to the maximum, ±25 % jitter.</summary>
    public static long DelayMs(TimeSpan first, TimeSpan max, int sends, Random rng)
    {
        double backoff = Math.Min(first.TotalMilliseconds * Math.Pow(2, Math.Min(sends - 1, 16)), max.TotalMilliseconds);
        return (long)(backoff * (0.75 + 0.5 * rng.NextDouble()));
    }

    /// <summary>Wait after a BUSY answer: its retry-after (<c>detail</c>, ms) plus up to a quarter more, so clients told alike do not return together.</summary>
    public static long BusyDelayMs(ushort retryAfter, Random rng) => retryAfter + rng.Next(0, 1 + retryAfter / 4);
}
