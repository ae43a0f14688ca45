using System.Globalization;

namespace Synthex.Load;

/// <summary>
/// An open-loop schedule: the request rate (requests/s over all threads) as a function of time
/// since the measured window began. Made of segments, each constant or a linear ramp, so one
/// type serves <c>--rate R</c>, <c>--ramp A..B</c> (over <c>--duration</c>) and
/// <c>--steps R1:S1,R2:S2,...</c>. The warm-up runs at the rate the schedule starts with.
/// </summary>
public sealed class RateSchedule
{
    private readonly Segment[] _segments;

    private RateSchedule(Segment[] segments, string description)
    {
        _segments = segments;
        Description = description;
    }

    /// <param name="Start">Seconds from the window's start.</param>
    private readonly record struct Segment(double Start, double Seconds, double From, double To);

    public string Description { get; }

    /// <summary>The length the schedule defines (the last segment's end).</summary>
    public double Seconds => _segments[^1].Start + _segments[^1].Seconds;

    public double PeakRate => _segments.Max(s => Math.Max(s.From, s.To));

    /// <summary>The rate at <paramref name="t"/> seconds into the window (before it: the first
    /// rate; after it: the last).</summary>
    public double RateAt(double t)
    {
        if (t <= 0) return _segments[0].From;
        foreach (var s in _segments)
            if (t < s.Start + s.Seconds) return s.From + (s.To - s.From) * ((t - s.Start) / s.Seconds);
        return _segments[^1].To;
    }

    public static RateSchedule Constant(double rate, double seconds)
        => new([new(0, seconds, Positive(rate, "--rate"), rate)], $"open loop, {rate:0.###} requests/s");

    public static RateSchedule Ramp(double from, double to, double seconds)
        => new([new(0, seconds, Positive(from, "--ramp"), Positive(to, "--ramp"))], $"open loop, ramp {from:0.###} -> {to:0.###} requests/s over {seconds:0.###} s");

    /// <summary>Parses <c>A..B</c>.</summary>
    public static RateSchedule ParseRamp(string text, double seconds)
    {
        var parts = text.Split("..");
        if (parts.Length != 2 || !TryRate(parts[0], out double from) || !TryRate(parts[1], out double to))
            throw new LoadConfigurationException($"--ramp: '{text}' is not FROM..TO (requests/s, both > 0), e.g. 1000..50000");
        return Ramp(from, to, seconds);
    }

    /// <summary>Parses <c>R1:S1,R2:S2,...</c>: R requests/s for S seconds, in turn.</summary>
    public static RateSchedule ParseSteps(string text)
    {
        var segments = new List<Segment>();
        double start = 0;
        foreach (var step in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var parts = step.Split(':');
            if (parts.Length != 2 || !TryRate(parts[0], out double rate)
                || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !(seconds > 0))
                throw new LoadConfigurationException($"--steps: '{step}' is not RATE:SECONDS (both > 0), e.g. 1000:5,2000:5");
            segments.Add(new(start, seconds, rate, rate));
            start += seconds;
        }
        return new([.. segments], $"open loop, steps {text} (requests/s:seconds)");
    }

    private static bool TryRate(string text, out double rate)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out rate) && rate > 0 && double.IsFinite(rate);

    private static double Positive(double rate, string option)
        => rate > 0 && double.IsFinite(rate) ? rate : throw new LoadConfigurationException($"{option}: the rate must be > 0 (requests/s), not {rate}");
}
