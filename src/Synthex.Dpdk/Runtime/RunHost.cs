using System.Diagnostics;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Operations;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Telemetry;

namespace Synthex.Dpdk.Runtime;

/// <summary>
/// Runs one app on one opened backend from start to report, the same way for every backend:
/// start → live line every <see cref="RunSettings.StatsInterval"/> until the duration ends or a
/// signal asks to stop → stop and drain → report (summary line and <c>--stats-json</c>).
/// This is the control thread (DPDK's main lcore); it never touches packets.
/// </summary>
public static class RunHost
{
    public static RunReport Run(BackendSelection selection, RunSettings settings, QuitFlag stop, TextWriter log)
    {
        // Open what the app's workers share (a loaded matrix) before the backend starts; disposed
        // after the backend has stopped, so no worker still reads it.
        var app = OpenApp(settings, log);
        try
        {
            // SIGHUP reloads an app that can (similarity's matrix); the handler only asks, the app's
            // own thread loads. Other apps keep SIGHUP's default (the process ends).
            using var reload = app.Reloads
                ? PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx => { ctx.Cancel = true; app.RequestReload("SIGHUP"); })
                : null;
            return Run(selection, settings, stop, log, app);
        }
        finally
        {
            (app as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// Opens the run's app (<see cref="AppDescriptor.Open"/>): what its workers share, before the
    /// backend starts, behind the per-source rate limit when <c>--rate-limit</c> is given. The
    /// caller disposes it when it is <see cref="IDisposable"/>.
    /// </summary>
    public static AppDescriptor OpenApp(RunSettings settings, TextWriter log)
        => Apps.RateLimit.RateLimitedApp.Wrap(AppCatalog.Find(settings.App).Open(settings.AppOptions, log), settings.RateLimitSpec);

    private static RunReport Run(BackendSelection selection, RunSettings settings, QuitFlag stop, TextWriter log, AppDescriptor app)
    {
        var backend = selection.Backend;
        string? mode = app.ResolveMode(settings.Mode);

        // Opened before the workers so a busy --metrics port stops the run before it starts.
        var live = new LiveState(settings.Name ?? OperationsHost.DefaultName(app.Name), app.Name, mode, backend.Name, selection.Reason,
                                 () => Capture(backend), app.ServiceCounters, backend.ReadPools, app.ServiceHistograms);
        using var operations = OperationsHost.Open(live, settings.Metrics, settings.RunDir,
                                                   socketRequired: settings.Name is not null || settings.RunDir is not null, log);
        backend.Start(settings, app);
        long portsUp = backend.PortsUpTimestamp is var up and not 0 ? up : Stopwatch.GetTimestamp();

        // The processing window: workers are running from here until Stop() returns.
        long gcBefore = GC.CollectionCount(0);
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long started = Stopwatch.GetTimestamp();
        log.WriteLine($"synthex: running {app.Name}{(mode is null ? "" : "/" + mode)} on {backend.Name} " +
                      $"({selection.Reason}) with {backend.Workers.Count} worker(s) over {backend.Ports.Count} port(s)" +
                      (settings.Duration > 0 ? $" for {settings.Duration}s" : "; Ctrl-C to stop"));
        if (settings.Keys is not null)   // which HMAC engine signs and verifies (the fallback costs ~1.5 us more a message)
            log.WriteLine($"synthex: message authentication: {Synthex.Protocol.MacImplementation.Describe()}");

        TimeSpan interval = settings.StatsInterval > 0 ? TimeSpan.FromSeconds(settings.StatsInterval) : Timeout.InfiniteTimeSpan;
        long deadline = settings.Duration > 0 ? started + (long)(settings.Duration * Stopwatch.Frequency) : long.MaxValue;
        // The steady window starts here: the counters are read once when the warm-up ends.
        long warmupEnd = started + (long)(SteadyWindow.DefaultWarmupSeconds * Stopwatch.Frequency);
        StatsSnapshot? atWarmupEnd = null;
        double warmupSeconds = 0;
        var previous = Capture(backend);
        operations.State.Started(previous);
        operations.Systemd?.Ready($"running {app.Name} on {backend.Name}, {backend.Workers.Count} worker(s), {backend.Ports.Count} port(s)");
        while (!stop.IsRequested)
        {
            long now = Stopwatch.GetTimestamp();
            if (atWarmupEnd is null && now >= warmupEnd)
            {
                atWarmupEnd = Capture(backend);
                warmupSeconds = Stopwatch.GetElapsedTime(started, atWarmupEnd.Timestamp).TotalSeconds;
            }
            if (now >= deadline) { stop.Request("duration"); break; }
            TimeSpan untilDeadline = deadline == long.MaxValue ? Timeout.InfiniteTimeSpan : Stopwatch.GetElapsedTime(now, deadline);
            // Until the next live line is due (a wake-up for the warm-up must not delay it).
            TimeSpan untilLine = interval == Timeout.InfiniteTimeSpan ? interval
                : Max(TimeSpan.Zero, interval - Stopwatch.GetElapsedTime(previous.Timestamp, now));
            TimeSpan wait = Min(untilLine, untilDeadline);
            // Wake for the warm-up's end too, unless a live line is due about then anyway (the loop's
            // top takes the snapshot after either wake-up); a wake-up for it prints no line.
            bool wakeForWarmup = false;
            if (atWarmupEnd is null)
            {
                TimeSpan untilWarm = Stopwatch.GetElapsedTime(now, warmupEnd);
                if (wait == Timeout.InfiniteTimeSpan || untilWarm < wait - Slack) { wait = untilWarm; wakeForWarmup = true; }
            }
            if (stop.Wait(wait)) break;
            if (wakeForWarmup) continue;
            // Skip a sliver of an interval left before the deadline: it would print a noisy line.
            if (interval != Timeout.InfiniteTimeSpan && !stop.IsRequested
                && Stopwatch.GetElapsedTime(previous.Timestamp) >= interval / 2)
            {
                var current = Capture(backend);
                bool warmingUp = previous.Timestamp < warmupEnd - (long)(Slack.TotalSeconds * Stopwatch.Frequency);
                string line = LiveLine.Format(previous, current, Stopwatch.GetElapsedTime(started).TotalSeconds, backend.Name, warmingUp) + ServiceLine(app);
                log.WriteLine(line);
                operations.Systemd?.Status(line);
                previous = current;
                operations.State.MarkLive(current);
            }
        }

        // A worker that failed is reported after the others have drained: the counters and the
        // report still say what was processed, and the run exits 1 with the reason.
        operations.Systemd?.Stopping($"stopping ({stop.Cause ?? "stop"})");
        string? workerFailure = null;
        try
        {
            backend.Stop();
        }
        catch (Exception e)
        {
            workerFailure = e.Message;
            log.WriteLine($"synthex: {backend.Name}: {e.Message}");
        }
        operations.State.Stopped();
        app.StopReloading(); // a reload under way finishes before the counters are read: one whole version in the report
        double elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        long gcCollections = GC.CollectionCount(0) - gcBefore;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        var final = Capture(backend, extendedPortStats: true);
        var report = new RunReport
        {
            App = app.Name, Mode = mode, Backend = backend.Name, BackendReason = selection.Reason,
            ElapsedSeconds = elapsed, StopCause = stop.Cause, WorkerFailure = workerFailure,
            Final = final, Steady = SteadyWindow.Between(atWarmupEnd, warmupSeconds, final, elapsed),
            GcCollections = gcCollections, GcAllocatedBytes = allocated, GcHeapBytes = GC.GetTotalMemory(forceFullCollection: false),
            Service = app.ServiceCounters(),
            Latency = app.ServiceHistograms(),
            Pools = backend.ReadPools(), // after the stop: what the stopped ports' rings and the caches still hold
            Startup = ProcessClock.Current() is { } clock ? StartupTimes.Since(clock, selection.OpenedTimestamp, portsUp, FirstPacket(backend.Workers)) : null,
        };
        if (settings.StatsJson is not null)
        {
            // Validate() checked the directory before the run; it can still go (or fill up) since.
            try
            {
                report.WriteJson(settings.StatsJson);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                report.StatsJsonFailure = $"could not write --stats-json '{settings.StatsJson}': {e.Message}";
                log.WriteLine($"synthex: {report.StatsJsonFailure}");
            }
        }
        log.WriteLine(LiveLine.Summary(report));
        return report;
    }

    /// <summary>How close to the warm-up's end a wake-up or snapshot counts as at it (timer wake-ups are not exact).</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(50);

    /// <summary>The app's counters that are not zero, appended to the live line (consensus: rounds, chunks, busy, stale...).</summary>
    private static string ServiceLine(AppDescriptor app)
    {
        var counters = app.ServiceCounters();
        if (counters.Count == 0) return "";
        return " |" + string.Concat(counters.Where(kv => kv.Value != 0).Select(kv => $" {kv.Key} {kv.Value}"));
    }

    /// <summary>The earliest first-packet timestamp over the workers, or 0 when none received anything.</summary>
    private static long FirstPacket(IReadOnlyList<WorkerCounters> workers)
    {
        long first = 0;
        foreach (var w in workers)
            if (w.FirstRxTimestamp is var t and not 0 && (first == 0 || t < first)) first = t;
        return first;
    }

    private static StatsSnapshot Capture(IBackend backend, bool extendedPortStats = false)
        => StatsSnapshot.Capture(backend.Workers, backend.ReadPortStats(extendedPortStats));

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b)
        => a == Timeout.InfiniteTimeSpan ? b : b == Timeout.InfiniteTimeSpan ? a : a < b ? a : b;
}
