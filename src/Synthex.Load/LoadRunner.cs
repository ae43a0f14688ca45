using System.Diagnostics;
using System.Globalization;
using HdrHistogram;
using Synthex.Load.Scenarios;
using Synthex.Load.Transport;

namespace Synthex.Load;

/// <summary>
/// Runs a load: one <see cref="SenderThread{TScenario,TTransport}"/> per --threads, all starting
/// on one clock, while the calling thread is the monitor: once per interval it sums the threads'
/// counters and takes their interval histograms (HdrHistogram recorders: the senders record
/// without locks), prints the live line and keeps the point for the plot.
/// </summary>
public static class LoadRunner
{
    /// <param name="live">Where the live line goes (null: none).</param>
    /// <param name="stop">Cancelled on SIGINT/SIGTERM: sending stops, in-flight requests drain, the reports are written.</param>
    public static LoadResult Run(LoadOptions options, TextWriter? live, CancellationToken stop = default)
    {
        options.Validate();
        return options.Scenario.Create(new Starter(options, live, stop), options.ScenarioOptions);
    }

    private sealed class Starter(LoadOptions options, TextWriter? live, CancellationToken stop) : IScenarioConsumer<LoadResult>
    {
        public LoadResult Accept<TScenario>(Func<ScenarioContext, TScenario> create) where TScenario : struct, IScenario
            => options.Io == IoKind.Mmsg
                ? Monitor(options, live, stop, (s, c, t) => new SenderThread<TScenario, MmsgTransport>(s, c, options, t, create, new MmsgTransport(options.Target)).Run)
                : Monitor(options, live, stop, (s, c, t) => new SenderThread<TScenario, SocketApiTransport>(s, c, options, t, create, new SocketApiTransport(options.Target)).Run);
    }

    private static LoadResult Monitor(LoadOptions options, TextWriter? live, CancellationToken stop,
                                      Func<SenderState, RunClock, int, Action> makeSender)
    {
        var clock = new RunClock();
        var states = new SenderState[options.Threads];
        var threads = new Thread[options.Threads];
        for (int i = 0; i < threads.Length; i++)
        {
            states[i] = new SenderState();
            // Sockets are opened here, on the caller: a bad target fails before anything runs.
            threads[i] = new Thread(new ThreadStart(makeSender(states[i], clock, i))) { Name = $"load-sender-{i}", IsBackground = true };
        }

        long f = Stopwatch.Frequency;
        // Start 50 ms from now, so every thread is waiting on the same start line.
        clock.Start = Stopwatch.GetTimestamp() + f / 20;
        clock.WarmupEnd = clock.Start + (long)(options.WarmupSeconds * f);
        clock.End = clock.WarmupEnd + (long)(options.DurationSeconds * f);
        using var registration = stop.Register(clock.Stop);
        foreach (var t in threads) t.Start();

        double interval = options.IntervalSeconds > 0 ? options.IntervalSeconds : 1;
        var timeline = new List<TimelinePoint>();
        HistogramBase corrected = SenderState.NewHistogram(), uncorrected = SenderState.NewHistogram();
        Totals previous = default, lastTotals = default;
        HistogramBase lastSlice = SenderState.NewHistogram();
        for (int k = 1; ; k++)
        {
            long due = clock.Start + (long)(k * interval * f);
            bool done = WaitAll(threads, due);
            long now = done ? Stopwatch.GetTimestamp() : due;
            var totals = Totals.Of(states);
            var slice = SenderState.NewHistogram();
            foreach (var s in states)
            {
                slice.Add(s.Corrected.GetIntervalHistogram());
                uncorrected.Add(s.Uncorrected.GetIntervalHistogram());
            }
            corrected.Add(slice);
            double seconds = (now - clock.Start) / (double)f;
            double span = Math.Max(seconds - (timeline.Count > 0 ? timeline[^1].Seconds : 0), 1e-9);
            // The drain after the last whole interval (answers still coming) is folded into
            // that interval rather than drawn as a sliver of its own.
            bool fold = done && timeline.Count > 0 && span < interval / 2;
            if (fold)
            {
                var last = timeline[^1];
                slice.Add(lastSlice);
                previous = lastTotals;
                span += last.Seconds - (timeline.Count > 1 ? timeline[^2].Seconds : 0);
                timeline.RemoveAt(timeline.Count - 1);
            }
            var lat = LatencySummary.From(slice);
            var point = new TimelinePoint(Math.Round(seconds, 3), now <= clock.WarmupEnd,
                totals.AllSent - previous.AllSent, totals.AllAnswered - previous.AllAnswered,
                (totals.AllSent - previous.AllSent) / span, (totals.AllAnswered - previous.AllAnswered) / span,
                lat.P50, lat.P99, lat.P999, totals.Failures - previous.Failures);
            timeline.Add(point);
            if (live is not null && options.IntervalSeconds > 0 && !fold) live.WriteLine(LiveLine(point, totals));
            lastTotals = previous;
            lastSlice = slice;
            previous = totals;
            if (done) break;
        }

        var final = Totals.Of(states);
        long stoppedAt = clock.StoppedAt;
        long endOfWindow = stoppedAt != 0 ? Math.Clamp(stoppedAt, clock.WarmupEnd, clock.End) : clock.End;
        // Every thread's scenario finished its work (--rounds) before the clock ran out: the
        // window ends with the last of them, so rates are over the time the work took.
        if (states.All(s => s.FinishedAt != 0))
            endOfWindow = Math.Clamp(states.Max(s => s.FinishedAt), clock.WarmupEnd, endOfWindow);
        var notes = new List<string>();
        for (int i = 0; i < states.Length; i++)
        {
            if (states[i].Failure is { } e) throw new InvalidOperationException($"sender thread {i} failed: {e.Message}", e);
            if (states[i].PinError is { } pin) notes.Add($"thread {i} not pinned: {pin}");
            if (states[i].Counters.LastErrno != 0) notes.Add($"thread {i}: last failed socket call errno {states[i].Counters.LastErrno}");
        }
        return new LoadResult
        {
            Scenario = options.Scenario.Name,
            Requests = options.Scenario.Describe(options.ScenarioOptions),
            Target = options.Target.ToString(),
            Shape = options.ShapeDescription,
            OpenLoop = options.IsOpenLoop,
            Threads = options.Threads,
            Io = options.Io == IoKind.Mmsg ? "sendmmsg/recvmmsg" : "socket send/receive",
            Seconds = Math.Max(0, (endOfWindow - clock.WarmupEnd) / (double)f),
            WarmupSeconds = options.WarmupSeconds,
            TimeoutSeconds = options.TimeoutSeconds,
            Sent = final.Sent, Answered = final.Answered, Mismatches = final.Mismatches, Timeouts = final.Timeouts,
            ErrorStatuses = final.ErrorStatuses, TransportErrors = final.TransportErrors, Unexpected = final.Unexpected,
            Unsent = final.Unsent, Retransmissions = final.Retransmissions, ClientDropped = final.ClientDropped,
            Loss = options.Loss, Retries = options.RetriesOrDefault,
            Unit = options.Scenario.Unit(options.ScenarioOptions), Units = final.Units,
            WarmupSent = final.WarmupSent, WarmupAnswered = final.WarmupAnswered, WarmupTimeouts = final.WarmupTimeouts,
            MaxErrorRate = options.MaxErrorRate,
            Latency = LatencySummary.From(corrected),
            LatencyUncorrected = LatencySummary.From(uncorrected),
            Timeline = timeline,
            Notes = notes,
            Interrupted = stoppedAt != 0 && stoppedAt < clock.End,
            SenderAllocatedBytes = states.Sum(s => s.LoopAllocatedBytes),
        };
    }

    /// <summary>Waits until every thread has ended or <paramref name="due"/> (Stopwatch ticks) comes.</summary>
    private static bool WaitAll(Thread[] threads, long due)
    {
        foreach (var t in threads)
        {
            long left = due - Stopwatch.GetTimestamp();
            if (left <= 0) return threads.All(x => !x.IsAlive);
            if (!t.Join(TimeSpan.FromSeconds(left / (double)Stopwatch.Frequency))) return false;
        }
        return true;
    }

    private static string LiveLine(TimelinePoint p, Totals t)
    {
        var c = CultureInfo.InvariantCulture;
        string phase = p.Warmup ? " warm-up" : "";
        return string.Create(c, $"[{p.Seconds,7:0.0}s]{phase} sent {p.SentRate,9:0} /s | answered {p.AnswerRate,9:0} /s | p50 {Us(p.P50)} p99 {Us(p.P99)} p99.9 {Us(p.P999)} | mismatches {t.Mismatches} timeouts {t.Timeouts} errors {t.ErrorStatuses + t.TransportErrors}");
    }

    internal static string Us(double us) => us switch
    {
        0 => "      -",
        < 1000 => string.Create(CultureInfo.InvariantCulture, $"{us,4:0} µs"),
        < 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{us / 1000,4:0.0} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{us / 1_000_000,5:0.00} s"),
    };

    /// <summary>The threads' counters summed.</summary>
    private readonly record struct Totals(long Sent, long Answered, long Mismatches, long ErrorStatuses, long Timeouts, long TransportErrors,
                                          long Unexpected, long WarmupSent, long WarmupAnswered, long WarmupTimeouts, long Unsent,
                                          long Retransmissions, long ClientDropped, long Units)
    {
        public long AllSent => Sent + WarmupSent;
        public long AllAnswered => Answered + WarmupAnswered;
        public long Failures => Mismatches + ErrorStatuses + Timeouts + TransportErrors;

        public static Totals Of(SenderState[] states)
        {
            var t = default(Totals);
            foreach (var s in states)
            {
                ref var c = ref s.Counters;
                t = new(t.Sent + Volatile.Read(ref c.Sent), t.Answered + Volatile.Read(ref c.Answered), t.Mismatches + Volatile.Read(ref c.Mismatches),
                        t.ErrorStatuses + Volatile.Read(ref c.ErrorStatuses), t.Timeouts + Volatile.Read(ref c.Timeouts),
                        t.TransportErrors + Volatile.Read(ref c.TransportErrors), t.Unexpected + Volatile.Read(ref c.Unexpected),
                        t.WarmupSent + Volatile.Read(ref c.WarmupSent), t.WarmupAnswered + Volatile.Read(ref c.WarmupAnswered),
                        t.WarmupTimeouts + Volatile.Read(ref c.WarmupTimeouts), t.Unsent + Volatile.Read(ref c.Unsent),
                        t.Retransmissions + Volatile.Read(ref c.Retransmissions), t.ClientDropped + Volatile.Read(ref c.ClientDropped),
                        t.Units + Volatile.Read(ref c.Units));
            }
            return t;
        }
    }
}
