using HdrHistogram;

namespace Synthex.Load;

/// <summary>Latency percentiles in microseconds.</summary>
public sealed record LatencySummary(long Count, double P50, double P90, double P99, double P999, double Max, double Mean)
{
    public static LatencySummary From(HistogramBase h)
    {
        if (h.TotalCount == 0) return new(0, 0, 0, 0, 0, 0, 0);
        static double Us(long ns) => ns / 1000.0;
        return new(h.TotalCount, Us(h.GetValueAtPercentile(50)), Us(h.GetValueAtPercentile(90)), Us(h.GetValueAtPercentile(99)),
                   Us(h.GetValueAtPercentile(99.9)), Us(h.GetMaxValue()), h.GetMean() / 1000.0);
    }
}

/// <summary>One interval of the run (the live line's figures, kept for the plot).</summary>
/// <param name="Seconds">End of the interval, seconds from the start of the run (warm-up included).</param>
/// <param name="Sent">Requests sent in the interval (warm-up ones included).</param>
/// <param name="Answered">Answers in the interval (warm-up ones included).</param>
/// <param name="Errors">Mismatches, timeouts and errors in the interval.</param>
public sealed record TimelinePoint(double Seconds, bool Warmup, long Sent, long Answered, double SentRate, double AnswerRate,
                                   double P50, double P99, double P999, long Errors);

/// <summary>What a load run found: the figures every report is written from.</summary>
public sealed record LoadResult
{
    public required string Scenario { get; init; }
    public required string Requests { get; init; }
    public required string Target { get; init; }
    public required string Shape { get; init; }
    public required bool OpenLoop { get; init; }
    public required int Threads { get; init; }
    public required string Io { get; init; }
    /// <summary>The measured window (warm-up excluded), seconds.</summary>
    public required double Seconds { get; init; }
    public required double WarmupSeconds { get; init; }
    public required double TimeoutSeconds { get; init; }

    public long Sent { get; init; }
    /// <summary>Answers matched to a request in flight: ok + mismatches + error statuses.</summary>
    public long Answered { get; init; }
    public long Mismatches { get; init; }
    public long Timeouts { get; init; }
    public long ErrorStatuses { get; init; }
    public long TransportErrors { get; init; }
    public long Unexpected { get; init; }
    public long Unsent { get; init; }
    /// <summary>Requests sent again after --timeout (not in <see cref="Sent"/>).</summary>
    public long Retransmissions { get; init; }
    /// <summary>Datagrams dropped on purpose before the socket (--loss), first sends and retransmissions.</summary>
    public long ClientDropped { get; init; }
    public double Loss { get; init; }
    public int Retries { get; init; }
    /// <summary>The scenario's unit when it is not one request (consensus: "round"); null otherwise.</summary>
    public string? Unit { get; init; }
    /// <summary>Units completed with every request in them answered ok.</summary>
    public long Units { get; init; }
    public double UnitRate => Seconds > 0 ? Units / Seconds : 0;
    public long WarmupSent { get; init; }
    public long WarmupAnswered { get; init; }
    public long WarmupTimeouts { get; init; }

    /// <summary>Error statuses plus failed system calls.</summary>
    public long Errors => ErrorStatuses + TransportErrors;
    public long Ok => Answered - Mismatches - ErrorStatuses;

    /// <summary>Answers per second over the measured window.</summary>
    public double Rate => Seconds > 0 ? Answered / Seconds : 0;
    public double SentRate => Seconds > 0 ? Sent / Seconds : 0;

    /// <summary>(mismatches + timeouts + errors) / sent; 1 when nothing was sent.</summary>
    public double ErrorRate => Sent == 0 ? 1 : Math.Min(1, (double)(Mismatches + Timeouts + Errors) / Sent);
    public required double MaxErrorRate { get; init; }
    public bool Passed => ErrorRate <= MaxErrorRate && Sent > 0;

    /// <summary>Every measured request ended answered or timed out.</summary>
    public bool Accounted => Sent == Answered + Timeouts;

    /// <summary>From the intended send time (coordinated-omission corrected).</summary>
    public required LatencySummary Latency { get; init; }
    /// <summary>From the actual send time (what a naive tool reports).</summary>
    public required LatencySummary LatencyUncorrected { get; init; }

    public required IReadOnlyList<TimelinePoint> Timeline { get; init; }
    public IReadOnlyList<string> Notes { get; init; } = [];
    public bool Interrupted { get; init; }

    /// <summary>Bytes the sender loops allocated after the warm-up (0: the hot path allocates nothing).</summary>
    public long SenderAllocatedBytes { get; init; }

    /// <summary>How latency was measured, in words, for every report.</summary>
    public string LatencyMethod => OpenLoop
        ? "latency is measured from each request's intended send time on the schedule (coordinated omission corrected: a stalled server or sender shows in the figures); from the actual send time it is given as uncorrected"
        : "closed loop: latency is measured from each request's actual send time (a request is sent when the one before it on its slot is answered, so intended and actual send time coincide)";
}
